import { createRequire } from 'node:module';
import type * as HdrModule from 'hdr-histogram-js';
import { seededRandom } from '../domain/index.js';

/**
 * The statistics the benchmark stands on. Percentiles come from HdrHistogram (hdr-histogram-js, values
 * recorded in integer microseconds, 3 significant digits); the tests of differences (Mann–Whitney U,
 * bootstrap, least-squares slope with a t interval) are small textbook formulas written out here because
 * no dependency on the list does them, each pinned by a unit test against published values.
 */

/** Latency percentiles and moments, in milliseconds. */
export interface LatencyStats {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p99_9: number;
  max: number;
  mean: number;
  stdev: number;
}

/** Highest latency a histogram tracks: 1 hour in µs. Larger values are clamped (and counted) rather than lost. */
const HIGHEST_US = 3_600_000_000;

/** Required on first use (its WebAssembly init alone is ~185 ms): only a benchmark records latencies. */
let hdrLoaded: typeof HdrModule | undefined;
const hdr = (): typeof HdrModule =>
  (hdrLoaded ??= createRequire(import.meta.url)('hdr-histogram-js') as typeof HdrModule);

const toUs = (ms: number) => Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000)));

/** An HdrHistogram of latencies recorded in whole microseconds. */
export class LatencyRecorder {
  private readonly h = hdr().build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
  });
  private destroyed = false;

  /** Records one latency given in milliseconds. */
  recordMs(ms: number): void {
    this.h.recordValue(toUs(ms));
  }

  /**
   * Records a latency from a closed-loop client that meant to send every `intervalMs`: HdrHistogram adds
   * the requests the stall kept from being sent (coordinated-omission correction, as wrk2/autocannon do).
   */
  recordMsWithExpectedInterval(ms: number, intervalMs: number): void {
    this.h.recordValueWithExpectedInterval(toUs(ms), Math.max(1, Math.round(intervalMs * 1000)));
  }

  get count(): number {
    return this.h.totalCount;
  }

  stats(): LatencyStats {
    const h = this.h;
    if (h.totalCount === 0)
      return { count: 0, min: 0, p50: 0, p90: 0, p95: 0, p99: 0, p99_9: 0, max: 0, mean: 0, stdev: 0 };
    const at = (p: number) => h.getValueAtPercentile(p) / 1000;
    return {
      count: h.totalCount,
      min: h.minNonZeroValue / 1000,
      p50: at(50),
      p90: at(90),
      p95: at(95),
      p99: at(99),
      p99_9: at(99.9),
      max: h.maxValue / 1000,
      mean: h.mean / 1000,
      stdev: h.stdDeviation / 1000,
    };
  }

  /** The histogram as HdrHistogram's compressed base64 (portable to other Hdr tools). */
  encode(): string {
    return hdr().encodeIntoCompressedBase64(this.h);
  }

  /** Frees the histogram's memory (WebAssembly-backed when hdr-histogram-js uses it). */
  destroy(): void {
    if (!this.destroyed) this.h.destroy();
    this.destroyed = true;
  }
}

/** The domain's seeded PRNG (mulberry32), so resampling is reproducible. */
export const seededRng = seededRandom;

/** Keeps a uniform random sample of at most `capacity` values from a stream (Vitter's algorithm R). */
export class Reservoir {
  readonly values: number[] = [];
  private seen = 0;
  constructor(
    private readonly capacity: number,
    private readonly random: () => number = seededRng(0x5eed),
  ) {}
  add(v: number): void {
    this.seen++;
    if (this.values.length < this.capacity) this.values.push(v);
    else {
      const j = Math.floor(this.random() * this.seen);
      if (j < this.capacity) this.values[j] = v;
    }
  }
}

export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length ? s / xs.length : 0;
}

/** Linear-interpolated quantile of a sorted array (q in 0..1). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf; |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return z >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

/** Standard normal quantile (Acklam's rational approximation; relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError('p must be in (0, 1)');
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/**
 * Student-t quantile by the Cornish–Fisher expansion around the normal quantile (Abramowitz–Stegun 26.7.5).
 * Within 0.5% of the exact value for ν ≥ 5 at the tails used here (p ≤ 0.995); the leak test needs ≥ 10 points.
 */
