import { afterAll, describe, expect, it } from 'vitest';
import type { Capability, DecisionEvent, RolloutStage } from '../domain/index.js';
import { seededRandom } from '../domain/index.js';
import type { Store } from '../store/index.js';
import { createMemoryStore, openStore } from '../store/index.js';
import type { RolloutEngine, ThresholdOverrides } from './index.js';
import { bucketOf, createRolloutEngine } from './index.js';
import { testStorePlaces } from '../../test/support/test-stores.js';

/**
 * Seeded traffic through the real engine and store: users pick at random from a fixed population, the
 * candidate version succeeds or fails and takes time as the scenario says, and the engine judges once per
 * simulated minute on an injected clock.
 */
const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const CAP = 'count-red-circles';
const KEY = `${CAP}:v2`;

const capability = (version: number): Capability => ({
  manifest: {
    id: CAP,
    name: CAP,
    version,
    description: 'counts red circles',
    intents: [{ action: 'count', targetKind: 'shape', slots: [], examples: [] }],
    permissions: ['screen.capture', 'vision.analyze'],
    inputSchema: { type: 'object' },
    outputSchema: { type: 'object' },
    limits: { timeoutMs: 1000, memoryMb: 64 },
    origin: { kind: 'generated', generator: 'test', failureIds: [] },
  },
  code: 'export default async function run() { return { answer: "", data: {} }; }',
});

/** v1 went to production earlier; v2 is registered in development with the given verification decision. */
async function seedStore(store: Store, decision: 'approve' | 'conditional' = 'approve', withV1 = true) {
  const at = new Date(T0).toISOString();
  if (withV1) {
    await store.capabilities.put(capability(1));
    await store.events.append({
      id: 'evt_v1_prod',
      at: new Date(T0 - 86_400_000).toISOString(),
      capabilityId: CAP,
      version: 1,
      kind: 'promote',
      fromStage: 'gradual',
      toStage: 'production',
      reason: 'earlier rollout',
      numbers: {},
      actor: 'system',
    });
  }
  await store.capabilities.put(capability(2));
  await store.reports.add({
    id: `rep_${decision}`,
    capabilityId: CAP,
    version: 2,
    kind: 'verification',
    at,
    report: { level: 'comprehensive', passed: true, decision, riskScore: 0.1, checks: [] },
  });
  await store.rollouts.save({
    id: 'rol_v2',
    capabilityId: CAP,
    version: 2,
    stage: 'development',
    percentage: 0,
    rolloutKey: KEY,
    stageEnteredAt: at,
    updatedAt: at,
  });
}

interface Scenario {
  minutes: number;
  perMinute: number;
  /** Share of candidate requests that fail with `error`. */
  errorRate: number;
  /** Latency of one candidate request (ms). */
  latency: (rng: () => number) => number;
  seed?: number;
  thresholds?: ThresholdOverrides;
}

interface Received {
  user: string;
  stage: RolloutStage;
  internal: boolean;
}

async function simulate(store: Store, s: Scenario, engineOf?: (e: RolloutEngine) => void) {
  let now = T0;
  const engine = await createRolloutEngine({
    store,
    now: () => now,
    ...(s.thresholds ? { thresholds: s.thresholds } : {}),
  });
  engineOf?.(engine);
  const rng = seededRandom(s.seed ?? 42);
  const population = 20_000;
  const received: Received[] = [];
  const stableVersions = new Set<number | undefined>();
  const stagesSeen: RolloutStage[] = [];
  let req = 0;
  try {
    for (let minute = 0; minute < s.minutes; minute++) {
      for (let i = 0; i < s.perMinute; i++) {
        const n = Math.floor(rng() * population);
        const context = { user: `user-${n}`, groups: n % 1000 === 0 ? ['internal'] : [] };
        const a = engine.assign(CAP, context)!;
        const ok = a.variant !== 'canary' || rng() >= s.errorRate;
        const latencyMs = a.variant === 'canary' ? s.latency(rng) : 5 + rng() * 10;
        if (a.variant === 'canary')
          received.push({ user: context.user, stage: a.stage, internal: n % 1000 === 0 });
        else stableVersions.add(a.version);
        if (a.version !== undefined)
          engine.recordOutcome({
            capabilityId: CAP,
            version: a.version,
            userId: context.user,
            // Every 10th request is remembered for feedback (all would only slow the simulation down).
            ...(++req % 10 === 0 ? { requestId: `req_${req}` } : {}),
            ok,
            ...(ok ? {} : { category: 'error' as const }),
            latencyMs,
          });
      }
      now += 60_000;
      await engine.evaluate();
      const stage = engine.get(CAP)!.stage;
      if (stagesSeen.at(-1) !== stage) stagesSeen.push(stage);
    }
    const status = await engine.status(CAP);
    return { engine, received, stableVersions, stagesSeen, status };
  } finally {
    await engine.close();
  }
}

