import { Unleash } from 'unleash-client';
import type { Rollout } from '../src/domain/index.js';
import { createRolloutEngine } from '../src/rollout/index.js';
import { createMemoryStore } from '../src/store/index.js';
import { parseCommand } from '../src/understanding/index.js';
import type { Figure } from './harness.js';
import { measure } from './harness.js';
import { syntheticRegistry } from './routing-bench.js';

const N = 1000;
const USERS = 5000;

/** 1,000 rollouts across the stages, the same shape as `syntheticRegistry`'s. */
function rollouts(): Rollout[] {
  const stages: Rollout['stage'][] = ['canary', 'beta', 'gradual', 'production'];
  return Array.from({ length: N }, (_, i) => {
    const stage = stages[i % stages.length]!;
    return {
      id: `r${i}`,
      capabilityId: `cap-${i}`,
      version: 1,
      stage,
      percentage: stage === 'production' ? 10_000 : stage === 'canary' ? 100 : stage === 'beta' ? 1000 : 2500,
      rolloutKey: `cap-${i}:v1`,
      stageEnteredAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
  });
}

/**
 * The same 1,000 rollouts as Unleash toggles with a `flexibleRollout` strategy (sticky on userId, its own
 * MurmurHash3 bucketing into 1..100), loaded from a bootstrap into the SDK's own repository — no server is
 * ever contacted: auto-start is off and only the bootstrap is loaded.
 */
async function unleashFromBootstrap(list: Rollout[]): Promise<Unleash> {
  const unleash = new Unleash({
    appName: 'ironcliw-bench',
    url: 'http://127.0.0.1:9/unused',
    disableAutoStart: true,
    disableMetrics: true,
    refreshInterval: 0,
    skipInstanceCountWarning: true,
    bootstrap: {
      data: list.map((r) => ({
        name: r.capabilityId,
        enabled: true,
        type: 'release',
        project: 'default',
        stale: false,
        impressionData: false,
        strategies: [
          {
            name: 'flexibleRollout',
            parameters: { rollout: String(r.percentage / 100), stickiness: 'userId', groupId: r.rolloutKey },
            constraints: [],
          },
        ],
        variants: [],
      })),
    },
  });
  const repository = (unleash as unknown as { repository: { loadBootstrap(): Promise<void> } }).repository;
  await repository.loadBootstrap();
  return unleash;
}

/**
 * The rollout decision against Unleash, and routing + decision on 1,000 capabilities. The wrapper figure
 * (routing + rollout + outcome recording) is measured on the served path itself: routing-bench.ts.
 */
export async function rolloutFigures(): Promise<Figure[]> {
  const list = rollouts();
  const store = createMemoryStore();
  for (const r of list) await store.rollouts.save(r);
  const engine = await createRolloutEngine({ store });
  const unleash = await unleashFromBootstrap(list);
  try {
    // Sanity: both answer for the same flags (a bench of a no-op would prove nothing).
    const probe = { user: 'user-1' };
    if (
      engine.assign('cap-3', probe)?.variant !== 'canary' ||
      !unleash.isEnabled('cap-3', { userId: 'user-1' })
    )
      throw new Error('bench setup: production flags must be on in both');

    let i = 0;
    const ours = measure(() => {
      engine.assign(`cap-${i % N}`, { user: `user-${i++ % USERS}` });
    }, 300_000);
    let j = 0;
    const theirs = measure(() => {
      unleash.isEnabled(`cap-${j % N}`, { userId: `user-${j++ % USERS}` });
    }, 300_000);

    const registry = syntheticRegistry(N);
    const frame = parseCommand('count the green circles on the toolbar').frame;
    let k = 0;
    const routed = measure(() => {
      const context = { user: `user-${k++ % USERS}` };
      const r = registry.route(frame, context);
      if (r.kind === 'matched') engine.assign(r.capability.manifest.id, context);
    }, 200_000);

    return [
      {
        name: 'rollout decision (assign), 1,000 capabilities (p99)',
        value: ours.p99,
        unit: 'µs',
        budget: { max: theirs.p99, unit: 'µs' },
        peer: { name: 'unleash-client isEnabled (flexibleRollout, bootstrap)', value: theirs.p99 },
        note: `p50 ${ours.p50.toFixed(2)} vs ${theirs.p50.toFixed(2)} µs; budget: ≤ 1× the peer`,
      },
      {
        name: 'routing + rollout decision, 1,000 capabilities (p99)',
        value: routed.p99,
        unit: 'µs',
        budget: { max: 50, unit: 'µs' },
        note: `registry.route + engine.assign; p50 ${routed.p50.toFixed(2)} µs`,
      },
    ];
  } finally {
    unleash.destroy();
    await engine.close();
    await store.close();
  }
}
