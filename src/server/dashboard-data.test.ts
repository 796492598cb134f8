import type { FastifyInstance } from 'fastify';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionEvent, Pattern } from '../domain/index.js';
import type { Ironcliw } from '../ironcliw.js';
import { createIroncliw } from '../ironcliw.js';
import { countScene, renderScene } from '../vision/index.js';
import { failureTimeline, rolloutTimeline } from './dashboard-data.js';
import { buildServer } from './server.js';

const event = (at: string, e: Partial<DecisionEvent>): DecisionEvent => ({
  id: `evt_${at}`,
  at,
  capabilityId: 'cap',
  version: 1,
  kind: 'promote',
  reason: 'r',
  numbers: {},
  actor: 'system',
  ...e,
});

describe('rolloutTimeline', () => {
  const events: DecisionEvent[] = [
    event('2026-01-01T00:00:00.000Z', { kind: 'approve', numbers: { riskScore: 0.1 } }),
    event('2026-01-01T00:00:00.000Z', { kind: 'register', toStage: 'development' }),
    event('2026-01-01T00:00:01.000Z', {
      fromStage: 'development',
      toStage: 'canary',
      numbers: { requests: 0, successRate: -1, p99Ms: -1, fromPercentage: 0, toPercentage: 100 },
    }),
    event('2026-01-01T00:01:00.000Z', {
      fromStage: 'canary',
      toStage: 'beta',
      reason: 'healthy (16 requests)',
      numbers: { requests: 16, successRate: 1, p99Ms: 40, fromPercentage: 100, toPercentage: 1000 },
    }),
    event('2026-01-01T00:02:00.000Z', {
      fromStage: 'beta',
      toStage: 'gradual',
      numbers: { requests: 20, successRate: 0.95, p99Ms: 60, fromPercentage: 1000, toPercentage: 2500 },
    }),
    event('2026-01-01T00:03:00.000Z', {
      kind: 'rollback',
      actor: 'user',
      fromStage: 'gradual',
      toStage: 'rolled_back',
      reason: 'operator',
      numbers: { requests: 3, successRate: 1, p99Ms: -1, fromPercentage: 2500, toPercentage: 0 },
    }),
  ];
  const status = {
    rollout: {
      id: 'rol',
      capabilityId: 'cap',
      version: 1,
      stage: 'rolled_back' as const,
      percentage: 0,
      rolloutKey: 'cap:v1',
      stageEnteredAt: '2026-01-01T00:03:00.000Z',
      updatedAt: '2026-01-01T00:03:00.000Z',
    },
    window: {
      requests: 0,
      ok: 0,
      errors: 0,
      failuresByCategory: {},
      successRate: Number.NaN,
      errorRate: Number.NaN,
      p50Ms: Number.NaN,
      p99Ms: Number.NaN,
      positive: 0,
      negative: 0,
      positiveShare: Number.NaN,
      stage: 'rolled_back' as const,
      windowStart: '2026-01-01T00:03:00.000Z',
    },
  };
  const t = rolloutTimeline(
    status,
    events,
    { minSuccessRate: 0.95, maxP99Ms: 100 },
    new Date('2026-01-01T01:00:00Z'),
  );

  it('gives each decision the share of users served before and after it, in percent', () => {
    expect(t.points.map((p) => [p.kind, p.fromPercent, p.toPercent])).toEqual([
      ['approve', null, null],
      ['register', null, 0],
      ['promote', 0, 1],
      ['promote', 1, 10],
      ['promote', 10, 25],
      ['rollback', 25, 0],
    ]);
  });

  it('lists every stage window with the numbers it was closed on, "no data" as null, and the open one', () => {
    expect(
      t.windows.map((w) => [
        w.stage,
        w.percent,
        w.requests,
        w.successRate,
        w.p99Ms,
        w.open,
        w.closedBy?.kind,
      ]),
    ).toEqual([
      ['development', 0, 0, null, null, false, 'promote'],
      ['canary', 1, 16, 1, 40, false, 'promote'],
      ['beta', 10, 20, 0.95, 60, false, 'promote'],
      ['gradual', 25, 3, 1, null, false, 'rollback'],
      ['rolled_back', 0, 0, null, null, true, undefined],
    ]);
    expect(t.windows[1]).toMatchObject({
      from: '2026-01-01T00:00:01.000Z',
      to: '2026-01-01T00:01:00.000Z',
      closedBy: { kind: 'promote', reason: 'healthy (16 requests)' },
    });
  });
});

