import type { Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Pattern } from '../../domain/index.js';
import type { PatternRow } from '../sql-schema.js';
import { DEFAULT_LIMITS, isoTime, listLimit, toJsonText } from '../store-rules.js';
import type { PatternRepository } from '../store.js';
import type { SqlRepositoryKit } from './sql-repository.js';
import { num, opt } from './sql-repository.js';

export function patternRepository({ db, json, insertOnce, table }: SqlRepositoryKit): PatternRepository {
  const toPattern = (r: Selectable<PatternRow>): Pattern => ({
    id: r.id,
    signature: r.signature,
    frame: json(r.frame),
    parameters: json(r.parameters),
    count: num(r.count),
    distinctUsers: num(r.distinct_users),
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    status: r.status as Pattern['status'],
    ...opt('statusReason', r.status_reason),
    ...opt('capabilityId', r.capability_id),
  });

  const patterns = table('patterns', toPattern);

  return {
    async upsert(pt) {
      const row = {
        id: pt.id,
        signature: pt.signature,
        frame: toJsonText(pt.frame),
        parameters: toJsonText(pt.parameters),
        count: pt.count,
        distinct_users: pt.distinctUsers,
        first_seen: isoTime(pt.firstSeen, 'pattern.firstSeen'),
        last_seen: isoTime(pt.lastSeen, 'pattern.lastSeen'),
        status: pt.status,
        status_reason: pt.statusReason ?? null,
        capability_id: pt.capabilityId ?? null,
      };
      let stored: Selectable<PatternRow> | undefined;
      // The conflict target is the signature only: an id clash under another signature is a caller bug
      // and surfaces as E_STATE_CONFLICT instead of silently merging two patterns.
      await insertOnce(`pattern ${pt.id}`, async () => {
        stored = await db
          .insertInto('patterns')
          .values(row)
          .onConflict((oc) =>
            oc.column('signature').doUpdateSet((eb) => ({
              // A newer observation (by lastSeen) sets the numbers; an older one, finishing late on another
              // node, may only raise them — it must not put back a count that missed later failures.
              count: sql<number>`case when ${eb.ref('excluded.last_seen')} > ${eb.ref('patterns.last_seen')}
                or ${eb.ref('excluded.count')} > ${eb.ref('patterns.count')}
                then ${eb.ref('excluded.count')} else ${eb.ref('patterns.count')} end`,
              distinct_users: sql<number>`case when ${eb.ref('excluded.last_seen')} > ${eb.ref('patterns.last_seen')}
                or ${eb.ref('excluded.distinct_users')} > ${eb.ref('patterns.distinct_users')}
                then ${eb.ref('excluded.distinct_users')} else ${eb.ref('patterns.distinct_users')} end`,
              parameters: eb.ref('excluded.parameters'),
              // Observers on several nodes may finish out of order; lastSeen must not move back.
              last_seen: sql<string>`case when ${eb.ref('excluded.last_seen')} > ${eb.ref('patterns.last_seen')}
                then ${eb.ref('excluded.last_seen')} else ${eb.ref('patterns.last_seen')} end`,
            })),
          )
          .returningAll()
          .executeTakeFirstOrThrow();
      });
      return toPattern(stored!);
    },
    get: (id) => patterns.find('id', id),
    getBySignature: (signature) => patterns.find('signature', signature),
    list: async (q = {}) =>
      patterns.list(
        { status: q.status },
        [
          ['last_seen', 'desc'],
          ['id', 'desc'],
        ],
        listLimit(q.limit, DEFAULT_LIMITS.patterns),
      ),
    async setStatus(id, status, reason, capabilityId) {
      await db
        .updateTable('patterns')
        .set({
          status,
          status_reason: reason ?? null,
          ...(capabilityId === undefined ? {} : { capability_id: capabilityId }),
        })
        .where('id', '=', id)
        .execute();
    },
  };
}