const transitions = (events: DecisionEvent[]) =>
  events
    .filter((e) => e.version === 2)
    .map((e) => `${e.kind}:${e.fromStage}→${e.toStage}@${e.numbers.toPercentage}`);

describe('seeded traffic simulation', () => {
  it('walks a healthy capability from development through canary to production', async () => {
    const store = createMemoryStore();
    await seedStore(store);
    const { status, stagesSeen, stableVersions } = await simulate(store, {
      minutes: 100,
      perMinute: 1000,
      errorRate: 0.005,
      latency: (rng) => 5 + rng() * 25,
      // Shorter dwell than the defaults (30/60/60 min) keeps the test quick; the rules are the same.
      thresholds: { dwellMs: { canary: 20 * 60_000, beta: 15 * 60_000, gradual: 10 * 60_000 } },
    });
    expect(status.rollout.stage).toBe('production');
    expect(transitions(status.events)).toEqual([
      'promote:development→canary@100',
      'promote:canary→beta@1000',
      'promote:beta→gradual@2500',
      'promote:gradual→gradual@5000',
      'promote:gradual→gradual@7500',
      'promote:gradual→production@10000',
    ]);
    // Each reason names the real move, with the share of users of a gradual step (issue 15).
    expect(
      status.events.filter((e) => e.version === 2).map((e) => e.reason.slice(e.reason.lastIndexOf(': ') + 2)),
    ).toEqual([
      'development → canary',
      'canary → beta',
      'beta → gradual 25%',
      'gradual 25% → gradual 50%',
      'gradual 50% → gradual 75%',
      'gradual 75% → production',
    ]);
    expect(stagesSeen).toEqual(['canary', 'beta', 'gradual', 'production']);
    // Each promotion out of canary and later carries the window that justified it.
    for (const e of status.events.slice(1)) {
      expect(e.numbers.requests).toBeGreaterThanOrEqual(e.numbers.minSamples!);
      expect(e.numbers.openForMs).toBeGreaterThanOrEqual(e.numbers.dwellMs!);
      expect(e.numbers.successRate).toBeGreaterThanOrEqual(0.95);
      expect(e.actor).toBe('system');
    }
    expect(stableVersions).toEqual(new Set([1]));
    await store.close();
  });

  it('rolls back a capability with 20% errors while still in canary; nobody outside the canary bucket got it', async () => {
    const store = createMemoryStore();
    await seedStore(store);
    const { status, received, engine } = await simulate(store, {
      minutes: 120,
      perMinute: 1000,
      errorRate: 0.2,
      latency: () => 8,
    });
    expect(status.rollout.stage).toBe('rolled_back');
    const rollback = status.events.find((e) => e.kind === 'rollback')!;
    expect(rollback).toMatchObject({ fromStage: 'canary', toStage: 'rolled_back', actor: 'system' });
    expect(rollback.numbers.errors).toBeGreaterThan(0.05 * 200);
    expect(received.length).toBeGreaterThan(0);
    for (const r of received) {
      expect(['development', 'canary']).toContain(r.stage);
      if (!r.internal) expect(bucketOf(KEY, r.user)).toBeLessThan(100);
    }
    // Back to v1 for everyone, internal users included.
    expect(engine.assign(CAP, { user: received[0]!.user, groups: ['internal'] })).toMatchObject({
      variant: 'stable',
      version: 1,
    });
    const [incident] = await store.reports.list(CAP, 2, 'incident');
    expect(incident!.report).toMatchObject({ stage: 'canary', routedTo: 'version 1' });
    await store.close();
  });

  it('pauses a slow capability for review', async () => {
    const store = createMemoryStore();
    await seedStore(store);
    const { status } = await simulate(store, {
      minutes: 60,
      perMinute: 1000,
      errorRate: 0,
      latency: (rng) => (rng() < 0.05 ? 180 : 20),
    });
    expect(status.rollout).toMatchObject({ stage: 'paused', pausedFrom: 'canary', percentage: 100 });
    const pause = status.events.at(-1)!;
    expect(pause).toMatchObject({ kind: 'pause', fromStage: 'canary' });
    expect(pause.numbers.p99Ms).toBeGreaterThan(100);
    expect(pause.reason).toMatch(/^p99/);
  });

  it('keeps a low-traffic canary inconclusive instead of promoting it', async () => {
    const store = createMemoryStore();
    await seedStore(store);
    const { status } = await simulate(store, {
      minutes: 240,
      perMinute: 30,
      errorRate: 0,
      latency: () => 5,
    });
    expect(status.rollout.stage).toBe('canary');
    expect(status.verdict).toMatchObject({ status: 'inconclusive', action: 'none' });
    expect(status.window.requests).toBeGreaterThan(0);
    expect(status.window.requests).toBeLessThan(200);
    expect(transitions(status.events)).toEqual(['promote:development→canary@100']);
  });

  it('stops a conditionally verified capability at canary', async () => {
    const store = createMemoryStore();
    await seedStore(store, 'conditional');
    const { status } = await simulate(store, {
      minutes: 90,
      perMinute: 1000,
      errorRate: 0,
      latency: () => 5,
    });
    expect(status.rollout.stage).toBe('canary');
    expect(status.riskCap).toEqual({ stage: 'canary', decision: 'conditional' });
    expect(status.verdict?.reason).toContain('held at canary');
  });
});

