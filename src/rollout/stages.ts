import type { RequestContext, Rollout, RolloutStage } from '../domain/index.js';
import type { CompiledRollout, RoutingGroups } from './strategies.js';
import { assignVersion, compileRollout } from './strategies.js';

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

/** Stages whose live numbers are judged (a paused rollout waits for a person). */
export const JUDGED_STAGES: ReadonlySet<RolloutStage> = new Set(STAGE_ORDER);

/** Rollout rows are replaced, never mutated, on change: compiling once per row object is safe. */
const COMPILED = new WeakMap<Rollout, CompiledRollout>();

export type ServeReason = 'internal_group' | 'beta_group' | 'bucket' | 'production' | 'not_in_rollout';

/**
 * Whether this rollout serves its version to this user under the default policy (no targeting, no
 * exclusions, no experiment). The full rules, with a policy, are `assignVersion`.
 */
export function servesUser(
  rollout: Rollout,
  context: RequestContext,
  groups: RoutingGroups,
): { served: boolean; reason: ServeReason } {
  let compiled = COMPILED.get(rollout);
  if (!compiled) COMPILED.set(rollout, (compiled = compileRollout(rollout)));
  const a = assignVersion(compiled, context, groups);
  if (a.variant === 'stable') return { served: false, reason: 'not_in_rollout' };
  return { served: true, reason: a.reason as ServeReason };
}
