import type { Pattern } from '../../domain/index.js';
import { conflict, DEFAULT_LIMITS, isoTime, listLimit, viaJson } from '../store-rules.js';
import type { PatternRepository } from '../store.js';
import type { MemoryState } from './memory-state.js';
import { by, copy, desc } from './memory-state.js';

export function patternRepository(s: MemoryState): PatternRepository {
  return {
    upsert: async (pt) => {
      const incoming = viaJson({
        ...pt,
        firstSeen: isoTime(pt.firstSeen, 'pattern.firstSeen'),
        lastSeen: isoTime(pt.lastSeen, 'pattern.lastSeen'),
      });
      const existing = s.d.patterns.find((x) => x.signature === pt.signature);
      if (existing) {
        // See PatternRepository.upsert: an older observation may only raise the numbers.
        const newer = incoming.lastSeen > existing.lastSeen;
        existing.count = newer ? incoming.count : Math.max(existing.count, incoming.count);
        existing.distinctUsers = newer
          ? incoming.distinctUsers
          : Math.max(existing.distinctUsers, incoming.distinctUsers);
        existing.parameters = incoming.parameters;
        if (incoming.lastSeen > existing.lastSeen) existing.lastSeen = incoming.lastSeen;
        return viaJson(existing);
      }
      if (s.d.patterns.some((x) => x.id === pt.id)) throw conflict(`pattern ${pt.id}`);
      s.d.patterns.push(incoming);
      return viaJson(incoming);
    },
    get: async (id) => copy(s.d.patterns.find((x) => x.id === id)),
    getBySignature: async (signature) => copy(s.d.patterns.find((x) => x.signature === signature)),
    list: async (q = {}) => {
      const limit = listLimit(q.limit, DEFAULT_LIMITS.patterns);
      const recentFirst = desc(
        by<Pattern>(
          (p) => p.lastSeen,
          (p) => p.id,
        ),
      );
      return viaJson(
        s.d.patterns
          .filter((x) => q.status === undefined || x.status === q.status)
          .sort(recentFirst)
          .slice(0, limit),
      );
    },
    setStatus: async (id, status, reason, capabilityId) => {
      const pt = s.d.patterns.find((x) => x.id === id);
      if (!pt) return;
      pt.status = status;
      if (reason === undefined) delete pt.statusReason;
      else pt.statusReason = reason;
      if (capabilityId !== undefined) pt.capabilityId = capabilityId;
    },
  };
}
