import type { Failure } from '../../domain/index.js';
import { isVerifiedUser } from '../../domain/index.js';
import { DEFAULT_LIMITS, isoTime, listLimit, viaJson } from '../store-rules.js';
import type { FailureQuery, FailureRepository, SignatureCount } from '../store.js';
import type { MemoryState } from './memory-state.js';
import { appendNew, by, copy, desc } from './memory-state.js';

export function failureRepository(s: MemoryState): FailureRepository {
  const filtered = (q: Omit<FailureQuery, 'limit'>): Failure[] => {
    const since = q.since === undefined ? undefined : isoTime(q.since, 'since');
    return s.d.failures.filter(
      (f) =>
        (q.signature === undefined || f.signature === q.signature) &&
        (q.userId === undefined || f.userId === q.userId) &&
        (q.capabilityId === undefined || f.capabilityId === q.capabilityId) &&
        (q.category === undefined || f.category === q.category) &&
        (since === undefined || f.at >= since),
    );
  };

  return {
    record: async (f) => {
      const stored = viaJson({ ...f, at: isoTime(f.at, 'failure.at') });
      appendNew(s.d.failures, stored, `failure ${f.id}`);
    },
    get: async (id) => copy(s.d.failures.find((f) => f.id === id)),
    list: async (q = {}) => {
      const limit = listLimit(q.limit, DEFAULT_LIMITS.failures);
      const newestFirst = desc(
        by<Failure>(
          (f) => f.at,
          (f) => f.id,
        ),
      );
      return viaJson(filtered(q).sort(newestFirst).slice(0, limit));
    },
    count: async (q = {}) => filtered(q).length,
    distinctUsers: async (signature, since) =>
      new Set(
        filtered({ signature, ...(since === undefined ? {} : { since }) })
          .map((f) => f.userId)
          .filter(isVerifiedUser),
      ).size,
    signatures: async (q = {}) => {
      const limit = listLimit(q.limit, DEFAULT_LIMITS.signatures);
      const bySignature = new Map<string, SignatureCount>();
      for (const f of filtered(q.since === undefined ? {} : { since: q.since })) {
        const c = bySignature.get(f.signature);
        if (!c) bySignature.set(f.signature, { signature: f.signature, count: 1, lastAt: f.at });
        else {
          c.count++;
          if (f.at > c.lastAt) c.lastAt = f.at;
        }
      }
      // Newest first, then by signature ascending (as the SQL store orders them).
      return [...bySignature.values()]
        .sort((a, b) =>
          a.lastAt !== b.lastAt ? (a.lastAt < b.lastAt ? 1 : -1) : a.signature < b.signature ? -1 : 1,
        )
        .slice(0, limit);
    },
  };
}
