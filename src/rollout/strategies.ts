import type { RequestContext, Rollout, RolloutStage } from '../domain/index.js';
import { ANONYMOUS_USER, isVerifiedUser } from '../domain/index.js';
import { bucketOf } from './bucketing.js';
import type { RolloutPolicy } from './policy.js';
import { DEFAULT_POLICY } from './policy.js';

/**
 * Seed of the A/B split. Different from the rollout seed (0), so which arm a user is in is independent of
 * whether the rollout admits them: the canary users are not all in one arm.
 */
export const EXPERIMENT_SEED = 0x41b5eed;

/**
 * User id the runtime gives a request without one: it has no stable key to bucket, so it gets what a 100%
 * stage serves (the rollout's version once in production, the stable version before).
 */
export { ANONYMOUS_USER } from '../domain/index.js';

export interface RoutingGroups {
  internalGroup: string;
  betaGroup: string;
}

/** `canary`: the rollout's version; `control`: the experiment's other arm; `stable`: what everyone else gets. */
export type Variant = 'canary' | 'control' | 'stable';

export type AssignReason =
  | 'anonymous'
  | 'excluded'
  | 'flag_off'
  | 'inactive'
  | 'limited_group'
  | 'internal_group'
  | 'target_user'
  | 'target_group'
  | 'beta_group'
  | 'production'
  | 'bucket'
  | 'not_in_rollout';

export interface Assignment {
  variant: Variant;
  /** The version to run; undefined when the user gets the stable version and there is none (a clean failure). */
  version: number | undefined;
  reason: AssignReason;
}

/**
 * A rollout compiled for routing: sets instead of lists, the effective stage of a paused rollout resolved,
 * the stable version attached. Built once per change, read on every request.
 */
export interface CompiledRollout {
  readonly rollout: Rollout;
  readonly policy: RolloutPolicy;
  /** Stage whose audience is served: a paused rollout keeps serving exactly who it served when paused. */
  readonly servingStage: RolloutStage;
  readonly stableVersion: number | undefined;
  readonly users: ReadonlySet<string>;
  readonly groups: ReadonlySet<string>;
  readonly excludeUsers: ReadonlySet<string>;
  readonly excludeGroups: ReadonlySet<string>;
  /** A `limited-group` condition of the version's gate not lifted by a person: nobody outside is served. */
  readonly limitedGroup: string | undefined;
}

export function compileRollout(
  rollout: Rollout,
  policy: RolloutPolicy = DEFAULT_POLICY,
  stableVersion?: number,
  limitedGroup?: string,
): CompiledRollout {
  return {
    rollout,
    policy,
    servingStage: rollout.stage === 'paused' ? (rollout.pausedFrom ?? 'development') : rollout.stage,
    stableVersion: stableVersion === rollout.version ? undefined : stableVersion,
    users: new Set(policy.users),
    groups: new Set(policy.groups),
    excludeUsers: new Set(policy.excludeUsers),
    excludeGroups: new Set(policy.excludeGroups),
    limitedGroup,
  };
}

const anyIn = (groups: readonly string[] | undefined, set: ReadonlySet<string>): boolean => {
  if (!groups || set.size === 0) return false;
  for (const g of groups) if (set.has(g)) return true;
  return false;
};

const has = (groups: readonly string[] | undefined, group: string): boolean =>
  groups !== undefined && groups.includes(group);

/**
 * Which version this user gets, and why. Rules, first match wins:
 * 1. no stable key (anonymous) → the new version in production (unless a group limit is in force), else
 * stable; 2. excluded user or group → stable; 3. flag off → stable;
 * 4. rolled back or retired → stable; 4b. a `limited-group` condition in force and the user outside that group
 * → stable (verification's conditions bind routing: no policy, stage or bucket widens it);
 * 5. internal group → new version from development on;
 * 6. development → stable for everyone else; 7. canary users / target groups → new version;
 * 8. beta group → new version from beta on; 9. production → everyone; 10. bucket < percentage → new version
 * (monotonic: raising the percentage keeps everyone already in); 11. else stable.
 * Admitted users are then split by the experiment, if any, with its own seed.
 */
export function assignVersion(
  c: CompiledRollout,
  context: RequestContext | undefined,
  routing: RoutingGroups,
): Assignment {
  const stable = (reason: AssignReason): Assignment => ({
    variant: 'stable',
    version: c.stableVersion,
    reason,
  });
  const user = context?.user;
  if (!user || user === ANONYMOUS_USER) {
    // Nothing to bucket by, so served exactly what everyone is served at 100%: the new version once the
    // rollout is in production (and on), the stable version before. Never "still rolling out" at 100%.
    const s = c.servingStage;
    if (c.policy.enabled && s === 'production' && c.limitedGroup === undefined)
      return { variant: 'canary', version: c.rollout.version, reason: 'production' };
    return stable('anonymous');
  }
  const groups = context.groups;
  if (c.excludeUsers.has(user) || anyIn(groups, c.excludeGroups)) return stable('excluded');
  if (!c.policy.enabled) return stable('flag_off');
  const stage = c.servingStage;
  if (stage === 'rolled_back' || stage === 'retired') return stable('inactive');
  if (c.limitedGroup !== undefined && !has(groups, c.limitedGroup)) return stable('limited_group');
  let reason: AssignReason;
  if (has(groups, routing.internalGroup)) reason = 'internal_group';
  else if (stage === 'development') return stable('not_in_rollout');
  // An unverified id (an unauthenticated caller's claim) keys a bucket but never impersonates a target user.
  else if (c.users.has(user) && isVerifiedUser(user)) reason = 'target_user';
  else if (anyIn(groups, c.groups)) reason = 'target_group';
  else if (stage !== 'canary' && has(groups, routing.betaGroup)) reason = 'beta_group';
  else if (stage === 'production') reason = 'production';
  else if (bucketOf(c.rollout.rolloutKey, user) < c.rollout.percentage) reason = 'bucket';
  else return stable('not_in_rollout');
  const experiment = c.policy.experiment;
  if (experiment && bucketOf(c.rollout.rolloutKey, user, EXPERIMENT_SEED) >= experiment.treatmentShare)
    return { variant: 'control', version: experiment.control, reason };
  return { variant: 'canary', version: c.rollout.version, reason };
}
