import type { ColumnDataType, Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Database, JobRow } from './sql-schema.js';

/**
 * Everything that differs between SQLite and PostgreSQL lives here; the repositories, the schema and the
 * migrations above it are shared. Adding a dialect means writing one more of these.
 */
export interface SqlFlavor {
  readonly dialect: 'sqlite' | 'postgres';
  /** Column type of JSON values: text on SQLite, jsonb on PostgreSQL. */
  readonly jsonType: ColumnDataType;
  /** Column type and constraint of an append-order primary key. */
  readonly serial: { type: ColumnDataType; identity: 'autoincrement' | 'generated-always' };
  /** Whether Kysely's Migrator should wrap each run in its own transaction (see `withMigrationLock`). */
  readonly migratorTransactions: boolean;
  decodeJson(value: unknown): unknown;
  isUniqueViolation(err: unknown): boolean;
  /**
   * Whether the error means the database cannot be reached right now (server down or restarting, network
   * cut, connection dropped mid-query) rather than that the request was wrong. The store turns these into
   * E_DB_UNAVAILABLE, so callers can tell an outage from a bug; undefined when it is not one.
   */
  unreachable(err: unknown): string | undefined;
  /** Atomically turns the oldest claimable job into a running one held by `workerId`. */
  claimJob(db: Kysely<Database>, claim: JobClaim): Promise<Selectable<JobRow> | undefined>;
  /** Runs fn in a write transaction; fn must use the handle it is given. */
  transaction<T>(db: Kysely<Database>, fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /** Runs fn on one connection while holding the lock that makes concurrent migrations run once. */
  withMigrationLock<T>(
    db: Kysely<unknown>,
    schema: string | undefined,
    fn: (db: Kysely<unknown>) => Promise<T>,
  ): Promise<T>;
}

export interface JobClaim {
  workerId: string;
  now: string;
  until: string;
  kinds?: string[] | undefined;
}

function claimable(db: Kysely<Database>, { now, kinds }: JobClaim) {
  let q = db
    .selectFrom('jobs')
    .select('id')
    // A running job whose lease has run out belongs to a worker that died: it is claimable again.
    .where((eb) =>
      eb.or([
        eb('status', '=', 'queued'),
        eb.and([eb('status', '=', 'running'), eb('locked_until', '<', now)]),
      ]),
    );
  if (kinds?.length) q = q.where('kind', 'in', kinds);
  return q.orderBy('created_at').orderBy('id').limit(1);
}

function markRunning(db: Kysely<Database>, { workerId, now, until }: JobClaim) {
  return db.updateTable('jobs').set((eb) => ({
    status: 'running',
    locked_by: workerId,
    locked_until: until,
    attempts: eb('attempts', '+', 1),
    updated_at: now,
  }));
}

/** Immediate: take the write lock up front, so a read-then-write transaction never fails to upgrade. */
async function immediateTransaction<D, T>(db: Kysely<D>, fn: (db: Kysely<D>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    let result: T;
    try {
      result = await fn(conn);
    } catch (err) {
      // SQLite may already have rolled back by itself (e.g. disk full); the original error is what matters.
      await sql`rollback`.execute(conn).catch(() => {});
      throw err;
    }
    await sql`commit`.execute(conn);
    return result;
  });
}

// SQLite's extended result codes (sqlite.org/rescode.html).
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_CONSTRAINT_UNIQUE = 2067;

