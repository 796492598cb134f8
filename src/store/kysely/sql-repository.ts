import type { Insertable, Kysely, Selectable } from 'kysely';
import type { SqlFlavor } from '../sql-flavor.js';
import type { Database } from '../sql-schema.js';
import { conflict, toJsonText } from '../store-rules.js';

type Table = keyof Database;
type Column<T extends Table> = keyof Database[T] & string;
type Row<T extends Table> = Selectable<Database[T]>;

/** A sort key: a column ascending, or [column, 'desc']. */
export type SortKey<T extends Table> = Column<T> | readonly [Column<T>, 'desc'];

/** The find / insert / upsert / list statements of one table, its rows read back as `R`. */
export interface SqlTable<T extends Table, R> {
  /** Inserts one row; a duplicate key becomes E_STATE_CONFLICT naming `what`. */
  insert(what: string, row: Insertable<Database[T]>): Promise<void>;
  /** Inserts the row, or overwrites every other column of the row with the same `key`. */
  upsert(key: Column<T>, row: Insertable<Database[T]>): Promise<void>;
  /** The row whose `column` equals `value`; undefined when there is none. */
  find(column: Column<T>, value: string): Promise<R | undefined>;
  /** The rows matching every defined equality in `where` (undefined ones are left out), sorted, limited. */
  list(
    where: { [C in Column<T>]?: unknown },
    orderBy: ReadonlyArray<SortKey<T>>,
    limit?: number,
  ): Promise<R[]>;
}

/**
 * What every SQL repository shares, so that each repository's file holds only its own queries and row
 * mapping: the handle (a transaction's, inside one), JSON columns, duplicate keys as E_STATE_CONFLICT,
 * batched writes, and the find / insert / upsert / list statements the repositories would otherwise each
 * write out. The same statements serve SQLite and PostgreSQL; what differs between them is in `flavor`.
 */
export interface SqlRepositoryKit {
  readonly db: Kysely<Database>;
  readonly flavor: SqlFlavor;
  /** A JSON column's value (text on SQLite, parsed jsonb on PostgreSQL). */
  json<V>(value: unknown): V;
  /** Runs an insert; a duplicate key becomes E_STATE_CONFLICT naming `what`. */
  insertOnce(what: string, run: () => Promise<unknown>): Promise<void>;
  /** The common statements of `table`, reading rows through `map`. */
  table<T extends Table, R>(table: T, map: (row: Row<T>) => R): SqlTable<T, R>;
  /** fn inside the caller's transaction if there is one, else in a new one. */
  atomically<V>(fn: (db: Kysely<Database>) => Promise<V>): Promise<V>;
  /**
   * Writes rows in statements of at most BATCH_ROWS rows. One statement is atomic by itself; only a larger
   * write needs a transaction (which, on SQLite, takes the write lock early).
   */
  inBatches<V>(
    rows: readonly V[],
    write: (db: Kysely<Database>, batch: V[]) => Promise<unknown>,
  ): Promise<void>;
}

/** Rows per statement: 500 rows of up to 8 columns stay under every driver's bound-parameter limit. */
export const BATCH_ROWS = 500;

/** PostgreSQL returns COUNT(*) and bigint columns as strings. */
export const num = (v: unknown): number => Number(v ?? 0);

/** Whether an UPDATE touched a row (the atomic check-and-write of leases, feedback and rollouts). */
export const updated = (r: { numUpdatedRows: bigint }): boolean => num(r.numUpdatedRows) > 0;

/** Optional columns come back as NULL; the API leaves such fields out rather than setting them undefined. */
export function opt<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return (value === null || value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** A nullable JSON column's text: an absent value is SQL NULL. */
export const jsonOrNull = (value: unknown): string | null => (value === undefined ? null : toJsonText(value));

export function sqlRepositoryKit(db: Kysely<Database>, flavor: SqlFlavor): SqlRepositoryKit {
  // The table statements are written once for every table; Kysely cannot check a column whose name is a
  // type parameter, so they run on an untyped view. SqlTable's signatures keep their callers typed.
  const untyped = db as unknown as Kysely<any>;

  async function insertOnce(what: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (err) {
      if (flavor.isUniqueViolation(err)) throw conflict(what, err);
      throw err;
    }
  }

  const atomically = <V>(fn: (db: Kysely<Database>) => Promise<V>): Promise<V> =>
    db.isTransaction ? fn(db) : flavor.transaction(db, fn);

  function table<T extends Table, R>(name: T, map: (row: Row<T>) => R): SqlTable<T, R> {
    const from = () => untyped.selectFrom(name as string).selectAll();
    return {
      insert: (what, row) =>
        insertOnce(what, () =>
          untyped
            .insertInto(name as string)
            .values(row)
            .execute(),
        ),
      async upsert(key, row) {
        const { [key]: _key, ...values } = row as Record<string, unknown>;
        await untyped
          .insertInto(name as string)
          .values(row)
          .onConflict((oc) => oc.column(key).doUpdateSet(values))
          .execute();
      },
      async find(column, value) {
        const r = await from()
          .where(column as string, '=', value)
          .executeTakeFirst();
        return r ? map(r as Row<T>) : undefined;
      },
      async list(where, orderBy, limit) {
        let q = from();
        for (const [column, value] of Object.entries(where))
          if (value !== undefined) q = q.where(column, '=', value);
        for (const key of orderBy) q = typeof key === 'string' ? q.orderBy(key) : q.orderBy(key[0], key[1]);
        if (limit !== undefined) q = q.limit(limit);
        return (await q.execute()).map((r) => map(r as Row<T>));
      },
    };
  }

  return {
    db,
    flavor,
    json: <V>(value: unknown): V => flavor.decodeJson(value) as V,
    insertOnce,
    table,
    atomically,
    async inBatches(rows, write) {
      const all = async (trx: Kysely<Database>) => {
        for (let i = 0; i < rows.length; i += BATCH_ROWS) await write(trx, rows.slice(i, i + BATCH_ROWS));
      };
      await (rows.length <= BATCH_ROWS ? all(db) : atomically(all));
    },
  };
}
