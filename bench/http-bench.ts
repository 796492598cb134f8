import Fastify from 'fastify';
import type { Figure } from './harness.js';

import { runLoad } from './load-generator.js';
import { busyVsIdle, startService } from './busy-vs-idle.js';

/**
 * Load on the HTTP service, measured from the outside with autocannon over loopback:
 * - throughput of `POST /v1/commands` on a built-in capability against a bare Fastify route on the same
 *   machine, with the same tool, in the same run (tracked; the budget on being a service is suite http-cost);
 * - the p99 of handled commands while the learning pipeline works in the background against the same load
 *   with the pipeline idle (DESIGN.md: ≤ 1.2×).
 * The load generator runs in a worker thread, so its own parsing and bookkeeping do not share the server's
 * event loop (they still share the machine's cores, as a client on the same host would).
 */

/**
 * The peer of the throughput budget: a bare Fastify route doing trivial JSON work — parse the JSON body,
 * validate it against a small schema, answer a small JSON object serialised from a response schema. No
 * plugins, hooks, logging, metrics, store or capability.
 */
export async function startBareFastify(workUs = 0): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  app.post(
    '/bare',
    {
      schema: {
        body: {
          type: 'object',
          required: ['command'],
          properties: {
            command: { type: 'string' },
            context: { type: 'object', properties: { user: { type: 'string' } } },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { ok: { type: 'boolean' }, answer: { type: 'string' }, length: { type: 'integer' } },
          },
        },
      },
    },
    async (req) => {
      const { command } = req.body as { command: string };
      // Calibration only: `workUs` of synchronous CPU, to show what any handler work costs here.
      if (workUs > 0) for (const end = performance.now() + workUs / 1000; performance.now() < end;);
      return { ok: true, answer: `you said: ${command}`, length: command.length };
    },
  );
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}

const throughputOf = async (url: string, path: string, body: unknown, ms: number, connections: number) => {
  const r = await runLoad({
    url,
    connections,
    durationMs: ms,
    warmupMs: 1000,
    requests: [{ kind: 'req', path, bodies: [body] }],
  });
  const bad = r.answered - (r.statuses['200'] ?? 0) + r.connectionErrors;
  if (bad) throw new Error(`${path}: ${bad} requests were not answered 200 (${JSON.stringify(r.statuses)})`);
  return r;
};

/** Synchronous work per request of the calibration route (about our own in-process work per command). */
const CALIBRATION_WORK_US = 10;

export async function httpFigures(): Promise<Figure[]> {
  const connections = 50;
  const ms = 5000;
  const figures: Figure[] = [];

  // Throughput: the bare route and ours alternate twice, so drift of the shared machine hits both.
  const bare = await startBareFastify();
  const bareWork = await startBareFastify(CALIBRATION_WORK_US);
  const service = await startService(true);
  const help = { command: 'what can you do', context: { user: 'ana' } };
  const ours: number[] = [];
  const peer: number[] = [];
  const calibration: number[] = [];
  let ownWorkUs: number;
  try {
    for (let i = 0; i < 2; i++) {
      peer.push((await throughputOf(bare.url, '/bare', help, ms / 2, connections)).throughput);
      ours.push((await throughputOf(service.url, '/v1/commands', help, ms / 2, connections)).throughput);
      calibration.push((await throughputOf(bareWork.url, '/bare', help, ms / 2, connections)).throughput);
    }
    // Our own work per handled command, in-process (no HTTP): what the service adds to a route.
    const ctx = { user: 'ana', groups: [] };
    for (let i = 0; i < 5000; i++) await service.ironcliw.processCommand(help.command, ctx);
    const n = 20_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await service.ironcliw.processCommand(help.command, ctx);
    ownWorkUs = ((performance.now() - t0) * 1000) / n;
  } finally {
    await bare.close();
    await bareWork.close();
    await service.close();
  }
  const oursRps = (ours[0]! + ours[1]!) / 2;
  const bareRps = (peer[0]! + peer[1]!) / 2;
  const calibrationRps = (calibration[0]! + calibration[1]!) / 2;
  figures.push(
    {
      name: 'http: POST /v1/commands throughput ("what can you do", built-in)',
      value: oursRps,
      unit: 'req/s',
      peer: { name: 'bare Fastify route', value: bareRps },
      note: `autocannon, ${connections} connections, loopback, 2 × ${ms / 2000} s each, alternating`,
    },
    {
      name: 'http: POST /v1/commands throughput as a share of bare Fastify',
      value: (100 * oursRps) / bareRps,
      unit: '%',
      // Tracked, no budget since issue 20: with the load tool on the same 2 cores, 80% of a bare route leaves
      // ≤ 3 µs of handler work (the calibration figure below shows it). The budget is the cost of being a
      // service over the work itself (suite http-cost).
      note: `bare route: parse + validate JSON, answer a small JSON object; ours adds metrics hooks, understanding, routing, the built-in (${ownWorkUs.toFixed(1)} µs per command in-process), a 640-byte response`,
    },
    {
      name: `http: calibration — bare Fastify + ${CALIBRATION_WORK_US} µs of synchronous work, share of bare`,
      value: (100 * calibrationRps) / bareRps,
      unit: '%',
      note: `${Math.round(calibrationRps)} req/s: what any ${CALIBRATION_WORK_US} µs of handler CPU costs on this machine with the load tool on the same cores`,
    },
  );

  const b = await busyVsIdle({ connections: 200, durationMs: 6000, warmupMs: 2000 });
  const [i1, i2] = b.idle;
  const a = b.busy.activity;
  figures.push(
    {
      name: 'http: handled p99, pipeline idle ("what can you do", 10% failing commands)',
      value: b.idleP99Ms,
      unit: 'ms',
      note: `200 connections; mean of the runs before and after the busy one (${i1.load.byKind.handled!.p99Ms.toFixed(0)} / ${i2.load.byKind.handled!.p99Ms.toFixed(0)} ms, ${Math.round(i1.load.throughput)} / ${Math.round(i2.load.throughput)} req/s)`,
    },
    {
      name: 'http: handled p99, pipeline busy',
      value: b.busyP99Ms,
      unit: 'ms',
      peer: { name: 'idle', value: b.idleP99Ms },
      note: `${Math.round(b.busy.load.throughput)} req/s; a learning job running in ${(100 * a.busyShare).toFixed(0)}% of the window, ${a.verifications} verifications finished in it, ${a.learned} capabilities learned`,
    },
    {
      name: 'http: handled p99 busy / idle',
      value: b.ratio,
      unit: '×',
      budget: { max: 1.2, unit: '×' },
    },
  );
  return figures;
}
