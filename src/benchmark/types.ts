import type { BenchmarkReport } from '../domain/index.js';
import type { LatencyStats } from './stats.js';

/** How load was offered. */
export type LoadModel =
  /** V virtual users, each starting its next request when the previous one finished. */
  | { kind: 'closed'; concurrency: number }
  /**
   * R requests per second on a fixed schedule, whatever the system does; latency counts from each request's
   * intended start (coordinated-omission correction), so a stalled system shows its queueing delay.
   */
  | { kind: 'open'; ratePerSec: number };

export type RegressionVerdict = 'improved' | 'unchanged' | 'regressed';

/** One metric's comparison against the baseline. */
export interface MetricComparison {
  metric: 'p50' | 'p99' | 'errorRate';
  baseline: number;
  current: number;
  /** current / baseline (difference for errorRate). */
  ratio: number;
  /** Confidence interval of the ratio (bootstrap), when one was computed. */
  ci?: [number, number];
  /** p-value of the test behind the verdict (Mann–Whitney for p50, two-proportion z for errors). */
  pValue?: number;
  verdict: RegressionVerdict;
  /** Why this metric was judged as it was (or not judged). */
  reason: string;
}

export interface RegressionResult {
  verdict: RegressionVerdict;
  detail: string;
  baselineId?: string;
  metrics: MetricComparison[];
}

export interface LeakResult {
  suspected: boolean;
  /** Least-squares slope of per-iteration memory, KB per iteration. */
  slopeKbPerIter: number;
  /** Confidence interval of the slope (level in `level`). */
  ciKbPerIter: [number, number];
  level: number;
  /** Points the fit used (after warm-up). */
  points: number;
  /** Median of the last third minus median of the first third, KB. */
  growthKb: number;
  reason: string;
}

/** One second of a run: the load curve. */
export interface LoadPoint {
  /** Seconds since the measured phase began (end of the bucket). */
  t: number;
  completed: number;
  errors: number;
  p50: number;
  p99: number;
}

/**
 * What `benchmarkCapability` returns and the store keeps (kind 'benchmark'): DESIGN.md's BenchmarkReport
 * plus the detail needed to compare a later run against it. Units: milliseconds, requests per second,
 * CPU ms per run, MB.
 */
export interface BenchmarkRun extends BenchmarkReport {
  /** Id under which the report is (or will be) stored. */
  id: string;
  capabilityId: string;
  version: number;
  at: string;
  tier: string;
  target: 'sandbox' | 'http';
  model: LoadModel;
  latency: LatencyStats;
  /** Time inside the sandbox child per run (SandboxResult.resources.wallMs), without queueing. */
  service?: LatencyStats;
  requests: number;
  errors: number;
  timeouts: number;
  /** Error messages seen, most frequent first (at most 5). */
  errorKinds: Array<{ message: string; count: number }>;
  durationMs: number;
  warmup: number;
  /** CPU ms per run (mean) — also in `cpu`. */
  cpuMsPerRun: { mean: number; p99: number };
  /** Peak guest memory per run, MB — `memory` is the maximum. */
  memoryMb: { mean: number; max: number };
  leak: LeakResult;
  regression?: RegressionResult;
  loadCurve: LoadPoint[];
  /** A uniform sample (≤ 10,000) of latencies in ms, for tests against later runs. */
  samplesMs: number[];
  /** Guest memory per measured iteration in KB, in completion order (≤ 10,000 points). */
  memorySeriesKb: number[];
  /** The whole latency histogram (HdrHistogram compressed base64, µs). */
  histogram: string;
}
