import { BATCH_ID_RETENTION_MS, isoTime, metricRows } from '../store-rules.js';
import type { MetricWindow, RolloutMetricsRepository } from '../store.js';
import type { Kysely } from 'kysely';
import type { Database } from '../sql-schema.js';
import type { SqlRepositoryKit } from './sql-repository.js';
import { BATCH_ROWS, num } from './sql-repository.js';

export function rolloutMetricsRepository({
  db,
  inBatches,
  atomically,
}: SqlRepositoryKit): RolloutMetricsRepository {
  return {
    async add(deltas, options) {
      // Merge duplicates (PostgreSQL refuses to touch one row twice in a statement) and sort, so concurrent
      // flushes from several nodes lock rows in the same order and cannot deadlock.
      const merged = new Map<string, ReturnType<typeof metricRows>[number]>();
      for (const row of metricRows(deltas)) {
        const key = JSON.stringify([row.capabilityId, row.version, row.windowStart, row.stage, row.metric]);
        const prev = merged.get(key);
        if (prev) prev.count += row.count;
        else merged.set(key, { ...row });
      }
      if (!merged.size) return false;
      const rows = [...merged.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, r]) => ({
          capability_id: r.capabilityId,
          version: r.version,
          stage: r.stage,
          window_start: r.windowStart,
          metric: r.metric,
          count: r.count,
        }));
      type Row = (typeof rows)[number];
      const write = (trx: Kysely<Database>, batch: Row[]) =>
        trx
          .insertInto('rollout_counters')
          .values(batch)
          .onConflict((oc) =>
            oc.columns(['capability_id', 'version', 'window_start', 'stage', 'metric']).doUpdateSet((eb) => ({
              count: eb(eb.ref('rollout_counters.count'), '+', eb.ref('excluded.count')),
            })),
          )
          .execute();
      const batchId = options?.batchId;
      if (batchId === undefined) {
        await inBatches(rows, write);
        return true;
      }
      // The id and the counters commit together: a retry finds the id and adds nothing.
      return atomically(async (trx) => {
        const now = Date.now();
        const claimed = await trx
          .insertInto('rollout_batches')
          .values({ id: batchId, at: new Date(now).toISOString() })
          .onConflict((oc) => oc.column('id').doNothing())
          .executeTakeFirst();
        if (Number(claimed.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
        for (let i = 0; i < rows.length; i += BATCH_ROWS) await write(trx, rows.slice(i, i + BATCH_ROWS));
        await trx
          .deleteFrom('rollout_batches')
          .where('at', '<', new Date(now - BATCH_ID_RETENTION_MS).toISOString())
          .execute();
        return true;
      });
    },
    async list(q) {
      let query = db.selectFrom('rollout_counters').selectAll().where('capability_id', '=', q.capabilityId);
      if (q.version !== undefined) query = query.where('version', '=', q.version);
      if (q.stage !== undefined) query = query.where('stage', '=', q.stage);
      if (q.windowStart !== undefined)
        query = query.where('window_start', '=', isoTime(q.windowStart, 'windowStart'));
      const rows = await query
        .orderBy('capability_id')
        .orderBy('version')
        .orderBy('window_start')
        .orderBy('stage')
        .orderBy('metric')
        .execute();
      // One window per (capability, version, window start, stage), its counters by name.
      const windows: MetricWindow[] = [];
      for (const r of rows) {
        let w = windows.at(-1);
        if (
          !w ||
          w.capabilityId !== r.capability_id ||
          w.version !== num(r.version) ||
          w.windowStart !== r.window_start ||
          w.stage !== r.stage
        ) {
          w = {
            capabilityId: r.capability_id,
            version: num(r.version),
            stage: r.stage,
            windowStart: r.window_start,
            counts: {},
          };
          windows.push(w);
        }
        w.counts[r.metric] = num(r.count);
      }
      return windows;
    },
  };
}
