import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/domain/index.js';
import { createRolloutEngine } from '../../src/rollout/index.js';
import type { Store } from '../../src/store/index.js';
import { openStore } from '../../src/store/index.js';
import type { NodeHandle } from './harness.js';
import { command, post, screenWith, startNode, waitFor } from './harness.js';
import type { TcpProxy } from './tcp-proxy.js';
import { startTcpProxy } from './tcp-proxy.js';

/**
 * PostgreSQL goes away under traffic and comes back. A real `ironcliw serve` process reaches the database
 * through a TCP relay the test cuts (every connection destroyed, new ones refused) and restores; the
 * machine's PostgreSQL keeps running for the other tests. The node must keep answering what its cached
 * routing table handles, refuse unhandled commands with a clear 503 (E_DB_UNAVAILABLE) instead of
 * answering a failure it could not store, and recover without a restart: record again, flush the rollout
 * counters it buffered, hear rollout changes again (LISTEN reconnected) and keep learning.
 */
const PG = process.env.IRONCLIW_TEST_PG;
const schema = `ironcliw_outage_${newId('s').slice(2, 14).toLowerCase()}`;
const CAPABILITY = 'count-shapes-by-color-shape-in-region';
const LEARNED = 'count the green circles on the toolbar';
const BUILTIN = 'what can you do';
const UNHANDLED = 'how many blue squares are there';
const LEARNED_AFTER = 'find the red circles';
const OUTAGE_MS = 3000;

let proxy: TcpProxy;
let node: NodeHandle;
let store: Store;
let screen: string;

interface Sent {
  kind: 'builtin' | 'learned' | 'unhandled';
  sentAt: number;
  answeredAt: number;
  status: number;
  json: Record<string, unknown>;
}

