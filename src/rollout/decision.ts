import type { FailureCategory, RolloutStage, VerificationDecision } from '../domain/index.js';
import { isAbove, stageLabel } from './ladder.js';
import { LATENCY_COUNTERS, latencyQuantile } from './latency-buckets.js';

type JudgedStage = 'development' | 'canary' | 'beta' | 'gradual' | 'production';

/**
 * The decision matrix. Every number is a threshold that keeps bad code away from users, so each is config
 * (the lead's `rollout.decision.*`), with these defaults.
 */
export interface DecisionThresholds {
  /** Below this share of successful requests in a window → roll back. */
  minSuccessRate: number;
  /** Above this share of requests failing with an error category → roll back. */
  maxErrorRate: number;
  /** Failure categories that count as errors of the capability (the others are e.g. the user's input). */
  errorCategories: readonly FailureCategory[];
  /** Above this p99 latency (ms) → pause for review. */
  maxP99Ms: number;
  /** Below this share of positive feedback → pause for review… */
  minPositiveFeedback: number;
  /** …once a window holds at least this much feedback (less is not judged). */
  minFeedback: number;
  /** Requests a window needs before it is judged; fewer → `inconclusive`. */
  minSamples: Record<JudgedStage, number>;
  /** Time a window must have been open before a pass promotes (ms). */
  dwellMs: Record<JudgedStage, number>;
  /** Highest stage a capability may reach, by its verification decision (none stored → `unverified`). */
  riskCaps: Record<VerificationDecision | 'unverified', RolloutStage>;
}

export const DEFAULT_THRESHOLDS: DecisionThresholds = Object.freeze({
  minSuccessRate: 0.95,
  maxErrorRate: 0.05,
  errorCategories: ['error', 'timeout', 'invalid_output'] as FailureCategory[],
  maxP99Ms: 100,
  minPositiveFeedback: 0.8,
  minFeedback: 20,
  // Development is the internal group only and verification already gated it: it moves on to canary at once.
  minSamples: { development: 0, canary: 200, beta: 500, gradual: 1000, production: 1000 },
  dwellMs: {
    development: 0,
    canary: 30 * 60_000,
    beta: 60 * 60_000,
    gradual: 60 * 60_000,
    production: 0,
  },
  riskCaps: {
    approve: 'production',
    conditional: 'canary',
    reject: 'development',
    unverified: 'development',
  },
} as DecisionThresholds);

/** The numbers of one window, as stored in decision events (all finite; NaN becomes -1 there). */
export interface WindowStats {
  requests: number;
  ok: number;
  errors: number;
  failuresByCategory: Partial<Record<string, number>>;
  successRate: number;
  errorRate: number;
  p50Ms: number;
  p99Ms: number;
  positive: number;
  negative: number;
  positiveShare: number;
}

export function windowStats(counts: Readonly<Record<string, number>>, t = DEFAULT_THRESHOLDS): WindowStats {
  const requests = counts.requests ?? 0;
  const ok = counts.ok ?? 0;
  const failuresByCategory: Record<string, number> = {};
  let errors = 0;
  for (const [name, n] of Object.entries(counts)) {
    if (!name.startsWith('fail:')) continue;
    const category = name.slice(5);
    failuresByCategory[category] = n;
    if ((t.errorCategories as readonly string[]).includes(category)) errors += n;
  }
  const positive = counts['feedback:positive'] ?? 0;
  const negative = counts['feedback:negative'] ?? 0;
  return {
    requests,
    ok,
    errors,
    failuresByCategory,
    successRate: requests ? ok / requests : Number.NaN,
    errorRate: requests ? errors / requests : Number.NaN,
    p50Ms: latencyQuantile(counts, 0.5),
    p99Ms: latencyQuantile(counts, 0.99),
    positive,
    negative,
    positiveShare: positive + negative ? positive / (positive + negative) : Number.NaN,
  };
}

export type VerdictStatus = 'rollback' | 'pause' | 'pass' | 'inconclusive';
export type VerdictAction = 'rollback' | 'pause' | 'promote' | 'none';

/** A judgement of one window: what it says, what to do now, why, with the numbers. */
export interface Verdict {
  status: VerdictStatus;
  action: VerdictAction;
  reason: string;
  numbers: Record<string, number>;
  /**
   * Set when the window passes but the gate refuses the automatic promotion (risk cap, `max-stage`,
   * `manual-promotion`, a group limit, a replaced human rollback): the engine stores it as a `hold` decision.
   */
  held?: { to: RolloutStage; reason: string };
}

