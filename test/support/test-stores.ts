/**
 * Where a test's stores live: a temporary folder for SQLite files and, when IRONCLIW_TEST_PG is set, a
 * PostgreSQL schema per store; `cleanup()` (in afterAll) removes both. Tests that run the same cases on
 * every backend share this instead of each writing the folder, schema list and drop loop again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { newId } from '../../src/domain/index.js';

export interface TestStorePlaces {
  /** The PostgreSQL URL of the test database, or undefined when PostgreSQL tests are off. */
  readonly pg: string | undefined;
  /** A new SQLite file path in the test's folder. */
  sqliteFile(): string;
  /** A new schema name (registered for cleanup). */
  pgSchema(): string;
  cleanup(): Promise<void>;
}

export function testStorePlaces(prefix: string): TestStorePlaces {
  const PG = process.env.IRONCLIW_TEST_PG;
  const dir = mkdtempSync(join(tmpdir(), `ironcliw-${prefix}-`));
  const schemas: string[] = [];
  return {
    pg: PG,
    sqliteFile: () => join(dir, `${newId('db')}.db`),
    pgSchema: () => {
      const schema = `ironcliw_${prefix}_${newId('s').slice(2, 14)}`;
      schemas.push(schema);
      return schema;
    },
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
      if (!PG || !schemas.length) return;
      const client = new pg.Client({ connectionString: PG });
      await client.connect();
      for (const schema of schemas) await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}
