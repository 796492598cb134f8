import type { Selectable } from 'kysely';
import type { JobRow } from '../sql-schema.js';
import {
  conflict,
  DEFAULT_LIMITS,
  leaseUntil,
  listLimit,
  toJsonText,
  truncateError,
} from '../store-rules.js';
import type { Job, JobRepository } from '../store.js';
import type { SqlRepositoryKit } from './sql-repository.js';
import { num, opt, updated } from './sql-repository.js';

export function jobRepository({ db, flavor, json, table }: SqlRepositoryKit): JobRepository {
  const toJob = (r: Selectable<JobRow>): Job => ({
    id: r.id,
    kind: r.kind,
    key: r.key,
    payload: json(r.payload),
    status: r.status as Job['status'],
    attempts: num(r.attempts),
    ...opt('result', r.result === null ? null : json(r.result)),
    ...opt('error', r.error),
    ...opt('lockedBy', r.locked_by),
    ...opt('lockedUntil', r.locked_until),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });

  const jobs = table('jobs', toJob);

  /** The running job `id` while `owner` holds it: the lease fence of renew, complete and fail. */
  const held = (id: string, owner: string) =>
    db
      .updateTable('jobs')
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where('locked_by', '=', owner);

  /**
   * Ends a job only while `owner` holds it: one UPDATE … WHERE status = 'running' AND locked_by = owner, so
   * the check and the write are atomic (and, in a transaction on PostgreSQL, the row stays locked until
   * commit, so no claimer can take the job between the fence and the commit).
   */
  async function finish(
    id: string,
    owner: string,
    set: { status: 'done' | 'failed'; result?: string | null; error?: string },
  ): Promise<boolean> {
    const r = await held(id, owner)
      .set({ ...set, locked_by: null, locked_until: null, updated_at: new Date().toISOString() })
      .executeTakeFirst();
    return updated(r);
  }

  return {
    async enqueue(job) {
      const now = new Date().toISOString();
      // ON CONFLICT DO NOTHING rather than catching the violation: on PostgreSQL an error would abort an
      // enclosing transaction, and idempotent enqueue must be usable inside one.
      const inserted = await db
        .insertInto('jobs')
        .values({
          id: job.id,
          kind: job.kind,
          key: job.key,
          payload: toJsonText(job.payload),
          status: 'queued',
          attempts: 0,
          result: null,
          error: null,
          locked_by: null,
          locked_until: null,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) return { job: toJob(inserted), created: true };
      const existing = await jobs.find('key', job.key);
      if (!existing) throw conflict(`job ${job.id} (under another key)`);
      return { job: existing, created: false };
    },
    async claim(workerId, leaseMs, kinds) {
      const at = Date.now();
      const until = leaseUntil(at, leaseMs);
      const row = await flavor.claimJob(db, { workerId, now: new Date(at).toISOString(), until, kinds });
      return row ? toJob(row) : undefined;
    },
    async renew(id, owner, leaseMs) {
      const until = leaseUntil(Date.now(), leaseMs);
      return updated(await held(id, owner).set({ locked_until: until }).executeTakeFirst());
    },
    async complete(id, owner, result) {
      return finish(id, owner, {
        status: 'done',
        result: result === undefined || result === null ? null : toJsonText(result),
      });
    },
    async fail(id, owner, error) {
      return finish(id, owner, { status: 'failed', error: truncateError(error) });
    },
    get: (id) => jobs.find('id', id),
    list: async (q = {}) =>
      jobs.list({ status: q.status }, ['created_at', 'id'], listLimit(q.limit, DEFAULT_LIMITS.jobs)),
  };
}
