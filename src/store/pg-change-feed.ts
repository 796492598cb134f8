import type pg from 'pg';
import { IroncliwError } from '../domain/index.js';
import type { ChangeFeed, StoreChange } from './store.js';

/** The channel the `0003_change_notifications` triggers notify on; payloads name their schema. */
export const CHANGE_CHANNEL = 'ironcliw_changes';

const TABLES = new Set<StoreChange['table']>(['rollouts', 'rollout_policies', 'jobs']);

export interface PgChangeFeedOptions {
  /** Connection settings of the listening connection (the same server and login as the pool). */
  connectionString: string;
  /** Only changes to tables of this schema are passed on (the channel is shared by every schema). */
  schema: string;
  connectTimeoutMs: number;
  /** First delay before reconnecting after the connection dropped; doubles up to 5 s. Default 100 ms. */
  reconnectMs?: number;
}

/**
 * LISTEN/NOTIFY over one dedicated connection (outside the pool: a pooled connection would be handed to
 * queries and released, losing the LISTEN). Connects on the first subscribe. When the connection drops
 * (server restart, network cut), it reconnects with backoff and then tells listeners `*` — notifications
 * sent meanwhile are lost, so they must re-read everything.
 */
export class PgChangeFeed implements ChangeFeed {
  #listeners = new Set<(change: StoreChange) => void>();
  #client: pg.Client | undefined;
  #connecting: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryMs: number;
  #closed = false;

  constructor(private readonly options: PgChangeFeedOptions) {
    this.#retryMs = options.reconnectMs ?? 100;
  }

  async subscribe(listener: (change: StoreChange) => void): Promise<() => void> {
    if (this.#closed) throw new IroncliwError('E_DB_UNAVAILABLE', 'the store is closed');
    this.#listeners.add(listener);
    try {
      if (!this.#client) await (this.#connecting ??= this.#connect());
    } catch (cause) {
      this.#listeners.delete(listener);
      throw new IroncliwError(
        'E_DB_UNAVAILABLE',
        `cannot listen for store changes: ${(cause as Error).message}`,
        { cause },
      );
    }
    return () => void this.#listeners.delete(listener);
  }

  async #connect(): Promise<void> {
    const { default: driver } = await import('pg');
    const client = new driver.Client({
      connectionString: this.options.connectionString,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
      // Names the schema, so an operator can tell the listeners of tenants apart in pg_stat_activity.
      application_name: `ironcliw-listen:${this.options.schema}`.slice(0, 63),
    });
    client.on('notification', (msg) => this.#onNotification(msg.payload));
    // An idle connection's error must not crash the process: reconnect instead.
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    try {
      await client.connect();
      await client.query(`listen ${CHANGE_CHANNEL}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      throw err;
    } finally {
      this.#connecting = undefined;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
  }

  #onNotification(payload: string | undefined): void {
    let change: { schema?: unknown; table?: unknown; key?: unknown };
    try {
      change = JSON.parse(payload ?? '') as typeof change;
    } catch {
      return; // not one of ours
    }
    if (change.schema !== this.options.schema) return;
    if (!TABLES.has(change.table as StoreChange['table'])) return;
    this.#emit({
      table: change.table as StoreChange['table'],
      ...(typeof change.key === 'string' ? { key: change.key } : {}),
    });
  }

  #emit(change: StoreChange): void {
    for (const l of this.#listeners) {
      try {
        l(change);
      } catch {
        /* a listener's bug must not stop the feed */
      }
    }
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    client.removeAllListeners('end');
    client.end().catch(() => {});
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#retryTimer) return;
    const delay = this.#retryMs;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#closed || this.#client) return;
      (this.#connecting ??= this.#connect()).then(
        () => {
          this.#retryMs = this.options.reconnectMs ?? 100;
          // Whatever was notified while we were away is lost: everyone re-reads.
          this.#emit({ table: '*' });
        },
        () => {
          this.#retryMs = Math.min(this.#retryMs * 2, 5000);
          this.#scheduleReconnect();
        },
      );
    }, delay);
    this.#retryTimer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    await this.#connecting?.catch(() => {});
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
    }
  }
}
