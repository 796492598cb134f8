import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Capability, DecisionEvent, Failure, Pattern, Rollout } from '../domain/index.js';
import { newId } from '../domain/index.js';
import type { Store, StoreChange } from './index.js';
import { migrationProvider } from './migrations.js';
import { sqliteFlavor } from './sql-flavor.js';
import { defaultSqliteDriver, openSqliteConnection, STATEMENT_CACHE_SIZE } from './sqlite-driver.js';
import { startTcpProxy } from '../../test/cluster/tcp-proxy.js';
import {
  createMemoryStore,
  DEFAULT_DB_PATH,
  MemoryStore,
  openStore,
  parseDbUrl,
  redactUrl,
} from './index.js';

/**
 * One suite, every backend: the in-memory twin, SQLite on a temp file, and PostgreSQL when
 * IRONCLIW_TEST_PG names a database (each store gets a fresh schema, dropped at the end).
 */
const PG = process.env.IRONCLIW_TEST_PG;
/** Names of every migration, in order: a fresh store has run exactly these. */
const MIGRATIONS = Object.keys(await migrationProvider(sqliteFlavor).getMigrations());
const dir = mkdtempSync(join(tmpdir(), 'ironcliw-store-'));
const schemas: string[] = [];
const freshSchema = (): string => {
  const schema = `ironcliw_test_${newId('s').slice(2, 16)}`;
  schemas.push(schema);
  return schema;
};

interface Backend {
  name: 'memory' | 'sqlite' | 'postgres';
  skip: boolean;
  open(): Promise<Store>;
  /** A second, independent connection to the data of the last `open` (for concurrency tests). */
  reopen?(): Promise<Store>;
}

let sqliteFile = '';
let pgSchema = '';
const backends: Backend[] = [
  { name: 'memory', skip: false, open: () => openStore('memory:') },
  {
    name: 'sqlite',
    skip: false,
    open: () => {
      sqliteFile = join(dir, `${newId('db')}.db`);
      return openStore(sqliteFile);
    },
    reopen: () => openStore(sqliteFile),
  },
  {
    name: 'postgres',
    skip: !PG,
    open: () => {
      pgSchema = freshSchema();
      return openStore(PG!, { schema: pgSchema });
    },
    reopen: () => openStore(PG!, { schema: pgSchema }),
  },
];

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!PG || !schemas.length) return;
  const client = new pg.Client({ connectionString: PG });
  await client.connect();
  for (const s of schemas) await client.query(`drop schema if exists ${s} cascade`);
  await client.end();
});

const SIG = 'count:shape[color,shape]@region';
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

const failure = (over: Partial<Failure> = {}): Failure => ({
  id: newId('fail'),
  at: at(0),
  userId: 'u1',
  command: 'count the green circles on the toolbar',
  frame: {
    action: 'count',
    target: { kind: 'shape', color: 'green', shape: 'circle' },
    region: 'toolbar',
    raw: 'count the green circles on the toolbar',
  },
  category: 'missing_handler',
  message: 'no capability',
  signature: SIG,
  ...over,
});

const pattern = (over: Partial<Pattern> = {}): Pattern => ({
  id: newId('pat'),
  signature: 's1',
  frame: { action: 'count', target: { kind: 'shape', shape: 'circle' }, region: 'toolbar' },
  parameters: ['color'],
  count: 1,
  distinctUsers: 1,
  firstSeen: at(0),
  lastSeen: at(0),
  status: 'collecting',
  ...over,
});

const capability = (id: string, version: number): Capability => ({
  manifest: {
    id,
    name: id,
    version,
    description: 'counts shapes — “quoted”, ünïcode',
    intents: [{ action: 'count', targetKind: 'shape', slots: ['color'], examples: ['count the red shapes'] }],
    permissions: ['screen.capture', 'vision.analyze'],
    inputSchema: { type: 'object', properties: { color: { type: 'string' } }, required: ['color'] },
    outputSchema: { type: 'object' },
    limits: { timeoutMs: 1000, memoryMb: 64 },
    origin: { kind: 'generated', generator: 'test', patternId: 'pat_1', failureIds: ['f1', 'f2'] },
    combines: ['other'],
  },
  code: `export default async function run(input, sdk) {\n  return { answer: 'v${version} \\'x\\' "y"', data: {} };\n}\n`,
});

const rollout = (over: Partial<Rollout> = {}): Rollout => ({
  id: newId('rol'),
  capabilityId: 'cap-a',
  version: 1,
  stage: 'development',
  percentage: 0,
  rolloutKey: 'cap-a:v1',
  stageEnteredAt: at(0),
  updatedAt: at(0),
  ...over,
});

