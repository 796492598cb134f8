import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Capability } from '../domain/index.js';
import type { SandboxTier } from '../sandbox/index.js';
import { createSandboxTier } from '../sandbox/index.js';
import { createTestScenes, createVisionPort } from '../vision-port.js';
import type { DetailedVerificationReport, Verifier } from './index.js';
import { createCandidateVerifier, createVerifier } from './index.js';
import {
  clicksHonestly,
  clicksWhileCounting,
  clicksWhileReadOnly,
  countPattern,
  crashesOnEmptyScreen,
  generatedCount,
  growsMemory,
  leaksSecret,
  nondeterministic,
  seededRandomness,
  slow,
} from '../../test/support/verification-capabilities.js';

// Every capability below runs in the real process sandbox (pooled child, QuickJS), never in this process.
let sandbox: SandboxTier;
let verifier: Verifier;
/**
 * The same checks with fewer repetitions (2 determinism runs, 1 fuzzed input), for the capabilities that are
 * deliberately expensive per run: it keeps this file's runtime bounded without changing what is checked.
 */
let lean: Verifier;
const vision = createVisionPort();
const scenes = createTestScenes();

beforeAll(async () => {
  sandbox = await createSandboxTier('process', { poolSize: 1 });
  verifier = createVerifier({ sandbox, vision, scenes });
  lean = createVerifier({ sandbox, vision, scenes, options: { determinismRuns: 2, fuzzInputs: 1 } });
});
afterAll(async () => {
  await sandbox?.close();
});

const byName = (r: DetailedVerificationReport, name: string) => {
  const c = r.checks.find((x) => x.name === name);
  if (!c) throw new Error(`no check ${name} in ${r.checks.map((x) => x.name).join(', ')}`);
  return c;
};
const failedBlocking = (r: DetailedVerificationReport) =>
  r.checks.filter((c) => !c.passed && c.severity === 'blocking').map((c) => c.name);

async function comprehensive(cap: Capability, parameters = ['color', 'shape'], v = verifier) {
  return (await v.verify(cap, { level: 'comprehensive', pattern: countPattern(parameters) })).report;
}

describe('good generated capabilities', () => {
  it.each([[['color', 'shape', 'region']], [['shape']]])(
    'count-shapes %j is approved at comprehensive with every check passing',
    async (parameters) => {
      const r = await comprehensive(generatedCount(parameters), parameters);
      expect(r.checks.filter((c) => !c.passed)).toEqual([]);
      expect(r.decision).toBe('approve');
      expect(r.passed).toBe(true);
      expect(r.riskScore).toBeLessThanOrEqual(verifier.options.approveMaxRisk);
      expect(r.numbers.testsPassed).toBe(r.numbers.testCases);
      // Ground-truth cases from rendered screens: seen/drawn inputs, an absent target, an empty screen.
      expect(r.numbers.testCases).toBeGreaterThanOrEqual(4);
      // Tests + the fuzz screens the tests did not already cover + 4 fuzz inputs + 3 + 1 determinism runs:
      // all of it was really run.
      expect(r.numbers.runs).toBeGreaterThanOrEqual(r.numbers.testCases! + 4 + 4 + 3 + 1);
      expect(r.conditions).toEqual([]);
    },
  );

  it('is only conditional at basic: nothing ran, so it is held in development', async () => {
    const { report } = await verifier.verify(generatedCount(), { level: 'basic' });
    expect(report.checks.map((c) => c.name)).toEqual(['manifest-valid', 'static-safety', 'least-privilege']);
    expect(report.decision).toBe('conditional');
    expect(report.conditions).toEqual(['manual-promotion', 'max-stage:development']);
  });
});

