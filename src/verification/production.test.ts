import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Capability } from '../domain/index.js';
import { createHostSdk, seededRandom } from '../capabilities/index.js';
import type { VisionImage } from '../capabilities/index.js';
import type { SandboxTier } from '../sandbox/index.js';
import { createSandboxTier } from '../sandbox/index.js';
import { createTestScenes, createVisionPort } from '../vision-port.js';
import type { BenchmarkFigures, DetailedVerificationReport } from './index.js';
import { compareBenchmarks, createVerificationBenchmark, createVerifier, poolBenchmarks } from './index.js';
import { countPattern, generatedCount, slow } from '../../test/support/verification-capabilities.js';

let sandbox: SandboxTier;
let screen: VisionImage;
const vision = createVisionPort();
const scenes = createTestScenes();

beforeAll(async () => {
  sandbox = await createSandboxTier('process', { poolSize: 1 });
  screen = await scenes.countScene({ color: 'red', shape: 'circle', count: 2, seed: 5 });
});
afterAll(async () => {
  await sandbox?.close();
});

/**
 * A small real benchmark (the benchmark/ stage has the full one): `iterations` measured runs of the capability in
 * the process sandbox after 2 warm-up runs; p99 by nearest rank over the wall times measured here, error rate
 * over the runs, and the least-squares slope of guest memory per iteration as the leak signal.
 */
async function sandboxBenchmark(capability: Capability, iterations = 12): Promise<BenchmarkFigures> {
  const input = { color: 'red', shape: 'circle' };
  const lat: number[] = [];
  const memKb: number[] = [];
  let errors = 0;
  for (let i = -2; i < iterations; i++) {
    const host = createHostSdk({
      vision,
      screen,
      permissions: capability.manifest.permissions,
      random: seededRandom(i + 10),
      now: () => 0,
    });
    const t0 = performance.now();
    const r = await sandbox.run({
      code: capability.code,
      input,
      permissions: capability.manifest.permissions,
      limits: capability.manifest.limits,
      host,
      origin: 'generated',
    });
    const ms = performance.now() - t0;
    if (i < 0) continue;
    lat.push(ms);
    memKb.push(r.resources.peakMemoryMb * 1024);
    if (r.status !== 'ok') errors++;
  }
  const sorted = [...lat].sort((a, b) => a - b);
  const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!;
  const n = memKb.length;
  const mx = (n - 1) / 2;
  const my = memKb.reduce((s, v) => s + v, 0) / n;
  let num = 0;
  let den = 0;
  memKb.forEach((v, i) => {
    num += (i - mx) * (v - my);
    den += (i - mx) ** 2;
  });
  const slope = den ? num / den : 0;
  return { latency: { p99 }, errorRate: errors / n, leak: { suspected: slope > 64, slopeKbPerIter: slope } };
}

const stageBenchmark = (c: Capability) =>
  createVerificationBenchmark({ tier: sandbox, vision, scenes, iterations: 40 })(c);

const check = (r: DetailedVerificationReport, name: string) => r.checks.find((c) => c.name === name)!;

/** Fixed benchmark figures with this p99, for the confirmation tests. */
const figures = (p99: number) =>
  Promise.resolve({ latency: { p99 }, errorRate: 0, leak: { suspected: false } });
/** A comparison reduced to p99 with a 10% threshold, as the benchmark stage's verdict is for these figures. */
const compare = (a: { latency: { p99: number } }, b: { latency: { p99: number } }) =>
  a.latency.p99 > b.latency.p99 * 1.1
    ? { verdict: 'regressed' as const, detail: `p99 ${a.latency.p99} vs ${b.latency.p99}` }
    : { verdict: 'unchanged' as const, detail: `p99 ${a.latency.p99} vs ${b.latency.p99}` };

