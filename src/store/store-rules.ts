import { IroncliwError } from '../domain/index.js';

/**
 * Rules both backends apply the same way, so the in-memory twin cannot drift from the SQL store
 * on anything a caller can observe (normalised timestamps, limits, conflicts, JSON round trips).
 */

export const DEFAULT_LIMITS = {
  failures: 100,
  signatures: 1000,
  patterns: 1000,
  events: 10_000,
  jobs: 1000,
  demonstrations: 100,
} as const;

/** Keeps a stack trace dump from bloating every job row. */
export const MAX_JOB_ERROR_LENGTH = 4000;

/**
 * Canonical UTC ISO form. Timestamps are stored as text on both dialects, so one canonical form is what
 * makes text order equal time order (`…+02:00` or a missing `.000` would sort wrongly).
 */
export function isoTime(value: string, field: string): string {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new IroncliwError(
      'E_INPUT_INVALID',
      `${field} must be an ISO-8601 timestamp, got ${JSON.stringify(value)}`,
      {
        details: { field },
      },
    );
  }
  return new Date(ms).toISOString();
}

export function listLimit(limit: number | undefined, fallback: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new IroncliwError('E_INPUT_INVALID', `limit must be a non-negative integer, got ${String(limit)}`, {
      details: { field: 'limit' },
    });
  }
  return limit;
}

export function leaseUntil(now: number, leaseMs: number): string {
  if (!Number.isFinite(leaseMs)) {
    throw new IroncliwError('E_INPUT_INVALID', `leaseMs must be a finite number, got ${String(leaseMs)}`, {
      details: { field: 'leaseMs' },
    });
  }
  return new Date(now + leaseMs).toISOString();
}

export function conflict(what: string, cause?: unknown): IroncliwError {
  return new IroncliwError(
    'E_STATE_CONFLICT',
    `${what} already exists`,
    cause === undefined ? {} : { cause },
  );
}

/** JSON text of a value; `undefined` is stored as JSON null, as JSON.stringify would drop it. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** What a value looks like after a trip through a JSON column. */
export function viaJson<T>(value: T): T {
  return JSON.parse(toJsonText(value)) as T;
}

export function truncateError(error: string): string {
  return String(error).slice(0, MAX_JOB_ERROR_LENGTH);
}

/**
 * How long a counter flush's id is remembered against a retry (a day). A flush is retried by the node
 * that made it at its next flush, seconds later, or after an outage; a day covers any outage a node
 * survives with its buffer.
 */
export const BATCH_ID_RETENTION_MS = 24 * 3600_000;

/** Longest counter name: names are built from a fixed vocabulary, so a longer one is a caller bug. */
export const MAX_METRIC_NAME_LENGTH = 100;

/**
 * Validated, normalised counter increments, zero ones dropped. Increments must be non-negative: counters
 * only grow, which is what makes adding from many nodes order-independent.
 */
export function metricRows(
  deltas: ReadonlyArray<{
    capabilityId: string;
    version: number;
    stage: string;
    windowStart: string;
    counts: Record<string, number>;
  }>,
): Array<{
  capabilityId: string;
  version: number;
  stage: string;
  windowStart: string;
  metric: string;
  count: number;
}> {
  const rows = [];
  for (const d of deltas) {
    if (!Number.isSafeInteger(d.version)) {
      throw new IroncliwError(
        'E_INPUT_INVALID',
        `metric version must be an integer, got ${String(d.version)}`,
        {
          details: { field: 'version' },
        },
      );
    }
    const windowStart = isoTime(d.windowStart, 'metric.windowStart');
    for (const [metric, count] of Object.entries(d.counts)) {
      if (metric.length === 0 || metric.length > MAX_METRIC_NAME_LENGTH) {
        throw new IroncliwError(
          'E_INPUT_INVALID',
          `metric name must have 1..${MAX_METRIC_NAME_LENGTH} characters`,
          {
            details: { field: 'metric' },
          },
        );
      }
      if (!Number.isSafeInteger(count) || count < 0) {
        throw new IroncliwError(
          'E_INPUT_INVALID',
          `metric ${metric} increment must be a non-negative integer, got ${String(count)}`,
          { details: { field: 'count' } },
        );
      }
      if (count === 0) continue;
      rows.push({
        capabilityId: d.capabilityId,
        version: d.version,
        stage: d.stage,
        windowStart,
        metric,
        count,
      });
    }
  }
  return rows;
}
