import { afterAll, describe, expect, it } from 'vitest';
import type { DecisionEvent, Rollout } from '../domain/index.js';
import { newId } from '../domain/index.js';
import type { Store } from '../store/index.js';
import { createMemoryStore, openStore } from '../store/index.js';
import { bucketOf, createRolloutEngine } from './index.js';
import { testStorePlaces } from '../../test/support/test-stores.js';

/**
 * Issue 16 item 1 and issue 15 item 4: verification conditions and a person's rollback bind the rollout
 * engine. Each case fails on the engine before the gate existed (conditions were never read).
 */
const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const CAP = 'click-export';

const places = testStorePlaces('gate');
afterAll(() => places.cleanup());

const backends = [
  { name: 'memory', skip: false, open: async (): Promise<Store> => createMemoryStore() },
  { name: 'SQLite', skip: false, open: () => openStore(places.sqliteFile()) },
  { name: 'PostgreSQL', skip: !places.pg, open: () => openStore(places.pg!, { schema: places.pgSchema() }) },
];

/** Users outside the internal group whose bucket a 1% canary admits. */
const canaryUsers = (key: string) =>
  Array.from({ length: 20_000 }, (_, i) => `u${i}`).filter((u) => bucketOf(key, u) < 100);

async function register(
  store: Store,
  version: number,
  report: Record<string, unknown> | undefined,
  at: number,
): Promise<Rollout> {
  if (report)
    await store.reports.add({
      id: newId('rep'),
      capabilityId: CAP,
      version,
      kind: 'verification',
      at: iso(at),
      report,
    });
  await store.events.append({
    id: newId('evt'),
    at: iso(at),
    capabilityId: CAP,
    version,
    kind: 'register',
    toStage: 'development',
    reason: 'registered',
    numbers: {},
    actor: 'system',
  });
  const rollout: Rollout = {
    id: newId('rol'),
    capabilityId: CAP,
    version,
    stage: 'development',
    percentage: 0,
    rolloutKey: `${CAP}:v${version}`,
    stageEnteredAt: iso(at),
    updatedAt: iso(at),
  };
  await store.rollouts.save(rollout);
  return rollout;
}

const kinds = (events: DecisionEvent[]) => events.map((e) => `${e.kind}:v${e.version}:${e.actor}`);

