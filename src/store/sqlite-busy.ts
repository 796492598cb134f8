import type { CompiledQuery, DatabaseConnection, Driver, QueryResult, TransactionSettings } from 'kysely';
import { SqliteDialect } from 'kysely';
import type { SqliteDialectConfig } from 'kysely';

/**
 * Waiting for SQLite's write lock without blocking the event loop.
 *
 * Both SQLite drivers are synchronous, and SQLite's own `busy_timeout` waits by *sleeping the calling
 * thread*. When another process holds the write lock — the learner registering a capability, a CLI — a
 * serving process would stop answering every request, handled ones included, for as long as the lock is
 * held (up to the timeout). So the connection runs with `busy_timeout = 0` and this driver retries a
 * statement that came back SQLITE_BUSY after an asynchronous pause (1, 2, 4 … 32 ms), until the budget
 * (`busyTimeoutMs`, default 5 s) is spent; then the BUSY error is thrown as before.
 *
 * Retrying is safe because a statement that returns SQLITE_BUSY did nothing: outside a transaction it is
 * its own (failed) transaction; `begin immediate` (how the store opens every write transaction) fails
 * before taking anything; and inside an immediate transaction, which already holds the write lock, writes
 * do not get BUSY. The connection stays held while waiting, so the store's other queries queue behind it
 * (asynchronously) exactly as they would behind a slow statement.
 */
export function isSqliteBusy(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const { code, errcode } = err as { code?: unknown; errcode?: unknown };
  // better-sqlite3 names the (extended) code; node:sqlite gives the number. 5 = SQLITE_BUSY, its extended
  // codes keep 5 in the low byte (SQLITE_BUSY_RECOVERY 261, SQLITE_BUSY_SNAPSHOT 517, SQLITE_BUSY_TIMEOUT 773).
  if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) return true;
  return typeof errcode === 'number' && (errcode & 0xff) === 5;
}

type QueryCompile = Parameters<NonNullable<Driver['savepoint']>>[2];

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class BusyRetryConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly budgetMs: number,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const started = performance.now();
    for (let wait = 1; ; wait = Math.min(wait * 2, 32)) {
      try {
        return await this.inner.executeQuery<R>(query);
      } catch (err) {
        if (!isSqliteBusy(err) || performance.now() - started + wait > this.budgetMs) throw err;
      }
      await pause(wait);
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class BusyRetryDriver implements Driver {
  readonly #wrapped = new WeakMap<DatabaseConnection, BusyRetryConnection>();

  constructor(
    private readonly inner: Driver,
    private readonly budgetMs: number,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const conn = await this.inner.acquireConnection();
    let wrapped = this.#wrapped.get(conn);
    if (!wrapped) {
      wrapped = new BusyRetryConnection(conn, this.budgetMs);
      this.#wrapped.set(conn, wrapped);
    }
    return wrapped;
  }

  // The inner driver issues `begin`/`commit`/`rollback` through the connection it is given: passing the
  // wrapper routes them through the retry too.
  beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(conn, settings);
  }

  commitTransaction(conn: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(conn);
  }

  rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(conn);
  }

  savepoint(conn: DatabaseConnection, name: string, compile: QueryCompile): Promise<void> {
    return this.inner.savepoint!(conn, name, compile);
  }

  rollbackToSavepoint(conn: DatabaseConnection, name: string, compile: QueryCompile): Promise<void> {
    return this.inner.rollbackToSavepoint!(conn, name, compile);
  }

  releaseSavepoint(conn: DatabaseConnection, name: string, compile: QueryCompile): Promise<void> {
    return this.inner.releaseSavepoint!(conn, name, compile);
  }

  releaseConnection(conn: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection((conn as BusyRetryConnection).inner ?? conn);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** Kysely's SqliteDialect whose statements wait for a busy database asynchronously (see above). */
export class NonBlockingSqliteDialect extends SqliteDialect {
  constructor(
    config: SqliteDialectConfig,
    private readonly busyTimeoutMs: number,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new BusyRetryDriver(super.createDriver(), this.busyTimeoutMs);
  }
}
