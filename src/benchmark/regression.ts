import { bootstrapQuantileRatio, mannWhitneyU, normalCdf, quantileSorted } from './stats.js';
import type { MetricComparison, RegressionResult, RegressionVerdict } from './types.js';

/** The part of a report a comparison needs. */
export interface ComparableRun {
  id?: string;
  samplesMs: readonly number[];
  requests: number;
  errors: number;
}

export interface RegressionOptions {
  /** Significance level of the tests (default 0.01). */
  alpha?: number;
  /** Practical threshold on the p50 ratio: a change smaller than this is 'unchanged' (default 0.10 = 10%). */
  p50Threshold?: number;
  /** Practical threshold on the p99 ratio (default 0.25 = 25%; tails are noisier). */
  p99Threshold?: number;
  /** Practical threshold on the error rate, absolute (default 0.01 = one percentage point). */
  errorRateThreshold?: number;
  /** p99 is judged only when each side has this many samples beyond it (default 10, i.e. ≥ 1000 samples). */
  minTailSamples?: number;
  /** Bootstrap resamples (default 1000). */
  resamples?: number;
}

export const REGRESSION_DEFAULTS = Object.freeze({
  alpha: 0.01,
  p50Threshold: 0.1,
  p99Threshold: 0.25,
  errorRateThreshold: 0.01,
  minTailSamples: 10,
  resamples: 1000,
});

const r3 = (v: number) => Math.round(v * 1000) / 1000;
const pct = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;

/**
 * Judges `current` against `baseline`. A metric regresses only when the difference is both statistically
 * significant and larger than its practical threshold: p50 by Mann–Whitney U (is one sample stochastically
 * larger?) plus the median ratio; p99 by a bootstrap interval of the p99 ratio that must exclude 1 (and only
 * with enough tail samples); the error rate by a two-proportion z-test plus an absolute threshold.
 */
