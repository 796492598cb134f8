import { linearFit, quantileSorted } from './stats.js';
import type { LeakResult } from './types.js';

export interface LeakOptions {
  /** Confidence level of the slope interval (default 0.999: under independent noise, a false alarm in about 1 of 2,000 clean runs). */
  level?: number;
  /** Least fitted growth over the window, KB, before a rising trend counts as a leak (default 128). */
  minGrowthKb?: number;
  /** Fewer points than this never raise a leak (default 10). */
  minPoints?: number;
}

export const LEAK_DEFAULTS = Object.freeze({ level: 0.999, minGrowthKb: 128, minPoints: 10 });

function median(xs: readonly number[]): number {
  return quantileSorted(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
}

/**
 * A leak is a *sustained* rise of per-iteration memory, not one high sample: the least-squares slope over
 * the measured iterations must be positive with its lower confidence bound above zero, the fitted growth
 * over the window must reach a practical size, and the last third of the run must sit above the first third
 * (a step at the start — heap growth during the first runs — does not qualify).
 */
export function detectLeak(seriesKb: readonly number[], options: LeakOptions = {}): LeakResult {
  const level = options.level ?? LEAK_DEFAULTS.level;
  const minGrowthKb = options.minGrowthKb ?? LEAK_DEFAULTS.minGrowthKb;
  const minPoints = Math.max(3, options.minPoints ?? LEAK_DEFAULTS.minPoints);
  const n = seriesKb.length;
  if (n < minPoints)
    return {
      suspected: false,
      slopeKbPerIter: 0,
      ciKbPerIter: [0, 0],
      level,
      points: n,
      growthKb: 0,
      reason: `too few iterations to judge (${n} < ${minPoints})`,
    };
  const xs = seriesKb.map((_, i) => i);
  const fit = linearFit(xs, seriesKb, level);
  const third = Math.max(1, Math.floor(n / 3));
  const growthKb = median(seriesKb.slice(n - third)) - median(seriesKb.slice(0, third));
  const fitted = fit.slope * (n - 1);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  const base = {
    slopeKbPerIter: round(fit.slope),
    ciKbPerIter: [round(fit.ci[0]), round(fit.ci[1])] as [number, number],
    level,
    points: n,
    growthKb: round(growthKb),
  };
  const reasons: string[] = [];
  if (!(fit.ci[0] > 0))
    reasons.push(
      `slope not above zero at ${level * 100}% confidence (lower bound ${base.ciKbPerIter[0]} KB/iter)`,
    );
  if (!(fitted >= minGrowthKb)) reasons.push(`fitted growth ${fitted.toFixed(1)} KB < ${minGrowthKb} KB`);
  if (!(growthKb > 0)) reasons.push('last third not above first third');
  if (reasons.length) return { suspected: false, ...base, reason: reasons.join('; ') };
  return {
    suspected: true,
    ...base,
    reason: `memory rises ${base.slopeKbPerIter} KB/iter (${level * 100}% CI ${base.ciKbPerIter[0]}..${base.ciKbPerIter[1]}), ${fitted.toFixed(0)} KB over ${n} iterations`,
  };
}
