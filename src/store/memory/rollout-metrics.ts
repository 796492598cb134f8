import { BATCH_ID_RETENTION_MS, isoTime, metricRows, viaJson } from '../store-rules.js';
import type { MetricWindow, RolloutMetricsRepository } from '../store.js';
import type { MemoryState } from './memory-state.js';
import { by } from './memory-state.js';

export function rolloutMetricsRepository(s: MemoryState): RolloutMetricsRepository {
  return {
    add: async (deltas, options) => {
      const rows = metricRows(deltas);
      if (!rows.length) return false;
      const batchId = options?.batchId;
      if (batchId !== undefined) {
        const now = Date.now();
        for (const [id, at] of s.d.batches) if (at < now - BATCH_ID_RETENTION_MS) s.d.batches.delete(id);
        if (s.d.batches.has(batchId)) return false;
        s.d.batches.set(batchId, now);
      }
      const counters = s.d.counters;
      for (const r of rows) {
        const key = JSON.stringify([r.capabilityId, r.version, r.windowStart, r.stage]);
        let w = counters.get(key);
        if (!w) {
          w = {
            capabilityId: r.capabilityId,
            version: r.version,
            stage: r.stage,
            windowStart: r.windowStart,
            counts: {},
          };
          counters.set(key, w);
        }
        w.counts[r.metric] = (w.counts[r.metric] ?? 0) + r.count;
      }
      return true;
    },
    list: async (q) => {
      const windowStart = q.windowStart === undefined ? undefined : isoTime(q.windowStart, 'windowStart');
      const found = [...s.d.counters.values()].filter(
        (w) =>
          w.capabilityId === q.capabilityId &&
          (q.version === undefined || w.version === q.version) &&
          (q.stage === undefined || w.stage === q.stage) &&
          (windowStart === undefined || w.windowStart === windowStart),
      );
      found.sort(
        (a, b) =>
          by<MetricWindow>((w) => w.capabilityId)(a, b) ||
          a.version - b.version ||
          by<MetricWindow>(
            (w) => w.windowStart,
            (w) => w.stage,
          )(a, b),
      );
      // Counter names in name order, as the SQL store returns them.
      return viaJson(
        found.map((w) => ({
          ...w,
          counts: Object.fromEntries(Object.entries(w.counts).sort(([x], [y]) => (x < y ? -1 : 1))),
        })),
      );
    },
  };
}
