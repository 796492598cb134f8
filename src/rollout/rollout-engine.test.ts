import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { describe, expect, it, vi } from 'vitest';
import type { Rollout } from '../domain/index.js';
import { createMemoryStore } from '../store/index.js';
import { bucketOf, createRolloutEngine, IroncliwFlagProvider } from './index.js';

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

async function setup(stage: Rollout['stage'] = 'canary', decision: 'approve' | 'conditional' = 'approve') {
  const store = createMemoryStore();
  let now = T0;
  await store.reports.add({
    id: 'rep1',
    capabilityId: 'cap',
    version: 1,
    kind: 'verification',
    at: iso(T0),
    report: { decision },
  });
  await store.rollouts.save({
    id: 'rol1',
    capabilityId: 'cap',
    version: 1,
    stage,
    percentage: stage === 'canary' ? 100 : 0,
    rolloutKey: 'cap:v1',
    stageEnteredAt: iso(T0),
    updatedAt: iso(T0),
  });
  const engine = await createRolloutEngine({ store, now: () => now });
  return { store, engine, tick: (ms: number) => (now += ms) };
}

describe('manual transitions', () => {
  it('promote, pause, resume and roll back, each an event with reason and numbers', async () => {
    const { store, engine, tick } = await setup();
    for (let i = 0; i < 7; i++)
      engine.recordOutcome({
        capabilityId: 'cap',
        version: 1,
        ok: i > 0,
        category: 'timeout',
        latencyMs: 12,
      });
    tick(1000);
    const promoted = await engine.promote('cap', { reason: 'looks good' });
    expect(promoted).toMatchObject({
      kind: 'promote',
      fromStage: 'canary',
      toStage: 'beta',
      reason: 'looks good',
      actor: 'user',
      numbers: { requests: 7, ok: 6, fail_timeout: 1, fromPercentage: 100, toPercentage: 1000 },
    });
    tick(1000);
    await engine.pause('cap');
    expect(engine.get('cap')).toMatchObject({ stage: 'paused', pausedFrom: 'beta', percentage: 1000 });
    await expect(engine.promote('cap')).rejects.toMatchObject({
      code: 'E_STATE_CONFLICT',
      hint: 'Resume it first.',
    });
    await expect(engine.pause('cap')).rejects.toMatchObject({ code: 'E_STATE_CONFLICT' });
    tick(1000);
    await engine.resume('cap', { reason: 'p99 explained' });
    const resumed = engine.get('cap')!;
    expect(resumed).toMatchObject({ stage: 'beta', percentage: 1000, stageEnteredAt: iso(T0 + 3000) });
    expect(resumed).not.toHaveProperty('pausedFrom');
    await expect(engine.resume('cap')).rejects.toMatchObject({ code: 'E_STATE_CONFLICT' });
    tick(1000);
    await engine.rollback('cap', { reason: 'bad answers reported' });
    expect(engine.get('cap')).toMatchObject({ stage: 'rolled_back', percentage: 0 });
    await expect(engine.rollback('cap')).rejects.toMatchObject({ code: 'E_STATE_CONFLICT' });
    const events = await store.events.list({ capabilityId: 'cap' });
    expect(events.map((e) => `${e.kind}:${e.fromStage}→${e.toStage}`)).toEqual([
      'promote:canary→beta',
      'pause:beta→paused',
      'resume:paused→beta',
      'rollback:beta→rolled_back',
    ]);
    const [incident] = await store.reports.list('cap', 1, 'incident');
    expect(incident!.report).toMatchObject({
      reason: 'bad answers reported',
      routedTo: 'clean failure (no earlier version)',
    });
    await expect(engine.promote('nope')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await engine.close();
  });

  it('refuses to promote past the risk cap unless forced', async () => {
    const { engine } = await setup('canary', 'conditional');
    await expect(engine.promote('cap')).rejects.toMatchObject({ code: 'E_STATE_CONFLICT' });
    expect(engine.get('cap')?.stage).toBe('canary');
    await expect(engine.promote('cap', { force: true })).resolves.toMatchObject({ toStage: 'beta' });
  });

  it('walks the gradual steps of the policy', async () => {
    const { engine, tick } = await setup('canary');
    await engine.setPolicy('cap', { steps: [2000, 9000] });
    const path = [];
    for (let i = 0; i < 4; i++) {
      tick(10);
      const e = await engine.promote('cap');
      path.push(`${e.toStage}@${e.numbers.toPercentage}`);
    }
    expect(path).toEqual(['beta@1000', 'gradual@2000', 'gradual@9000', 'production@10000']);
    await expect(engine.promote('cap')).rejects.toMatchObject({ code: 'E_STATE_CONFLICT' });
  });

  it('counts served outcomes (assign, then recordOutcome as processCommand does), failures by category', async () => {
    const { store, engine } = await setup('canary');
    const user = Array.from({ length: 5000 }, (_, i) => `w${i}`).find((u) => bucketOf('cap:v1', u) < 100)!;
    const a = engine.assign('cap', { user });
    expect(a?.version).toBe(1);
    engine.recordOutcome({
      capabilityId: 'cap',
      version: 1,
      ok: true,
      latencyMs: 1,
      userId: user,
      requestId: 'req_ok',
    });
    engine.recordOutcome({
      capabilityId: 'cap',
      version: 1,
      ok: false,
      category: 'timeout',
      latencyMs: 1,
      userId: user,
      requestId: 'req_bad',
    });
    // Outside the bucket there is no earlier version: nothing is served under the rollout, nothing counted.
    expect(engine.assign('cap', { user: 'anonymous' })?.version).toBe(undefined);
    await engine.flush();
    const [w] = await store.rolloutMetrics.list({ capabilityId: 'cap' });
    expect(w!.counts).toMatchObject({ requests: 2, ok: 1, 'fail:timeout': 1 });
    expect(await store.servedRequests.get('req_bad')).toMatchObject({ version: 1, userId: user });
    expect(await store.servedRequests.get('req_anon')).toBeUndefined();
  });
});

describe('OpenFeature provider', () => {
  it('exposes each capability as a flag with variant, reason and rollout metadata', async () => {
    const { engine, tick } = await setup('canary');
    await engine.setPolicy('cap', { users: ['vip'] });
    const provider = new IroncliwFlagProvider(engine);
    await OpenFeature.setProviderAndWait('ironcliw-test', provider);
    const client = OpenFeature.getClient('ironcliw-test');
    const inside = Array.from({ length: 5000 }, (_, i) => `f${i}`).find((u) => bucketOf('cap:v1', u) < 100)!;
    const outside = Array.from({ length: 50 }, (_, i) => `f${i}`).find((u) => bucketOf('cap:v1', u) >= 100)!;

    const split = await client.getBooleanDetails('cap', false, { targetingKey: inside });
    expect(split).toMatchObject({
      value: true,
      variant: 'canary',
      reason: 'SPLIT',
      flagMetadata: { stage: 'canary', rolloutId: 'rol1', version: 1, percentage: 100 },
    });
    expect(await client.getBooleanDetails('cap', false, { targetingKey: 'vip' })).toMatchObject({
      value: true,
      reason: 'TARGETING_MATCH',
    });
    expect(
      await client.getBooleanDetails('cap', true, { targetingKey: 'x', groups: ['internal'] }),
    ).toMatchObject({
      value: true,
      reason: 'TARGETING_MATCH',
    });
    expect(await client.getStringDetails('cap', '?', { targetingKey: outside })).toMatchObject({
      value: 'stable',
      variant: 'stable',
      reason: 'DEFAULT',
    });
    expect(await client.getNumberValue('cap', -1, { targetingKey: inside })).toBe(1);
    expect(await client.getNumberValue('cap', -1, { targetingKey: outside })).toBe(-1);
    expect(await client.getBooleanDetails('missing', false, { targetingKey: inside })).toMatchObject({
      value: false,
      errorCode: 'FLAG_NOT_FOUND',
    });

    const changes: unknown[] = [];
    client.addHandler(ProviderEvents.ConfigurationChanged, (e) => changes.push(e));
    tick(1000);
    await engine.rollback('cap', { reason: 'test' });
    // The change event may reach client handlers after the call returns: wait for it, not for a fixed time.
    await vi.waitUntil(() => changes.length > 0, { timeout: 5000, interval: 5 });
    expect(changes).toEqual([
      expect.objectContaining({
        flagsChanged: ['cap'],
        metadata: { stage: 'rolled_back', rolloutId: 'rol1', version: 1 },
      }),
    ]);
    expect(await client.getBooleanDetails('cap', false, { targetingKey: inside })).toMatchObject({
      value: false,
      variant: 'stable',
    });
    await OpenFeature.close();
    await engine.close();
  });
});

describe('timers', () => {
  it('hands every timed evaluation to onEvaluated (where the runtime judges evolution)', async () => {
    const store = createMemoryStore();
    await store.rollouts.save({
      id: 'rol1',
      capabilityId: 'cap',
      version: 1,
      stage: 'canary',
      percentage: 100,
      rolloutKey: 'cap:v1',
      stageEnteredAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    });
    const seen: string[][] = [];
    const engine = await createRolloutEngine({
      store,
      evaluateIntervalMs: 20,
      flushIntervalMs: 1000,
      refreshIntervalMs: 1000,
      onEvaluated: (evaluations) => void seen.push(evaluations.map((e) => e.capabilityId)),
    });
    engine.start();
    await expect.poll(() => seen.length, { timeout: 2000 }).toBeGreaterThanOrEqual(2);
    await engine.close();
    expect(seen[0]).toEqual(['cap']);
    // A hand-made evaluation is not reported to the hook (its caller has the results).
    const after = seen.length;
    await engine.evaluate();
    expect(seen.length).toBe(after);
  });
});

describe('flushing through a flaky connection', () => {
  it('counts every outcome exactly once when a flush commits but its acknowledgement is lost', async () => {
    const { store, engine } = await setup();
    const add = store.rolloutMetrics.add.bind(store.rolloutMetrics);
    let mode: 'ok' | 'lost-ack' | 'down' = 'ok';
    store.rolloutMetrics.add = async (deltas, options) => {
      if (mode === 'down') throw new Error('connection refused');
      const added = await add(deltas, options);
      if (mode === 'lost-ack') throw new Error('connection reset after commit');
      return added;
    };
    const serve = (n: number) => {
      for (let i = 0; i < n; i++)
        engine.recordOutcome({ capabilityId: 'cap', version: 1, ok: true, latencyMs: 3 });
    };
    serve(5);
    mode = 'lost-ack';
    await expect(engine.flush()).rejects.toThrow(/after commit/);
    serve(2);
    mode = 'down';
    await expect(engine.flush()).rejects.toThrow(/refused/);
    serve(1);
    mode = 'ok';
    await engine.flush();
    await engine.flush();
    const windows = await store.rolloutMetrics.list({ capabilityId: 'cap' });
    expect(windows.reduce((n, w) => n + (w.counts.requests ?? 0), 0)).toBe(8);
    expect(windows.reduce((n, w) => n + (w.counts.ok ?? 0), 0)).toBe(8);
  });
});
