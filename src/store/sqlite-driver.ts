import { createRequire } from 'node:module';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { IroncliwError } from '../domain/index.js';

/**
 * The embedded SQLite engine behind the store. Two drivers, one shape (what Kysely's SqliteDialect needs plus
 * `exec`):
 *
 * - `node:sqlite`, built into Node ≥ 22.16 — chosen whenever it is there. better-sqlite3 12's native objects
 *   abort the process at exit on Node 24 (`RemoveEnvironmentCleanupHook: Assertion (env) != nullptr`,
 *   WiseLibs/better-sqlite3#1515), and better-sqlite3 13, which fixes that, crashes on Node 20.
 * - `better-sqlite3` — the only choice on Node 20; loaded lazily, so Node 24 never maps it.
 *
 * `IRONCLIW_SQLITE_DRIVER=node:sqlite|better-sqlite3` forces one (for tests and bug reports).
 */
export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';

export interface SqliteConnection extends SqliteDatabase {
  readonly driver: SqliteDriverName;
  exec(sql: string): void;
}

const require = createRequire(import.meta.url);

interface NodeSqliteStatement {
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(...params: unknown[]): IterableIterator<unknown>;
  columns(): unknown[];
}
interface NodeSqliteModule {
  DatabaseSync: new (path: string) => {
    prepare(sql: string): NodeSqliteStatement;
    exec(sql: string): void;
    close(): void;
  };
  StatementSync: { prototype: object };
}

function loadNodeSqlite(): NodeSqliteModule | undefined {
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  let mod: NodeSqliteModule | undefined;
  try {
    mod = getBuiltin?.('node:sqlite') as NodeSqliteModule | undefined;
  } catch {
    return undefined; // Node 22.5–22.12 without --experimental-sqlite
  }
  // `columns()` (22.16+) tells a reader from a writer without parsing SQL.
  return mod && typeof (mod.StatementSync.prototype as { columns?: unknown }).columns === 'function'
    ? mod
    : undefined;
}

export function defaultSqliteDriver(): SqliteDriverName {
  const forced = process.env['IRONCLIW_SQLITE_DRIVER'];
  if (forced === 'node:sqlite' || forced === 'better-sqlite3') return forced;
  return loadNodeSqlite() ? 'node:sqlite' : 'better-sqlite3';
}

/** Opens `path` (a file or `:memory:`) with the given driver. Errors are the driver's own, unwrapped. */
export function openSqliteConnection(
  path: string,
  driver: SqliteDriverName = defaultSqliteDriver(),
): SqliteConnection {
  return cachingStatements(driver === 'node:sqlite' ? openNodeSqlite(path) : openBetterSqlite(path));
}

/** Prepared statements kept per connection, most recently used first out last. */
export const STATEMENT_CACHE_SIZE = 128;

/**
 * Kysely prepares every query it runs: compiling the SQL again each time was a fifth of the store's time on
 * the serving thread for a recorded failure (issue 20: three to ten statements a request, all drawn from a
 * few dozen SQL texts, the parameters bound apart). The connection keeps the statements it prepared, by SQL
 * text, and hands the same one back. `all` and `run` finish a statement before they return, so sharing
 * one is safe on this single connection; `iterate` leaves it open while its caller reads, so it gets a
 * statement of its own. SQLite re-prepares a kept statement by itself when the schema changes.
 */
function cachingStatements(conn: SqliteConnection): SqliteConnection {
  const kept = new Map<string, SqliteStatement>();
  return {
    driver: conn.driver,
    exec: (sql) => conn.exec(sql),
    close: () => {
      kept.clear();
      conn.close();
    },
    prepare(sql): SqliteStatement {
      let stmt = kept.get(sql);
      if (stmt) {
        kept.delete(sql);
      } else {
        const prepared = conn.prepare(sql);
        stmt = {
          reader: prepared.reader,
          all: (params) => prepared.all(params),
          run: (params) => prepared.run(params),
          iterate: (params) => conn.prepare(sql).iterate(params),
        };
        if (kept.size >= STATEMENT_CACHE_SIZE) kept.delete(kept.keys().next().value!);
      }
      kept.set(sql, stmt);
      return stmt;
    },
  };
}

function openNodeSqlite(path: string): SqliteConnection {
  const mod = loadNodeSqlite();
  if (!mod) {
    throw new IroncliwError('E_DB_UNAVAILABLE', `node:sqlite is not available on Node ${process.version}`, {
      hint: 'Use Node ≥ 22.16, or unset IRONCLIW_SQLITE_DRIVER to use better-sqlite3.',
    });
  }
  const db = new mod.DatabaseSync(path);
  return {
    driver: 'node:sqlite',
    close: () => db.close(),
    exec: (sql) => db.exec(sql),
    prepare(sql): SqliteStatement {
      const stmt = db.prepare(sql);
      return {
        reader: stmt.columns().length > 0,
        all: (params) => stmt.all(...params),
        run: (params) => stmt.run(...params),
        iterate: (params) => stmt.iterate(...params),
      };
    },
  };
}

interface BetterSqliteDatabase extends SqliteDatabase {
  exec(sql: string): unknown;
}

function openBetterSqlite(path: string): SqliteConnection {
  let Database: new (path: string) => BetterSqliteDatabase;
  try {
    Database = require('better-sqlite3') as typeof Database;
  } catch (cause) {
    throw new IroncliwError(
      'E_DB_UNAVAILABLE',
      `the SQLite driver better-sqlite3 could not be loaded on Node ${process.version}`,
      {
        cause,
        hint: 'Run `npm rebuild better-sqlite3` (it needs a C++ toolchain), or use Node ≥ 22.16 whose built-in node:sqlite needs nothing.',
      },
    );
  }
  const db = new Database(path);
  return {
    driver: 'better-sqlite3',
    close: () => db.close(),
    exec: (sql) => void db.exec(sql),
    prepare: (sql) => db.prepare(sql),
  };
}