export function compareToBaseline(
  current: ComparableRun,
  baseline: ComparableRun,
  options: RegressionOptions = {},
): RegressionResult {
  const o = { ...REGRESSION_DEFAULTS, ...options };
  const metrics: MetricComparison[] = [];
  const a = current.samplesMs;
  const b = baseline.samplesMs;

  if (a.length >= 2 && b.length >= 2) {
    const sa = [...a].sort((x, y) => x - y);
    const sb = [...b].sort((x, y) => x - y);
    const mw = mannWhitneyU(a, b);
    const boot50 = bootstrapQuantileRatio(a, b, 0.5, { resamples: o.resamples, seed: 50 });
    const ratio = quantileSorted(sa, 0.5) / quantileSorted(sb, 0.5);
    let verdict: RegressionVerdict = 'unchanged';
    let reason: string;
    if (mw.pGreater < o.alpha && ratio >= 1 + o.p50Threshold) {
      verdict = 'regressed';
      reason = `slower: Mann–Whitney p=${mw.pGreater.toExponential(2)} < ${o.alpha} and p50 ${pct(ratio)} ≥ ${pct(1 + o.p50Threshold)}`;
    } else if (mw.pLess < o.alpha && ratio <= 1 / (1 + o.p50Threshold)) {
      verdict = 'improved';
      reason = `faster: Mann–Whitney p=${mw.pLess.toExponential(2)} < ${o.alpha} and p50 ${pct(ratio)}`;
    } else {
      const p = Math.min(mw.pGreater, mw.pLess);
      reason =
        p < o.alpha
          ? `significant (p=${p.toExponential(2)}) but p50 ${pct(ratio)} is within the ±${o.p50Threshold * 100}% threshold`
          : `no significant difference (p=${p.toFixed(3)}), p50 ${pct(ratio)}`;
    }
    metrics.push({
      metric: 'p50',
      baseline: r3(quantileSorted(sb, 0.5)),
      current: r3(quantileSorted(sa, 0.5)),
      ratio: r3(ratio),
      ci: [r3(boot50.ci[0]), r3(boot50.ci[1])],
      pValue: Math.min(mw.pGreater, mw.pLess),
      verdict,
      reason,
    });

    const tail = Math.min(a.length, b.length) * 0.01;
    const ratio99 = quantileSorted(sa, 0.99) / quantileSorted(sb, 0.99);
    if (tail < o.minTailSamples) {
      metrics.push({
        metric: 'p99',
        baseline: r3(quantileSorted(sb, 0.99)),
        current: r3(quantileSorted(sa, 0.99)),
        ratio: r3(ratio99),
        verdict: 'unchanged',
        reason: `not judged: p99 needs ≥ ${Math.ceil(o.minTailSamples / 0.01)} samples per side (have ${Math.min(a.length, b.length)})`,
      });
    } else {
      const boot = bootstrapQuantileRatio(a, b, 0.99, { resamples: o.resamples, seed: 99 });
      let verdict99: RegressionVerdict = 'unchanged';
      let reason99 = `p99 ${pct(ratio99)}, 95% CI of ratio ${r3(boot.ci[0])}..${r3(boot.ci[1])}`;
      if (boot.ci[0] > 1 && ratio99 >= 1 + o.p99Threshold) {
        verdict99 = 'regressed';
        reason99 = `slower tail: ${reason99} excludes 1 and exceeds ${pct(1 + o.p99Threshold)}`;
      } else if (boot.ci[1] < 1 && ratio99 <= 1 / (1 + o.p99Threshold)) {
        verdict99 = 'improved';
        reason99 = `faster tail: ${reason99}`;
      }
      metrics.push({
        metric: 'p99',
        baseline: r3(quantileSorted(sb, 0.99)),
        current: r3(quantileSorted(sa, 0.99)),
        ratio: r3(ratio99),
        ci: [r3(boot.ci[0]), r3(boot.ci[1])],
        verdict: verdict99,
        reason: reason99,
      });
    }
  }

  if (current.requests > 0 && baseline.requests > 0) {
    const e1 = current.errors / current.requests;
    const e0 = baseline.errors / baseline.requests;
    const pooled = (current.errors + baseline.errors) / (current.requests + baseline.requests);
    const se = Math.sqrt(pooled * (1 - pooled) * (1 / current.requests + 1 / baseline.requests));
    const z = se === 0 ? 0 : (e1 - e0) / se;
    const pUp = 1 - normalCdf(z);
    const pDown = normalCdf(z);
    let verdict: RegressionVerdict = 'unchanged';
    let reason = `error rate ${(e0 * 100).toFixed(2)}% → ${(e1 * 100).toFixed(2)}%`;
    if (se > 0 && pUp < o.alpha && e1 - e0 >= o.errorRateThreshold) {
      verdict = 'regressed';
      reason += ` (z=${z.toFixed(2)}, p=${pUp.toExponential(2)})`;
    } else if (se > 0 && pDown < o.alpha && e0 - e1 >= o.errorRateThreshold) {
      verdict = 'improved';
      reason += ` (z=${z.toFixed(2)}, p=${pDown.toExponential(2)})`;
    }
    metrics.push({
      metric: 'errorRate',
      baseline: r3(e0),
      current: r3(e1),
      ratio: r3(e1 - e0),
      pValue: se === 0 ? 1 : Math.min(pUp, pDown),
      verdict,
      reason,
    });
  }

  const regressed = metrics.filter((m) => m.verdict === 'regressed');
  const improved = metrics.filter((m) => m.verdict === 'improved');
  const verdict: RegressionVerdict = regressed.length
    ? 'regressed'
    : improved.length
      ? 'improved'
      : 'unchanged';
  const shown = (regressed.length ? regressed : improved.length ? improved : metrics).map(
    (m) => `${m.metric} ${m.baseline} → ${m.current}: ${m.reason}`,
  );
  return {
    verdict,
    detail: metrics.length ? shown.join('; ') : 'nothing to compare: the runs have no samples',
    ...(baseline.id ? { baselineId: baseline.id } : {}),
    metrics,
  };
}
