import type { Selectable } from 'kysely';
import type { ServedRequestRow } from '../sql-schema.js';
import { isoTime } from '../store-rules.js';
import type { ServedRequest, ServedRequestRepository } from '../store.js';
import type { SqlRepositoryKit } from './sql-repository.js';
import { num, opt, updated } from './sql-repository.js';

export function servedRequestRepository({
  db,
  insertOnce,
  inBatches,
  table,
}: SqlRepositoryKit): ServedRequestRepository {
  const toServed = (r: Selectable<ServedRequestRow>): ServedRequest => ({
    requestId: r.request_id,
    capabilityId: r.capability_id,
    version: num(r.version),
    stage: r.stage,
    windowStart: r.window_start,
    userId: r.user_id,
    at: r.at,
    ...opt('feedback', r.feedback as ServedRequest['feedback'] | null),
  });

  const served = table('served_requests', toServed);

  return {
    async record(list) {
      if (!list.length) return;
      const rows = list.map((r) => ({
        request_id: r.requestId,
        capability_id: r.capabilityId,
        version: r.version,
        stage: r.stage,
        window_start: isoTime(r.windowStart, 'served.windowStart'),
        user_id: r.userId,
        at: isoTime(r.at, 'served.at'),
        feedback: null,
      }));
      await insertOnce(`served request ${list.length === 1 ? list[0]!.requestId : '(batch)'}`, () =>
        inBatches(rows, (trx, batch) => trx.insertInto('served_requests').values(batch).execute()),
      );
    },
    get: (requestId) => served.find('request_id', requestId),
    async setFeedback(requestId, feedback) {
      // `feedback is null` in the same statement: two concurrent calls cannot both count.
      const r = await db
        .updateTable('served_requests')
        .set({ feedback })
        .where('request_id', '=', requestId)
        .where('feedback', 'is', null)
        .executeTakeFirst();
      return updated(r);
    },
    async prune(before) {
      const r = await db
        .deleteFrom('served_requests')
        .where('at', '<', isoTime(before, 'before'))
        .executeTakeFirst();
      return num(r.numDeletedRows);
    },
  };
}
