import type { DecisionEvent, Demonstration, Failure, Pattern, Rollout } from '../../domain/index.js';
import { IroncliwError } from '../../domain/index.js';
import { conflict, viaJson } from '../store-rules.js';
import type {
  Job,
  MetricWindow,
  ServedRequest,
  StoreChange,
  StoredCapability,
  StoredReport,
  StoredRolloutPolicy,
} from '../store.js';

/** The in-memory twin's tables. */
export interface Data {
  failures: Failure[];
  patterns: Pattern[];
  capabilities: StoredCapability[];
  reports: StoredReport[];
  rollouts: Map<string, Rollout>;
  /** In append order, like the SQL `seq` column. */
  events: DecisionEvent[];
  jobs: Job[];
  /** Keyed by JSON [capabilityId, version, windowStart, stage]. */
  counters: Map<string, MetricWindow>;
  /** Counter flushes already added: batch id → when (ms). */
  batches: Map<string, number>;
  served: Map<string, ServedRequest>;
  policies: Map<string, StoredRolloutPolicy>;
  demonstrations: Demonstration[];
  /** Screens with their bytes as base64, as the SQL column holds them. */
  screens: Map<string, { id: string; at: string; expiresAt?: string; data: string }>;
}

const emptyData = (): Data => ({
  counters: new Map(),
  batches: new Map(),
  served: new Map(),
  policies: new Map(),
  failures: [],
  patterns: [],
  capabilities: [],
  reports: [],
  rollouts: new Map(),
  events: [],
  jobs: [],
  demonstrations: [],
  screens: new Map(),
});

/**
 * What the in-memory repositories share: the live tables (replaced as a whole when a transaction rolls
 * back, so repositories read them through `d` on every call, never keep them) and the change feed.
 */
export class MemoryState {
  #data: Data = emptyData();
  #closed = false;
  readonly #listeners = new Set<(change: StoreChange) => void>();

  /** The live tables; E_DB_UNAVAILABLE once the store is closed. */
  get d(): Data {
    this.assertOpen();
    return this.#data;
  }

  assertOpen(): void {
    if (this.#closed) throw new IroncliwError('E_DB_UNAVAILABLE', 'the in-memory store is closed');
  }

  /** A deep copy of the tables, for `restore` when a transaction throws. */
  snapshot(): Data {
    return structuredClone(this.d);
  }

  restore(snapshot: Data): void {
    this.#data = snapshot;
  }

  /** The change feed's subscribe (see MemoryStore.changes). */
  async subscribe(listener: (change: StoreChange) => void): Promise<() => void> {
    this.assertOpen();
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  announce(change: StoreChange): void {
    // After the current call stack, as a database notification arrives after the write returned.
    queueMicrotask(() => {
      for (const l of this.#listeners) {
        try {
          l(change);
        } catch {
          /* a listener's bug must not break the writer */
        }
      }
    });
  }

  close(): void {
    this.#closed = true;
    this.#listeners.clear();
  }
}

/** Ascending by the keys given, compared as strings (ISO timestamps and ids). */
export const by =
  <T>(...keys: Array<(x: T) => string>) =>
  (a: T, b: T): number => {
    for (const key of keys) {
      const x = key(a);
      const y = key(b);
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };

export const desc =
  <T>(cmp: (a: T, b: T) => number) =>
  (a: T, b: T): number =>
    cmp(b, a);

/** A stored value as a caller gets it: a copy through JSON, as out of a JSON column (none stays none). */
export const copy = <T>(value: T | undefined): T | undefined => viaJson(value) ?? undefined;

/** Appends a row whose id must be new; a duplicate is E_STATE_CONFLICT naming `what`. */
export function appendNew<T extends { id: string }>(table: T[], row: T, what: string): void {
  if (table.some((x) => x.id === row.id)) throw conflict(what);
  table.push(row);
}
