/**
 * Fixed latency buckets (upper bounds in ms, Prometheus style). Fixed bounds are what make histograms from
 * many nodes mergeable by plain addition in the store; the counter name carries the bound, so a change of
 * bounds in a later release can never be misread as the old ones.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  0.5,
  1,
  2,
  5,
  10,
  20,
  30,
  50,
  75,
  100,
  150,
  200,
  300,
  500,
  750,
  1000,
  2000,
  5000,
  10_000,
  30_000,
  Number.POSITIVE_INFINITY,
];

export const LATENCY_COUNTERS: readonly string[] = LATENCY_BOUNDS_MS.map(
  (b) => `latency_le:${Number.isFinite(b) ? b : 'inf'}`,
);

/** Index of the bucket holding `ms` (the first bound ≥ ms). */
export function latencyBucket(ms: number): number {
  if (!(ms >= 0)) return 0; // NaN or negative: a clock glitch, counted as fastest rather than dropped
  let lo = 0;
  let hi = LATENCY_BOUNDS_MS.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ms <= LATENCY_BOUNDS_MS[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The q-quantile (0..1) of a bucketed histogram, interpolated linearly inside its bucket as Prometheus'
 * histogram_quantile does; in the open last bucket it is the highest finite bound. NaN when empty.
 */
export function latencyQuantile(counts: Readonly<Record<string, number>>, q: number): number {
  let total = 0;
  for (const name of LATENCY_COUNTERS) total += counts[name] ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let cumulative = 0;
  for (let i = 0; i < LATENCY_COUNTERS.length; i++) {
    const c = counts[LATENCY_COUNTERS[i]!] ?? 0;
    if (c > 0 && cumulative + c >= rank) {
      const upper = LATENCY_BOUNDS_MS[i]!;
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]!;
      if (!Number.isFinite(upper)) return lower;
      return lower + ((upper - lower) * (rank - cumulative)) / c;
    }
    cumulative += c;
  }
  return LATENCY_BOUNDS_MS.at(-2)!;
}
