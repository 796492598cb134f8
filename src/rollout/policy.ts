import { z } from 'zod';
import { IroncliwError } from '../domain/index.js';
import { BUCKETS } from './bucketing.js';

/** Gradual steps when a policy names none: 25%, 50%, 75% (in basis points). */
export const DEFAULT_GRADUAL_STEPS: readonly number[] = [2500, 5000, 7500];

const userList = z.array(z.string().min(1).max(200)).max(10_000);
const groupList = z.array(z.string().min(1).max(100)).max(1000);

/**
 * How one capability's rollout chooses users, beyond its stage. Stored per capability (store
 * `rolloutPolicies`), validated here; unknown keys are refused so a typo never silently widens a rollout.
 */
export const RolloutPolicySchema = z
  .object({
    /** Percentages of the `gradual` stage in basis points, strictly rising, each between beta (10%) and 100%. */
    steps: z
      .array(z.number().int().gt(1000).lt(BUCKETS))
      .min(1)
      .max(20)
      .refine((s) => s.every((v, i) => i === 0 || v > s[i - 1]!), 'steps must be strictly rising')
      .default([...DEFAULT_GRADUAL_STEPS]),
    /** Feature flag: false withholds the new version from everyone (they get the stable one), without a transition. */
    enabled: z.boolean().default(true),
    /** Canary users: served the new version from `canary` on, whatever their bucket. */
    users: userList.default([]),
    /** Target groups: served the new version from `canary` on. */
    groups: groupList.default([]),
    /** Never served the new version, whatever else matches (exclusion wins over every other rule). */
    excludeUsers: userList.default([]),
    excludeGroups: groupList.default([]),
    /**
     * A/B between two versions of the capability: of the users the rollout admits, `treatmentShare` (basis
     * points, by a separately seeded bucket) get the rollout's version, the others `control`.
     */
    experiment: z
      .object({
        control: z.number().int().min(1),
        treatmentShare: z
          .number()
          .int()
          .min(0)
          .max(BUCKETS)
          .default(BUCKETS / 2),
      })
      .strict()
      .optional(),
  })
  .strict();

export type RolloutPolicy = z.infer<typeof RolloutPolicySchema>;
export type RolloutPolicyInput = z.input<typeof RolloutPolicySchema>;

/** Validates a policy document; E_INPUT_INVALID names the offending field. */
export function parsePolicy(input: unknown): RolloutPolicy {
  const r = RolloutPolicySchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.') || '(policy)';
  throw new IroncliwError('E_INPUT_INVALID', `rollout policy ${field}: ${issue.message}`, {
    details: { field },
  });
}

export const DEFAULT_POLICY: RolloutPolicy = Object.freeze(parsePolicy({}));
