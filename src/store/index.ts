/**
 * The persistence layer: one `Store` interface; Kysely over SQLite (embedded default) and PostgreSQL (many
 * nodes) with one set of migrations; an in-memory twin for tests.
 *
 * @example
 * const store = await openStore(process.env.IRONCLIW_DB ?? DEFAULT_DB_PATH);
 * const { created } = await store.jobs.enqueue({ id: 'job_1', kind: 'generate', key: 'generate:p1:v1', payload: {} });
 * await store.close();
 */
export type * from './store.js';
export { openStore } from './open-store.js';
export type { OpenStoreOptions } from './open-store.js';
export { DEFAULT_DB_PATH, parseDbUrl, redactUrl } from './db-url.js';
export type { DbTarget } from './db-url.js';
export { MemoryStore, createMemoryStore } from './memory/memory-store.js';
