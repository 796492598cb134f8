import type { BenchmarkRun } from './types.js';

export type ComparedMetric =
  'p50' | 'p99' | 'mean' | 'throughput' | 'errorRate' | 'cpu' | 'memory' | 'leakSlope';

export interface MetricRow {
  metric: ComparedMetric;
  /** Whether a lower value is better. */
  lowerIsBetter: boolean;
  values: Array<{ id: string; label: string; value: number }>;
  /** Labels of the best performer(s) (ties share the title). */
  best: string[];
}

export interface Comparison {
  runs: Array<{ id: string; label: string }>;
  metrics: MetricRow[];
}

const METRICS: Array<{ metric: ComparedMetric; lowerIsBetter: boolean; of: (r: ComparedRun) => number }> = [
  { metric: 'p50', lowerIsBetter: true, of: (r) => r.latency.p50 },
  { metric: 'p99', lowerIsBetter: true, of: (r) => r.latency.p99 },
  { metric: 'mean', lowerIsBetter: true, of: (r) => r.latency.mean },
  { metric: 'throughput', lowerIsBetter: false, of: (r) => r.throughput },
  { metric: 'errorRate', lowerIsBetter: true, of: (r) => r.errorRate },
  { metric: 'cpu', lowerIsBetter: true, of: (r) => r.cpu },
  { metric: 'memory', lowerIsBetter: true, of: (r) => r.memory },
  { metric: 'leakSlope', lowerIsBetter: true, of: (r) => Math.max(0, r.leak.slopeKbPerIter) },
];

export type ComparedRun = Pick<
  BenchmarkRun,
  'id' | 'capabilityId' | 'version' | 'latency' | 'throughput' | 'errorRate' | 'cpu' | 'memory' | 'leak'
>;

/**
 * Side-by-side table of several runs (capabilities or versions) with the best performer per metric. Values
 * within 1% of the best share the title: differences that small are inside run-to-run noise.
 */
export function compareReports(runs: readonly ComparedRun[], tieTolerance = 0.01): Comparison {
  const label = (r: ComparedRun) => `${r.capabilityId}@v${r.version}`;
  const labels = runs.map((r) => {
    const base = label(r);
    return runs.filter((x) => label(x) === base).length > 1 ? `${base} (${r.id})` : base;
  });
  const metrics = METRICS.map(({ metric, lowerIsBetter, of }) => {
    const values = runs.map((r, i) => ({ id: r.id, label: labels[i]!, value: of(r) }));
    const finite = values.filter((v) => Number.isFinite(v.value));
    const target = finite.length
      ? lowerIsBetter
        ? Math.min(...finite.map((v) => v.value))
        : Math.max(...finite.map((v) => v.value))
      : NaN;
    const tol = Math.abs(target) * tieTolerance;
    const best = finite.filter((v) => Math.abs(v.value - target) <= tol).map((v) => v.label);
    return { metric, lowerIsBetter, values, best };
  });
  return { runs: runs.map((r, i) => ({ id: r.id, label: labels[i]! })), metrics };
}
