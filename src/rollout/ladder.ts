import type { Rollout, RolloutStage } from '../domain/index.js';
import type { RolloutPolicy } from './policy.js';
import { DEFAULT_POLICY } from './policy.js';
import { STAGE_ORDER, STAGE_PERCENTAGE } from './stages.js';

/** A place on the ladder: a stage and the share of users it serves (basis points). */
export interface Step {
  stage: RolloutStage;
  percentage: number;
}

/** The stage (and percentage) after the current one, or undefined at production or off the ladder. */
export function nextStep(rollout: Rollout, policy: RolloutPolicy = DEFAULT_POLICY): Step | undefined {
  switch (rollout.stage) {
    case 'development':
      return { stage: 'canary', percentage: STAGE_PERCENTAGE.canary };
    case 'canary':
      return { stage: 'beta', percentage: STAGE_PERCENTAGE.beta };
    case 'beta':
      return { stage: 'gradual', percentage: policy.steps[0]! };
    case 'gradual': {
      const step = policy.steps.find((s) => s > rollout.percentage);
      return step === undefined
        ? { stage: 'production', percentage: STAGE_PERCENTAGE.production }
        : { stage: 'gradual', percentage: step };
    }
    default:
      return undefined;
  }
}

/** Whether `a` stands higher on the ladder than `b`. */
export function isAbove(a: RolloutStage, b: RolloutStage): boolean {
  return STAGE_ORDER.indexOf(a) > STAGE_ORDER.indexOf(b);
}

/** The lower of two stages on the ladder. */
export function lowerStage(a: RolloutStage, b: RolloutStage | undefined): RolloutStage {
  if (!b) return a;
  return STAGE_ORDER.indexOf(b) < STAGE_ORDER.indexOf(a) ? b : a;
}

/**
 * A stage as reasons name it. `gradual` has several steps, so it carries its share of users
 * (`gradual 25%`): without it a move between two steps would read `gradual → gradual` (issue 15).
 */
export function stageLabel(stage: RolloutStage, percentage?: number): string {
  return stage === 'gradual' && percentage !== undefined ? `gradual ${percentage / 100}%` : stage;
}