describe('failureTimeline', () => {
  it('counts failures per signature into equal buckets ending now, most failures first', () => {
    const now = new Date('2026-01-01T00:10:00.000Z');
    const f = (at: string, signature: string) => ({ at, signature });
    const patterns = [
      { id: 'pat_a', signature: 'a', status: 'generated', capabilityId: 'cap-a' },
    ] as Pattern[];
    const t = failureTimeline(
      [
        f('2026-01-01T00:00:00.000Z', 'a'),
        f('2026-01-01T00:00:30.000Z', 'a'),
        f('2026-01-01T00:09:59.000Z', 'b'),
        f('2026-01-01T00:05:10.000Z', 'a'),
      ],
      patterns,
      { now, buckets: 10, truncated: false },
    );
    expect(t.to).toBe(now.toISOString());
    expect(Date.parse(t.from)).toBeLessThanOrEqual(Date.parse('2026-01-01T00:00:00.000Z'));
    expect(t.bucketMs * 10).toBe(Date.parse(t.to) - Date.parse(t.from));
    expect(t.series.map((s) => [s.signature, s.total, s.patternId, s.capabilityId])).toEqual([
      ['a', 3, 'pat_a', 'cap-a'],
      ['b', 1, null, null],
    ]);
    expect(t.series[0]!.counts).toEqual([2, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(t.series[1]!.counts).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('has one-second buckets at least and no series without failures', () => {
    const now = new Date('2026-01-01T00:00:00.000Z');
    const t = failureTimeline([], [], { now, buckets: 24, truncated: false });
    expect(t.bucketMs).toBe(1000);
    expect(t.series).toEqual([]);
  });
});

// Real learning on a real store, read through the HTTP routes.
describe('dashboard data over HTTP', () => {
  let ironcliw: Ironcliw;
  let app: FastifyInstance;
  let id: string;
  const hostile = '</script><script>globalThis.pwned=1</script> count the $& things <!--';

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ironcliw-dash-data-'));
    const screen = join(dir, 'toolbar.png');
    writeFileSync(
      screen,
      (
        await renderScene(
          countScene({ color: 'green', shape: 'circle', region: 'toolbar', count: 2, seed: 5 }),
        )
      ).png,
    );
    // A busy machine must not turn the benchmark's advisory latency check into a manual promotion.
    ironcliw = await createIroncliw(
      { db: join(dir, 'store.db'), verification: { p99BudgetMs: 60_000 } },
      { startWorkers: false },
    );
    for (const user of ['ana', 'ben', 'cleo'])
      await ironcliw.processCommand(
        'count the green circles on the toolbar',
        { user },
        { screen: { path: screen } },
      );
    await ironcliw.processCommand(hostile, { user: 'mallory' });
    await ironcliw.waitForLearning(120_000);
    id = (await ironcliw.capabilities.list())[0]!.manifest.id;
    app = await buildServer(ironcliw);
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await ironcliw?.close();
  });

  it('never serves the stored -1 of "no data": null in events, verdicts and windows', async () => {
    // development → canary is judged on an empty window; the store keeps -1 for its rates.
    const stored = (await ironcliw.store.events.list({ capabilityId: id })).find(
      (e) => e.toStage === 'canary',
    );
    expect(stored?.numbers['successRate']).toBe(-1);

    const cap = (await app.inject({ url: `/v1/capabilities/${id}` })).json();
    const toCanary = cap.events.find((e: DecisionEvent) => e.toStage === 'canary');
    expect(toCanary.numbers).toMatchObject({
      requests: 0,
      successRate: null,
      p99Ms: null,
      positiveShare: null,
    });
    const status = (await app.inject({ url: `/v1/rollouts/${id}` })).json();
    expect(status.verdict.numbers).toMatchObject({ requests: 0, successRate: null, p99Ms: null });
    expect(status.window).toMatchObject({ requests: 0, successRate: null, p99Ms: null });
    for (const body of [cap, status])
      expect(JSON.stringify(body)).not.toMatch(/"(successRate|errorRate|p50Ms|p99Ms|positiveShare)":-1\b/);
  });

  it("serves the capability's own code beside the stored module", async () => {
    const cap = (await app.inject({ url: `/v1/capabilities/${id}` })).json();
    expect(cap.code).toContain('__ironcliwValidateInput');
    expect(cap.ownCode).toMatch(/^export default async function run\(input, sdk\)/);
    expect(cap.ownCode).not.toContain('__ironcliw');
    expect(cap.ownCode).toContain('sdk.vision.findShapes');
  });

  it('serves the rollout timeline and the failures timeline', async () => {
    const t = (await app.inject({ url: `/v1/rollouts/${id}/timeline` })).json();
    expect(t.points.map((p: { kind: string }) => p.kind)).toEqual(['approve', 'register', 'promote']);
    expect(t.points.at(-1)).toMatchObject({ fromStage: 'development', toStage: 'canary', toPercent: 1 });
    expect(t.windows.map((w: { stage: string; open: boolean }) => [w.stage, w.open])).toEqual([
      ['development', false],
      ['canary', true],
    ]);
    expect(t.thresholds).toEqual({ minSuccessRate: 0.95, maxP99Ms: 100 });
    expect((await app.inject({ url: '/v1/rollouts/nope/timeline' })).json().error.code).toBe('E_NOT_FOUND');

    const f = (await app.inject({ url: '/v1/failures/timeline?buckets=12' })).json();
    expect(f.series.map((s: { total: number }) => s.total).sort()).toEqual([1, 3]);
    expect(f.series.every((s: { counts: number[] }) => s.counts.length === 12)).toBe(true);
    expect((await app.inject({ url: '/v1/failures/timeline?buckets=1000' })).statusCode).toBe(400);
  });

  it('puts the first state in GET / as inert JSON, whatever the stored text holds', async () => {
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    const m = res.body.match(/<script type="application\/json" id="initial-state">(.*?)<\/script>/s);
    expect(m).not.toBeNull();
    // The hostile command is in there, but cannot end the script element or open a comment.
    expect(m![1]).not.toContain('<');
    const state = JSON.parse(m![1]!);
    expect(Object.keys(state).sort()).toEqual(['capabilities', 'failureTimeline', 'failures', 'status']);
    expect(state.failures.failures.map((f: { command: string }) => f.command)).toContain(hostile);
    expect(state.capabilities.capabilities[0].manifest.id).toBe(id);
    expect(res.body.match(/<script/g)).toHaveLength(2); // the state and app.js, nothing injected
  });
});
