import type { VisionImage } from '../capabilities/index.js';
import { schemaProblem } from '../capabilities/index.js';
import { fuzzInputs, fuzzScreens, sceneTarget } from './fuzz.js';
import { observationChecks } from './observation-checks.js';
import type { CapabilityTestCase, TestScenePort } from './case-types.js';
import type { Observation, RunOnce, VerificationState } from './verification-run.js';
import { DAY_MS, FIXED_NOW, statusProblem } from './verification-run.js';
import type { VerifierDeps } from './verifier-deps.js';

/**
 * The comprehensive level: behaviour analysis. Determinism and robustness make runs of their own; the checks
 * on what every run did (side effects, outputs, secrets, resources, performance) follow. Returns the median
 * CPU time of a typical run.
 */
export async function comprehensiveLevel(
  state: VerificationState,
  deps: Pick<VerifierDeps, 'scenes'>,
  cases: CapabilityTestCase[],
  runOnce: RunOnce,
  screenCache: Map<string, Promise<VisionImage>>,
): Promise<number> {
  const { capability, check, observations, options } = state;
  const manifest = capability.manifest;
  const inputs = fuzzInputs(manifest.inputSchema, options.fuzzInputs, options.seed);
  const baseCase = cases[0];
  const baseInput = baseCase?.input ?? inputs[0] ?? {};
  const baseScreen =
    baseCase?.screen ??
    (await memoScene(screenCache, { ...sceneTarget(baseInput), count: 2, seed: options.seed }, deps));

  // Determinism: the same input and screen, with the same injected seed and clock, N times.
  const det: Observation[] = [];
  for (let i = 0; i < options.determinismRuns; i++)
    det.push(await runOnce(`determinism #${i + 1}`, 'determinism', baseInput, baseScreen));
  const fingerprint = (o: Observation) =>
    JSON.stringify([o.result.status, o.result.output ?? o.result.error ?? null, o.actions]);
  const distinct = new Set(det.map(fingerprint));
  // One more run with another seed and day tells whether the output depends on the injected sources.
  const probe = await runOnce(
    'determinism probe (other seed and clock)',
    'probe',
    baseInput,
    baseScreen,
    options.seed + 1,
    FIXED_NOW + DAY_MS,
  );
  const usesInjected = fingerprint(probe) !== fingerprint(det[0]!);
  check({
    name: 'determinism',
    level: 'comprehensive',
    passed: distinct.size === 1,
    detail:
      distinct.size === 1
        ? `${det.length} runs with seed ${options.seed} gave identical output` +
          (usesInjected ? ' (it depends on the injected sdk.random/sdk.clock, so it replays)' : '')
        : `${det.length} runs with the same input, screen, seed and clock gave ${distinct.size} different outputs, e.g. ${JSON.stringify(det.map((o) => (o.result.output as { answer?: unknown } | undefined)?.answer ?? o.result.status).slice(0, 3)).slice(0, 240)} — randomness or time not taken from sdk.random/sdk.clock`,
  });

  // Robustness: hostile-but-legitimate screens, and inputs drawn from the input schema.
  const crashes: string[] = [];
  const fuzzObs: Observation[] = [];
  // The test cases already ran the empty and no-match screens for the base input: their runs count
  // as that evidence instead of being repeated.
  const testObs = observations.filter((o) => o.kind === 'test');
  const ranAs = (name: string) => {
    const i = cases.findIndex((c) => c.name.startsWith(name) && c.input === baseInput);
    return i >= 0 ? { screen: cases[i]!.screen, obs: testObs[i] } : undefined;
  };
  const empty = cases.length ? ranAs('empty screen') : undefined;
  const none = cases.length ? ranAs('no matches') : undefined;
  const screens = await fuzzScreens(deps.scenes, baseInput, options, screenCache, {
    ...(baseCase ? { light: baseCase.screen } : {}),
    ...(empty ? { empty: empty.screen } : {}),
    ...(none ? { none: none.screen } : {}),
  });
  // A fuzzed run that only hit the wall-clock watchdog is run once more before it counts: on a machine busy
  // with other work (serving, other learners, CI) a heavy-but-legitimate screen can pass the timeout once,
  // and a rejection is final for its pattern. Code that really hangs hangs twice (and is reported so).
  const retried: string[] = [];
  const fuzzRun = async (...args: Parameters<typeof runOnce>): Promise<Observation> => {
    const first = await runOnce(...args);
    if (first.result.status !== 'timeout') return first;
    const again = await runOnce(...args);
    retried.push(
      `${args[0].replace(/^fuzz /, '')} (${again.result.status === 'timeout' ? 'timed out twice' : 'timed out once, then ' + again.result.status})`,
    );
    return again;
  };
  for (const f of screens) {
    const reused = f.kind === 'empty' ? empty?.obs : f.kind === 'no-matches' ? none?.obs : undefined;
    fuzzObs.push(
      reused
        ? { ...reused, purpose: `fuzz screen: ${f.kind} (test run)` }
        : await fuzzRun(`fuzz screen: ${f.kind}`, 'fuzz-screen', baseInput, f.screen),
    );
  }
  // Schema-drawn inputs on the base screen: what matters is that no legitimate input breaks the code.
  for (const input of inputs)
    fuzzObs.push(await fuzzRun(`fuzz input: ${JSON.stringify(input)}`, 'fuzz-input', input, baseScreen));
  for (const o of fuzzObs) {
    const s = o.result.status;
    if (s === 'error' || s === 'timeout' || s === 'memory')
      crashes.push(`${o.purpose.replace(/^fuzz /, '')}: ${statusProblem(o.result)}`);
    else if (s === 'ok') {
      const bad = schemaProblem(manifest.outputSchema, o.result.output);
      if (bad) crashes.push(`${o.purpose.replace(/^fuzz /, '')}: outputSchema ${bad}`);
    }
  }
  check({
    name: 'robustness',
    level: 'comprehensive',
    passed: crashes.length === 0,
    detail:
      (crashes.length
        ? `${crashes.length} of ${fuzzObs.length} fuzzed runs crashed, hung or broke the schema — ${crashes.slice(0, 4).join('; ')}`
        : `${fuzzObs.length} fuzzed runs (screens: empty, no-matches, dark, noisy, huge, blank; ${inputs.length} schema-drawn inputs) all completed within the schema`) +
      (retried.length ? `; rerun after a timeout: ${retried.join('; ')}` : ''),
  });

  return observationChecks(state);
}

function memoScene(
  cache: Map<string, Promise<VisionImage>>,
  spec: Parameters<TestScenePort['countScene']>[0],
  deps: Pick<VerifierDeps, 'scenes'>,
): Promise<VisionImage> {
  const key = JSON.stringify({ count: spec });
  let p = cache.get(key);
  if (!p) {
    p = deps.scenes.countScene(spec);
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}
