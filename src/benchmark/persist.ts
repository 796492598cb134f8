import type { StoredReport } from '../store/index.js';
import type { BenchmarkRun } from './types.js';

/** The store row of a report (kind 'benchmark'; the report is kept whole, samples included). */
export function toStoredReport(run: BenchmarkRun): StoredReport {
  return {
    id: run.id,
    capabilityId: run.capabilityId,
    version: run.version,
    kind: 'benchmark',
    at: run.at,
    report: run,
  };
}

/** Whether a stored report body has what a comparison needs (older or foreign rows may not). */
export function isBenchmarkRun(v: unknown): v is BenchmarkRun {
  if (!v || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.id === 'string' &&
    Array.isArray(r.samplesMs) &&
    typeof r.requests === 'number' &&
    typeof r.errors === 'number' &&
    !!r.latency &&
    typeof r.latency === 'object'
  );
}