const event = (kind: DecisionEvent['kind'], over: Partial<DecisionEvent> = {}): DecisionEvent => ({
  id: newId('evt'),
  at: at(0),
  capabilityId: 'cap-a',
  version: 1,
  kind,
  reason: `because ${kind}`,
  numbers: { successRate: 0.97, p99Ms: 12.5, samples: 400 },
  actor: 'system',
  ...over,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const backend of backends) {
  describe.skipIf(backend.skip)(`store on ${backend.name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await backend.open();
      return () => store.close();
    });

    it('reports its dialect', () => {
      expect(store.dialect).toBe(backend.name);
    });

    it('answers a ping while open, and refuses it with E_DB_UNAVAILABLE once closed', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
      const other = await (backend.reopen ?? backend.open)();
      await other.close();
      await expect(other.ping()).rejects.toMatchObject({ code: 'E_DB_UNAVAILABLE' });
    });

    describe('failures', () => {
      it('round-trips a failure, with and without the optional fields', async () => {
        const full = failure({ capabilityId: 'cap-a', screenRef: 'screens/1.png' });
        const bare = failure();
        await store.failures.record(full);
        await store.failures.record(bare);
        expect(await store.failures.get(full.id)).toEqual(full);
        const got = await store.failures.get(bare.id);
        expect(got).toEqual(bare);
        expect(Object.keys(got!)).not.toContain('capabilityId');
        expect(await store.failures.get('nope')).toBeUndefined();
      });

      it('keeps a taught expectation in its own column, and still reads one kept inside the frame', async () => {
        const expectation = { data: { count: 3, items: [{ color: 'red' }], text: '“Save” ünï' } };
        const taught = failure({ category: 'invalid_output', capabilityId: 'cap-a', expectation });
        // Rows written before the column existed carried it inside the frame JSON (kept verbatim).
        const old = failure({
          frame: { ...failure().frame, expect: { present: true } } as Failure['frame'],
        });
        await store.failures.record(taught);
        await store.failures.record(old);
        expect(await store.failures.get(taught.id)).toEqual(taught);
        const got = await store.failures.get(old.id);
        expect(got).toEqual(old);
        expect(Object.keys(got!)).not.toContain('expectation');
        expect((got!.frame as { expect?: unknown }).expect).toEqual({ present: true });
        expect((await store.failures.list({ capabilityId: 'cap-a' }))[0]!.expectation).toEqual(expectation);
      });

      it('filters by capability and category (what evolution reads)', async () => {
        await store.failures.record(
          failure({ id: 'a1', at: at(1), capabilityId: 'cap-a', category: 'timeout' }),
        );
        await store.failures.record(
          failure({ id: 'a2', at: at(2), capabilityId: 'cap-a', category: 'error' }),
        );
        await store.failures.record(
          failure({ id: 'b1', at: at(3), capabilityId: 'cap-b', category: 'error' }),
        );
        await store.failures.record(failure({ id: 'lc', at: at(4), category: 'low_confidence' }));
        await store.failures.record(failure({ id: 'mh', at: at(5) }));
        expect((await store.failures.list({ capabilityId: 'cap-a' })).map((f) => f.id)).toEqual(['a2', 'a1']);
        expect((await store.failures.list({ category: 'error' })).map((f) => f.id)).toEqual(['b1', 'a2']);
        expect(
          (await store.failures.list({ capabilityId: 'cap-a', category: 'error' })).map((f) => f.id),
        ).toEqual(['a2']);
        expect(
          (await store.failures.list({ category: 'low_confidence', since: at(4) })).map((f) => f.id),
        ).toEqual(['lc']);
        expect(await store.failures.count({ capabilityId: 'cap-a', since: at(2) })).toBe(1);
        expect(await store.failures.count({ capabilityId: 'nope' })).toBe(0);
      });

      it('lists newest first with filters and limits, counts and distinct users', async () => {
        for (let i = 0; i < 5; i++) {
          await store.failures.record(failure({ id: `f${i}`, at: at(i), userId: `u${i % 2}` }));
        }
        await store.failures.record(failure({ id: 'same-time-b', at: at(4) }));
        await store.failures.record(failure({ id: 'other', signature: 'other', at: at(10) }));
        const list = await store.failures.list({ signature: SIG });
        expect(list.map((f) => f.id)).toEqual(['same-time-b', 'f4', 'f3', 'f2', 'f1', 'f0']);
        expect((await store.failures.list()).map((f) => f.id)[0]).toBe('other');
        expect((await store.failures.list({ limit: 2 })).map((f) => f.id)).toEqual(['other', 'same-time-b']);
        expect(await store.failures.list({ limit: 0 })).toEqual([]);
        expect((await store.failures.list({ userId: 'u0', signature: SIG })).map((f) => f.id)).toEqual([
          'f4',
          'f2',
          'f0',
        ]);
        expect(await store.failures.count()).toBe(7);
        expect(await store.failures.count({ signature: SIG })).toBe(6);
        expect(await store.failures.count({ since: at(3) })).toBe(4);
        expect(await store.failures.count({ signature: SIG, userId: 'u1' })).toBe(3);
        expect(await store.failures.distinctUsers(SIG)).toBe(2);
        expect(await store.failures.distinctUsers(SIG, at(4))).toBe(2);
        expect(await store.failures.distinctUsers(SIG, at(5))).toBe(0);
        expect(await store.failures.distinctUsers('unknown')).toBe(0);
      });

      it('lists signatures with counts, most recently seen first (what crash recovery scans)', async () => {
        await store.failures.record(failure({ at: at(1) }));
        await store.failures.record(failure({ at: at(5), userId: 'u2' }));
        await store.failures.record(failure({ signature: 'b', at: at(9) }));
        await store.failures.record(failure({ signature: 'a', at: at(9) }));
        await store.failures.record(failure({ signature: 'old', at: at(0) }));
        expect(await store.failures.signatures()).toEqual([
          { signature: 'a', count: 1, lastAt: at(9) },
          { signature: 'b', count: 1, lastAt: at(9) },
          { signature: SIG, count: 2, lastAt: at(5) },
          { signature: 'old', count: 1, lastAt: at(0) },
        ]);
        expect(await store.failures.signatures({ since: at(1), limit: 3 })).toEqual([
          { signature: 'a', count: 1, lastAt: at(9) },
          { signature: 'b', count: 1, lastAt: at(9) },
          { signature: SIG, count: 2, lastAt: at(5) },
        ]);
        expect(await store.failures.signatures({ since: at(2) })).toContainEqual({
          signature: SIG,
          count: 1,
          lastAt: at(5),
        });
        await expect(store.failures.signatures({ limit: -1 })).rejects.toMatchObject({
          code: 'E_INPUT_INVALID',
        });
      });

      it('normalises timestamps to UTC ISO so text order stays time order', async () => {
        // 00:30 at +02:00 is 22:30 the previous day: earlier than at(0) although it sorts later as text.
        await store.failures.record(failure({ id: 'offset', at: '2026-01-01T00:30:00+02:00' }));
        await store.failures.record(failure({ id: 'utc', at: at(0) }));
        expect((await store.failures.get('offset'))!.at).toBe('2025-12-31T22:30:00.000Z');
        expect((await store.failures.list()).map((f) => f.id)).toEqual(['utc', 'offset']);
        expect(await store.failures.count({ since: '2026-01-01T01:00:00+02:00' })).toBe(1);
      });

      it('rejects duplicates, bad timestamps and bad limits with stable codes', async () => {
        const f = failure();
        await store.failures.record(f);
        await expect(store.failures.record(f)).rejects.toMatchObject({ code: 'E_STATE_CONFLICT' });
        await expect(store.failures.record(failure({ at: 'yesterday' }))).rejects.toMatchObject({
          code: 'E_INPUT_INVALID',
        });
        await expect(store.failures.list({ limit: -1 })).rejects.toMatchObject({ code: 'E_INPUT_INVALID' });
        await expect(store.failures.list({ limit: 1.5 })).rejects.toMatchObject({ code: 'E_INPUT_INVALID' });
        expect(await store.failures.count()).toBe(1);
      });
    });

    describe('patterns', () => {
      it('inserts, then updates by signature keeping id, firstSeen and status', async () => {
        const first = pattern({ id: 'pat_1' });
        expect(await store.patterns.upsert(first)).toEqual(first);
        await store.patterns.setStatus('pat_1', 'generated', 'v1', 'cap-a');
        const again = await store.patterns.upsert(
          pattern({
            id: 'pat_other',
            count: 4,
            distinctUsers: 3,
            parameters: ['color', 'region'],
            lastSeen: at(60),
          }),
        );
        expect(again).toEqual({
          ...first,
          count: 4,
          distinctUsers: 3,
          parameters: ['color', 'region'],
          lastSeen: at(60),
          status: 'generated',
          statusReason: 'v1',
          capabilityId: 'cap-a',
        });
        // An observer that finishes late must not move lastSeen back.
        const late = await store.patterns.upsert(pattern({ count: 5, lastSeen: at(30) }));
        expect(late).toMatchObject({ count: 5, lastSeen: at(60) });
        expect(await store.patterns.get('pat_1')).toEqual(late);
        expect(await store.patterns.getBySignature('s1')).toEqual(late);
        expect(await store.patterns.get('pat_other')).toBeUndefined();
        expect(await store.patterns.getBySignature('nope')).toBeUndefined();
        // A late observer with a stale (lower) count must not lower the numbers; a newer one sets them
        // (they may fall as old failures leave the window).
        expect(
          await store.patterns.upsert(pattern({ count: 2, distinctUsers: 1, lastSeen: at(40) })),
        ).toMatchObject({ count: 5, distinctUsers: 3, lastSeen: at(60) });
        expect(
          await store.patterns.upsert(pattern({ count: 2, distinctUsers: 1, lastSeen: at(70) })),
        ).toMatchObject({ count: 2, distinctUsers: 1, lastSeen: at(70) });
      });

      it('lists by status, most recently seen first, and sets status precisely', async () => {
        await store.patterns.upsert(pattern({ id: 'a', signature: 'sa', lastSeen: at(1) }));
        await store.patterns.upsert(pattern({ id: 'b', signature: 'sb', lastSeen: at(3) }));
        await store.patterns.upsert(pattern({ id: 'c', signature: 'sc', lastSeen: at(2) }));
        expect((await store.patterns.list()).map((p) => p.id)).toEqual(['b', 'c', 'a']);
        expect((await store.patterns.list({ limit: 1 })).map((p) => p.id)).toEqual(['b']);
        await store.patterns.setStatus('c', 'blocked', 'unsafe', 'cap-c');
        await store.patterns.setStatus('a', 'blocked', 'unsafe');
        expect((await store.patterns.list({ status: 'blocked' })).map((p) => p.id)).toEqual(['c', 'a']);
        // No reason clears the old one; no capability id keeps the old one.
        await store.patterns.setStatus('c', 'queued');
        const c = await store.patterns.get('c');
        expect(c).toMatchObject({ status: 'queued', capabilityId: 'cap-c' });
        expect(c).not.toHaveProperty('statusReason');
        await store.patterns.setStatus('missing', 'queued');
        expect(await store.patterns.list({ status: 'collecting' })).toHaveLength(1);
      });

      it('refuses an id already used by another signature', async () => {
        await store.patterns.upsert(pattern({ id: 'dup', signature: 'one' }));
        await expect(store.patterns.upsert(pattern({ id: 'dup', signature: 'two' }))).rejects.toMatchObject({
          code: 'E_STATE_CONFLICT',
        });
        expect(await store.patterns.getBySignature('two')).toBeUndefined();
      });
    });

    describe('capabilities', () => {
      it('keeps every version, returns the latest, and refuses to overwrite one', async () => {
        const before = new Date().toISOString();
        await store.capabilities.put(capability('cap-b', 1));
        await store.capabilities.put(capability('cap-a', 1));
        await store.capabilities.put(capability('cap-a', 2));
        await expect(store.capabilities.put(capability('cap-a', 2))).rejects.toMatchObject({
          code: 'E_STATE_CONFLICT',
        });
        const latest = await store.capabilities.get('cap-a');
        expect(latest).toMatchObject(capability('cap-a', 2));
        expect(latest!.createdAt >= before).toBe(true);
        expect(new Date(latest!.createdAt).toISOString()).toBe(latest!.createdAt);
        expect((await store.capabilities.get('cap-a', 1))!.code).toBe(capability('cap-a', 1).code);
        expect(await store.capabilities.get('cap-a', 3)).toBeUndefined();
        expect(await store.capabilities.get('nope')).toBeUndefined();
        expect(
          (await store.capabilities.list()).map((c) => `${c.manifest.id}@${c.manifest.version}`),
        ).toEqual(['cap-a@2', 'cap-b@1']);
        expect(await store.capabilities.versions('cap-a')).toEqual([
          capability('cap-a', 1).manifest,
          capability('cap-a', 2).manifest,
        ]);
        expect(await store.capabilities.versions('nope')).toEqual([]);
      });
    });

    describe('reports', () => {
      it('round-trips reports and filters by version and kind, oldest first', async () => {
        const synthesis = { safe: true, score: 0.93, violations: [], transformed: 'x' };
        await store.reports.add({
          id: 'r3',
          capabilityId: 'cap-a',
          version: 2,
          kind: 'synthesis',
          at: at(3),
          report: synthesis,
        });
        await store.reports.add({
          id: 'r1',
          capabilityId: 'cap-a',
          version: 1,
          kind: 'synthesis',
          at: at(1),
          report: synthesis,
        });
        await store.reports.add({
          id: 'r2',
          capabilityId: 'cap-a',
          version: 1,
          kind: 'verification',
          at: at(2),
          report: { level: 'standard', checks: [{ name: 'n', passed: true, detail: 'd' }] },
        });
        await store.reports.add({
          id: 'rx',
          capabilityId: 'cap-x',
          version: 1,
          kind: 'sandbox',
          at: at(0),
          report: 'text',
        });
        expect((await store.reports.list('cap-a')).map((r) => r.id)).toEqual(['r1', 'r2', 'r3']);
        expect((await store.reports.list('cap-a', 1)).map((r) => r.id)).toEqual(['r1', 'r2']);
        expect(await store.reports.list('cap-a', 1, 'verification')).toEqual([
          {
            id: 'r2',
            capabilityId: 'cap-a',
            version: 1,
            kind: 'verification',
            at: at(2),
            report: { level: 'standard', checks: [{ name: 'n', passed: true, detail: 'd' }] },
          },
        ]);
        // A JSON string value must come back as that string, not parsed once more.
        expect((await store.reports.list('cap-x'))[0]!.report).toBe('text');
        await expect(
          store.reports.add({
            id: 'r1',
            capabilityId: 'cap-a',
            version: 1,
            kind: 'benchmark',
            at: at(9),
            report: {},
          }),
        ).rejects.toMatchObject({ code: 'E_STATE_CONFLICT' });
      });
    });

    describe('rollouts', () => {
      it('keeps one rollout per capability, replaced whole on save', async () => {
        await store.rollouts.save(rollout());
        const paused = rollout({ stage: 'paused', pausedFrom: 'canary', percentage: 100, updatedAt: at(5) });
        await store.rollouts.save(paused);
        expect(await store.rollouts.get('cap-a')).toEqual(paused);
        const resumed = rollout({ stage: 'canary', percentage: 100, updatedAt: at(6) });
        await store.rollouts.save(resumed);
        const got = await store.rollouts.get('cap-a');
        expect(got).toEqual(resumed);
        expect(got).not.toHaveProperty('pausedFrom');
        await store.rollouts.save(
          rollout({ capabilityId: 'b-cap', stage: 'production', percentage: 10_000 }),
        );
        expect((await store.rollouts.list()).map((r) => r.capabilityId)).toEqual(['b-cap', 'cap-a']);
        expect((await store.rollouts.list({ stage: 'canary' })).map((r) => r.capabilityId)).toEqual([
          'cap-a',
        ]);
        expect(await store.rollouts.get('nope')).toBeUndefined();
      });
    });

    describe('events', () => {
      it('lists decision events oldest first in append order, filtered and limited', async () => {
        const kinds = ['approve', 'register', 'promote', 'pause', 'resume', 'rollback'] as const;
        for (const [i, kind] of kinds.entries()) {
          await store.events.append(
            event(kind, {
              id: `e${i}`,
              at: at(i),
              ...(kind === 'promote' ? { fromStage: 'development', toStage: 'canary' } : {}),
            }),
          );
        }
        await store.events.append(event('approve', { id: 'other', capabilityId: 'cap-b', actor: 'user' }));
        expect((await store.events.list({ capabilityId: 'cap-a' })).map((e) => e.kind)).toEqual([...kinds]);
        expect((await store.events.list({ limit: 2 })).map((e) => e.id)).toEqual(['e0', 'e1']);
        expect(await store.events.list({ capabilityId: 'cap-b' })).toEqual([
          event('approve', { id: 'other', capabilityId: 'cap-b', actor: 'user' }),
        ]);
        const promote = (await store.events.list()).find((e) => e.kind === 'promote')!;
        expect(promote).toMatchObject({
          fromStage: 'development',
          toStage: 'canary',
          numbers: { p99Ms: 12.5 },
        });
        expect((await store.events.list()).find((e) => e.kind === 'pause')).not.toHaveProperty('fromStage');
        await expect(store.events.append(event('retire', { id: 'e0' }))).rejects.toMatchObject({
          code: 'E_STATE_CONFLICT',
        });
      });

      it('stores numbers as JSON does (non-finite numbers become null)', async () => {
        await store.events.append(event('pause', { id: 'nan', numbers: { ok: 1, bad: Number.NaN } }));
        expect((await store.events.list())[0]!.numbers).toEqual({ ok: 1, bad: null });
      });
    });

    describe('transactions', () => {
      it('commits everything fn did and returns its value', async () => {
        const value = await store.transaction(async (tx) => {
          await tx.capabilities.put(capability('cap-t', 1));
          await tx.rollouts.save(rollout({ capabilityId: 'cap-t' }));
          await tx.events.append(event('register', { capabilityId: 'cap-t' }));
          expect(await tx.capabilities.get('cap-t')).toBeDefined();
          return 42;
        });
        expect(value).toBe(42);
        expect(await store.capabilities.get('cap-t')).toBeDefined();
        expect(await store.rollouts.get('cap-t')).toBeDefined();
        expect(await store.events.list({ capabilityId: 'cap-t' })).toHaveLength(1);
      });

      it('rolls a failed transaction back completely', async () => {
        await store.failures.record(failure({ id: 'before' }));
        await expect(
          store.transaction(async (tx) => {
            await tx.capabilities.put(capability('cap-t', 1));
            await tx.reports.add({
              id: 'rep1',
              capabilityId: 'cap-t',
              version: 1,
              kind: 'synthesis',
              at: at(0),
              report: {},
            });
            await tx.patterns.upsert(pattern());
            throw new Error('crash mid-registration');
          }),
        ).rejects.toThrow('crash mid-registration');
        expect(await store.capabilities.get('cap-t')).toBeUndefined();
        expect(await store.reports.list('cap-t')).toEqual([]);
        expect(await store.patterns.list()).toEqual([]);
        expect(await store.failures.get('before')).toBeDefined();
      });

      it('rolls back on a conflict raised inside, and allows idempotent enqueue and claims inside', async () => {
        await store.capabilities.put(capability('cap-c', 1));
        await expect(
          store.transaction(async (tx) => {
            await tx.rollouts.save(rollout({ capabilityId: 'cap-c' }));
            await tx.capabilities.put(capability('cap-c', 1));
          }),
        ).rejects.toMatchObject({ code: 'E_STATE_CONFLICT' });
        expect(await store.rollouts.get('cap-c')).toBeUndefined();

        await store.jobs.enqueue({ id: 'j1', kind: 'generate', key: 'k1', payload: {} });
        const claimed = await store.transaction(async (tx) => {
          const again = await tx.jobs.enqueue({ id: 'j1-dup', kind: 'generate', key: 'k1', payload: {} });
          expect(again).toMatchObject({ created: false, job: { id: 'j1' } });
          const job = await tx.jobs.claim('w', 60_000);
          await tx.patterns.upsert(pattern());
          return job;
        });
        expect(claimed).toMatchObject({ id: 'j1', status: 'running' });
        expect(await store.patterns.list()).toHaveLength(1);
      });
    });

    describe('jobs', () => {
      it('enqueues idempotently on the key', async () => {
        const a = await store.jobs.enqueue({
          id: 'job1',
          kind: 'generate',
          key: 'generate:p1:v1',
          payload: { patternId: 'p1' },
        });
        expect(a.created).toBe(true);
        expect(a.job).toMatchObject({
          id: 'job1',
          status: 'queued',
          attempts: 0,
          payload: { patternId: 'p1' },
        });
        expect(a.job.createdAt).toBe(a.job.updatedAt);
        const b = await store.jobs.enqueue({
          id: 'job2',
          kind: 'generate',
          key: 'generate:p1:v1',
          payload: { other: 1 },
        });
        expect(b).toEqual({ created: false, job: a.job });
        expect(await store.jobs.get('job2')).toBeUndefined();
        await expect(
          store.jobs.enqueue({ id: 'job1', kind: 'generate', key: 'another-key', payload: {} }),
        ).rejects.toMatchObject({ code: 'E_STATE_CONFLICT' });
        expect(await store.jobs.list()).toHaveLength(1);
      });

      it('round-trips payloads of any JSON shape', async () => {
        const payloads: unknown[] = [
          'plain text',
          7,
          null,
          [1, 'two', { three: 3 }],
          { nested: { deep: [true] } },
        ];
        for (const [i, payload] of payloads.entries()) {
          const { job } = await store.jobs.enqueue({ id: `p${i}`, kind: 'k', key: `p${i}`, payload });
          expect(job.payload).toEqual(payload);
          expect((await store.jobs.get(`p${i}`))!.payload).toEqual(payload);
        }
        const { job } = await store.jobs.enqueue({ id: 'u', kind: 'k', key: 'u', payload: undefined });
        expect(job.payload).toBeNull();
      });

      it('claims oldest first, by kind, once each; completes and fails', async () => {
        await store.jobs.enqueue({ id: 'g1', kind: 'generate', key: 'g1', payload: {} });
        await sleep(2);
        await store.jobs.enqueue({ id: 'b1', kind: 'bench', key: 'b1', payload: {} });
        await sleep(2);
        await store.jobs.enqueue({ id: 'g2', kind: 'generate', key: 'g2', payload: {} });
        expect(await store.jobs.claim('w', 60_000, ['other'])).toBeUndefined();
        const first = await store.jobs.claim('w1', 60_000, ['generate']);
        expect(first).toMatchObject({ id: 'g1', status: 'running', lockedBy: 'w1', attempts: 1 });
        expect(Date.parse(first!.lockedUntil!) - Date.parse(first!.updatedAt)).toBe(60_000);
        expect((await store.jobs.claim('w2', 60_000))!.id).toBe('b1');
        expect((await store.jobs.claim('w3', 60_000, []))!.id).toBe('g2');
        expect(await store.jobs.claim('w4', 60_000)).toBeUndefined();

        expect(await store.jobs.complete('g1', 'w1', { capabilityId: 'cap-a' })).toBe(true);
        expect(await store.jobs.fail('b1', 'w2', 'boom '.repeat(2000))).toBe(true);
        expect(await store.jobs.complete('g2', 'w3', undefined)).toBe(true);
        const done = await store.jobs.get('g1');
        expect(done).toMatchObject({ status: 'done', result: { capabilityId: 'cap-a' }, attempts: 1 });
        expect(done).not.toHaveProperty('lockedBy');
        expect(done).not.toHaveProperty('lockedUntil');
        expect(await store.jobs.get('g2')).not.toHaveProperty('result');
        const failed = await store.jobs.get('b1');
        expect(failed).toMatchObject({ status: 'failed' });
        expect(failed!.error).toHaveLength(4000);
        expect((await store.jobs.list({ status: 'done' })).map((j) => j.id)).toEqual(['g1', 'g2']);
        expect((await store.jobs.list()).map((j) => j.id)).toEqual(['g1', 'b1', 'g2']);
        expect((await store.jobs.list({ limit: 1 })).map((j) => j.id)).toEqual(['g1']);
        expect(await store.jobs.claim('w5', 60_000)).toBeUndefined();
        expect(await store.jobs.complete('missing', 'w1', 1)).toBe(false);
        // Finished is final: neither the holder nor anyone else can finish it again.
        expect(await store.jobs.fail('g1', 'w1', 'late')).toBe(false);
        expect(await store.jobs.get('g1')).toMatchObject({ status: 'done' });
      });

      it('lets only the lease holder finish or renew a job (a fence against a worker that lost it)', async () => {
        await store.jobs.enqueue({ id: 'f', kind: 'generate', key: 'f', payload: {} });
        await store.jobs.claim('slow-worker', 40);
        await sleep(60);
        const taken = await store.jobs.claim('w2', 60_000);
        expect(taken).toMatchObject({ id: 'f', lockedBy: 'w2', attempts: 2 });
        // The first worker wakes up and tries to finish: refused, nothing changes.
        expect(await store.jobs.renew('f', 'slow-worker', 60_000)).toBe(false);
        expect(await store.jobs.complete('f', 'slow-worker', { stale: true })).toBe(false);
        expect(await store.jobs.fail('f', 'slow-worker', 'stale')).toBe(false);
        expect(await store.jobs.get('f')).toMatchObject({ status: 'running', lockedBy: 'w2' });
        expect(await store.jobs.get('f')).not.toHaveProperty('result');
        // The holder renews its lease (a heartbeat) and finishes.
        const before = (await store.jobs.get('f'))!.lockedUntil!;
        await sleep(5);
        expect(await store.jobs.renew('f', 'w2', 120_000)).toBe(true);
        expect(Date.parse((await store.jobs.get('f'))!.lockedUntil!)).toBeGreaterThan(Date.parse(before));
        expect(await store.jobs.complete('f', 'w2', { ok: true })).toBe(true);
        expect(await store.jobs.get('f')).toMatchObject({ status: 'done', result: { ok: true } });
        expect(await store.jobs.renew('f', 'w2', 60_000)).toBe(false);
      });

      it('fences a transaction: its writes land only if the job is still held', async () => {
        await store.jobs.enqueue({ id: 't', kind: 'generate', key: 't', payload: {} });
        await store.jobs.claim('w1', 60_000);
        const fenced = (owner: string) =>
          store
            .transaction(async (tx) => {
              if (!(await tx.jobs.complete('t', owner, 'ok'))) throw new Error('lease lost');
              await tx.rollouts.save(rollout({ capabilityId: `cap-${owner}` }));
            })
            .then(
              () => 'committed',
              (err: Error) => err.message,
            );
        expect(await fenced('intruder')).toBe('lease lost');
        expect(await store.rollouts.get('cap-intruder')).toBeUndefined();
        expect(await fenced('w1')).toBe('committed');
        expect(await store.rollouts.get('cap-w1')).toBeDefined();
        expect(await fenced('w1')).toBe('lease lost');
      });

      it('lets another worker reclaim a job whose lease expired (crash recovery)', async () => {
        await store.jobs.enqueue({ id: 'j', kind: 'generate', key: 'j', payload: {} });
        const crashed = await store.jobs.claim('dead-worker', 40);
        expect(crashed).toMatchObject({ id: 'j', attempts: 1 });
        expect(await store.jobs.claim('w2', 60_000)).toBeUndefined();
        await sleep(60);
        const retaken = await store.jobs.claim('w2', 60_000);
        expect(retaken).toMatchObject({ id: 'j', status: 'running', lockedBy: 'w2', attempts: 2 });
        expect(await store.jobs.claim('w3', 60_000)).toBeUndefined();
        // A job that finished is never reclaimed, whatever its old lease said.
        await store.jobs.enqueue({ id: 'k', kind: 'generate', key: 'k', payload: {} });
        await store.jobs.claim('w4', -1000);
        expect(await store.jobs.complete('k', 'w4', 'ok')).toBe(true);
        expect(await store.jobs.claim('w5', 60_000)).toBeUndefined();
      });

      it('never hands the same job to two concurrent claimers', async () => {
        const other = backend.reopen ? await backend.reopen() : store;
        try {
          for (let i = 0; i < 20; i++) {
            await store.jobs.enqueue({
              id: `c${String(i).padStart(2, '0')}`,
              kind: 'generate',
              key: `c${i}`,
              payload: {},
            });
          }
          const claims = await Promise.all(
            Array.from({ length: 30 }, (_, i) => (i % 2 ? store : other).jobs.claim(`w${i}`, 60_000)),
          );
          const ids = claims.filter((j) => j !== undefined).map((j) => j.id);
          expect(ids).toHaveLength(20);
          expect(new Set(ids).size).toBe(20);
          const running = await store.jobs.list({ status: 'running' });
          expect(running).toHaveLength(20);
          expect(running.every((j) => j.attempts === 1)).toBe(true);
        } finally {
          if (other !== store) await other.close();
        }
      });
    });

    describe('rollout compare-and-set', () => {
      it('replaces only while the stored rollout is unchanged', async () => {
        const first = rollout({ stage: 'canary', percentage: 100, updatedAt: at(1) });
        await store.rollouts.save(first);
        const promoted = { ...first, stage: 'beta' as const, percentage: 1000, updatedAt: at(2) };
        // Same instant in another form counts as unchanged.
        expect(await store.rollouts.replaceIf(promoted, '2026-01-01T01:00:01+01:00')).toBe(true);
        expect(await store.rollouts.get('cap-a')).toEqual(promoted);
        // A second judge that read the old row loses.
        const stale = { ...first, stage: 'rolled_back' as const, percentage: 0, updatedAt: at(3) };
        expect(await store.rollouts.replaceIf(stale, at(1))).toBe(false);
        expect(await store.rollouts.get('cap-a')).toEqual(promoted);
        expect(await store.rollouts.replaceIf(rollout({ capabilityId: 'nope' }), at(0))).toBe(false);
        expect(await store.rollouts.get('nope')).toBeUndefined();
        const paused = {
          ...promoted,
          stage: 'paused' as const,
          pausedFrom: 'beta' as const,
          updatedAt: at(4),
        };
        expect(await store.rollouts.replaceIf(paused, at(2))).toBe(true);
        expect(await store.rollouts.get('cap-a')).toEqual(paused);
      });
    });

    describe('rollout metrics', () => {
      const key = { capabilityId: 'cap-a', version: 2, stage: 'canary', windowStart: at(10) };

      it('adds counters per window, merging repeats and skipping zeros', async () => {
        await store.rolloutMetrics.add([
          { ...key, counts: { requests: 3, ok: 2, 'error:timeout': 1, 'latency:4': 3, zero: 0 } },
          { ...key, counts: { requests: 1, ok: 1 } },
          { ...key, stage: 'stable', version: 1, counts: { requests: 5, ok: 5 } },
          { ...key, windowStart: at(20), stage: 'beta', counts: { requests: 7 } },
          { ...key, capabilityId: 'cap-b', counts: { requests: 1 } },
        ]);
        await store.rolloutMetrics.add([{ ...key, counts: { requests: 10, 'feedback:positive': 1 } }]);
        expect(await store.rolloutMetrics.list({ capabilityId: 'cap-a' })).toEqual([
          { ...key, version: 1, stage: 'stable', counts: { ok: 5, requests: 5 } },
          {
            ...key,
            counts: { 'error:timeout': 1, 'feedback:positive': 1, 'latency:4': 3, ok: 3, requests: 14 },
          },
          { ...key, windowStart: at(20), stage: 'beta', counts: { requests: 7 } },
        ]);
        const one = await store.rolloutMetrics.list({
          capabilityId: 'cap-a',
          version: 2,
          stage: 'canary',
          windowStart: '2026-01-01T01:00:10+01:00',
        });
        expect(one.map((w) => w.counts.requests)).toEqual([14]);
        expect(await store.rolloutMetrics.list({ capabilityId: 'cap-a', version: 3 })).toEqual([]);
      });

      it('refuses negative or fractional increments, long names and bad windows, keeping nothing', async () => {
        const bad: Array<Record<string, number>> = [
          { requests: -1 },
          { requests: 1.5 },
          { ['x'.repeat(101)]: 1 },
          { '': 1 },
        ];
        for (const counts of bad) {
          await expect(
            store.rolloutMetrics.add([
              { ...key, counts: { ok: 1 } },
              { ...key, counts },
            ]),
          ).rejects.toMatchObject({ code: 'E_INPUT_INVALID' });
        }
        await expect(
          store.rolloutMetrics.add([{ ...key, windowStart: 'yesterday', counts: { ok: 1 } }]),
        ).rejects.toMatchObject({ code: 'E_INPUT_INVALID' });
        expect(await store.rolloutMetrics.list({ capabilityId: 'cap-a' })).toEqual([]);
      });

      it('adds a batch id once: a flush retried after a lost acknowledgement is not counted twice', async () => {
        const batch = [{ ...key, counts: { requests: 3, ok: 3 } }];
        expect(await store.rolloutMetrics.add(batch, { batchId: 'mb_1' })).toBe(true);
        expect(await store.rolloutMetrics.add(batch, { batchId: 'mb_1' })).toBe(false);
        expect(await store.rolloutMetrics.add(batch, { batchId: 'mb_2' })).toBe(true);
        expect(await store.rolloutMetrics.add(batch)).toBe(true);
        expect((await store.rolloutMetrics.list({ capabilityId: 'cap-a' }))[0]!.counts).toEqual({
          ok: 9,
          requests: 9,
        });
        // A refused batch keeps neither its counters nor its id: the corrected retry is added.
        await expect(
          store.rolloutMetrics.add([{ ...key, counts: { requests: -1 } }], { batchId: 'mb_3' }),
        ).rejects.toMatchObject({ code: 'E_INPUT_INVALID' });
        expect(await store.rolloutMetrics.add(batch, { batchId: 'mb_3' })).toBe(true);
      });

      it('keeps counts beyond 32 bits', async () => {
        await store.rolloutMetrics.add([{ ...key, counts: { requests: 2 ** 32 } }]);
        await store.rolloutMetrics.add([{ ...key, counts: { requests: 2 ** 32 } }]);
        expect((await store.rolloutMetrics.list({ capabilityId: 'cap-a' }))[0]!.counts.requests).toBe(
          2 ** 33,
        );
      });

      it.skipIf(!backend.reopen)('sums concurrent flushes from several nodes exactly', async () => {
        const nodes = [store, await backend.reopen!(), await backend.reopen!()];
        try {
          await Promise.all(
            nodes.flatMap((node, n) =>
              Array.from({ length: 10 }, (_, i) =>
                node.rolloutMetrics.add([
                  { ...key, counts: { requests: 1 + n, ok: 1, [`latency:${i % 3}`]: 1 } },
                  { ...key, stage: 'stable', counts: { requests: 1 } },
                ]),
              ),
            ),
          );
        } finally {
          await Promise.all(nodes.slice(1).map((n) => n.close()));
        }
        const windows = await store.rolloutMetrics.list({ capabilityId: 'cap-a' });
        const canary = windows.find((w) => w.stage === 'canary');
        const stable = windows.find((w) => w.stage === 'stable');
        expect(canary!.counts).toEqual({
          requests: 60,
          ok: 30,
          'latency:0': 12,
          'latency:1': 9,
          'latency:2': 9,
        });
        expect(stable!.counts).toEqual({ requests: 30 });
      });
    });

    describe('served requests', () => {
      const served = (requestId: string, seconds: number) => ({
        requestId,
        capabilityId: 'cap-a',
        version: 2,
        stage: 'canary',
        windowStart: at(0),
        userId: 'ana',
        at: at(seconds),
      });

      it('finds the version that served a request, and takes its feedback once', async () => {
        await store.servedRequests.record([served('req_1', 1), served('req_2', 2)]);
        expect(await store.servedRequests.get('req_1')).toEqual(served('req_1', 1));
        expect(await store.servedRequests.get('nope')).toBeUndefined();
        expect(await store.servedRequests.setFeedback('req_1', 'negative')).toBe(true);
        expect(await store.servedRequests.setFeedback('req_1', 'positive')).toBe(false);
        expect(await store.servedRequests.setFeedback('nope', 'positive')).toBe(false);
        expect(await store.servedRequests.get('req_1')).toEqual({
          ...served('req_1', 1),
          feedback: 'negative',
        });
        expect(await store.servedRequests.get('req_2')).not.toHaveProperty('feedback');
      });

      it('refuses a request id twice, keeping none of the batch', async () => {
        await store.servedRequests.record([served('req_1', 1)]);
        await expect(
          store.servedRequests.record([served('req_3', 3), served('req_1', 1)]),
        ).rejects.toMatchObject({ code: 'E_STATE_CONFLICT' });
        expect(await store.servedRequests.get('req_3')).toBeUndefined();
      });

      it('prunes requests older than a time', async () => {
        await store.servedRequests.record([served('a', 1), served('b', 2), served('c', 3)]);
        expect(await store.servedRequests.prune(at(3))).toBe(2);
        expect(await store.servedRequests.get('b')).toBeUndefined();
        expect(await store.servedRequests.get('c')).toBeDefined();
      });
    });

    describe('rollout policies', () => {
      it('keeps one policy document per capability', async () => {
        await store.rolloutPolicies.save({
          capabilityId: 'z',
          policy: { steps: [2000, 6000], excludeUsers: ['bob'] },
          updatedAt: at(1),
        });
        await store.rolloutPolicies.save({ capabilityId: 'a', policy: {}, updatedAt: at(1) });
        await store.rolloutPolicies.save({ capabilityId: 'z', policy: { flag: false }, updatedAt: at(2) });
        expect(await store.rolloutPolicies.get('z')).toEqual({
          capabilityId: 'z',
          policy: { flag: false },
          updatedAt: at(2),
        });
        expect((await store.rolloutPolicies.list()).map((p) => p.capabilityId)).toEqual(['a', 'z']);
        expect(await store.rolloutPolicies.get('nope')).toBeUndefined();
      });
    });

    describe('demonstrations and kept screens', () => {
      const demo = (id: string, patternId: string, t: number, expect?: Record<string, unknown>) => ({
        id,
        at: at(t),
        userId: 'ana',
        command: 'click the Save button',
        frame: {
          action: 'click' as const,
          target: { kind: 'button' as const, label: 'save' },
          raw: 'click the Save button',
        },
        patternId,
        signature: 'click:button[label]',
        screenRef: 'screen:scr_1',
        actions: [
          { type: 'click' as const, x: 10, y: 20 },
          { type: 'type' as const, text: 'Kasey "K" ✓' },
          { type: 'press' as const, key: 'Enter' },
        ],
        ...(expect ? { expect } : {}),
      });
      it('round-trips demonstrations per pattern, oldest first, and refuses a duplicate id', async () => {
        await store.demonstrations.add(demo('d2', 'p1', 2, { count: 3 }));
        await store.demonstrations.add(demo('d1', 'p1', 1));
        await store.demonstrations.add(demo('d3', 'p2', 3));
        expect(await store.demonstrations.list({ patternId: 'p1' })).toEqual([
          demo('d1', 'p1', 1),
          demo('d2', 'p1', 2, { count: 3 }),
        ]);
        expect(await store.demonstrations.count({ patternId: 'p1' })).toBe(2);
        expect(await store.demonstrations.count({ patternId: 'nope' })).toBe(0);
        expect((await store.demonstrations.list({ limit: 1 })).map((d) => d.id)).toEqual(['d1']);
        await expect(store.demonstrations.add(demo('d1', 'p9', 9))).rejects.toMatchObject({
          code: 'E_STATE_CONFLICT',
        });
      });
      it('keeps screen bytes exactly, purges only expired ones, and keeps for good what a demonstration uses', async () => {
        const bytes = new Uint8Array([137, 80, 78, 71, 0, 255, 13, 10]);
        await store.screens.put({ id: 's1', at: at(1), expiresAt: at(5), bytes });
        await store.screens.put({ id: 's2', at: at(1), expiresAt: at(5), bytes });
        await store.screens.put({ id: 's3', at: at(1), expiresAt: at(50), bytes });
        await store.screens.put({ id: 's4', at: at(1), bytes });
        expect(await store.screens.get('s1')).toEqual({ id: 's1', at: at(1), expiresAt: at(5), bytes });
        expect(await store.screens.keep('s2')).toBe(true);
        expect(await store.screens.keep('nope')).toBe(false);
        expect(await store.screens.purge(at(10))).toBe(1);
        expect(await store.screens.get('s1')).toBeUndefined();
        expect((await store.screens.get('s2'))?.expiresAt).toBeUndefined();
        expect(await store.screens.get('s3')).toBeDefined();
        expect(await store.screens.get('s4')).toEqual({ id: 's4', at: at(1), bytes });
        await expect(store.screens.put({ id: 's4', at: at(2), bytes })).rejects.toMatchObject({
          code: 'E_STATE_CONFLICT',
        });
        // A view into a larger buffer (a pooled Buffer's bytes) stores only what it shows.
        await store.screens.put({ id: 's5', at: at(1), bytes: bytes.subarray(2, 5) });
        expect((await store.screens.get('s5'))?.bytes).toEqual(new Uint8Array([78, 71, 0]));
        expect(await store.screens.delete('s3')).toBe(true);
        expect(await store.screens.delete('s3')).toBe(false);
        expect(await store.screens.get('s3')).toBeUndefined();
        expect(await store.screens.get('s4')).toBeDefined();
      });
    });

    describe('change feed', () => {
      it.runIf(backend.name === 'sqlite')('has none on SQLite (nodes on one file poll)', () => {
        expect(store.changes).toBeUndefined();
      });

      it.skipIf(backend.name === 'sqlite')(
        'announces rollout, policy and new-job changes made through another connection',
        async () => {
          const other = backend.reopen ? await backend.reopen() : store;
          try {
            const heard: StoreChange[] = [];
            const unsubscribe = await store.changes!.subscribe((c) => heard.push(c));
            const until = async (n: number) => {
              for (let i = 0; i < 200 && heard.length < n; i++) await sleep(5);
            };
            const r = rollout({ capabilityId: 'cap-feed' });
            await other.rollouts.save(r);
            await until(1);
            expect(heard).toEqual([{ table: 'rollouts', key: 'cap-feed' }]);
            await other.rollouts.replaceIf({ ...r, stage: 'canary', updatedAt: at(1) }, r.updatedAt);
            await other.rolloutPolicies.save({ capabilityId: 'cap-feed', policy: {}, updatedAt: at(1) });
            await other.jobs.enqueue({ id: 'feed-job', kind: 'generate', key: 'feed-job', payload: {} });
            // Claims, failures and metrics are not announced: only what other nodes must re-read.
            await other.jobs.claim('w', 60_000);
            await other.failures.record(failure());
            await until(4);
            await sleep(30);
            expect(heard).toEqual([
              { table: 'rollouts', key: 'cap-feed' },
              { table: 'rollouts', key: 'cap-feed' },
              { table: 'rollout_policies', key: 'cap-feed' },
              { table: 'jobs', key: 'feed-job' },
            ]);
            unsubscribe();
            await other.rollouts.save(rollout({ capabilityId: 'after-unsubscribe' }));
            await sleep(30);
            expect(heard).toHaveLength(4);
          } finally {
            if (other !== store) await other.close();
          }
        },
      );
    });

    it('closes idempotently', async () => {
      await store.close();
      await store.close();
    });
  });
}

describe('store URLs', () => {
  it('parses the supported forms', () => {
    expect(parseDbUrl('memory:')).toEqual({ kind: 'memory' });
    expect(parseDbUrl(':memory:')).toEqual({ kind: 'sqlite', path: ':memory:' });
    expect(parseDbUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', path: ':memory:' });
    expect(parseDbUrl('sqlite:./a.db')).toEqual({ kind: 'sqlite', path: './a.db' });
    expect(parseDbUrl('sqlite:/abs/a.db')).toEqual({ kind: 'sqlite', path: '/abs/a.db' });
    expect(parseDbUrl('sqlite:///abs/a.db')).toEqual({ kind: 'sqlite', path: '/abs/a.db' });
    expect(parseDbUrl('./a.db')).toEqual({ kind: 'sqlite', path: './a.db' });
    expect(parseDbUrl('/abs/a.db')).toEqual({ kind: 'sqlite', path: '/abs/a.db' });
    expect(parseDbUrl(DEFAULT_DB_PATH)).toEqual({ kind: 'sqlite', path: '.ironcliw/ironcliw.db' });
    expect(parseDbUrl('C:\\data\\a.db')).toEqual({ kind: 'sqlite', path: 'C:\\data\\a.db' });
    expect(parseDbUrl('postgres://u@h:5432/d')).toEqual({ kind: 'postgres', url: 'postgres://u@h:5432/d' });
    expect(parseDbUrl('postgresql://u:p@h/d?sslmode=disable')).toEqual({
      kind: 'postgres',
      url: 'postgresql://u:p@h/d?sslmode=disable',
    });
    // ?schema= is ours, not the driver's: it comes out of the URL.
    expect(parseDbUrl('postgres://u@h:5432/d?schema=tenant_a&sslmode=disable')).toEqual({
      kind: 'postgres',
      url: 'postgres://u@h:5432/d?sslmode=disable',
      schema: 'tenant_a',
    });
    expect(() => parseDbUrl('postgres://u@h/d?schema=a&schema=b')).toThrow(/more than once/);
  });

  it.each([
    'mysql://x@y/z',
    'http://example',
    'file:./a.db',
    'redis:6379',
    'memory:extra',
    'sqlite://host/a.db',
    '',
    '   ',
    'sqlite:',
    'postgres://',
    'postgres://u@h:notaport/d',
  ])('rejects %j with E_DB_URL_INVALID naming it', async (url) => {
    const err = await openStore(url).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_DB_URL_INVALID' });
    expect((err as Error).message).toContain(JSON.stringify(url.trim()));
  });

  it('never repeats a password in messages', async () => {
    expect(redactUrl('postgres://me:s3cret@h:5432/d?password=s3cret')).toBe(
      'postgres://me:***@h:5432/d?password=***',
    );
    const bad = await openStore('postgres://me:s3cret@:99999/d').catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'E_DB_URL_INVALID' });
    expect((bad as Error).message).not.toContain('s3cret');
    const down = await openStore('postgres://me:s3cret@127.0.0.1:1/none').catch((e: unknown) => e);
    expect(down).toMatchObject({ code: 'E_DB_UNAVAILABLE' });
    expect((down as Error).message).not.toContain('s3cret');
  });

  it('refuses a PostgreSQL schema that is not a plain identifier', async () => {
    await expect(
      openStore('postgres://u@127.0.0.1:1/d', { schema: 'x; drop table y' }),
    ).rejects.toMatchObject({
      code: 'E_DB_URL_INVALID',
    });
    await expect(openStore('postgres://u@127.0.0.1:1/d?schema=Bad%20Name')).rejects.toMatchObject({
      code: 'E_DB_URL_INVALID',
    });
    await expect(openStore('postgres://u@127.0.0.1:1/d?schema=a', { schema: 'b' })).rejects.toMatchObject({
      code: 'E_DB_URL_INVALID',
    });
  });

  it('offers the in-memory store directly too', async () => {
    const store = createMemoryStore();
    expect(store).toBeInstanceOf(MemoryStore);
    await store.failures.record(failure({ id: 'm' }));
    expect(await store.failures.count()).toBe(1);
    await store.close();
    await expect(store.failures.count()).rejects.toMatchObject({ code: 'E_DB_UNAVAILABLE' });
  });
});

describe('opening SQLite', () => {
  it("waits for another connection's write lock without blocking the event loop, within busyTimeoutMs", async () => {
    const file = join(dir, `busy-${newId('f')}.db`);
    const store = await openStore(`sqlite:${file}`, { busyTimeoutMs: 2000 });
    const other = openSqliteConnection(file);
    try {
      // Another writer (as the learner process would be) holds the write lock for 300 ms.
      other.exec('begin immediate');
      const released = new Promise<void>((r) =>
        setTimeout(() => {
          other.exec('commit');
          r();
        }, 300),
      );
      // Meanwhile the event loop keeps turning: a 10 ms tick fires ~30 times. SQLite's own busy wait would
      // sleep the thread and let none of them run until the lock is free.
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 10);
      const started = performance.now();
      await store.failures.record(failure({ id: 'waited' }));
      const waitedMs = performance.now() - started;
      clearInterval(ticker);
      await released;
      expect(waitedMs).toBeGreaterThanOrEqual(250);
      expect(ticks).toBeGreaterThanOrEqual(10);
      expect(await store.failures.get('waited')).toBeDefined();

      // Past the budget the write fails (nothing stored) instead of waiting forever.
      const short = await openStore(`sqlite:${file}`, { busyTimeoutMs: 50 });
      other.exec('begin immediate');
      try {
        await expect(short.failures.record(failure({ id: 'refused' }))).rejects.toThrow(/locked|busy/i);
      } finally {
        other.exec('commit');
        await short.close();
      }
      expect(await store.failures.get('refused')).toBeUndefined();
    } finally {
      other.close();
      await store.close();
    }
  });

  it('opens in memory with sqlite::memory: and :memory:', async () => {
    for (const url of ['sqlite::memory:', ':memory:']) {
      const store = await openStore(url);
      expect(store.dialect).toBe('sqlite');
      await store.failures.record(failure({ id: 'x' }));
      expect(await store.failures.count()).toBe(1);
      await store.close();
    }
  });

  it('uses the built-in node:sqlite where Node has it, better-sqlite3 otherwise', async () => {
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    const builtIn = major > 22 || (major === 22 && minor >= 16);
    if (!process.env['IRONCLIW_SQLITE_DRIVER']) {
      expect(defaultSqliteDriver()).toBe(builtIn ? 'node:sqlite' : 'better-sqlite3');
    }
    const conn = openSqliteConnection(':memory:');
    try {
      conn.exec('create table t (a integer, b text)');
      const insert = conn.prepare('insert into t values (?, ?)');
      expect(insert.reader).toBe(false);
      expect(insert.run([1, 'x']).changes).toBe(1);
      const select = conn.prepare('select a, b from t');
      expect(select.reader).toBe(true);
      expect(select.all([])).toEqual([{ a: 1, b: 'x' }]);
    } finally {
      conn.close();
    }
    if (!builtIn) {
      await expect(openStore(':memory:', { sqliteDriver: 'node:sqlite' })).rejects.toMatchObject({
        code: 'E_DB_UNAVAILABLE',
      });
    }
  });

  it('keeps prepared statements by SQL text: reused, re-prepared after a schema change, bounded', () => {
    const conn = openSqliteConnection(':memory:');
    try {
      conn.exec('create table t (a integer, b text)');
      const insert = 'insert into t values (?, ?)';
      expect(conn.prepare(insert)).toBe(conn.prepare(insert));
      conn.prepare(insert).run([1, 'x']);
      conn.prepare(insert).run([2, 'y']);
      const select = 'select * from t order by a';
      expect(conn.prepare(select).all([])).toEqual([
        { a: 1, b: 'x' },
        { a: 2, b: 'y' },
      ]);
      // A reader left open (iterate) does not hold the kept statement: the same SQL still runs meanwhile.
      const open = conn.prepare(select).iterate([]);
      expect(open.next().value).toEqual({ a: 1, b: 'x' });
      expect(conn.prepare(select).all([])).toHaveLength(2);
      expect([...open]).toEqual([{ a: 2, b: 'y' }]);
      // A kept statement sees the schema as it is now.
      conn.exec('alter table t add column c integer default 7');
      expect(conn.prepare(select).all([])[0]).toEqual({ a: 1, b: 'x', c: 7 });
      // Bounded: the least recently used statement is dropped (prepared again when asked for).
      const first = conn.prepare('select 0 as n');
      for (let i = 1; i <= STATEMENT_CACHE_SIZE; i++) conn.prepare(`select ${i} as n`).all([]);
      expect(conn.prepare('select 0 as n')).not.toBe(first);
      expect(conn.prepare('select 0 as n').all([])).toEqual([{ n: 0 }]);
    } finally {
      conn.close();
    }
  });

  it('creates parent directories and sets WAL, busy timeout and foreign keys', async () => {
    const file = join(dir, 'nested', 'deeper', 'store.db');
    const store = await openStore(`sqlite:${file}`);
    await store.close();
    const raw = openSqliteConnection(file);
    try {
      expect(raw.prepare('pragma journal_mode').all([])).toEqual([{ journal_mode: 'wal' }]);
      const tables = (
        raw.prepare(`select name from sqlite_master where type = 'table' order by name`).all([]) as {
          name: string;
        }[]
      ).map((r) => r.name);
      expect(tables).toEqual(
        expect.arrayContaining([
          'capabilities',
          'events',
          'failures',
          'jobs',
          'patterns',
          'reports',
          'rollouts',
        ]),
      );
      expect(raw.prepare('select count(*) as n from ironcliw_migration').all([])).toEqual([
        { n: MIGRATIONS.length },
      ]);
    } finally {
      raw.close();
    }
  });

  it('keeps data across close and reopen, and migrates only once', async () => {
    const file = join(dir, 'persist.db');
    const a = await openStore(file);
    await a.failures.record(failure({ id: 'keep-me' }));
    await a.capabilities.put(capability('cap-a', 1));
    await a.jobs.enqueue({ id: 'j', kind: 'generate', key: 'j', payload: { n: 1 } });
    await a.close();
    const b = await openStore(file);
    expect((await b.failures.get('keep-me'))?.command).toContain('green circles');
    expect(await b.capabilities.get('cap-a')).toMatchObject(capability('cap-a', 1));
    expect((await b.jobs.get('j'))?.payload).toEqual({ n: 1 });
    await b.close();
    const raw = openSqliteConnection(file);
    expect(raw.prepare('select count(*) as n from ironcliw_migration').all([])).toEqual([
      { n: MIGRATIONS.length },
    ]);
    raw.close();
  });

  it('upgrades a database from before the expectation column, keeping its failures', async () => {
    const file = join(dir, 'before-0004.db');
    const a = await openStore(file);
    await a.close();
    // Back to the schema of the release before 0004: no column, no index, no bookkeeping row (and none of
    // the later migrations: 0005's column on events, 0010's demonstrations and screens, 0011's batch ids).
    const raw = openSqliteConnection(file);
    raw.exec(`drop index failures_capability_at; alter table failures drop column expectation;
      alter table events drop column decided_by; drop table demonstrations; drop table screens;
      drop table rollout_batches;
      delete from ironcliw_migration where name in ('0004_failure_expectation', '0005_decision_by', '0010_demonstrations', '0011_rollout_batches')`);
    const old = failure({
      id: 'taught-old',
      frame: { ...failure().frame, expect: { count: 2 } } as Failure['frame'],
    });
    raw
      .prepare(
        `insert into failures (id, at, user_id, command, frame, category, message, signature)
         values (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run([
        old.id,
        old.at,
        old.userId,
        old.command,
        JSON.stringify(old.frame),
        old.category,
        old.message,
        SIG,
      ]);
    raw.close();
    const b = await openStore(file);
    expect(await b.failures.get('taught-old')).toEqual(old);
    const taught = failure({ id: 'taught-new', expectation: { data: { count: 2 } } });
    await b.failures.record(taught);
    expect(await b.failures.get('taught-new')).toEqual(taught);
    // 0005: who took a person's decision.
    const event = {
      id: 'evt_by',
      at: '2026-03-01T00:00:00.000Z',
      capabilityId: 'cap',
      version: 1,
      kind: 'promote' as const,
      fromStage: 'development' as const,
      toStage: 'canary' as const,
      reason: 'checked',
      numbers: {},
      actor: 'user' as const,
      by: 'ana',
    };
    await b.events.append(event);
    expect(await b.events.list({ capabilityId: 'cap' })).toEqual([event]);
    await b.close();
  });

  it('lets several stores open one fresh file at once', async () => {
    const file = join(dir, 'together.db');
    const stores = await Promise.all([openStore(file), openStore(file), openStore(file)]);
    await stores[0]!.failures.record(failure({ id: 'shared' }));
    expect(await stores[2]!.failures.get('shared')).toBeDefined();
    await Promise.all(stores.map((s) => s.close()));
  });

  it('refuses a file that is not a database and leaves it unchanged', async () => {
    const file = join(dir, 'not-a-db.db');
    writeFileSync(file, 'hello, I am a text file with enough bytes to look like a header '.repeat(20));
    const before = readFileSync(file);
    const err = await openStore(file).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_DB_UNAVAILABLE' });
    expect((err as Error).message).toContain(file);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('refuses another application’s database and leaves it unchanged', async () => {
    const file = join(dir, 'foreign.db');
    const raw = openSqliteConnection(file);
    raw.exec(`create table contacts (name text); insert into contacts values ('ada')`);
    raw.close();
    const before = readFileSync(file);
    await expect(openStore(file)).rejects.toMatchObject({ code: 'E_DB_UNAVAILABLE' });
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('reports a directory that cannot be created, or a path that is a directory', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'x');
    const err = await openStore(join(blocker, 'sub', 'x.db')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_DB_UNAVAILABLE' });
    expect((err as Error).message).toMatch(/directory/);
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    await expect(openStore(folder)).rejects.toMatchObject({ code: 'E_DB_UNAVAILABLE' });
  });
});

describe('opening PostgreSQL', () => {
  it('reports an unreachable server as E_DB_UNAVAILABLE, quickly', async () => {
    const started = Date.now();
    await expect(openStore('postgres://postgres@127.0.0.1:1/none')).rejects.toMatchObject({
      code: 'E_DB_UNAVAILABLE',
    });
    expect(Date.now() - started).toBeLessThan(3500);
  });

  describe.skipIf(!PG)('against a live server', () => {
    it('reports a database that does not exist as E_DB_UNAVAILABLE', async () => {
      const url = new URL(PG!);
      url.pathname = '/ironcliw_no_such_database';
      await expect(openStore(url.toString())).rejects.toMatchObject({ code: 'E_DB_UNAVAILABLE' });
    });

    it('migrates once when several nodes start together, and stores JSON as jsonb', async () => {
      const schema = freshSchema();
      const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(PG!, { schema })));
      await stores[0]!.failures.record(failure({ id: 'seen-by-all' }));
      for (const s of stores) expect(await s.failures.get('seen-by-all')).toBeDefined();
      await Promise.all(stores.map((s) => s.close()));

      const client = new pg.Client({ connectionString: PG });
      await client.connect();
      try {
        const migrations = await client.query(`select name from ${schema}.ironcliw_migration`);
        expect(migrations.rows.map((r: { name: string }) => r.name)).toEqual(MIGRATIONS);
        const types = await client.query(
          `select column_name, data_type from information_schema.columns
           where table_schema = $1 and table_name = 'jobs' and column_name in ('payload', 'result')`,
          [schema],
        );
        expect(types.rows.map((r: { data_type: string }) => r.data_type)).toEqual(['jsonb', 'jsonb']);
      } finally {
        await client.end();
      }
    });

    it('keeps schemas apart', async () => {
      const a = await openStore(PG!, { schema: freshSchema() });
      const b = await openStore(PG!, { schema: freshSchema() });
      await a.failures.record(failure({ id: 'only-in-a' }));
      expect(await b.failures.get('only-in-a')).toBeUndefined();
      // Changes are announced on one channel for the whole database; each store hears its own schema only.
      const heard: StoreChange[] = [];
      await b.changes!.subscribe((c) => heard.push(c));
      await a.rollouts.save(rollout({ capabilityId: 'in-a' }));
      await sleep(50);
      expect(heard).toEqual([]);
      await a.close();
      await b.close();
    });

    it('takes the schema from the URL (?schema=)', async () => {
      const schema = freshSchema();
      const sep = PG!.includes('?') ? '&' : '?';
      const viaUrl = await openStore(`${PG}${sep}schema=${schema}`);
      const viaOption = await openStore(PG!, { schema });
      try {
        await viaUrl.failures.record(failure({ id: 'via-url' }));
        expect(await viaOption.failures.get('via-url')).toBeDefined();
      } finally {
        await viaUrl.close();
        await viaOption.close();
      }
    });

    it('delivers changes in well under a second, and keeps listening after its connection is cut', async () => {
      const schema = freshSchema();
      const writer = await openStore(PG!, { schema });
      const reader = await openStore(PG!, { schema });
      const admin = new pg.Client({ connectionString: PG });
      await admin.connect();
      try {
        const arrivals = new Map<string, number>();
        const heard: StoreChange[] = [];
        await reader.changes!.subscribe((c) => {
          heard.push(c);
          if (c.key) arrivals.set(c.key, performance.now());
        });
        const waitFor = async (pred: () => boolean, ms = 3000) => {
          const end = Date.now() + ms;
          while (!pred() && Date.now() < end) await sleep(2);
          return pred();
        };
        // Commit → listener, measured 30 times.
        const lags: number[] = [];
        for (let i = 0; i < 30; i++) {
          const key = `lag-${i}`;
          const t0 = performance.now();
          await writer.rollouts.save(rollout({ capabilityId: key }));
          expect(await waitFor(() => arrivals.has(key))).toBe(true);
          lags.push(arrivals.get(key)! - t0);
        }
        lags.sort((x, y) => x - y);
        const p50 = lags[15]!;
        const max = lags.at(-1)!;
        console.log(
          `store change propagation (PostgreSQL NOTIFY): p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms`,
        );
        // The contract (a rollout change reaches every node within 1 s), not a speed target.
        expect(max).toBeLessThan(1000);

        // Cut the listening connection: the feed reconnects, says '*' (changes may have been missed) and
        // delivers again.
        const killed = await admin.query(
          `select pg_terminate_backend(pid) from pg_stat_activity
           where application_name = $1 and pid <> pg_backend_pid()`,
          [`ironcliw-listen:${schema}`],
        );
        expect(killed.rowCount).toBeGreaterThan(0);
        expect(await waitFor(() => heard.some((c) => c.table === '*'))).toBe(true);
        await writer.rollouts.save(rollout({ capabilityId: 'after-reconnect' }));
        expect(await waitFor(() => arrivals.has('after-reconnect'))).toBe(true);
      } finally {
        await admin.end();
        await writer.close();
        await reader.close();
      }
    });

    it('reports a database outage as E_DB_UNAVAILABLE and recovers without reopening', async () => {
      // A relay between the store and PostgreSQL, cut and restored: what a node sees when the database
      // goes away and comes back (the real server keeps running for the other tests).
      const target = new URL(PG!);
      const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
      const schema = freshSchema();
      const store = await openStore(proxy.rewrite(PG!), { schema, connectTimeoutMs: 1000 });
      const direct = await openStore(PG!, { schema });
      const heard: StoreChange[] = [];
      try {
        await store.changes!.subscribe((c) => heard.push(c));
        await store.failures.record(failure({ id: 'before' }));

        await proxy.cut();
        const refusals = await Promise.all([
          store.failures.record(failure({ id: 'during' })).catch((e: unknown) => e),
          store.rollouts.list().catch((e: unknown) => e),
          store.transaction((tx) => tx.failures.record(failure({ id: 'in-tx' }))).catch((e: unknown) => e),
          store.jobs.claim('w', 1000).catch((e: unknown) => e),
        ]);
        for (const err of refusals) {
          expect(err).toMatchObject({ code: 'E_DB_UNAVAILABLE', status: 503 });
          // The message says why without naming the server's address.
          expect((err as Error).message).toMatch(/^the database is unreachable \(/);
          expect((err as Error).message).not.toContain(String(proxy.port));
        }
        // Other errors keep their own codes: a duplicate is still a conflict once the store is back.
        await proxy.restore();
        const back = Date.now();
        // The pool's dropped connections are replaced; nothing needs reopening.
        expect(await store.failures.get('before')).toBeDefined();
        console.log(`store usable again ${Date.now() - back} ms after the database came back`);
        await expect(store.failures.record(failure({ id: 'before' }))).rejects.toMatchObject({
          code: 'E_STATE_CONFLICT',
        });
        expect(await direct.failures.get('during')).toBeUndefined();
        expect(await direct.failures.get('in-tx')).toBeUndefined();
        // The listener reconnected (with backoff) and said '*'; changes reach it again.
        const end = Date.now() + 8000;
        while (!heard.some((c) => c.table === '*') && Date.now() < end) await sleep(20);
        expect(heard.some((c) => c.table === '*')).toBe(true);
        await direct.rollouts.save(rollout({ capabilityId: 'after-outage' }));
        while (!heard.some((c) => c.key === 'after-outage') && Date.now() < end) await sleep(5);
        expect(heard.some((c) => c.key === 'after-outage')).toBe(true);
      } finally {
        await store.close();
        await direct.close();
        await proxy.close();
      }
    });
  });
});
