import { isoTime, viaJson } from '../store-rules.js';
import type { RolloutPolicyRepository } from '../store.js';
import type { MemoryState } from './memory-state.js';
import { by, copy } from './memory-state.js';

export function rolloutPolicyRepository(s: MemoryState): RolloutPolicyRepository {
  return {
    save: async (p) => {
      s.d.policies.set(
        p.capabilityId,
        viaJson({ ...p, updatedAt: isoTime(p.updatedAt, 'policy.updatedAt') }),
      );
      s.announce({ table: 'rollout_policies', key: p.capabilityId });
    },
    get: async (id) => copy(s.d.policies.get(id)),
    list: async () => viaJson([...s.d.policies.values()].sort(by((p) => p.capabilityId))),
  };
}
