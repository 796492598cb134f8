import type {
  Capability,
  Check,
  Pattern,
  SandboxResult,
  SynthesisReport,
  VerificationReport,
} from '../domain/index.js';
import type { VisionPort } from '../capabilities/index.js';
import { createHostSdk, schemaProblem, seededRandom, validateManifest } from '../capabilities/index.js';
import type { CandidateVerifier } from '../pipeline/index.js';
import type { SandboxTier } from '../sandbox/index.js';
import { analyze } from '../synthesis/index.js';
import type { TestScenePort } from './test-cases.js';
import { buildTestCases } from './test-cases.js';

export interface VerifierDeps {
  sandbox: SandboxTier;
  vision: VisionPort;
  scenes: TestScenePort;
  /** Inputs seen in the failures, by pattern id (so the tests include what users actually asked). */
  seenInputs?: (pattern: Pattern) => Promise<Array<Record<string, unknown>>>;
}

/**
 * Risk weights (documented in docs/architecture.md): static safety 0.4, test failures 0.4, permission
 * breadth 0.2 (actions weigh more than reads). A candidate with any failed check is rejected at this level.
 */
const PERMISSION_RISK: Record<string, number> = {
  'screen.capture': 0.1,
  'vision.analyze': 0.1,
  'ocr.read': 0.2,
  'actions.click': 0.6,
  'actions.type': 0.8,
};

/**
 * Levels `basic` (manifest valid, static gate) and `standard` (test cases on ground-truth screens pass in the
 * sandbox). Every check carries its evidence; the decision is derived from the checks, never assumed.
 */
export function createCandidateVerifier(deps: VerifierDeps): CandidateVerifier {
  return {
    async verify(capability: Capability, pattern: Pattern) {
      const checks: Check[] = [];
      const sandboxReports: Array<{ case: string; result: SandboxResult; problem: string | null }> = [];
      let manifestOk = true;
      try {
        validateManifest(capability.manifest);
        checks.push({ name: 'manifest-valid', passed: true, detail: 'manifest matches the schema' });
      } catch (err) {
        manifestOk = false;
        checks.push({ name: 'manifest-valid', passed: false, detail: (err as Error).message });
      }
      let synthesis: SynthesisReport;
      try {
        synthesis = analyze(capability.code, { permissions: capability.manifest.permissions });
      } catch (err) {
        synthesis = {
          safe: false,
          score: 0,
          violations: [
            { rule: 'unparsable', severity: 'critical', message: (err as Error).message, line: 0, column: 0 },
          ],
        };
      }
      checks.push({
        name: 'static-safety',
        passed: synthesis.safe,
        detail: `score ${synthesis.score.toFixed(3)}, ${synthesis.violations.length} violations${synthesis.violations.length ? ': ' + synthesis.violations.map((v) => `${v.rule}@${v.line}:${v.column}`).join(', ') : ''}`,
      });

      let passRate = 0;
      if (manifestOk && synthesis.safe) {
        const seen = (await deps.seenInputs?.(pattern)) ?? [];
        const cases = await buildTestCases(capability, pattern, deps.scenes, seen);
        if (cases.length === 0) {
          checks.push({
            name: 'test-cases',
            passed: false,
            detail: 'no test cases could be built for this capability',
          });
        }
        let passed = 0;
        for (const tc of cases) {
          const sdk = createHostSdk({
            vision: deps.vision,
            screen: tc.screen,
            permissions: capability.manifest.permissions,
            random: seededRandom(1),
            now: () => 0,
          });
          const result = await deps.sandbox.run({
            code: capability.code,
            input: tc.input,
            permissions: capability.manifest.permissions,
            limits: capability.manifest.limits,
            host: sdk,
            origin: capability.manifest.origin.kind,
          });
          let problem: string | null;
          if (result.status !== 'ok')
            problem = `sandbox status ${result.status}: ${result.error ?? result.violations.join('; ')}`;
          else
            problem =
              schemaProblem(capability.manifest.outputSchema, result.output) ?? tc.check(result.output);
          if (!problem) passed++;
          sandboxReports.push({ case: tc.name, result, problem });
          checks.push({
            name: `test: ${tc.name}`,
            passed: problem === null,
            detail:
              problem ??
              `ok in ${result.resources.wallMs.toFixed(1)} ms, ${result.hostCalls.length} host calls`,
          });
        }
        passRate = cases.length ? passed / cases.length : 0;
      }
      const permissionRisk = Math.max(
        0,
        ...capability.manifest.permissions.map((p) => PERMISSION_RISK[p] ?? 1),
      );
      const riskScore =
        Math.round((0.4 * (1 - synthesis.score) + 0.4 * (1 - passRate) + 0.2 * permissionRisk) * 1000) / 1000;
      const allPassed = checks.every((c) => c.passed);
      const verification: VerificationReport = {
        level: 'standard',
        passed: allPassed,
        decision: allPassed ? 'approve' : 'reject',
        riskScore,
        checks,
      };
      return { synthesis, verification, sandboxReports };
    },
  };
}