describe('production level: benchmark against budgets and the live version', () => {
  it('approves a generated capability whose benchmark meets the budgets and does not regress', async () => {
    const good = generatedCount(['color', 'shape']);
    const verifier = createVerifier({
      sandbox,
      vision,
      scenes,
      // The benchmark stage itself, with its statistical regression verdict: two measurements of the same
      // code on a busy machine differ in p99 by more than any fixed tolerance, but not in distribution.
      benchmark: stageBenchmark,
      baseline: () => stageBenchmark(good),
      compare: compareBenchmarks,
      pool: poolBenchmarks,
      // The default 100 ms budget is for live use; this benchmark's wall-time p99 is 5-20 ms idle but reached
      // 174 ms with the suite beside other work (load 11-16). Here the approval path is under test, not the
      // machine: a budget no busy machine reaches. The comparison itself is tested with fixed figures below.
      options: { p99BudgetMs: 5_000 },
    });
    const { report } = await verifier.verify(good, {
      level: 'production',
      pattern: countPattern(['color', 'shape']),
    });
    expect(report.level).toBe('production');
    for (const name of ['benchmark-latency', 'benchmark-errors', 'benchmark-leak', 'regression'])
      expect(check(report, name).passed, `${name}: ${check(report, name).detail}`).toBe(true);
    expect(report.numbers.benchmarkP99Ms).toBeGreaterThan(0);
    expect(report.numbers.benchmarkErrorRate).toBe(0);
    expect(report.decision).toBe('approve');
  });

  it('judges the benchmark p99 against p99BudgetMs: over it fails benchmark-latency, at it passes', async () => {
    const good = generatedCount(['color', 'shape']);
    const figures = { latency: { p99: 150 }, errorRate: 0, leak: { suspected: false } };
    const judged = async (p99BudgetMs: number) => {
      const verifier = createVerifier({
        sandbox,
        vision,
        scenes,
        benchmark: () => Promise.resolve(figures),
        baseline: () => Promise.resolve(figures),
        options: { p99BudgetMs },
      });
      const { report } = await verifier.verify(good, {
        level: 'production',
        pattern: countPattern(['color', 'shape']),
      });
      return check(report, 'benchmark-latency');
    };
    const over = await judged(100);
    expect(over.passed).toBe(false);
    expect(over.detail).toBe('p99 150.00 ms (budget 100 ms)');
    expect((await judged(150)).passed).toBe(true);
  });

  it('a candidate slower than the live version regresses and is capped (conditional)', async () => {
    const candidate = slow(800_000);
    const live = generatedCount(['color', 'shape']);
    const verifier = createVerifier({
      sandbox,
      vision,
      scenes,
      // Fewer repeated behaviour runs: this candidate costs ~80 ms of CPU per run.
      options: { determinismRuns: 2, fuzzInputs: 1 },
      benchmark: (c) => sandboxBenchmark(c, 6),
      baseline: () => sandboxBenchmark(live, 6),
    });
    const { report } = await verifier.verify(candidate, { level: 'production' });
    expect(check(report, 'regression').passed).toBe(false);
    expect(check(report, 'regression').detail).toMatch(/p99 [\d.]+ ms vs live [\d.]+ ms/);
    expect(report.numbers.benchmarkP99Ms).toBeGreaterThan(report.numbers.baselineP99Ms!);
    expect(report.decision).toBe('conditional');
    expect(report.conditions).toEqual(expect.arrayContaining(['max-stage:canary', 'manual-promotion']));
  });

  it('confirms a "regressed" verdict with the order reversed: drift alone is not a regression', async () => {
    const good = generatedCount(['color', 'shape']);
    // Figures whose p99 only says how loaded the machine was when they were measured: each measurement is
    // faster than the one before (load going down), whichever version it ran. Candidate first, live second
    // looks like a regression; live first, candidate second looks like an improvement.
    let load = 4;
    const measured: string[] = [];
    const figures = (who: string) => {
      measured.push(who);
      load -= 1;
      return Promise.resolve({ latency: { p99: load }, errorRate: 0, leak: { suspected: false } });
    };
    const compare = (a: { latency: { p99: number } }, b: { latency: { p99: number } }) =>
      a.latency.p99 > b.latency.p99 * 1.1
        ? { verdict: 'regressed' as const, detail: `p99 ${a.latency.p99} vs ${b.latency.p99}` }
        : { verdict: 'unchanged' as const, detail: `p99 ${a.latency.p99} vs ${b.latency.p99}` };
    const drifting = createVerifier({
      sandbox,
      vision,
      scenes,
      benchmark: () => figures('candidate'),
      baseline: () => figures('live'),
      compare,
    });
    const { report } = await drifting.verify(good, {
      level: 'production',
      pattern: countPattern(['color', 'shape']),
    });
    expect(measured).toEqual(['candidate', 'live', 'live', 'candidate']);
    expect(check(report, 'regression').passed).toBe(true);
    expect(check(report, 'regression').detail).toMatch(
      /^not confirmed: measured once, it looked slower.*with the order reversed, unchanged/,
    );

    // A real slowdown (the candidate slower whatever the order) stays a regression.
    measured.length = 0;
    const slower = createVerifier({
      sandbox,
      vision,
      scenes,
      benchmark: () => (
        measured.push('candidate'),
        Promise.resolve({ latency: { p99: 3 }, errorRate: 0, leak: { suspected: false } })
      ),
      baseline: () => (
        measured.push('live'),
        Promise.resolve({ latency: { p99: 1 }, errorRate: 0, leak: { suspected: false } })
      ),
      compare,
    });
    const confirmed = await slower.verify(good, {
      level: 'production',
      pattern: countPattern(['color', 'shape']),
    });
    expect(measured).toEqual(['candidate', 'live', 'live', 'candidate']);
    expect(check(confirmed.report, 'regression').passed).toBe(false);
    expect(check(confirmed.report, 'regression').detail).toMatch(/confirmed with the order reversed/);
  });

  it('confirms a "regressed" verdict over interleaved pairs, pooled: a burst on one side is not a regression', async () => {
    const good = generatedCount(['color', 'shape']);
    // The CI failure this guards against: the same code measured twice, and a burst of load from other
    // processes landed on the candidate's run both in the first pair and in the pair reversed. Here the
    // candidate's first two measurements are slow (p99 5), every other measurement of either is 1.
    const measured: string[] = [];
    let candidateRuns = 0;
    // Pooling as the benchmark stage does it, reduced to these figures: the median run's p99.
    const pool = (runs: Array<{ latency: { p99: number } }>) => {
      const p = runs.map((r) => r.latency.p99).sort((x, y) => x - y);
      return { latency: { p99: p[Math.floor(p.length / 2)]! }, errorRate: 0, leak: { suspected: false } };
    };
    const bursty = createVerifier({
      sandbox,
      vision,
      scenes,
      options: { regressionConfirmPairs: 4 },
      benchmark: () => (measured.push('candidate'), figures(++candidateRuns <= 2 ? 5 : 1)),
      baseline: () => (measured.push('live'), figures(1)),
      compare,
      pool,
    });
    const { report } = await bursty.verify(good, {
      level: 'production',
      pattern: countPattern(['color', 'shape']),
    });
    // One pair, then four more alternating which goes first.
    expect(measured).toEqual([
      'candidate',
      'live',
      'live',
      'candidate',
      'candidate',
      'live',
      'live',
      'candidate',
      'candidate',
      'live',
    ]);
    expect(check(report, 'regression').passed).toBe(true);
    expect(check(report, 'regression').detail).toMatch(
      /^not confirmed: .*over 4 more interleaved pairs, pooled \(4 runs a side\), unchanged/,
    );

    // A real slowdown, whatever the order and however many runs, stays a regression.
    measured.length = 0;
    const slower = createVerifier({
      sandbox,
      vision,
      scenes,
      options: { regressionConfirmPairs: 2 },
      benchmark: () => (measured.push('candidate'), figures(3)),
      baseline: () => (measured.push('live'), figures(1)),
      compare,
      pool,
    });
    const confirmed = await slower.verify(good, {
      level: 'production',
      pattern: countPattern(['color', 'shape']),
    });
    expect(measured).toEqual(['candidate', 'live', 'live', 'candidate', 'candidate', 'live']);
    expect(check(confirmed.report, 'regression').passed).toBe(false);
    expect(check(confirmed.report, 'regression').detail).toMatch(
      /confirmed over 2 more interleaved pairs, pooled/,
    );
  });

  it('leaves the suspected first pair out of the confirmation pool: one burst cannot tip the pooled verdict', async () => {
    const good = generatedCount(['color', 'shape']);
    // The CI failure this guards against: the same code, the candidate's first run at p50 +82% in a burst, the
    // four pairs after it even; pooled with that first run, the candidate still looked +10.3% slower.
    let candidateRuns = 0;
    // A pool that an outlier moves: the mean of the runs' p99.
    const pool = (runs: Array<{ latency: { p99: number } }>) => ({
      latency: { p99: runs.reduce((s, r) => s + r.latency.p99, 0) / runs.length },
      errorRate: 0,
      leak: { suspected: false },
    });
    const verifier = createVerifier({
      sandbox,
      vision,
      scenes,
      options: { regressionConfirmPairs: 4 },
      benchmark: () => figures(++candidateRuns === 1 ? 20 : 1),
      baseline: () => figures(1),
      compare,
      pool,
    });
    const { report } = await verifier.verify(good, {
      level: 'production',
      pattern: countPattern(['color', 'shape']),
    });
    expect(candidateRuns).toBe(5);
    expect(check(report, 'regression').passed).toBe(true);
    expect(check(report, 'regression').detail).toMatch(/^not confirmed: .*\(p99 1 vs 1\)$/);
  });

  it('refuses the production level without a benchmark runner (E_INPUT_INVALID) before running anything', async () => {
    const verifier = createVerifier({ sandbox, vision, scenes });
    await expect(verifier.verify(generatedCount(), { level: 'production' })).rejects.toMatchObject({
      code: 'E_INPUT_INVALID',
    });
  });
});