describe.each(backends)('the rollout gate on the $name store', ({ skip, open }) => {
  it.skipIf(skip)(
    'holds a conditional import in development, serves only the internal group, and a person lifts it',
    async () => {
      const store = await open();
      let now = T0;
      try {
        // What verification stores for signed imported code that acts on the screen.
        await register(
          store,
          1,
          {
            decision: 'conditional',
            conditions: ['limited-group:internal', 'manual-promotion'],
            checks: [],
          },
          T0,
        );
        const engine = await createRolloutEngine({ store, now: () => now });
        // Anyone a canary (or a target group) would admit is refused while the group limit holds.
        await engine.setPolicy(CAP, { users: ['vip'], groups: ['partners'] });
        now += 2000;
        const [first] = await engine.evaluate();
        expect(first).toMatchObject({ stage: 'development', verdict: { status: 'pass', action: 'none' } });
        expect(first!.event).toMatchObject({ kind: 'hold', actor: 'system', fromStage: 'development' });
        expect(first!.event!.reason).toContain('automatic promotion development → canary refused');
        expect(first!.event!.reason).toContain('manual-promotion');
        now += 5000;
        await engine.evaluate();
        // Another node judging the same window finds the hold stored (its id is the window's).
        const other = await createRolloutEngine({ store, now: () => now });
        expect((await other.evaluate())[0]!.event).toBeUndefined();
        await other.close();
        expect(engine.get(CAP)?.stage).toBe('development');
        // One hold per stage window, not one per evaluation.
        expect(kinds(await store.events.list({ capabilityId: CAP }))).toEqual([
          'register:v1:system',
          'hold:v1:system',
        ]);
        // The engine's own automatic path cannot promote it either.
        await expect(engine.promote(CAP, { actor: 'system' })).rejects.toMatchObject({
          code: 'E_STATE_CONFLICT',
        });
        expect(engine.assign(CAP, { user: 'vip' })).toMatchObject({ variant: 'stable' });
        expect(engine.assign(CAP, { user: 'p1', groups: ['partners'] })).toMatchObject({
          variant: 'stable',
          reason: 'limited_group',
        });
        expect(engine.assign(CAP, { user: 'i1', groups: ['internal'] })).toMatchObject({
          variant: 'canary',
          version: 1,
        });
        const status = await engine.status(CAP);
        expect(status.gate).toMatchObject({
          manualPromotion: true,
          limitedGroup: 'internal',
          verification: 'conditional',
        });
        expect(status.gate.needsPerson).toContain('a person must promote v1');

        // A person promotes: recorded with who and why, and the group limit is lifted.
        now += 1000;
        const promoted = await engine.promote(CAP, { by: 'alice', reason: 'reviewed the export code' });
        expect(promoted).toMatchObject({
          kind: 'promote',
          fromStage: 'development',
          toStage: 'canary',
          actor: 'user',
          by: 'alice',
        });
        expect(promoted.reason).toContain('reviewed the export code');
        expect(promoted.reason).toContain('limited-group:internal');
        const stored = (await store.events.list({ capabilityId: CAP })).find((e) => e.kind === 'promote');
        expect(stored).toMatchObject({ by: 'alice', actor: 'user' });
        const users = canaryUsers(`${CAP}:v1`).slice(0, 20);
        expect(users.length).toBe(20);
        for (const user of users) expect(engine.assign(CAP, { user })).toMatchObject({ variant: 'canary' });
        expect(engine.assign(CAP, { user: 'vip' })).toMatchObject({ variant: 'canary' });
        // manual-promotion binds every promotion: a healthy canary window is held, not promoted.
        for (let i = 0; i < 250; i++)
          engine.recordOutcome({ capabilityId: CAP, version: 1, ok: true, latencyMs: 2 });
        now += 3 * 3600_000;
        const [later] = await engine.evaluate();
        expect(later!.event).toMatchObject({ kind: 'hold', fromStage: 'canary' });
        expect(engine.get(CAP)?.stage).toBe('canary');
        await engine.close();
      } finally {
        await store.close();
      }
    },
  );

  it.skipIf(skip)(
    'keeps a candidate whose production verification failed benchmark-latency out of canary',
    async () => {
      const store = await open();
      const now = T0 + 1000;
      try {
        await register(
          store,
          1,
          {
            decision: 'conditional',
            level: 'production',
            conditions: ['manual-promotion', 'max-stage:canary'],
            checks: [{ name: 'benchmark-latency', passed: false, detail: 'p99 240 ms > 100 ms' }],
          },
          T0,
        );
        const engine = await createRolloutEngine({ store, now: () => now });
        const [e] = await engine.evaluate();
        expect(e!.event).toMatchObject({ kind: 'hold' });
        expect(engine.get(CAP)?.stage).toBe('development');
        for (const user of canaryUsers(`${CAP}:v1`).slice(0, 10))
          expect(engine.assign(CAP, { user })).toMatchObject({ variant: 'stable' });
        await engine.close();
      } finally {
        await store.close();
      }
    },
  );

  it.skipIf(skip)(
    'a version replacing one a person rolled back waits for a person; after a system rollback it does not',
    async () => {
      const store = await open();
      let now = T0;
      try {
        const approve = { decision: 'approve', conditions: [], checks: [] };
        await register(store, 1, approve, now);
        const engine = await createRolloutEngine({ store, now: () => now });
        now += 1000;
        await engine.evaluate(); // approved: development → canary at once
        expect(engine.get(CAP)?.stage).toBe('canary');
        now += 1000;
        await engine.rollback(CAP, { by: 'bob', reason: 'wrong files exported' });
        // Evolution registers v2 (approved by verification).
        now += 1000;
        await register(store, 2, approve, now);
        await engine.refresh();
        now += 1000;
        const [e] = await engine.evaluate();
        expect(e).toMatchObject({ version: 2, stage: 'development' });
        expect(e!.event).toMatchObject({ kind: 'hold', version: 2 });
        expect(e!.event!.reason).toContain('v1');
        expect(e!.event!.reason).toContain('bob');
        expect(engine.get(CAP)).toMatchObject({ version: 2, stage: 'development' });
        const status = await engine.status(CAP);
        expect(status.gate.replacesHumanRollback).toMatchObject({ version: 1, by: 'bob' });
        expect(status.gate.needsPerson).toContain('rolled back');
        for (const user of canaryUsers(`${CAP}:v2`).slice(0, 10))
          expect(engine.assign(CAP, { user })).toMatchObject({ variant: 'stable' });
        expect(engine.assign(CAP, { user: 'i', groups: ['internal'] })).toMatchObject({ version: 2 });

        // A person promotes v2; from then on the engine moves it as any approved version.
        now += 1000;
        const promoted = await engine.promote(CAP, { by: 'carol', reason: 'v2 fixes the export' });
        expect(promoted).toMatchObject({ toStage: 'canary', by: 'carol' });
        expect((await engine.status(CAP)).gate.needsPerson).toBeUndefined();
        for (let i = 0; i < 250; i++)
          engine.recordOutcome({ capabilityId: CAP, version: 2, ok: true, latencyMs: 2 });
        now += 3600_000;
        const [moved] = await engine.evaluate();
        expect(moved!.event).toMatchObject({ kind: 'promote', actor: 'system', toStage: 'beta' });

        // A system rollback (bad numbers) is no person's decision: v3 moves on by itself.
        now += 1000;
        await engine.rollback(CAP, { actor: 'system', reason: 'errors 9% > 5%' });
        now += 1000;
        await register(store, 3, approve, now);
        await engine.refresh();
        now += 1000;
        const [third] = await engine.evaluate();
        expect(third!.event).toMatchObject({ kind: 'promote', version: 3, toStage: 'canary' });
        await engine.close();
      } finally {
        await store.close();
      }
    },
  );
});
