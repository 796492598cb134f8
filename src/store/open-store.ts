import { Kysely, PostgresDialect } from 'kysely';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { IroncliwError, isIroncliwError } from '../domain/index.js';
import { DEFAULT_DB_PATH, parseDbUrl, redactUrl } from './db-url.js';
import { createKyselyStore } from './kysely/kysely-store.js';
import { openSqliteConnection, type SqliteConnection, type SqliteDriverName } from './sqlite-driver.js';
import { MemoryStore } from './memory/memory-store.js';
import { PgChangeFeed } from './pg-change-feed.js';
import { MIGRATION_TABLE, migrateToLatest } from './migrations.js';
import { postgresFlavor, sqliteFlavor } from './sql-flavor.js';
import { NonBlockingSqliteDialect } from './sqlite-busy.js';
import type { Database as Schema } from './sql-schema.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /**
   * PostgreSQL only: the schema holding Ironcliw's tables (created if missing, put first on the
   * search_path of every connection). Lets tests and tenants share one database. Default: the URL's
   * `?schema=` parameter, else the server's current schema for the user (usually `public`). A lowercase
   * SQL identifier. Naming a different schema here and in the URL is E_DB_URL_INVALID.
   */
  schema?: string;
  /** PostgreSQL only: how long to wait for a connection before failing. Default 3000 ms. */
  connectTimeoutMs?: number;
  /** PostgreSQL only: most connections this node opens. Default 10. */
  poolSize?: number;
  /**
   * SQLite only: how long a statement waits for another process's write lock (without blocking the event
   * loop). Default 5000 ms.
   */
  busyTimeoutMs?: number;
  /** SQLite only: the engine. Default `node:sqlite` where Node has it (≥ 22.16), else better-sqlite3. */
  sqliteDriver?: SqliteDriverName;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens a store and brings its schema up to date. Fails fast and clearly: a bad URL is E_DB_URL_INVALID;
 * an unreachable PostgreSQL, a failed login, a SQLite path that cannot be created or a file that is not a
 * database is E_DB_UNAVAILABLE. Opening never changes existing data beyond running pending migrations.
 *
 * @example
 * const store = await openStore('postgres://ironcliw@db:5432/ironcliw', { schema: 'tenant_a' });
 * try { await store.failures.list({ limit: 10 }); } finally { await store.close(); }
 */
export async function openStore(
  url: string = DEFAULT_DB_PATH,
  options: OpenStoreOptions = {},
): Promise<Store> {
  const target = parseDbUrl(url);
  if (target.kind === 'memory') return new MemoryStore();
  if (target.kind === 'sqlite') return openSqlite(target.path, options);
  if (target.schema !== undefined && options.schema !== undefined && target.schema !== options.schema) {
    throw new IroncliwError(
      'E_DB_URL_INVALID',
      `the store URL names schema ${JSON.stringify(target.schema)} but the options name ${JSON.stringify(options.schema)}`,
      { details: { schema: options.schema } },
    );
  }
  return openPostgres(target.url, {
    ...options,
    ...(target.schema !== undefined ? { schema: target.schema } : {}),
  });
}

const unavailable = (message: string, cause: unknown, details?: Record<string, unknown>): IroncliwError =>
  new IroncliwError('E_DB_UNAVAILABLE', message, { cause, ...(details ? { details } : {}) });

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Opens of one SQLite file in this process, chained. Both SQLite drivers are synchronous: a second connection
 * waiting for the first one's migration lock would block the very thread that has to release it.
 */
const sqliteOpening = new Map<string, Promise<unknown>>();

async function openSqlite(path: string, options: OpenStoreOptions): Promise<Store> {
  const inMemory = path === ':memory:';
  const abs = inMemory ? path : resolve(path);
  const previous = sqliteOpening.get(abs) ?? Promise.resolve();
  const opening = previous.catch(() => {}).then(() => openSqliteNow(path, abs, inMemory, options));
  sqliteOpening.set(abs, opening);
  try {
    return await opening;
  } finally {
    if (sqliteOpening.get(abs) === opening) sqliteOpening.delete(abs);
  }
}

