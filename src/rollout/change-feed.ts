import type { DecisionEvent, Rollout } from '../domain/index.js';
import type { Store } from '../store/index.js';

type Log = (msg: string, data?: Record<string, unknown>) => void;

export interface RolloutChange {
  capabilityId: string;
  /** Undefined when the rollout disappeared from the store. */
  rollout: Rollout | undefined;
  /** The transition this node made; undefined for a change seen on refresh (made by another node). */
  event?: DecisionEvent;
}

/**
 * Rollout changes in both directions: out to this node's listeners (its own transitions and others' seen
 * on refresh), and in from the store's change feed (LISTEN/NOTIFY, issue 11), where the store has one, so
 * a change another node commits triggers a refresh at once.
 */
export class RolloutChangeFeed {
  readonly #log: Log | undefined;
  #listeners = new Set<(change: RolloutChange) => void>();
  #feed: Promise<(() => void) | undefined> | undefined;

  constructor(log: Log | undefined) {
    this.#log = log;
  }

  /** Subscribes to rollout changes (this node's transitions and others' seen on refresh). */
  onChange(listener: (change: RolloutChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(change: RolloutChange): void {
    for (const l of this.#listeners) {
      try {
        l(change);
      } catch (err) {
        this.#log?.('rollout listener failed', { error: (err as Error).message });
      }
    }
  }

  /**
   * Calls `changed` on every rollout or policy change the store pushes. Push complements a refresh timer:
   * SQLite has no feed, and notifications sent while the feed reconnects are lost (it then says '*',
   * which calls `changed` too).
   */
  listen(store: Store, changed: () => void): void {
    this.#feed = store.changes
      ?.subscribe((change) => {
        if (change.table !== 'jobs') changed();
      })
      .catch((err: unknown) => {
        this.#log?.('cannot listen for rollout changes; polling only', { error: String(err) });
        return undefined;
      });
  }

  /**
   * Resolves once the store pushes changes to this node (true), or it is known that it cannot and the
   * refresh timer alone finds them (false: no change feed, not listening, or listening failed).
   */
  async listening(): Promise<boolean> {
    return (await this.#feed) !== undefined;
  }

  /** Stops listening to the store (listeners stay until `clear`). */
  async stop(): Promise<void> {
    (await this.#feed)?.();
  }

  clear(): void {
    this.#listeners.clear();
  }
}
