import { conflict, isoTime, viaJson } from '../store-rules.js';
import type { ServedRequestRepository } from '../store.js';
import type { MemoryState } from './memory-state.js';
import { copy } from './memory-state.js';

export function servedRequestRepository(s: MemoryState): ServedRequestRepository {
  return {
    record: async (list) => {
      const rows = list.map((r) =>
        viaJson({
          requestId: r.requestId,
          capabilityId: r.capabilityId,
          version: r.version,
          stage: r.stage,
          windowStart: isoTime(r.windowStart, 'served.windowStart'),
          userId: r.userId,
          at: isoTime(r.at, 'served.at'),
        }),
      );
      // All or nothing, as the SQL store's one statement (or transaction) per call.
      const ids = new Set<string>();
      for (const r of rows) {
        if (s.d.served.has(r.requestId) || ids.has(r.requestId))
          throw conflict(`served request ${list.length === 1 ? r.requestId : '(batch)'}`);
        ids.add(r.requestId);
      }
      for (const r of rows) s.d.served.set(r.requestId, r);
    },
    get: async (id) => copy(s.d.served.get(id)),
    setFeedback: async (id, feedback) => {
      const r = s.d.served.get(id);
      if (!r || r.feedback !== undefined) return false;
      r.feedback = feedback;
      return true;
    },
    prune: async (before) => {
      const limit = isoTime(before, 'before');
      let n = 0;
      for (const [id, r] of s.d.served)
        if (r.at < limit) {
          s.d.served.delete(id);
          n++;
        }
      return n;
    },
  };
}
