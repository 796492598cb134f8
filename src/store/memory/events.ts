import { DEFAULT_LIMITS, isoTime, listLimit, viaJson } from '../store-rules.js';
import type { EventRepository } from '../store.js';
import type { MemoryState } from './memory-state.js';
import { appendNew } from './memory-state.js';

export function eventRepository(s: MemoryState): EventRepository {
  return {
    append: async (e) => {
      const stored = viaJson({ ...e, at: isoTime(e.at, 'event.at') });
      appendNew(s.d.events, stored, `event ${e.id}`);
    },
    list: async (q = {}) => {
      const limit = listLimit(q.limit, DEFAULT_LIMITS.events);
      return viaJson(
        s.d.events
          .filter((e) => q.capabilityId === undefined || e.capabilityId === q.capabilityId)
          .slice(0, limit),
      );
    },
  };
}
