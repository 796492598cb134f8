import { isoTime, viaJson } from '../store-rules.js';
import type { RolloutRepository } from '../store.js';
import type { MemoryState } from './memory-state.js';
import { by, copy } from './memory-state.js';

export function rolloutRepository(s: MemoryState): RolloutRepository {
  const rollouts: RolloutRepository = {
    save: async (r) => {
      const stored = viaJson({
        ...r,
        stageEnteredAt: isoTime(r.stageEnteredAt, 'rollout.stageEnteredAt'),
        updatedAt: isoTime(r.updatedAt, 'rollout.updatedAt'),
      });
      s.d.rollouts.set(r.capabilityId, stored);
      s.announce({ table: 'rollouts', key: r.capabilityId });
    },
    get: async (id) => copy(s.d.rollouts.get(id)),
    replaceIf: async (r, expectedUpdatedAt) => {
      const expected = isoTime(expectedUpdatedAt, 'expectedUpdatedAt');
      const current = s.d.rollouts.get(r.capabilityId);
      if (!current || current.updatedAt !== expected) return false;
      await rollouts.save(r);
      return true;
    },
    list: async (q = {}) =>
      viaJson(
        [...s.d.rollouts.values()]
          .filter((r) => q.stage === undefined || r.stage === q.stage)
          .sort(by((r) => r.capabilityId)),
      ),
  };
  return rollouts;
}