export function tQuantile(p: number, df: number): number {
  if (!(df >= 1)) throw new RangeError('df must be ≥ 1');
  const z = normalQuantile(p);
  const z2 = z * z;
  const g1 = ((z2 + 1) * z) / 4;
  const g2 = (((5 * z2 + 16) * z2 + 3) * z) / 96;
  const g3 = ((((3 * z2 + 19) * z2 + 17) * z2 - 15) * z) / 384;
  const g4 = (((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}

export interface SlopeFit {
  n: number;
  slope: number;
  intercept: number;
  /** Standard error of the slope. */
  stderr: number;
  /** Two-sided confidence interval of the slope at the requested level. */
  ci: [number, number];
}

/** Ordinary least squares of y on x with a Student-t interval for the slope. */
export function linearFit(xs: readonly number[], ys: readonly number[], level = 0.95): SlopeFit {
  const n = Math.min(xs.length, ys.length);
  if (n < 3) throw new RangeError('a slope needs at least 3 points');
  const mx = mean(xs.slice(0, n));
  const my = mean(ys.slice(0, n));
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  if (sxx === 0) throw new RangeError('x values must not all be equal');
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (ys[i]! - intercept - slope * xs[i]!) ** 2;
  const stderr = Math.sqrt(sse / (n - 2) / sxx);
  const t = tQuantile(1 - (1 - level) / 2, n - 2);
  return { n, slope, intercept, stderr, ci: [slope - t * stderr, slope + t * stderr] };
}

export interface MannWhitney {
  /** U of the first sample (number of pairs where a > b, ties counting one half). */
  u: number;
  /** P(a > b) + P(a = b)/2: 0.5 when neither tends to be larger. */
  probabilityAGreater: number;
  z: number;
  /** One-sided p-value for "a tends to be larger than b". */
  pGreater: number;
  /** One-sided p-value for "a tends to be smaller than b". */
  pLess: number;
  /** Two-sided p-value. */
  pTwoSided: number;
}

/**
 * Mann–Whitney U (Wilcoxon rank-sum) with the normal approximation, tie correction and continuity
 * correction — adequate for the sample sizes a benchmark produces (≥ 20 per side).
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitney {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('both samples must be non-empty');
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const N = n1 + n2;
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < N;) {
    let j = i;
    while (j + 1 < N && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j + 2) / 2;
    const t = j - i + 1;
    if (t > 1) tieTerm += t ** 3 - t;
    for (let k = i; k <= j; k++) if (all[k]!.g === 0) rankSumA += rank;
    i = j + 1;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (N + 1 - tieTerm / (N * (N - 1))));
  if (sigma === 0) {
    return { u, probabilityAGreater: u / (n1 * n2), z: 0, pGreater: 1, pLess: 1, pTwoSided: 1 };
  }
  const zGreater = (u - mu - 0.5) / sigma;
  const zLess = (u - mu + 0.5) / sigma;
  const pGreater = 1 - normalCdf(zGreater);
  const pLess = normalCdf(zLess);
  return {
    u,
    probabilityAGreater: u / (n1 * n2),
    z: (u - mu) / sigma,
    pGreater,
    pLess,
    pTwoSided: Math.min(1, 2 * Math.min(pGreater, pLess)),
  };
}

/**
 * Percentile bootstrap interval of quantile(a, q) / quantile(b, q). Each resample of a sorted sample is
 * drawn as multiplicities, so a quantile costs O(n) instead of a sort.
 */
export function bootstrapQuantileRatio(
  a: readonly number[],
  b: readonly number[],
  q: number,
  options: { resamples?: number; level?: number; seed?: number } = {},
): { ratio: number; ci: [number, number] } {
  const B = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  const rng = seededRng(options.seed ?? 1);
  const sa = [...a].sort((x, y) => x - y);
  const sb = [...b].sort((x, y) => x - y);
  const ratio = quantileSorted(sa, q) / quantileSorted(sb, q);
  const draws = new Float64Array(B);
  const ca = new Int32Array(sa.length);
  const cb = new Int32Array(sb.length);
  for (let i = 0; i < B; i++)
    draws[i] = resampledQuantile(sa, q, rng, ca) / resampledQuantile(sb, q, rng, cb);
  draws.sort();
  const lo = draws[Math.floor(((1 - level) / 2) * (B - 1))]!;
  const hi = draws[Math.ceil((1 - (1 - level) / 2) * (B - 1))]!;
  return { ratio, ci: [lo, hi] };
}

function resampledQuantile(
  sorted: readonly number[],
  q: number,
  rng: () => number,
  counts: Int32Array,
): number {
  const n = sorted.length;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[Math.floor(rng() * n)]!++;
  // Nearest-rank quantile of the resample.
  const rank = Math.max(1, Math.ceil(q * n));
  let seen = 0;
  for (let i = 0; i < n; i++) {
    seen += counts[i]!;
    if (seen >= rank) return sorted[i]!;
  }
  return sorted[n - 1]!;
}
