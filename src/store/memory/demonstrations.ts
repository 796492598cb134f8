import type { Demonstration } from '../../domain/index.js';
import { DEFAULT_LIMITS, isoTime, listLimit, viaJson } from '../store-rules.js';
import type { DemonstrationRepository } from '../store.js';
import type { MemoryState } from './memory-state.js';
import { appendNew, by } from './memory-state.js';

export function demonstrationRepository(s: MemoryState): DemonstrationRepository {
  return {
    add: async (d) => {
      const stored = viaJson({ ...d, at: isoTime(d.at, 'demonstration.at') });
      appendNew(s.d.demonstrations, stored, `demonstration ${d.id}`);
    },
    list: async (q) =>
      viaJson(
        s.d.demonstrations
          .filter((d) => q.patternId === undefined || d.patternId === q.patternId)
          .sort(
            by<Demonstration>(
              (d) => d.at,
              (d) => d.id,
            ),
          )
          .slice(0, listLimit(q.limit, DEFAULT_LIMITS.demonstrations)),
      ),
    count: async (q) => s.d.demonstrations.filter((d) => d.patternId === q.patternId).length,
  };
}