export const sqliteFlavor: SqlFlavor = {
  dialect: 'sqlite',
  jsonType: 'text',
  serial: { type: 'integer', identity: 'autoincrement' },
  // The whole migration already runs inside withMigrationLock's immediate transaction.
  migratorTransactions: false,
  decodeJson: (value) => (typeof value === 'string' ? JSON.parse(value) : value),
  isUniqueViolation: (err) => {
    // better-sqlite3 names the extended result code; node:sqlite gives its number (errcode).
    const { code, errcode } = (err ?? {}) as { code?: unknown; errcode?: unknown };
    return (
      code === 'SQLITE_CONSTRAINT_UNIQUE' ||
      code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
      errcode === SQLITE_CONSTRAINT_UNIQUE ||
      errcode === SQLITE_CONSTRAINT_PRIMARYKEY
    );
  },
  // A local file: there is no server to lose. Locked or unreadable files have errors of their own.
  unreachable: () => undefined,
  // One UPDATE … WHERE id = (SELECT … LIMIT 1) is one write transaction: SQLite has a single writer, so
  // no other connection can take the same row between the pick and the update.
  claimJob: (db, claim) =>
    markRunning(db, claim).where('id', '=', claimable(db, claim)).returningAll().executeTakeFirst(),
  transaction: (db, fn) => immediateTransaction(db, fn),
  withMigrationLock: (db, _schema, fn) => immediateTransaction(db, fn),
};

/** Advisory lock class for Ironcliw ('IRON'); the object id is the schema, so tenants migrate in parallel. */
const PG_LOCK_CLASS = 0x49524f4e;

function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) h = Math.imul(h ^ byte, 0x01000193);
  return h | 0;
}

/** Socket errors that mean "no server at the other end any more" (node:net, dns). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that is going away or not ready: class 08 (connection exception), 57P01..57P03
 * (admin shutdown, crash shutdown, cannot connect now: starting up or in recovery), 53300 (too many
 * connections: the fleet reconnecting at once after an outage).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;

/** What pg (and pg-pool) throw, without a code, when a connection drops or cannot be had in time. */
const DROPPED =
  /connection terminated|connection timeout|timeout exceeded when trying to connect|client has encountered a connection error|not queryable|server closed the connection/i;

function pgUnreachable(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== 'object' || depth > 3) return undefined;
  const { code, message, errors, cause } = err as {
    code?: unknown;
    message?: unknown;
    errors?: unknown;
    cause?: unknown;
  };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return code;
  // The text of pg's own messages names no host or password, so it can be shown.
  if (typeof message === 'string' && DROPPED.test(message)) return message.slice(0, 200);
  // net's "happy eyeballs" reports every address it tried in one AggregateError.
  if (Array.isArray(errors)) {
    for (const e of errors) {
      const r = pgUnreachable(e, depth + 1);
      if (r) return r;
    }
  }
  return pgUnreachable(cause, depth + 1);
}

export const postgresFlavor: SqlFlavor = {
  dialect: 'postgres',
  jsonType: 'jsonb',
  serial: { type: 'bigint', identity: 'generated-always' },
  migratorTransactions: true,
  // pg parses jsonb itself; a JSON string value arrives as a JS string and must not be parsed again.
  decodeJson: (value) => value,
  isUniqueViolation: (err) => (err as { code?: unknown } | null)?.code === '23505',
  unreachable: (err) => pgUnreachable(err),
  claimJob: async (db, claim) => {
    // Row locks last until commit; SKIP LOCKED lets concurrent claimers pass over each other's rows instead
    // of queueing behind them or taking the same one.
    const run = async (trx: Kysely<Database>) => {
      const picked = await claimable(trx, claim).forUpdate().skipLocked().executeTakeFirst();
      if (!picked) return undefined;
      return markRunning(trx, claim).where('id', '=', picked.id).returningAll().executeTakeFirst();
    };
    return db.isTransaction ? run(db) : db.transaction().execute(run);
  },
  transaction: (db, fn) => db.transaction().execute(fn),
  withMigrationLock: (db, schema, fn) =>
    db.connection().execute(async (conn) => {
      const key = fnv1a32(schema ?? '');
      // Session-level lock on this one connection: nodes starting together wait here, and the first one
      // creates the schema and migrates; the others then find nothing pending.
      await sql`select pg_advisory_lock(${PG_LOCK_CLASS}, ${key})`.execute(conn);
      try {
        if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(conn);
        return await fn(conn);
      } finally {
        await sql`select pg_advisory_unlock(${PG_LOCK_CLASS}, ${key})`.execute(conn);
      }
    }),
};