export interface JudgeInput {
  stage: RolloutStage;
  /** Share of users the stage serves (basis points); reasons name it for `gradual`, which has several steps. */
  percentage?: number;
  stats: WindowStats;
  /** ms the window has been open. */
  openForMs: number;
  /** The stage after this one, or undefined at production. */
  next: RolloutStage | undefined;
  /** Share of users the next stage serves (basis points). */
  nextPercentage?: number;
  /** Highest stage allowed by the risk cap. */
  cap: RolloutStage;
  capReason: string;
  /** Why a person must promote (the rollout gate), or undefined when the engine may. */
  needsPerson?: string | undefined;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const finite = (x: number) => (Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : -1);

/**
 * Judges one window. Order: too few requests → inconclusive (unless it already holds more errors than a
 * whole minimum sample may, which no later success can excuse → roll back); success or error rate out of
 * bounds → roll back; p99 or feedback out of bounds → pause; otherwise pass, which promotes once the dwell
 * time is over and the risk cap allows the next stage.
 */
export function judge(input: JudgeInput, t: DecisionThresholds = DEFAULT_THRESHOLDS): Verdict {
  const { stats: s, stage } = input;
  const here = stageLabel(stage, input.percentage);
  const minSamples = t.minSamples[stage as JudgedStage] ?? 0;
  const dwellMs = t.dwellMs[stage as JudgedStage] ?? 0;
  const numbers: Record<string, number> = {
    requests: s.requests,
    ok: s.ok,
    errors: s.errors,
    successRate: finite(s.successRate),
    errorRate: finite(s.errorRate),
    p50Ms: finite(s.p50Ms),
    p99Ms: finite(s.p99Ms),
    positive: s.positive,
    negative: s.negative,
    positiveShare: finite(s.positiveShare),
    minSamples,
    openForMs: input.openForMs,
    dwellMs,
  };
  for (const [category, n] of Object.entries(s.failuresByCategory)) numbers[`fail_${category}`] = n ?? 0;
  const v = (status: VerdictStatus, action: VerdictAction, reason: string): Verdict => ({
    status,
    action,
    reason,
    numbers,
  });

  const errorBudget = t.maxErrorRate * minSamples;
  if (s.requests < minSamples) {
    if (minSamples > 0 && s.errors > errorBudget)
      return v(
        'rollback',
        'rollback',
        `${s.errors} errors in ${s.requests} requests already exceed what ${minSamples} may hold at ${pct(t.maxErrorRate)}`,
      );
    return v('inconclusive', 'none', `${s.requests} of ${minSamples} requests needed in ${here}`);
  }
  if (s.requests > 0) {
    if (s.successRate < t.minSuccessRate)
      return v(
        'rollback',
        'rollback',
        `success ${pct(s.successRate)} < ${pct(t.minSuccessRate)} over ${s.requests} requests`,
      );
    if (s.errorRate > t.maxErrorRate)
      return v(
        'rollback',
        'rollback',
        `errors ${pct(s.errorRate)} > ${pct(t.maxErrorRate)} over ${s.requests} requests`,
      );
    if (s.p99Ms > t.maxP99Ms)
      return v(
        'pause',
        'pause',
        `p99 ${s.p99Ms.toFixed(1)} ms > ${t.maxP99Ms} ms over ${s.requests} requests`,
      );
  }
  if (s.positive + s.negative >= t.minFeedback && s.positiveShare < t.minPositiveFeedback)
    return v(
      'pause',
      'pause',
      `positive feedback ${pct(s.positiveShare)} < ${pct(t.minPositiveFeedback)} over ${s.positive + s.negative} answers`,
    );
  const healthy = `${s.requests} requests, success ${s.requests ? pct(s.successRate) : 'n/a'}, p99 ${Number.isFinite(s.p99Ms) ? `${s.p99Ms.toFixed(1)} ms` : 'n/a'}`;
  if (!input.next) return v('pass', 'none', `healthy in ${here}: ${healthy}`);
  if (isAbove(input.next, input.cap))
    return {
      ...v('pass', 'none', `healthy, held at ${here}: ${input.capReason}`),
      held: { to: input.next, reason: input.capReason },
    };
  if (input.needsPerson)
    return {
      ...v('pass', 'none', `healthy, held at ${here}: ${input.needsPerson}`),
      held: { to: input.next, reason: input.needsPerson },
    };
  if (input.openForMs < dwellMs)
    return v(
      'pass',
      'none',
      `healthy, dwelling in ${here} (${Math.round(input.openForMs / 1000)} of ${Math.round(dwellMs / 1000)} s)`,
    );
  return v(
    'pass',
    'promote',
    `healthy (${healthy}): ${here} → ${stageLabel(input.next, input.nextPercentage)}`,
  );
}

/** Counter names an outcome adds to (exported for the bench and the recorder). */
export const COUNTERS = { requests: 'requests', ok: 'ok', latency: LATENCY_COUNTERS } as const;
