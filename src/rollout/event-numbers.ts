import type { DecisionEvent } from '../domain/index.js';
import type { Verdict } from './decision.js';
import type { RolloutStatus } from './rollout-status.js';

/**
 * Decision events store their numbers as finite values only (a JSON column; NaN does not survive every store),
 * so a window measurement that had no data — a success rate of zero requests, a p99 without samples, a
 * feedback share without feedback — is written as -1. That -1 is a storage detail: every reader that shows or
 * returns the numbers goes through `readEventNumbers`, which turns it back into `null` ("no data"), so no
 * sentinel ever reaches a person or an API client.
 */

/** Keys that measure a window and can have no data; none of them can be negative when measured. */
export const MEASURED_NUMBER_KEYS = ['successRate', 'errorRate', 'p50Ms', 'p99Ms', 'positiveShare'] as const;

const MEASURED = new Set<string>(MEASURED_NUMBER_KEYS);

/** The stored numbers with "no data" as null (the -1 sentinel of measured keys, and NaN anywhere). */
export function readEventNumbers(numbers: Readonly<Record<string, number>>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [key, value] of Object.entries(numbers))
    out[key] = !Number.isFinite(value) || (MEASURED.has(key) && value < 0) ? null : value;
  return out;
}

/** One measured number of a stored event, or null when it had no data (or was not stored). */
export function measuredNumber(numbers: Readonly<Record<string, number>>, key: string): number | null {
  const value = numbers[key];
  if (value === undefined || !Number.isFinite(value) || (MEASURED.has(key) && value < 0)) return null;
  return value;
}

/** A decision event as shown and served: its numbers with "no data" as null. */
export type ReadableDecisionEvent = Omit<DecisionEvent, 'numbers'> & {
  numbers: Record<string, number | null>;
};

export function readDecisionEvent(event: DecisionEvent): ReadableDecisionEvent {
  return { ...event, numbers: readEventNumbers(event.numbers) };
}

type Nullable<T> = { [K in keyof T]: T[K] extends number ? number | null : T[K] };

/** A rollout status as shown and served: the open window's missing measurements (NaN) and the events' as null. */
export interface ReadableRolloutStatus extends Omit<RolloutStatus, 'window' | 'verdict' | 'events'> {
  window: Nullable<RolloutStatus['window']>;
  verdict: (Omit<Verdict, 'numbers'> & { numbers: Record<string, number | null> }) | undefined;
  events: ReadableDecisionEvent[];
}

export function readRolloutStatus(status: RolloutStatus): ReadableRolloutStatus {
  const window = Object.fromEntries(
    Object.entries(status.window).map(([k, v]) => [
      k,
      typeof v === 'number' && !Number.isFinite(v) ? null : v,
    ]),
  ) as ReadableRolloutStatus['window'];
  return {
    ...status,
    window,
    verdict: status.verdict
      ? { ...status.verdict, numbers: readEventNumbers(status.verdict.numbers) }
      : undefined,
    events: status.events.map(readDecisionEvent),
  };
}