describe('each check catches what it exists for', () => {
  it('side-effects: clicking while declaring read-only permissions (static gate and sandbox audit agree)', async () => {
    const { report } = await verifier.verify(clicksWhileReadOnly, {
      level: 'comprehensive',
      pattern: countPattern(['color', 'shape']),
      evidenceWhenUnsafe: true,
    });
    expect(report.decision).toBe('reject');
    expect(byName(report, 'static-safety').passed).toBe(false);
    expect(byName(report, 'static-safety').detail).toContain('permission-mismatch');
    const effects = byName(report, 'side-effects');
    expect(effects.passed).toBe(false);
    expect(effects.detail).toContain('permission:actions.click');
  });

  it('side-effects: an analysis (count) capability that clicks, even with the permission declared', async () => {
    const r = await comprehensive(clicksWhileCounting);
    expect(byName(r, 'static-safety').passed).toBe(true);
    expect(byName(r, 'tests').passed).toBe(true);
    expect(failedBlocking(r)).toEqual(['side-effects']);
    expect(byName(r, 'side-effects').detail).toMatch(
      /analysis capability \(count\) performed actions\.click/,
    );
    expect(r.decision).toBe('reject');
  });

  it('determinism: Math.random (seeded by QuickJS from the clock) gives different outputs for the same run', async () => {
    const r = await comprehensive(nondeterministic);
    // The static gate only warns (medium): it is the replay that proves the harm.
    expect(byName(r, 'static-safety').passed).toBe(true);
    expect(byName(r, 'static-safety').detail).toContain('nondeterminism');
    expect(failedBlocking(r)).toEqual(['determinism']);
    expect(byName(r, 'determinism').detail).toMatch(/gave [23] different outputs/);
    expect(r.decision).toBe('reject');
  });

  it('determinism: the same randomness from the injected sdk.random replays and passes', async () => {
    const r = await comprehensive(seededRandomness);
    const d = byName(r, 'determinism');
    expect(d.passed).toBe(true);
    expect(d.detail).toContain('depends on the injected sdk.random/sdk.clock');
    expect(r.decision).toBe('approve');
  });

  it('robustness: a capability that crashes on an empty screen', async () => {
    const r = await comprehensive(crashesOnEmptyScreen);
    const rob = byName(r, 'robustness');
    expect(rob.passed).toBe(false);
    expect(rob.detail).toMatch(/screen: empty( \(test run\))?: sandbox status error: TypeError/);
    // At least the empty, no-matches and blank screens have nothing to locate.
    expect(Number(/^(\d+) of \d+ fuzzed runs/.exec(rob.detail)?.[1])).toBeGreaterThanOrEqual(3);
    // Its ground-truth cases include an empty screen too, so the tests catch it as well.
    expect(failedBlocking(r)).toEqual(['tests', 'robustness']);
    expect(r.decision).toBe('reject');
  });

  it('robustness: a fuzzed run that only hit the watchdog once (a busy machine) is run again before it counts', async () => {
    // The real sandbox runs everything; this tier reports chosen runs as stopped by the watchdog, as a run
    // whose host-side vision calls were slowed past the timeout by other load would be.
    const stalling = (stallRuns: number[]) => {
      let n = 0;
      const tier: SandboxTier = {
        ...sandbox,
        name: sandbox.name,
        availability: () => sandbox.availability(),
        close: async () => {},
        [Symbol.asyncDispose]: async () => {},
        run: async (request) => {
          const result = await sandbox.run(request);
          n += 1;
          return stallRuns.includes(n)
            ? {
                ...result,
                status: 'timeout',
                output: undefined,
                error: 'timed out after 3000 ms (stopped by the watchdog)',
              }
            : result;
        },
      };
      return { tier, runs: () => n };
    };
    const options = { determinismRuns: 2, fuzzInputs: 1 };
    const counted = stalling([]);
    await comprehensive(
      generatedCount(['color', 'shape']),
      ['color', 'shape'],
      createVerifier({ sandbox: counted.tier, vision, scenes, options }),
    );
    const last = counted.runs(); // the last run is the schema-drawn fuzz input

    const once = stalling([last]);
    const r = await comprehensive(
      generatedCount(['color', 'shape']),
      ['color', 'shape'],
      createVerifier({ sandbox: once.tier, vision, scenes, options }),
    );
    expect(once.runs()).toBe(last + 1);
    const rob = byName(r, 'robustness');
    expect(rob.passed).toBe(true);
    expect(rob.detail).toMatch(/rerun after a timeout: input: .* \(timed out once, then ok\)/);
    expect(r.decision).toBe('approve');

    // Code that hangs hangs again: two timeouts in a row count as a hang.
    const twice = stalling([last, last + 1]);
    const hung = await comprehensive(
      generatedCount(['color', 'shape']),
      ['color', 'shape'],
      createVerifier({ sandbox: twice.tier, vision, scenes, options }),
    );
    const rob2 = byName(hung, 'robustness');
    expect(rob2.passed).toBe(false);
    expect(rob2.detail).toMatch(
      /^1 of \d+ fuzzed runs crashed, hung or broke the schema — input: .*sandbox status timeout/,
    );
    expect(rob2.detail).toMatch(/timed out twice/);
    expect(hung.decision).toBe('reject');
  });

  it('resources: a capability that grows its memory to over half its limit is conditional', async () => {
    const r = await comprehensive(growsMemory, ['color', 'shape'], lean);
    expect(failedBlocking(r)).toEqual([]);
    const res = byName(r, 'resources');
    expect(res.passed).toBe(false);
    expect(res.detail).toMatch(/peak memory [\d.]+ MB is \d+% of 16 MB/);
    expect(r.numbers.memoryShare).toBeGreaterThan(0.5);
    expect(r.decision).toBe('conditional');
    expect(r.conditions).toEqual(expect.arrayContaining(['max-stage:canary', 'manual-promotion']));
  });

  it('secrets: a capability that leaks an AWS key in its output', async () => {
    const r = await comprehensive(leaksSecret);
    expect(byName(r, 'static-safety').passed).toBe(true);
    expect(failedBlocking(r)).toEqual(['secrets']);
    const s = byName(r, 'secrets');
    expect(s.detail).toContain('AWS access key id');
    expect(s.detail).toContain('.data.trace');
    expect(s.detail).not.toContain('AKIAIOSF');
    expect(r.decision).toBe('reject');
  });

  it('performance: a slow capability is conditional (canary cap, manual promotion)', async () => {
    const r = await comprehensive(slow(), ['color', 'shape'], lean);
    expect(failedBlocking(r)).toEqual([]);
    const p = byName(r, 'performance');
    expect(p.passed).toBe(false);
    expect(r.numbers.medianCpuMs).toBeGreaterThan(verifier.options.cpuBudgetMs);
    expect(r.decision).toBe('conditional');
    expect(r.conditions).toEqual(expect.arrayContaining(['max-stage:canary', 'manual-promotion']));
  });

  it('an honest action capability passes side-effects but needs manual promotion in a limited group', async () => {
    const r = await comprehensive(clicksHonestly);
    expect(byName(r, 'side-effects').passed).toBe(true);
    expect(byName(r, 'side-effects').detail).toContain('every action reported');
    expect(failedBlocking(r)).toEqual([]);
    expect(r.decision).toBe('conditional');
    expect(r.conditions).toEqual(expect.arrayContaining(['manual-promotion', 'limited-group:internal']));
  });
});

describe('the pipeline verifier (drop-in createCandidateVerifier)', () => {
  it('returns synthesis, the report and the test cases’ sandbox results', async () => {
    const cv = createCandidateVerifier({ sandbox, vision, scenes });
    const cap = generatedCount(['color']);
    const out = await cv.verify(cap, countPattern(['color']));
    expect(out.verification.level).toBe('comprehensive');
    expect(out.verification.decision).toBe('approve');
    expect(out.synthesis.safe).toBe(true);
    expect(out.sandboxReports.length).toBe(
      (out.verification as DetailedVerificationReport).numbers.testCases,
    );
  });
});
