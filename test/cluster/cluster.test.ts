import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/domain/index.js';
import type { Store } from '../../src/store/index.js';
import { openStore } from '../../src/store/index.js';
import type { NodeHandle } from './harness.js';
import { command, post, screenWith, startNode, waitFor } from './harness.js';

/**
 * Three real `ironcliw serve` processes on one PostgreSQL schema (IRONCLIW_TEST_PG; skipped without it).
 * Their refresh timer is set to 60 s, so a rollout change that reaches them within a second can only have
 * come by LISTEN/NOTIFY.
 */
const PG = process.env.IRONCLIW_TEST_PG;
const schema = `ironcliw_cluster_${newId('s').slice(2, 14).toLowerCase()}`;
const CAPABILITY = 'count-shapes-by-color-shape-in-region';
const COMMAND = 'count the green circles on the toolbar';

let nodes: NodeHandle[] = [];
let store: Store;
let screen: string;

describe.skipIf(!PG)('three nodes on one PostgreSQL', () => {
  beforeAll(async () => {
    const db = `${PG}${PG!.includes('?') ? '&' : '?'}schema=${schema}`;
    screen = await screenWith({ color: 'green', shape: 'circle', region: 'toolbar', count: 2, seed: 11 });
    // Started together: the migration runs once, under the advisory lock.
    nodes = await Promise.all(
      [0, 1, 2].map(() =>
        startNode({
          db,
          config: {
            server: { logLevel: 'warn', rateLimitPerMinute: 0 },
            // Each node learns inline: three nodes (not three plus three learners) on the 2-core CI machine.
            pipeline: { verificationLevel: 'comprehensive', learner: 'inline' },
            rollout: { refreshIntervalMs: 60_000, evaluateIntervalMs: 60_000 },
          },
        }),
      ),
    );
    store = await openStore(db);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await store?.close();
    const admin = new pg.Client({ connectionString: PG });
    await admin.connect();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  });

  it('generates one capability version however many nodes see the failures', async () => {
    // Nine failures of one pattern, three per node, all at once.
    const answers = await Promise.all(
      Array.from({ length: 9 }, (_, i) => command(nodes[i % 3]!, COMMAND, `user-${i}`, screen)),
    );
    expect(answers.every((a) => !a.ok && a.failure?.category === 'missing_handler')).toBe(true);

    const generated = await waitFor(
      async () => (await store.patterns.list({ status: 'generated' }))[0],
      60_000,
    );
    expect(generated, 'the pattern was generated').toBeDefined();
    // More failures of the same pattern after generation (users outside the canary) start nothing new.
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => command(nodes[i % 3]!, COMMAND, `late-${i}`, screen)),
    );
    await new Promise((r) => setTimeout(r, 1500));

    expect((await store.capabilities.versions(CAPABILITY)).map((m) => m.version)).toEqual([1]);
    const jobs = await store.jobs.list();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ status: 'done', attempts: 1 });
    const events = await store.events.list({ capabilityId: CAPABILITY });
    expect(events.filter((e) => e.kind === 'register')).toHaveLength(1);
    expect(await store.failures.count()).toBe(15);
    const patterns = await store.patterns.list();
    expect(patterns).toHaveLength(1);
    expect(patterns[0]).toMatchObject({ count: 15, status: 'generated', capabilityId: CAPABILITY });
  }, 90_000);

  it('honours a rollback made on one node on the others within a second (LISTEN/NOTIFY)', async () => {
    // Every node serves the new version to the internal group (it reached them by NOTIFY too).
    for (const node of nodes) {
      const served = await waitFor(
        async () => {
          const a = await command(node, COMMAND, 'insider', screen, ['internal']);
          return a.ok && a.capability?.id === CAPABILITY ? a : undefined;
        },
        5000,
        20,
      );
      expect(served, `node ${node.url} serves ${CAPABILITY}`).toBeDefined();
      expect(served!.result!.data.count).toBe(2);
    }

    const [a, ...others] = nodes;
    const sent = performance.now();
    const probes = others.map(async (node) => {
      // Probe continuously; the first answer not served by the rolled-back version marks the switch.
      for (;;) {
        const started = performance.now();
        const r = await command(node, COMMAND, 'insider', screen, ['internal']);
        if (!(r.ok && r.capability?.id === CAPABILITY))
          return { started: started - sent, answered: performance.now() - sent, answer: r };
        if (performance.now() - sent > 10_000) return undefined;
      }
    });
    const rollback = await post(`${a!.url}/v1/rollouts/${CAPABILITY}/rollback`, {
      reason: 'cluster test: rollback on one node',
    });
    const committed = performance.now() - sent;
    expect(rollback.status, JSON.stringify(rollback.json)).toBe(200);
    expect(rollback.json).toMatchObject({ event: { kind: 'rollback' }, rollout: { stage: 'rolled_back' } });
    const seen = await Promise.all(probes);
    for (const s of seen) {
      expect(s, 'the node stopped serving the rolled-back version').toBeDefined();
      // Rolled back with no earlier version: a clean failure, never the withdrawn code.
      expect(s!.answer.ok).toBe(false);
      // The answer that showed the rollback came back less than 1 s after the rollback was committed.
      expect(s!.answered - committed).toBeLessThan(1000);
    }
    console.log(
      `rollback propagation to ${seen.length} other nodes (refresh timer 60 s, so by NOTIFY): ` +
        seen
          .map((s) => `${Math.max(0, s!.answered - committed).toFixed(0)} ms after commit (upper bound)`)
          .join(', '),
    );
  }, 60_000);
});