describe.skipIf(!PG)('a node through a PostgreSQL outage', () => {
  beforeAll(async () => {
    const sep = PG!.includes('?') ? '&' : '?';
    const target = new URL(PG!);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    screen = await screenWith({ color: 'green', shape: 'circle', region: 'toolbar', count: 2, seed: 11 });
    node = await startNode({
      db: `${proxy.rewrite(PG!)}${sep}schema=${schema}`,
      config: {
        server: { logLevel: 'warn', rateLimitPerMinute: 0 },
        pipeline: { verificationLevel: 'comprehensive' },
        // Refresh timer at 60 s: a rollout change seen within a second after the outage came by NOTIFY,
        // so the listening connection is back. Judging is off; flushing is frequent.
        rollout: { refreshIntervalMs: 60_000, evaluateIntervalMs: 60_000, flushIntervalMs: 200 },
      },
    });
    store = await openStore(`${PG}${sep}schema=${schema}`);
  }, 60_000);

  afterAll(async () => {
    await node?.stop();
    await store?.close();
    await proxy?.close();
    if (!PG) return;
    const admin = new pg.Client({ connectionString: PG });
    await admin.connect();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  });

  it('answers from cached routes, refuses unrecorded failures with 503, and recovers without restart', async () => {
    // 1. Learn a capability while the database is up; it serves the internal group (development stage).
    for (const user of ['ana', 'ben', 'cleo']) {
      const a = await command(node, LEARNED, user, screen);
      expect(a.ok).toBe(false);
    }
    let servedByCapability = 0;
    const learned = await waitFor(
      async () => {
        const a = await command(node, LEARNED, 'insider', screen, ['internal']);
        if (a.ok) servedByCapability++;
        return a.ok && a.capability?.id === CAPABILITY ? a : undefined;
      },
      40_000,
      200,
    );
    expect(learned, `the node learned ${LEARNED}\n${node.stderr()}`).toBeDefined();
    const failuresBefore = await store.failures.count();

    // 2. Traffic: one of each kind at a time, continuously, across cut and restore.
    const sent: Sent[] = [];
    const send = async (kind: Sent['kind']) => {
      const body =
        kind === 'builtin'
          ? { command: BUILTIN, context: { user: 'dora' } }
          : kind === 'learned'
            ? {
                command: LEARNED,
                context: { user: 'insider', groups: ['internal'] },
                screen: { pngBase64: screen },
              }
            : { command: UNHANDLED, context: { user: 'eve' } };
      const sentAt = performance.now();
      // A node that died answers nothing: recorded as status 0, so the assertions below name it.
      const { status, json } = await post(`${node.url}/v1/commands`, body).catch((err: unknown) => ({
        status: 0,
        json: { error: String(err), stderr: node.stderr().slice(-2000) } as Record<string, unknown>,
      }));
      sent.push({ kind, sentAt, answeredAt: performance.now(), status, json });
    };
    let stop = false;
    const traffic = (async () => {
      while (!stop) {
        await Promise.all([send('builtin'), send('learned'), send('unhandled')]);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    // Teach a new command just before the cut: its observation (in the serving process) or its learning
    // job (in the learner process) is cut short, and must be picked up again once the database is back.
    const taught: string[] = [];
    for (const user of ['ana', 'ben', 'cleo']) {
      const a = await command(node, LEARNED_AFTER, user, screen);
      expect(a.ok).toBe(false);
      taught.push(a.failure!.id);
    }
    const probe = async () => {
      const res = await fetch(`${node.url}/healthz`);
      return { status: res.status, json: (await res.json()) as Record<string, any> };
    };
    const beforeCut = await probe();
    await proxy.cut();
    const cutAt = performance.now();
    // A load balancer's probe during the outage: the node says degraded and stays in rotation (200).
    const duringCut = new Promise((r) => setTimeout(r, 300)).then(probe);
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const health = await duringCut;
    const restoreAt = performance.now();
    await proxy.restore();
    // Until an unhandled command is recorded again (the traffic keeps sending them).
    const recoveredAt = await waitFor(
      async () =>
        sent.find((s) => s.kind === 'unhandled' && s.sentAt > restoreAt && s.status === 200)?.answeredAt,
      10_000,
      20,
    );
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await traffic;
    const afterRestore = await probe();
    expect(beforeCut.status).toBe(200);
    expect(beforeCut.json).toMatchObject({
      status: 'ok',
      checks: { store: { ok: true, dialect: 'postgres' } },
    });
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({
      status: 'degraded',
      checks: { store: { ok: false, dialect: 'postgres' }, sandbox: { ok: true } },
    });
    expect(afterRestore.json.status).toBe('ok');
    expect(
      recoveredAt,
      `unhandled commands are recorded again after the outage\n${node.stderr()}`,
    ).toBeDefined();

    // Handled commands: answered all along, from the routing table in memory — never a 5xx.
    const handled = sent.filter((s) => s.kind !== 'unhandled');
    for (const s of handled) {
      expect(s.status, JSON.stringify(s.json)).toBe(200);
      expect(s.json.ok).toBe(true);
    }
    const learnedAnswers = sent.filter((s) => s.kind === 'learned');
    expect(learnedAnswers.every((s) => (s.json.capability as { id: string }).id === CAPABILITY)).toBe(true);
    servedByCapability += learnedAnswers.length;
    const inOutage = (s: Sent) => s.sentAt > cutAt && s.answeredAt < restoreAt;
    expect(handled.filter(inOutage).length).toBeGreaterThan(10);

    // Unhandled commands: a recorded failure (200) or a clear refusal (503 E_DB_UNAVAILABLE), nothing else;
    // in the outage itself, always the refusal.
    const unhandled = sent.filter((s) => s.kind === 'unhandled');
    for (const s of unhandled) expect([200, 503], JSON.stringify(s.json)).toContain(s.status);
    const refused = unhandled.filter((s) => s.status === 503);
    const during = unhandled.filter(inOutage);
    expect(during.length).toBeGreaterThan(3);
    expect(during.every((s) => s.status === 503)).toBe(true);
    for (const s of refused) {
      const error = s.json.error as { code: string; message: string; hint: string };
      expect(error.code).toBe('E_DB_UNAVAILABLE');
      expect(error.message).toMatch(/could not be recorded: the database is unreachable/);
      expect(error.hint).toMatch(/Nothing was stored\. Retry/);
    }
    // Every failure answered to a client is stored; the refused ones are not (unless the database
    // committed an insert whose acknowledgement the cut lost — at most one per connection cut).
    const recorded = unhandled.filter((s) => s.status === 200);
    for (const s of recorded) {
      const id = (s.json.failure as { id: string }).id;
      expect(await store.failures.get(id), `failure ${id} answered before or after the outage`).toBeDefined();
    }
    const failuresAfter = await store.failures.count();
    expect(failuresAfter - failuresBefore - taught.length).toBeGreaterThanOrEqual(recorded.length);
    expect(failuresAfter - failuresBefore - taught.length).toBeLessThanOrEqual(recorded.length + 1);
    console.log(
      `database outage of ${OUTAGE_MS} ms: ${handled.filter(inOutage).length} handled commands answered (200) ` +
        `and ${during.length} unhandled refused (503 E_DB_UNAVAILABLE) during it; ` +
        `failures recorded again ${Math.round(recoveredAt! - restoreAt)} ms after the database came back; ` +
        `GET /healthz during it: ${health.status} ${JSON.stringify(health.json)}`,
    );

    // 3. The rollout counters buffered during the outage were flushed: every answer of the capability
    // counted exactly once (the node flushes every 200 ms; nothing else sends it traffic).
    const requests = await waitFor(async () => {
      const windows = await store.rolloutMetrics.list({ capabilityId: CAPABILITY });
      const n = windows.reduce((sum, w) => sum + (w.counts.requests ?? 0), 0);
      return n >= servedByCapability ? n : undefined;
    }, 5000);
    expect(requests).toBe(servedByCapability);
    // …and so were the served-request rows: feedback on an answer given during the outage is taken.
    const answeredInOutage = learnedAnswers.find(inOutage)!;
    const feedback = await post(`${node.url}/v1/feedback`, {
      requestId: answeredInOutage.json.requestId,
      positive: true,
    });
    expect(feedback.status, JSON.stringify(feedback.json)).toBe(200);

    // 4. Learning goes on: the command taught just before the cut is generated once, with no job left
    // behind. (Without the pipeline's outage handling the interrupted observation waits for the next
    // failure of its pattern, and an interrupted job is given up or waits out its 60 s lease.)
    const signature = (await store.failures.get(taught[0]!))!.signature;
    const generated = await waitFor(
      async () => {
        const p = await store.patterns.getBySignature(signature);
        return p?.status === 'generated' ? p : undefined;
      },
      30_000,
      200,
    );
    expect(
      generated,
      `the pattern taught before the outage was generated: ${JSON.stringify(await store.patterns.getBySignature(signature))}\n${JSON.stringify(await store.jobs.list())}\n${node.stderr()}`,
    ).toBeDefined();
    const jobs = await store.jobs.list();
    expect(jobs.every((j) => j.status === 'done')).toBe(true);
    expect(jobs).toHaveLength(2);
    expect(await store.capabilities.versions(generated!.capabilityId!)).toHaveLength(1);

    // 5. Rollout changes reach the node again by NOTIFY (its refresh timer is 60 s): a rollback made
    // elsewhere stops it serving the capability within a second.
    const elsewhere = await createRolloutEngine({ store });
    const rolledBackAt = performance.now();
    await elsewhere.rollback(CAPABILITY, { reason: 'outage test: rollback from another process' });
    const switched = await waitFor(
      async () => {
        const a = await command(node, LEARNED, 'insider', screen, ['internal']);
        return a.ok ? undefined : performance.now() - rolledBackAt;
      },
      5000,
      10,
    );
    await elsewhere.close();
    expect(switched, 'the node heard the rollback').toBeDefined();
    expect(switched!).toBeLessThan(1000);

    // The same process all along.
    expect(node.proc.exitCode).toBeNull();
    expect(node.proc.signalCode).toBeNull();
  }, 90_000);
});
