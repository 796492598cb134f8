import type { Selectable } from 'kysely';
import type { Failure } from '../../domain/index.js';
import { ANONYMOUS_USER, UNVERIFIED_USER_PREFIX } from '../../domain/index.js';
import type { FailureRow } from '../sql-schema.js';
import { DEFAULT_LIMITS, isoTime, listLimit, toJsonText } from '../store-rules.js';
import type { FailureQuery, FailureRepository } from '../store.js';
import type { SqlRepositoryKit } from './sql-repository.js';
import { jsonOrNull, num, opt } from './sql-repository.js';

export function failureRepository({ db, json, table }: SqlRepositoryKit): FailureRepository {
  const toFailure = (r: Selectable<FailureRow>): Failure => ({
    id: r.id,
    at: r.at,
    userId: r.user_id,
    command: r.command,
    frame: json(r.frame),
    category: r.category as Failure['category'],
    message: r.message,
    signature: r.signature,
    ...opt('capabilityId', r.capability_id),
    ...opt('screenRef', r.screen_ref),
    ...opt('expectation', r.expectation === null ? null : json<Failure['expectation']>(r.expectation)),
  });

  const failures = table('failures', toFailure);

  const filtered = (q: Omit<FailureQuery, 'limit'>) => {
    let query = db.selectFrom('failures');
    if (q.signature !== undefined) query = query.where('signature', '=', q.signature);
    if (q.userId !== undefined) query = query.where('user_id', '=', q.userId);
    if (q.capabilityId !== undefined) query = query.where('capability_id', '=', q.capabilityId);
    if (q.category !== undefined) query = query.where('category', '=', q.category);
    if (q.since !== undefined) query = query.where('at', '>=', isoTime(q.since, 'since'));
    return query;
  };

  return {
    async record(f) {
      await failures.insert(`failure ${f.id}`, {
        id: f.id,
        at: isoTime(f.at, 'failure.at'),
        user_id: f.userId,
        command: f.command,
        frame: toJsonText(f.frame),
        category: f.category,
        message: f.message,
        capability_id: f.capabilityId ?? null,
        screen_ref: f.screenRef ?? null,
        signature: f.signature,
        expectation: jsonOrNull(f.expectation),
      });
    },
    get: (id) => failures.find('id', id),
    async list(q = {}) {
      const limit = listLimit(q.limit, DEFAULT_LIMITS.failures);
      const rows = await filtered(q)
        .selectAll()
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toFailure);
    },
    async count(q = {}) {
      const r = await filtered(q)
        .select((eb) => eb.fn.countAll().as('c'))
        .executeTakeFirst();
      return num(r?.c);
    },
    async distinctUsers(signature, since) {
      // Anonymous and unverified ids (docs/security.md) are not distinct users.
      const r = await filtered({ signature, ...(since === undefined ? {} : { since }) })
        .where('user_id', '!=', ANONYMOUS_USER)
        .where('user_id', 'not like', `${UNVERIFIED_USER_PREFIX}%`)
        .select((eb) => eb.fn.count('user_id').distinct().as('c'))
        .executeTakeFirst();
      return num(r?.c);
    },
    async signatures(q = {}) {
      const limit = listLimit(q.limit, DEFAULT_LIMITS.signatures);
      const rows = await filtered(q.since === undefined ? {} : { since: q.since })
        .select((eb) => ['signature', eb.fn.countAll().as('c'), eb.fn.max('at').as('last_at')])
        .groupBy('signature')
        .orderBy('last_at', 'desc')
        .orderBy('signature')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ signature: r.signature, count: num(r.c), lastAt: String(r.last_at) }));
    },
  };
}
