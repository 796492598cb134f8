import type { RequestContext, Rollout, RolloutStage } from '../domain/index.js';
import { bucketOf } from './bucketing.js';

/** Traffic share of each serving stage in basis points. `gradual` carries its own step in the rollout row. */
export const STAGE_PERCENTAGE: Record<RolloutStage, number> = {
  development: 0,
  canary: 100,
  beta: 1000,
  gradual: 2500,
  production: 10_000,
  paused: 0,
  rolled_back: 0,
  retired: 0,
};

export const STAGE_ORDER: RolloutStage[] = ['development', 'canary', 'beta', 'gradual', 'production'];

export interface RoutingGroups {
  internalGroup: string;
  betaGroup: string;
}

export type ServeReason = 'internal_group' | 'beta_group' | 'bucket' | 'production' | 'not_in_rollout';

/**
 * Whether this rollout serves this user now, and why. Internal users see every stage from development on;
 * the beta group joins from beta on; everyone else is admitted by their stable bucket. A paused rollout
 * keeps serving exactly who it served when paused (its percentage is frozen), so a pause never flaps users.
 */
export function servesUser(
  rollout: Rollout,
  context: RequestContext,
  groups: RoutingGroups,
): { served: boolean; reason: ServeReason } {
  const stage = rollout.stage === 'paused' ? (rollout.pausedFrom ?? 'development') : rollout.stage;
  if (stage === 'rolled_back' || stage === 'retired') return { served: false, reason: 'not_in_rollout' };
  const userGroups = context.groups ?? [];
  if (userGroups.includes(groups.internalGroup)) return { served: true, reason: 'internal_group' };
  if (stage === 'development') return { served: false, reason: 'not_in_rollout' };
  if (stage === 'production') return { served: true, reason: 'production' };
  if (stage === 'beta' && userGroups.includes(groups.betaGroup))
    return { served: true, reason: 'beta_group' };
  if (bucketOf(rollout.rolloutKey, context.user) < rollout.percentage)
    return { served: true, reason: 'bucket' };
  return { served: false, reason: 'not_in_rollout' };
}
