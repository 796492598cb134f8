import { isoTime, viaJson } from '../store-rules.js';
import type { ReportRepository } from '../store.js';
import type { MemoryState } from './memory-state.js';
import { appendNew, by } from './memory-state.js';

export function reportRepository(s: MemoryState): ReportRepository {
  return {
    add: async (r) => {
      const stored = viaJson({ ...r, at: isoTime(r.at, 'report.at') });
      appendNew(s.d.reports, stored, `report ${r.id}`);
    },
    list: async (id, version, kind) =>
      viaJson(
        s.d.reports
          .filter(
            (r) =>
              r.capabilityId === id &&
              (version === undefined || r.version === version) &&
              (kind === undefined || r.kind === kind),
          )
          .sort(
            by(
              (r) => r.at,
              (r) => r.id,
            ),
          ),
      ),
  };
}
