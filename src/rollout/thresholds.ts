import { IroncliwError } from '../domain/index.js';
import type { DecisionThresholds } from './decision.js';
import { DEFAULT_THRESHOLDS } from './decision.js';

export type ThresholdOverrides = Partial<
  Omit<DecisionThresholds, 'minSamples' | 'dwellMs' | 'riskCaps'> & {
    minSamples: Partial<DecisionThresholds['minSamples']>;
    dwellMs: Partial<DecisionThresholds['dwellMs']>;
    riskCaps: Partial<DecisionThresholds['riskCaps']>;
  }
>;

/** The decision matrix with config overrides merged key by key, validated once and frozen. */
export function resolveThresholds(o: ThresholdOverrides = {}): DecisionThresholds {
  const d = DEFAULT_THRESHOLDS;
  const t: DecisionThresholds = {
    ...d,
    ...o,
    minSamples: { ...d.minSamples, ...o.minSamples },
    dwellMs: { ...d.dwellMs, ...o.dwellMs },
    riskCaps: { ...d.riskCaps, ...o.riskCaps },
  } as DecisionThresholds;
  const rate = (name: string, x: number) => {
    if (!(x >= 0 && x <= 1))
      throw new IroncliwError('E_CONFIG_INVALID', `rollout threshold ${name} must be within 0..1, got ${x}`);
  };
  rate('minSuccessRate', t.minSuccessRate);
  rate('maxErrorRate', t.maxErrorRate);
  rate('minPositiveFeedback', t.minPositiveFeedback);
  for (const [name, x] of [
    ['maxP99Ms', t.maxP99Ms],
    ['minFeedback', t.minFeedback],
    ...Object.entries(t.minSamples).map(([k, v]) => [`minSamples.${k}`, v]),
    ...Object.entries(t.dwellMs).map(([k, v]) => [`dwellMs.${k}`, v]),
  ] as Array<[string, number]>) {
    if (!(x >= 0 && Number.isFinite(x)))
      throw new IroncliwError('E_CONFIG_INVALID', `rollout threshold ${name} must be a finite number ≥ 0`);
  }
  return Object.freeze(t);
}
