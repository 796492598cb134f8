/**
 * The production level's adapter over the benchmark stage: verification uses benchmark/, never the reverse
 * (the adapter needs verification's fuzzed inputs and ground-truth scenes, so it lives here).
 */
import type { Capability } from '../domain/index.js';
import type { VisionPort } from '../capabilities/index.js';
import type { SandboxTier } from '../sandbox/index.js';
import type { BenchmarkRun } from '../benchmark/index.js';
import { benchmarkCapability, compareToBaseline, isBenchmarkRun } from '../benchmark/index.js';
import { fuzzInputs, sceneTarget } from './fuzz.js';
import type { TestScenePort } from './case-types.js';
import type { BenchmarkFigures, BenchmarkRunner } from './verifier-deps.js';

export interface VerificationBenchmarkOptions {
  tier: SandboxTier;
  vision: VisionPort;
  scenes: TestScenePort;
  /** Measured runs per capability (after a short warm-up). */
  iterations: number;
  /** Every run made, so the caller can store the full report with the capability. */
  onRun?: (capability: Capability, run: BenchmarkRun) => void;
}

/**
 * The benchmark the `production` verification level judges: real runs of the capability in the sandbox it
 * will serve from, on a ground-truth screen drawn for its own input (seeded, so two versions of a pattern
 * are measured on the same screen and input — which is what a regression verdict needs).
 */
export function createVerificationBenchmark(o: VerificationBenchmarkOptions): BenchmarkRunner {
  return async (capability) => {
    const input = fuzzInputs(capability.manifest.inputSchema, 1, 1)[0] ?? {};
    const screen = await o.scenes.countScene({ ...sceneTarget(input), count: 2, seed: 1 });
    const run = await benchmarkCapability({
      capability,
      tier: o.tier,
      vision: o.vision,
      screen,
      input,
      warmup: Math.min(10, o.iterations),
      iterations: o.iterations,
    });
    o.onRun?.(capability, run);
    return run;
  };
}

/**
 * The `compare` of the production verification level: this stage's statistical verdict (Mann–Whitney on the
 * medians plus a practical threshold, bootstrap on p99, z-test on errors) rather than a ratio of two noisy
 * p99s. Runs without samples (foreign figures) are reported as not comparable, which does not fail the check.
 */
export function compareBenchmarks(
  candidate: unknown,
  baseline: unknown,
): { verdict: 'improved' | 'unchanged' | 'regressed'; detail: string } {
  if (!isBenchmarkRun(candidate) || !isBenchmarkRun(baseline))
    return { verdict: 'unchanged', detail: 'not comparable: a run without latency samples' };
  const r = compareToBaseline(candidate, baseline);
  return { verdict: r.verdict, detail: r.detail };
}

const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;

/**
 * Several benchmark runs of one capability as one: samples, requests and errors pooled, p50/p99 and the error
 * rate recomputed from them (the rest is the first run's). Undefined when a run carries no samples to pool.
 */
export function poolBenchmarks(runs: readonly BenchmarkFigures[]): BenchmarkFigures | undefined {
  if (!runs.length || !runs.every(isBenchmarkRun)) return undefined;
  const all = runs as unknown as BenchmarkRun[];
  const first = all[0]!;
  const samplesMs = all.flatMap((r) => r.samplesMs);
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const requests = all.reduce((n, r) => n + r.requests, 0);
  const errors = all.reduce((n, r) => n + r.errors, 0);
  const pooled: BenchmarkRun = {
    ...first,
    id: all.map((r) => r.id).join('+'),
    samplesMs,
    requests,
    errors,
    errorRate: requests ? errors / requests : 0,
    latency: {
      ...first.latency,
      count: sorted.length,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
    },
  };
  return pooled;
}
