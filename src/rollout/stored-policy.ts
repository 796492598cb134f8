import { IroncliwError } from '../domain/index.js';
import type { Store, StoredRolloutPolicy } from '../store/index.js';
import type { RolloutPolicy, RolloutPolicyInput } from './policy.js';
import { DEFAULT_POLICY, parsePolicy } from './policy.js';

type Log = (msg: string, data?: Record<string, unknown>) => void;

/** The policy a stored row holds; none stored → the default. */
export function policyOf(stored: StoredRolloutPolicy | undefined, log?: Log): RolloutPolicy {
  if (!stored) return DEFAULT_POLICY;
  try {
    return parsePolicy(stored.policy);
  } catch (err) {
    // Only a hand-edited row can be invalid: withhold the new version rather than guess the intent.
    log?.('invalid rollout policy; new version withheld', {
      capabilityId: stored.capabilityId,
      error: (err as Error).message,
    });
    return { ...DEFAULT_POLICY, enabled: false };
  }
}

/** Validates a capability's policy (an experiment's control must be a version it has) and stores it. */
export async function savePolicy(
  store: Store,
  capabilityId: string,
  input: RolloutPolicyInput,
  now: () => number,
): Promise<RolloutPolicy> {
  const policy = parsePolicy(input);
  if (policy.experiment) {
    const versions = await store.capabilities.versions(capabilityId);
    if (!versions.some((m) => m.version === policy.experiment!.control))
      throw new IroncliwError(
        'E_INPUT_INVALID',
        `experiment.control: ${capabilityId} has no version ${policy.experiment.control}`,
        { details: { field: 'experiment.control' } },
      );
  }
  const updatedAt = new Date(now()).toISOString();
  await store.rolloutPolicies.save({ capabilityId, policy, updatedAt });
  return policy;
}
