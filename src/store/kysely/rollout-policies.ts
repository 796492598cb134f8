import type { Selectable } from 'kysely';
import type { RolloutPolicyRow } from '../sql-schema.js';
import { isoTime, toJsonText } from '../store-rules.js';
import type { RolloutPolicyRepository, StoredRolloutPolicy } from '../store.js';
import type { SqlRepositoryKit } from './sql-repository.js';

export function rolloutPolicyRepository({ json, table }: SqlRepositoryKit): RolloutPolicyRepository {
  const toPolicy = (r: Selectable<RolloutPolicyRow>): StoredRolloutPolicy => ({
    capabilityId: r.capability_id,
    policy: json(r.policy),
    updatedAt: r.updated_at,
  });

  const policies = table('rollout_policies', toPolicy);

  return {
    async save(p) {
      await policies.upsert('capability_id', {
        capability_id: p.capabilityId,
        policy: toJsonText(p.policy),
        updated_at: isoTime(p.updatedAt, 'policy.updatedAt'),
      });
    },
    get: (capabilityId) => policies.find('capability_id', capabilityId),
    list: () => policies.list({}, ['capability_id']),
  };
}
