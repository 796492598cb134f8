import type { Pattern } from '../domain/index.js';
import { schemaProblem } from '../capabilities/index.js';
import { CONDITIONS } from './risk.js';
import type { CapabilityTestCase } from './case-types.js';
import { buildTestCases } from './capability-cases.js';
import type { RunOnce, VerificationState } from './verification-run.js';
import { round, statusProblem } from './verification-run.js';
import type { VerifierDeps, VerifyRequest } from './verifier-deps.js';

/** The standard level: the capability's test cases on ground-truth screens. Returns the cases it ran. */
export async function standardLevel(
  state: VerificationState,
  deps: Pick<VerifierDeps, 'scenes' | 'seenInputs' | 'taught'>,
  request: Pick<VerifyRequest, 'pattern' | 'inputs'>,
  runOnce: RunOnce,
): Promise<CapabilityTestCase[]> {
  const { capability, check, factors, numbers, options, sandboxReports } = state;
  const manifest = capability.manifest;
  const w = options.weights;
  const pattern: Pattern | undefined = request.pattern;
  const seen = pattern ? ((await deps.seenInputs?.(pattern)) ?? []) : [];
  const cases: CapabilityTestCase[] = await buildTestCases(
    capability,
    pattern ?? { count: 0 },
    deps.scenes,
    [...(request.inputs ?? []), ...seen],
    pattern ? ((await deps.taught?.(pattern)) ?? []) : [],
  );
  let passed = 0;
  const failedCases: string[] = [];
  for (const tc of cases) {
    const o = await runOnce(`test: ${tc.name}`, 'test', tc.input, tc.screen);
    const problem =
      statusProblem(o.result) ??
      schemaProblem(manifest.outputSchema, o.result.output) ??
      tc.check(o.result.output);
    if (problem) failedCases.push(`${tc.name}: ${problem}`);
    else passed++;
    sandboxReports.push({ case: tc.name, result: o.result, problem });
  }
  const passRate = cases.length ? passed / cases.length : 0;
  numbers.testCases = cases.length;
  numbers.testsPassed = passed;
  numbers.testPassRate = round(passRate);
  if (cases.length === 0)
    check({
      name: 'tests',
      level: 'standard',
      severity: 'advisory',
      conditions: [CONDITIONS.development, CONDITIONS.manual],
      passed: false,
      detail: `no ground-truth test cases exist for intent ${manifest.intents[0]?.action ?? '?'}/${manifest.intents[0]?.targetKind ?? '?'}: correctness is unproven`,
    });
  else
    check({
      name: 'tests',
      level: 'standard',
      passed: passRate >= options.minTestPassRate,
      detail:
        `${passed}/${cases.length} test cases pass` +
        (failedCases.length ? ` — ${failedCases.slice(0, 5).join('; ')}` : ''),
    });
  factors.push({
    name: 'tests',
    value: 1 - passRate,
    weight: w.tests,
    detail: cases.length ? `1 − pass rate ${passRate.toFixed(3)}` : 'no test cases: correctness unproven',
  });
  return cases;
}
