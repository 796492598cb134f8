import type { Selectable } from 'kysely';
import type { ReportRow } from '../sql-schema.js';
import { isoTime, toJsonText } from '../store-rules.js';
import type { ReportRepository, StoredReport } from '../store.js';
import type { SqlRepositoryKit } from './sql-repository.js';
import { num } from './sql-repository.js';

export function reportRepository({ json, table }: SqlRepositoryKit): ReportRepository {
  const toReport = (r: Selectable<ReportRow>): StoredReport => ({
    id: r.id,
    capabilityId: r.capability_id,
    version: num(r.version),
    kind: r.kind as StoredReport['kind'],
    at: r.at,
    report: json(r.report),
  });

  const reports = table('reports', toReport);

  return {
    async add(r) {
      await reports.insert(`report ${r.id}`, {
        id: r.id,
        capability_id: r.capabilityId,
        version: r.version,
        kind: r.kind,
        at: isoTime(r.at, 'report.at'),
        report: toJsonText(r.report),
      });
    },
    list: (capabilityId, version, kind) =>
      reports.list({ capability_id: capabilityId, version, kind }, ['at', 'id']),
  };
}
