import type { ChangeFeed, Store } from '../store.js';
import { capabilityRepository } from './capabilities.js';
import { demonstrationRepository } from './demonstrations.js';
import { eventRepository } from './events.js';
import { failureRepository } from './failures.js';
import { jobRepository } from './jobs.js';
import { MemoryState } from './memory-state.js';
import { patternRepository } from './patterns.js';
import { reportRepository } from './reports.js';
import { rolloutMetricsRepository } from './rollout-metrics.js';
import { rolloutPolicyRepository } from './rollout-policies.js';
import { rolloutRepository } from './rollouts.js';
import { screenRepository } from './screens.js';
import { servedRequestRepository } from './served-requests.js';

/**
 * The in-memory twin of the SQL store, for fast unit tests and `memory:` URLs: same interface, same
 * ordering, conflict, normalisation and JSON rules (the shared integration suite runs on it). Values go in
 * and out through a JSON round trip, exactly as through a JSON column, so a caller can never mutate stored
 * state by accident. A transaction works on the live data and restores a snapshot if fn throws;
 * transactions are serialised with each other (not with calls outside them).
 */
export class MemoryStore implements Store {
  readonly dialect = 'memory' as const;
  readonly #state = new MemoryState();
  #txQueue: Promise<unknown> = Promise.resolve();

  /**
   * In-process twin of PostgreSQL's LISTEN/NOTIFY feed. Changes are announced when written (a write inside
   * a transaction that then rolls back still announced itself: changes are hints to re-read, as documented).
   */
  readonly changes: ChangeFeed = { subscribe: (listener) => this.#state.subscribe(listener) };

  readonly failures: Store['failures'] = failureRepository(this.#state);
  readonly patterns: Store['patterns'] = patternRepository(this.#state);
  readonly capabilities: Store['capabilities'] = capabilityRepository(this.#state);
  readonly reports: Store['reports'] = reportRepository(this.#state);
  readonly rollouts: Store['rollouts'] = rolloutRepository(this.#state);
  readonly rolloutMetrics: Store['rolloutMetrics'] = rolloutMetricsRepository(this.#state);
  readonly servedRequests: Store['servedRequests'] = servedRequestRepository(this.#state);
  readonly rolloutPolicies: Store['rolloutPolicies'] = rolloutPolicyRepository(this.#state);
  readonly events: Store['events'] = eventRepository(this.#state);
  readonly jobs: Store['jobs'] = jobRepository(this.#state);
  readonly demonstrations: Store['demonstrations'] = demonstrationRepository(this.#state);
  readonly screens: Store['screens'] = screenRepository(this.#state);

  async transaction<T>(fn: (tx: Omit<Store, 'transaction' | 'close' | 'ping'>) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const snapshot = this.#state.snapshot();
      try {
        return await fn(this);
      } catch (err) {
        this.#state.restore(snapshot);
        throw err;
      }
    };
    const result = this.#txQueue.then(run, run);
    this.#txQueue = result.catch(() => {});
    return result;
  }

  async ping(): Promise<void> {
    this.#state.assertOpen();
  }

  async close(): Promise<void> {
    this.#state.close();
  }
}

/** A fresh, empty in-memory store. */
export function createMemoryStore(): Store {
  return new MemoryStore();
}