async function openSqliteNow(
  path: string,
  abs: string,
  inMemory: boolean,
  options: OpenStoreOptions,
): Promise<Store> {
  const fail = (what: string, cause: unknown) =>
    unavailable(`cannot open SQLite store ${abs}: ${what}`, cause, { path: abs });
  if (!inMemory) {
    try {
      mkdirSync(dirname(abs), { recursive: true });
    } catch (cause) {
      throw fail(`cannot create its directory ${dirname(abs)} (${reason(cause)})`, cause);
    }
    try {
      if (statSync(abs, { throwIfNoEntry: false })?.isDirectory()) throw new Error('the path is a directory');
    } catch (cause) {
      throw fail(reason(cause), cause);
    }
  }

  let sqlite: SqliteConnection;
  try {
    sqlite = openSqliteConnection(abs, options.sqliteDriver);
  } catch (cause) {
    throw isIroncliwError(cause) ? cause : fail(reason(cause), cause);
  }
  try {
    // Read before any pragma writes: a file that is not a database fails here ("file is not a database")
    // while it is still byte-for-byte untouched.
    const tables = (
      sqlite
        .prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`)
        .all([]) as { name: string }[]
    ).map((row) => row.name);
    // Refuse to graft our tables onto another application's database given by mistake.
    if (tables.length > 0 && !tables.includes(MIGRATION_TABLE)) {
      throw new Error(`it holds tables of another application (${tables.slice(0, 5).join(', ')})`);
    }
    // SQLite's own busy wait sleeps the thread (the whole event loop); NonBlockingSqliteDialect waits for a
    // busy database between retries instead, within the same budget (src/store/sqlite-busy.ts).
    sqlite.exec('pragma busy_timeout = 0');
    // WAL: readers never block the writer, so CLI processes can read while the server writes. synchronous
    // stays FULL (the default): a recorded failure must survive a power cut, not just a process crash.
    if (!inMemory) sqlite.exec('pragma journal_mode = WAL');
    sqlite.exec('pragma foreign_keys = ON');
  } catch (cause) {
    sqlite.close();
    throw fail(reason(cause), cause);
  }

  const busyTimeoutMs = Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000));
  const db = new Kysely<Schema>({
    dialect: new NonBlockingSqliteDialect({ database: sqlite }, busyTimeoutMs),
  });
  try {
    await migrateToLatest(db as Kysely<unknown>, sqliteFlavor);
  } catch (err) {
    await db.destroy();
    throw isIroncliwError(err) ? err : fail(`migration failed (${reason(err)})`, err);
  }
  return createKyselyStore(db, sqliteFlavor);
}

async function openPostgres(url: string, options: OpenStoreOptions): Promise<Store> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new IroncliwError(
      'E_DB_URL_INVALID',
      `PostgreSQL schema ${JSON.stringify(schema)} must be a lowercase identifier (a-z, 0-9, _)`,
      { details: { schema } },
    );
  }
  const where = redactUrl(url);
  // Loaded here, not at module load: a SQLite store (every CLI default) never needs the driver.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
    application_name: 'ironcliw',
    // The schema is a checked identifier, so it can go into the startup options unquoted.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client's error (server restart, network cut) is emitted on the pool; unheard, it would crash
  // the process. The next query gets a fresh connection or a clear error of its own.
  pool.on('error', () => {});
  // The pool hears errors of idle clients only. A client checked out for a query when its connection drops
  // emits 'error' too (after failing the query, which reports it as E_DB_UNAVAILABLE); unheard, that
  // crashes the process. Such a client is not queryable any more, so the pool discards it on release.
  pool.on('connect', (client) => client.on('error', () => {}));

  let migrationSchema = schema;
  try {
    // Connect now, so a wrong host, port, database or password fails here and not at the first request.
    const client = await pool.connect();
    try {
      if (!migrationSchema) {
        const { rows } = await client.query<{ schema: string | null }>('select current_schema() as schema');
        migrationSchema = rows[0]?.schema ?? undefined;
        if (!migrationSchema)
          throw new Error('the search_path names no existing schema; pass options.schema');
      }
    } finally {
      client.release();
    }
  } catch (cause) {
    await pool.end().catch(() => {});
    throw unavailable(`cannot connect to PostgreSQL at ${where}: ${reason(cause)}`, cause, { url: where });
  }

  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(db as Kysely<unknown>, postgresFlavor, migrationSchema);
  } catch (err) {
    await db.destroy();
    throw isIroncliwError(err)
      ? err
      : unavailable(`cannot migrate PostgreSQL store at ${where}: ${reason(err)}`, err, { url: where });
  }
  // Rollout changes and new jobs reach this node at once (see migration 0003); polling stays the fallback.
  const feed = new PgChangeFeed({
    connectionString: url,
    schema: migrationSchema,
    connectTimeoutMs: options.connectTimeoutMs ?? 3000,
  });
  return createKyselyStore(db, postgresFlavor, feed);
}
