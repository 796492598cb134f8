import type { ColumnDefinitionBuilder, Kysely, Migration, MigrationProvider } from 'kysely';
import { Migrator, sql } from 'kysely';
import { IroncliwError } from '../domain/index.js';
import type { SqlFlavor } from './sql-flavor.js';

/** Kysely's bookkeeping tables, renamed so an application's own Kysely migrations can share the schema. */
export const MIGRATION_TABLE = 'ironcliw_migration';
export const MIGRATION_LOCK_TABLE = 'ironcliw_migration_lock';

/**
 * The migrations, in code (nothing is read from disk at run time), shared by SQLite and PostgreSQL.
 * Timestamps are canonical ISO-8601 UTC text on both (see `isoTime`), so text order is time order and one
 * query layer serves both; JSON is text on SQLite and jsonb on PostgreSQL (`flavor.jsonType`).
 * Never edit a migration once released: add the next one.
 */
export function migrationProvider(flavor: SqlFlavor): MigrationProvider {
  const json = flavor.jsonType;
  const serialKey = (c: ColumnDefinitionBuilder) =>
    flavor.serial.identity === 'autoincrement'
      ? c.primaryKey().autoIncrement()
      : c.primaryKey().generatedAlwaysAsIdentity();

  const migrations: Record<string, Migration> = {
    '0001_initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('failures')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('command', 'text', (c) => c.notNull())
          .addColumn('frame', json, (c) => c.notNull())
          .addColumn('category', 'text', (c) => c.notNull())
          .addColumn('message', 'text', (c) => c.notNull())
          .addColumn('capability_id', 'text')
          .addColumn('screen_ref', 'text')
          .addColumn('signature', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('failures_signature_at')
          .on('failures')
          .columns(['signature', 'at'])
          .execute();
        await db.schema.createIndex('failures_at').on('failures').columns(['at', 'id']).execute();

        await db.schema
          .createTable('patterns')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('signature', 'text', (c) => c.notNull().unique())
          .addColumn('frame', json, (c) => c.notNull())
          .addColumn('parameters', json, (c) => c.notNull())
          .addColumn('count', 'integer', (c) => c.notNull())
          .addColumn('distinct_users', 'integer', (c) => c.notNull())
          .addColumn('first_seen', 'text', (c) => c.notNull())
          .addColumn('last_seen', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('status_reason', 'text')
          .addColumn('capability_id', 'text')
          .execute();

        await db.schema
          .createTable('capabilities')
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('manifest', json, (c) => c.notNull())
          .addColumn('code', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('capabilities_pk', ['id', 'version'])
          .execute();

        await db.schema
          .createTable('reports')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('capability_id', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('report', json, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('reports_capability')
          .on('reports')
          .columns(['capability_id', 'version', 'at'])
          .execute();

        await db.schema
          .createTable('rollouts')
          .addColumn('capability_id', 'text', (c) => c.primaryKey())
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('stage', 'text', (c) => c.notNull())
          .addColumn('percentage', 'integer', (c) => c.notNull())
          .addColumn('paused_from', 'text')
          .addColumn('rollout_key', 'text', (c) => c.notNull())
          .addColumn('stage_entered_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('events')
          .addColumn('seq', flavor.serial.type, serialKey)
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('capability_id', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('from_stage', 'text')
          .addColumn('to_stage', 'text')
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('numbers', json, (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('events_capability')
          .on('events')
          .columns(['capability_id', 'seq'])
          .execute();

        await db.schema
          .createTable('jobs')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull().unique())
          .addColumn('payload', json, (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('result', json)
          .addColumn('error', 'text')
          .addColumn('locked_by', 'text')
          .addColumn('locked_until', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('jobs_status_created')
          .on('jobs')
          .columns(['status', 'created_at', 'id'])
          .execute();
      },
    },
    '0002_rollout_metrics': {
      async up(db: Kysely<unknown>) {
        // Counters only grow and are added in SQL (count = count + n), so any number of nodes can flush
        // into one window and the rows are the fleet's totals.
        await db.schema
          .createTable('rollout_counters')
          .addColumn('capability_id', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('stage', 'text', (c) => c.notNull())
          .addColumn('window_start', 'text', (c) => c.notNull())
          .addColumn('metric', 'text', (c) => c.notNull())
          .addColumn('count', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('rollout_counters_pk', [
            'capability_id',
            'version',
            'window_start',
            'stage',
            'metric',
          ])
          .execute();

        await db.schema
          .createTable('served_requests')
          .addColumn('request_id', 'text', (c) => c.primaryKey())
          .addColumn('capability_id', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('stage', 'text', (c) => c.notNull())
          .addColumn('window_start', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('feedback', 'text')
          .execute();
        await db.schema.createIndex('served_requests_at').on('served_requests').column('at').execute();

        await db.schema
          .createTable('rollout_policies')
          .addColumn('capability_id', 'text', (c) => c.primaryKey())
          .addColumn('policy', json, (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0003_change_notifications': {
      async up(db: Kysely<unknown>) {
        // PostgreSQL only (SQLite nodes poll): triggers announce every committed rollout or policy change
        // and every new job on one channel, so other nodes re-read within milliseconds instead of at their
        // next poll. Triggers rather than NOTIFY calls in the code: a change made by any writer (another
        // release, an operator's SQL) is announced too. NOTIFY is delivered at commit, never on rollback.
        if (flavor.dialect !== 'postgres') return;
        await sql`
          create or replace function ironcliw_notify_change() returns trigger language plpgsql as $$
          declare
            r record;
          begin
            if tg_op = 'DELETE' then r := old; else r := new; end if;
            perform pg_notify('ironcliw_changes', json_build_object(
              'schema', tg_table_schema,
              'table', tg_table_name,
              'key', left(to_jsonb(r) ->> tg_argv[0], 200))::text);
            return null;
          end
          $$`.execute(db);
        for (const [table, key, events] of [
          ['rollouts', 'capability_id', 'insert or update or delete'],
          ['rollout_policies', 'capability_id', 'insert or update or delete'],
          ['jobs', 'id', 'insert'],
        ] as const) {
          await sql`create trigger ${sql.id(`${table}_notify`)} after ${sql.raw(events)} on ${sql.id(table)}
            for each row execute function ironcliw_notify_change(${sql.lit(key)})`.execute(db);
        }
      },
    },
    '0004_failure_expectation': {
      async up(db: Kysely<unknown>) {
        // What a user taught (`ironcliw teach --expect`): the expected data of a taught failure, as JSON.
        // Nullable, so every earlier row stays valid; rows from before this column may carry it inside
        // `frame.expect` instead (discovery's `expectationOf` reads either).
        await db.schema.alterTable('failures').addColumn('expectation', json).execute();
        // Evolution reads a capability's own failures (timeouts, errors, wrong answers) by capability.
        await db.schema
          .createIndex('failures_capability_at')
          .on('failures')
          .columns(['capability_id', 'at'])
          .execute();
      },
    },
    '0005_decision_by': {
      async up(db: Kysely<unknown>) {
        // Who took a person's decision (a promotion that lifts a rollout condition, a rollback…): issue 16
        // asks for who and why. Nullable: system decisions and every earlier row have no person.
        await db.schema.alterTable('events').addColumn('decided_by', 'text').execute();
      },
    },
    '0010_demonstrations': {
      async up(db: Kysely<unknown>) {
        // Demonstrations (`teach --demo`, POST /v1/demonstrations): learned together per pattern, oldest first.
        await db.schema
          .createTable('demonstrations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('command', 'text', (c) => c.notNull())
          .addColumn('frame', json, (c) => c.notNull())
          .addColumn('pattern_id', 'text', (c) => c.notNull())
          .addColumn('signature', 'text', (c) => c.notNull())
          .addColumn('screen_ref', 'text', (c) => c.notNull())
          .addColumn('actions', json, (c) => c.notNull())
          .addColumn('expect', json)
          .execute();
        await db.schema
          .createIndex('demonstrations_pattern_at')
          .on('demonstrations')
          .columns(['pattern_id', 'at', 'id'])
          .execute();
        // Screens of failed commands (kept for a retention so they can be demonstrated on) and of
        // demonstrations (kept). Base64 text: one column type on both dialects, and screens are small.
        await db.schema
          .createTable('screens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text')
          .addColumn('data', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('screens_expires_at').on('screens').column('expires_at').execute();
      },
    },
    '0011_rollout_batches': {
      async up(db: Kysely<unknown>) {
        // The ids of the counter flushes already added, so a flush retried after a lost acknowledgement
        // (committed, but the connection dropped before the client heard it) is not added twice. Pruned
        // by age in the flush itself: a retry comes within seconds or minutes, never days.
        await db.schema
          .createTable('rollout_batches')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('rollout_batches_at').on('rollout_batches').column('at').execute();
      },
    },
  };
  return { getMigrations: async () => migrations };
}

/**
 * Brings the schema to the latest migration under the flavor's migration lock, so processes or nodes that
 * start together migrate exactly once. Touches nothing but the schema and Kysely's bookkeeping tables.
 * `schema` pins the bookkeeping tables on PostgreSQL (Kysely otherwise finds them in any schema).
 */
export async function migrateToLatest(
  db: Kysely<unknown>,
  flavor: SqlFlavor,
  schema?: string,
): Promise<void> {
  const outcome = await flavor.withMigrationLock(db, schema, (conn) =>
    new Migrator({
      db: conn,
      provider: migrationProvider(flavor),
      migrationTableName: MIGRATION_TABLE,
      migrationLockTableName: MIGRATION_LOCK_TABLE,
      disableTransactions: !flavor.migratorTransactions,
      ...(schema ? { migrationTableSchema: schema } : {}),
    }).migrateToLatest(),
  );
  if (outcome.error) {
    const failed = outcome.results?.find((r) => r.status === 'Error')?.migrationName;
    const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    // Kysely reports a database migrated by a newer release as "corrupted migrations … missing".
    const newer = /missing/i.test(message);
    throw new IroncliwError(
      'E_DB_UNAVAILABLE',
      `store migration${failed ? ` ${failed}` : ''} failed: ${message}`,
      {
        cause: outcome.error,
        ...(newer ? { hint: 'The database was migrated by a newer Ironcliw; upgrade this node.' } : {}),
      },
    );
  }
}
