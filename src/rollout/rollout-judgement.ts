import type { Rollout } from '../domain/index.js';
import type { DecisionThresholds, Verdict, WindowStats } from './decision.js';
import { judge } from './decision.js';
import type { RolloutGate } from './gate.js';
import { lowerStage, nextStep } from './ladder.js';
import type { RolloutPolicy } from './policy.js';
import { JUDGED_STAGES } from './stages.js';
import type { RiskCap } from './version-facts.js';

/** Everything the judgement of one rollout reads, all of it stored numbers, with the time passed in. */
export interface RolloutJudgementInput {
  rollout: Rollout;
  /** The open window of the rollout's version. */
  stats: WindowStats;
  policy: RolloutPolicy;
  riskCap: RiskCap;
  gate: RolloutGate;
  /** The judging moment (ms since the epoch). */
  nowMs: number;
}

/**
 * Judges one rollout's open window: a pure function of its inputs (no I/O, no clock), so any decision can be
 * replayed from the store. Undefined for a rollout in a stage that is not judged (paused, rolled back, retired).
 */
export function judgeRollout(
  input: RolloutJudgementInput,
  thresholds: DecisionThresholds,
): Verdict | undefined {
  const { rollout: r, riskCap: cap, gate } = input;
  if (!JUDGED_STAGES.has(r.stage)) return undefined;
  const stage = lowerStage(cap.stage, gate.maxStage);
  const next = nextStep(r, input.policy);
  return judge(
    {
      stage: r.stage,
      percentage: r.percentage,
      stats: input.stats,
      openForMs: Math.max(0, input.nowMs - Date.parse(r.stageEnteredAt)),
      next: next?.stage,
      nextPercentage: next?.percentage,
      cap: stage,
      capReason:
        stage === cap.stage
          ? `verification decision ${cap.decision} caps this capability at ${cap.stage}`
          : `verification condition max-stage:${stage} caps this capability at ${stage}`,
      needsPerson: gate.needsPerson,
    },
    thresholds,
  );
}
