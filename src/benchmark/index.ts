/**
 * Benchmarks of capabilities, measured for real through the sandbox they will run in (DESIGN.md
 * "benchmark/"): latency percentiles (HdrHistogram), closed and open load models with coordinated-omission
 * correction, CPU and memory per run, leak detection, regression verdicts against a baseline, side-by-side
 * comparison, SVG plots, and HTTP load with autocannon. Reports are stored as kind 'benchmark'.
 *
 * @example
 * await using tier = await createSandboxTier('process');
 * const report = await benchmarkCapability({ capability, tier, vision, screen, iterations: 200, concurrency: 2 });
 * await store.reports.add(toStoredReport(report));
 */
export { benchmarkCapability, toReport, BENCHMARK_DEFAULTS } from './capability-bench.js';
export type { BenchmarkCapabilityOptions } from './capability-bench.js';
export { benchmarkHttp } from './http-load.js';
export type { HttpLoadOptions } from './http-load.js';
export { runLoad } from './load.js';
export type { LoadOptions, LoadResult, Outcome } from './load.js';
export { detectLeak, LEAK_DEFAULTS } from './leak.js';
export type { LeakOptions } from './leak.js';
export { compareToBaseline, REGRESSION_DEFAULTS } from './regression.js';
export type { ComparableRun, RegressionOptions } from './regression.js';
export { compareReports } from './compare.js';
export type { Comparison, ComparedMetric, ComparedRun, MetricRow } from './compare.js';
export { latencyHistogramSvg, latencyCdfSvg, loadCurveSvg, renderBenchmarkSvg } from './plots.js';
export { escapeSvg, niceTicks } from './svg-text.js';
export { withHostLatency } from './host-latency.js';
export {
  LatencyRecorder,
  bootstrapQuantileRatio,
  linearFit,
  mannWhitneyU,
  normalCdf,
  normalQuantile,
  tQuantile,
} from './stats.js';
export type { LatencyStats, MannWhitney, SlopeFit } from './stats.js';
export { toStoredReport, isBenchmarkRun } from './persist.js';
export type {
  BenchmarkRun,
  LeakResult,
  LoadModel,
  LoadPoint,
  MetricComparison,
  RegressionResult,
  RegressionVerdict,
} from './types.js';
