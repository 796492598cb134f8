import { conflict, DEFAULT_LIMITS, leaseUntil, listLimit, truncateError, viaJson } from '../store-rules.js';
import type { Job, JobRepository } from '../store.js';
import type { MemoryState } from './memory-state.js';
import { by, copy } from './memory-state.js';

export function jobRepository(s: MemoryState): JobRepository {
  /** The job if it is running under `owner` (the lease fence of complete, fail and renew). */
  const held = (id: string, owner: string): Job | undefined =>
    s.d.jobs.find((x) => x.id === id && x.status === 'running' && x.lockedBy === owner);

  const finish = (id: string, owner: string, status: 'done' | 'failed'): Job | undefined => {
    const job = held(id, owner);
    if (!job) return undefined;
    job.status = status;
    job.updatedAt = new Date().toISOString();
    delete job.lockedBy;
    delete job.lockedUntil;
    return job;
  };

  const oldestFirst = by<Job>(
    (x) => x.createdAt,
    (x) => x.id,
  );

  return {
    enqueue: async (job) => {
      const existing = s.d.jobs.find((x) => x.key === job.key);
      if (existing) return { job: viaJson(existing), created: false };
      if (s.d.jobs.some((x) => x.id === job.id)) throw conflict(`job ${job.id} (under another key)`);
      const now = new Date().toISOString();
      const created: Job = {
        id: job.id,
        kind: job.kind,
        key: job.key,
        payload: viaJson(job.payload),
        status: 'queued',
        attempts: 0,
        createdAt: now,
        updatedAt: now,
      };
      s.d.jobs.push(created);
      s.announce({ table: 'jobs', key: created.id });
      return { job: viaJson(created), created: true };
    },
    claim: async (workerId, leaseMs, kinds) => {
      const at = Date.now();
      const until = leaseUntil(at, leaseMs);
      const now = new Date(at).toISOString();
      const job = s.d.jobs
        .filter(
          (x) =>
            (!kinds?.length || kinds.includes(x.kind)) &&
            (x.status === 'queued' ||
              (x.status === 'running' && x.lockedUntil !== undefined && x.lockedUntil < now)),
        )
        .sort(oldestFirst)[0];
      if (!job) return undefined;
      Object.assign(job, {
        status: 'running',
        lockedBy: workerId,
        lockedUntil: until,
        attempts: job.attempts + 1,
        updatedAt: now,
      });
      return viaJson(job);
    },
    renew: async (id, owner, leaseMs) => {
      const until = leaseUntil(Date.now(), leaseMs);
      const job = held(id, owner);
      if (job) job.lockedUntil = until;
      return job !== undefined;
    },
    complete: async (id, owner, result) => {
      const job = finish(id, owner, 'done');
      if (!job) return false;
      if (result === undefined || result === null) delete job.result;
      else job.result = viaJson(result);
      return true;
    },
    fail: async (id, owner, error) => {
      const job = finish(id, owner, 'failed');
      if (job) job.error = truncateError(error);
      return job !== undefined;
    },
    get: async (id) => copy(s.d.jobs.find((x) => x.id === id)),
    list: async (q = {}) => {
      const limit = listLimit(q.limit, DEFAULT_LIMITS.jobs);
      return viaJson(
        s.d.jobs
          .filter((x) => q.status === undefined || x.status === q.status)
          .sort(oldestFirst)
          .slice(0, limit),
      );
    },
  };
}