const places = testStorePlaces('rollout');
afterAll(() => places.cleanup());

/**
 * Two nodes = two stores on one database. On SQLite both connections live in this one thread with a
 * synchronous driver, so their transactions cannot interleave here (in real deployments nodes are
 * processes): the nodes judge one after the other. PostgreSQL judges them truly concurrently.
 */
const nodeBackends = [
  {
    name: 'SQLite',
    skip: false,
    concurrent: false,
    open: () => {
      const file = places.sqliteFile();
      return async () => openStore(file);
    },
  },
  {
    name: 'PostgreSQL',
    skip: !places.pg,
    concurrent: true,
    open: () => {
      const schema = places.pgSchema();
      return async () => openStore(places.pg!, { schema });
    },
  },
];

describe.each(nodeBackends)('several nodes on one $name store', ({ skip, concurrent, open }) => {
  it.skipIf(skip)('adds up both nodes’ numbers and moves the rollout once', async () => {
    const connect = open();
    const a = await connect();
    const b = await connect();
    let now = T0;
    try {
      await seedStore(a);
      const opts = { thresholds: { minSamples: { canary: 100 }, dwellMs: { canary: 0 } }, now: () => now };
      const na = await createRolloutEngine({ store: a, ...opts });
      const nb = await createRolloutEngine({ store: b, ...opts });
      await na.evaluate(); // development → canary
      await nb.refresh();
      expect(nb.get(CAP)?.stage).toBe('canary');
      for (let i = 0; i < 60; i++) {
        for (const [node, tag] of [
          [na, 'a'],
          [nb, 'b'],
        ] as const)
          node.recordOutcome({
            capabilityId: CAP,
            version: 2,
            ok: true,
            latencyMs: 3,
            requestId: `${tag}${i}`,
          });
      }
      now += 1000;
      // Neither node alone has 100 requests; together they do.
      const [ea, eb] = concurrent
        ? await Promise.all([na.evaluate(), nb.evaluate()])
        : [await na.evaluate(), await nb.evaluate()];
      const moved = [...ea, ...eb].filter((e) => e.event);
      expect(moved).toHaveLength(1);
      expect(moved[0]!.event!.numbers.requests).toBe(120);
      const events = await a.events.list({ capabilityId: CAP, limit: 100 });
      expect(events.filter((e) => e.fromStage === 'canary')).toHaveLength(1);
      // Feedback recorded on one node finds the request served by the other.
      const fb = await na.recordFeedback({ requestId: 'b7', positive: false });
      expect(fb).toMatchObject({ capabilityId: CAP, version: 2, stage: 'canary', feedback: 'negative' });
      await expect(nb.recordFeedback({ requestId: 'b7', positive: true })).rejects.toMatchObject({
        code: 'E_STATE_CONFLICT',
      });
      await expect(nb.recordFeedback({ requestId: 'nope', positive: true })).rejects.toMatchObject({
        code: 'E_NOT_FOUND',
      });
      const [w] = await a.rolloutMetrics.list({ capabilityId: CAP, version: 2, stage: 'canary' });
      expect(w!.counts['feedback:negative']).toBe(1);
      expect(w!.counts['feedback:positive']).toBeUndefined();
      await na.close();
      await nb.close();
    } finally {
      await a.close();
      await b.close();
    }
  });
});
