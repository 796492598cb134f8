import type { LearnerPriority } from '../src/cli/index.js';
import { spawnLearner } from '../src/cli/index.js';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Ironcliw } from '../src/ironcliw.js';
import { createIroncliw } from '../src/ironcliw.js';
import type { PipelineStage } from '../src/pipeline/index.js';
import { buildServer } from '../src/server/index.js';
import { renderScene } from '../src/vision/index.js';
import type { Figure } from './harness.js';

/**
 * Load on the HTTP service, measured from the outside with autocannon over loopback:
 * - throughput of `POST /v1/commands` on a built-in capability against a bare Fastify route on the same
 *   machine, with the same tool, in the same run (DESIGN.md: ≥ 80%);
 * - the p99 of handled commands while the learning pipeline works in the background against the same load
 *   with the pipeline idle (DESIGN.md: ≤ 1.2×).
 * The load generator runs in a worker thread, so its own parsing and bookkeeping do not share the server's
 * event loop (they still share the machine's cores, as a client on the same host would).
 */

const require = createRequire(import.meta.url);

/** One kind of request in a load mix; each send picks the next of `bodies` (round robin over the run). */
export interface LoadRequest {
  kind: string;
  path?: string;
  bodies: unknown[];
}

export interface KindStats {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface LoadOutcome {
  /** Measured phase only: requests sent after the warm-up (same connections, one autocannon run). */
  durationMs: number;
  requests: number;
  /** Every response of the run, warm-up included (statuses and error codes count them all). */
  answered: number;
  throughput: number;
  byKind: Record<string, KindStats>;
  /** Responses by HTTP status. */
  statuses: Record<string, number>;
  /** 2xx answers of each kind by their `ok` field (`other`: no boolean `ok`), warm-up included. */
  answers: Record<string, { ok: number; notOk: number; other: number }>;
  /** Non-2xx answers whose body is not `{error: {code}}` with a string code. */
  non2xxWithoutCode: number;
  /** Error codes of the non-2xx answers. */
  errorCodes: Record<string, number>;
  /** Socket-level errors (refused, reset…) and timeouts as autocannon counts them. */
  connectionErrors: number;
  timeouts: number;
  errorKinds: Array<{ message: string; count: number }>;
  /** Main-thread `performance.now()` when the measured phase started and ended. */
  window: { start: number; end: number };
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationMs: number;
  /** Un-measured first part of the run (default 1000 ms): connections open, JIT and pools warm up. */
  warmupMs?: number;
  /** The mix: one cycle of kinds each connection sends in turn (e.g. 9 handled + 1 failing = 10% failing). */
  requests: LoadRequest[];
  timeoutS?: number;
  /** Sent as x-api-key: the load then comes from an authenticated client. */
  clientKey?: string;
}

/*
 * The worker: CommonJS run with `eval`, so it needs no build step and no loader. It classifies every
 * response by the request it answers: autocannon calls the request's onResponse and then emits 'response'
 * for the same client synchronously (pipelining 1), so the kind set in the former is the latter's.
 */
/** The key the load generator sends (a test-only client of the throwaway service). */
export const LOAD_CLIENT_KEY = 'load-generator-key-0123456789';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const autocannon = require(workerData.autocannon);
const hdr = require(workerData.hdr);
const run = (opts, listen) => new Promise((resolve, reject) => {
  const instance = autocannon(opts, (err, res) => (err ? reject(err) : resolve(res)));
  if (listen) listen(instance);
});
(async () => {
  const w = workerData;
  const cursor = w.requests.map(() => 0);
  let last = null;
  const requests = w.requests.map((r, i) => ({
    method: 'POST',
    path: r.path,
    headers: w.clientKey ? { 'content-type': 'application/json', 'x-api-key': w.clientKey } : { 'content-type': 'application/json' },
    body: r.bodies[0],
    setupRequest: (req) => {
      const body = r.bodies[cursor[i]++ % r.bodies.length];
      return { ...req, body };
    },
    onResponse: (status, body) => { last = { kind: r.kind, status, body }; },
  }));
  const base = { url: w.url, connections: w.connections, timeout: w.timeoutS, requests };
  const hist = {};
  const statuses = {};
  const errorCodes = {};
  const errorKinds = {};
  const answers = {};
  let non2xxWithoutCode = 0;
  let count = 0;
  let answered = 0;
  // One run on the same connections; only requests sent after the warm-up are measured, so neither new
  // connections nor requests left over from a separate warm-up run land in the figures.
  const started = performance.now();
  const t0 = started + w.warmupMs;
  let t1 = Infinity;
  setTimeout(() => parentPort.postMessage({ type: 'start', at: performance.timeOrigin + performance.now() }), w.warmupMs);
  const result = await run({ ...base, duration: (w.warmupMs + w.durationMs) / 1000 }, (instance) => {
    instance.on('response', (_client, status, _bytes, ms) => {
      const kind = last ? last.kind : 'unknown';
      const now = performance.now();
      answered++;
      statuses[status] = (statuses[status] || 0) + 1;
      const a = answers[kind] || (answers[kind] = { ok: 0, notOk: 0, other: 0 });
      if (status >= 200 && status < 300) {
        let ok;
        try { ok = JSON.parse(last.body).ok; } catch (e) { ok = undefined; }
        if (ok === true) a.ok++;
        else if (ok === false) a.notOk++;
        else a.other++;
      } else {
        let code;
        try { code = JSON.parse(last.body).error.code; } catch (e) { code = undefined; }
        if (typeof code === 'string' && code.length) errorCodes[code] = (errorCodes[code] || 0) + 1;
        else non2xxWithoutCode++;
      }
      last = null;
      if (now - ms < t0) return;
      const h = hist[kind] || (hist[kind] = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600000000, numberOfSignificantValueDigits: 3 }));
      h.recordValue(Math.max(1, Math.round(ms * 1000)));
      count++;
    });
    instance.on('reqError', (err) => {
      const k = String(err && err.message).slice(0, 120) + (performance.now() < t0 ? ' (warm-up)' : '');
      errorKinds[k] = (errorKinds[k] || 0) + 1;
    });
    instance.on('done', () => { t1 = performance.now(); });
  });
  if (!Number.isFinite(t1)) t1 = performance.now();
  const durationMs = t1 - t0;
  parentPort.postMessage({ type: 'end', at: performance.timeOrigin + t1 });
  const byKind = {};
  for (const [kind, h] of Object.entries(hist)) {
    byKind[kind] = {
      count: h.totalCount,
      p50Ms: h.getValueAtPercentile(50) / 1000,
      p90Ms: h.getValueAtPercentile(90) / 1000,
      p99Ms: h.getValueAtPercentile(99) / 1000,
      maxMs: h.maxValue / 1000,
      meanMs: h.mean / 1000,
    };
    h.destroy();
  }
  parentPort.postMessage({
    type: 'result',
    outcome: {
      durationMs,
      requests: count,
      answered,
      throughput: count / (durationMs / 1000),
      byKind,
      statuses,
      answers,
      non2xxWithoutCode,
      errorCodes,
      connectionErrors: result.errors,
      timeouts: result.timeouts,
      errorKinds: Object.entries(errorKinds).map(([message, count]) => ({ message, count })),
    },
  });
})().catch((err) => parentPort.postMessage({ type: 'error', message: String((err && err.stack) || err) }));
`;

/** Runs a closed-model load (each connection keeps one request in flight) in a worker thread. */
export function runLoad(options: LoadOptions): Promise<LoadOutcome> {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      autocannon: require.resolve('autocannon'),
      hdr: require.resolve('hdr-histogram-js'),
      url: options.url,
      connections: options.connections,
      durationMs: options.durationMs,
      warmupMs: options.warmupMs ?? 1000,
      timeoutS: options.timeoutS ?? 10,
      clientKey: options.clientKey,
      requests: options.requests.map((r) => ({
        kind: r.kind,
        path: r.path ?? '/v1/commands',
        bodies: r.bodies.map((b) => JSON.stringify(b)),
      })),
    },
  });
  const window = { start: NaN, end: NaN };
  return new Promise<LoadOutcome>((resolve, reject) => {
    type Message = { type: string; at?: number; outcome?: Omit<LoadOutcome, 'window'>; message?: string };
    // The worker has its own time origin: its instants come as epoch ms and are mapped to this thread's.
    worker.on('message', (m: Message) => {
      if (m.type === 'start') window.start = m.at! - performance.timeOrigin;
      else if (m.type === 'end') window.end = m.at! - performance.timeOrigin;
      else if (m.type === 'result') resolve({ ...m.outcome!, window });
      else if (m.type === 'error') reject(new Error(`load worker: ${m.message}`));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`load worker exited (${code}) before reporting`)));
  }).finally(() => void worker.terminate());
}

/** A small real screen (320×200: title bar, toolbar, two shapes) for `describe the screen`. */
export async function smallScreen(): Promise<string> {
  const { png } = await renderScene({
    width: 320,
    height: 200,
    theme: 'light',
    titlebar: { height: 24, title: 'Load' },
    toolbar: { height: 36 },
    sidebar: false,
    statusbar: false,
    elements: [
      { type: 'shape', shape: 'circle', color: 'green', region: 'content', x: 40, y: 40, size: 24 },
      { type: 'shape', shape: 'square', color: 'blue', region: 'content', x: 120, y: 60, size: 24 },
    ],
  });
  return png.toString('base64');
}

/**
 * Commands no built-in handles, one per frame signature, all of kinds the generator families learn: each
 * becomes a pattern (several users repeat it) and then a generation + production-level verification job.
 */
export const FAILING_COMMANDS: readonly string[] = [
  'count the green circles on the toolbar',
  'could you count the blue triangles please',
  'how many yellow shapes are there',
  'number of circles in the content area',
  'count the shapes in the status bar',
  'find the red circles',
  'look for yellow circles in the sidebar',
  'where is the yellow square',
  'locate the green circle in the sidebar',
  'is there a red circle in the toolbar?',
  'are there any blue squares',
  'list the shapes in the sidebar',
  'list all red shapes',
  'list the circles from left to right',
  'find the circles larger than 40 pixels',
  'count the squares bigger than 40 pixels',
  'what is the average size of the circles',
  'read the title bar',
  'click the "Save" button',
  'type "hello world"',
];
export const LOAD_USERS: readonly string[] = ['ana', 'ben', 'cleo', 'dan', 'eve', 'fay', 'gus', 'hal'];

/**
 * Bodies of the failing share. `spread`: every command from every user, each command from three users first
 * (a pattern is ready after 3 failures from 2 users by default), so learning starts after a few dozen
 * requests. `one-user`: the same commands, all from one user — recorded and folded into patterns just the
 * same, but no pattern reaches the distinct-users threshold, so no job is queued (the idle baseline).
 */
export function failingBodies(pngBase64: string, users: 'spread' | 'one-user' = 'spread'): unknown[] {
  const out: unknown[] = [];
  const body = (command: string, user: string) => ({ command, context: { user }, screen: { pngBase64 } });
  if (users === 'one-user') {
    for (const command of FAILING_COMMANDS) out.push(body(command, 'solo'));
    return out;
  }
  for (const command of FAILING_COMMANDS)
    for (const user of LOAD_USERS.slice(0, 3)) out.push(body(command, user));
  for (const user of LOAD_USERS.slice(3))
    for (const command of FAILING_COMMANDS) out.push(body(command, user));
  return out;
}

/** Handled commands of the load: the cheapest built-in, and one that decodes and analyses the screen. */
export type HandledCommand = 'what can you do' | 'describe the screen';

/** The measured mix: 9 handled commands for each one that fails (10% failures), or handled only. */
export function mixedLoad(
  pngBase64: string,
  o: { handled?: HandledCommand; failing?: 'spread' | 'one-user' | false } = {},
): LoadRequest[] {
  const command = o.handled ?? 'what can you do';
  const handled: LoadRequest = {
    kind: 'handled',
    bodies: LOAD_USERS.map((user) => ({
      command,
      context: { user },
      ...(command === 'describe the screen' ? { screen: { pngBase64 } } : {}),
    })),
  };
  const failing = o.failing ?? 'spread';
  return failing
    ? [
        ...Array.from({ length: 9 }, () => handled),
        { kind: 'failing', bodies: failingBodies(pngBase64, failing) },
      ]
    : [handled];
}

export interface StageSpan {
  stage: PipelineStage;
  outcome: 'ok' | 'rejected' | 'error';
  start: number;
  end: number;
}

export interface Service {
  ironcliw: Ironcliw;
  app: FastifyInstance;
  url: string;
  /** Pipeline stages finished in this process (none when learning runs in the learner process). */
  stages: StageSpan[];
  close(): Promise<void>;
}

/**
 * A real server on loopback (port 0) over a fresh SQLite store in a temp folder, rate limit off (one
 * load-generator IP would hit it at once). `workers` false: failures are still recorded and patterns still
 * queue jobs, but neither pipeline workers nor rollout timers run.
 */
export async function startService(workers: boolean, learnerPriority?: LearnerPriority): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), 'ironcliw-load-'));
  const ironcliw = await createIroncliw(
    {
      db: join(dir, 'store.db'),
      // The load comes from one authenticated client: only authenticated identities count as distinct
      // users for learning (docs/security.md), which the busy run needs.
      server: {
        rateLimitPerMinute: 0,
        logLevel: 'silent',
        clients: [{ name: 'load', key: LOAD_CLIENT_KEY, groups: [], admin: false }],
      },
      sharing: { keysDir: join(dir, 'keys') },
    },
    // As `ironcliw serve` runs: the serving process keeps the rollout timers, learning runs in a
    // low-priority learner process on the same store.
    { startWorkers: false, serving: true },
  );
  const learner = workers
    ? spawnLearner({ db: join(dir, 'store.db'), ...(learnerPriority ? { priority: learnerPriority } : {}) })
    : undefined;
  const stages: StageSpan[] = [];
  ironcliw.on('stage', ({ stage, ms, outcome }) => {
    const end = performance.now();
    stages.push({ stage, outcome, start: end - ms, end });
  });
  let app: FastifyInstance | undefined;
  try {
    app = await buildServer(ironcliw);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const a = app;
    return {
      ironcliw,
      app: a,
      url,
      stages,
      close: async () => {
        await a.close();
        await learner?.stop();
        await ironcliw.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await app?.close();
    await learner?.stop();
    await ironcliw.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** What the learning pipeline did while a load was measured. */
export interface PipelineActivity {
  /** Share of samples (every 250 ms) in the measured window at which a learning job was running. */
  /** Share of samples in the measured window with learning due (a job queued or running). */
  busyShare: number;
  /** Share of samples with a job claimed by the learner (it runs at nice 19: under saturation it waits). */
  claimedShare: number;
  /**
   * Learning phases: ms after the load ended until the learner held or had finished a job (0 = it did
   * during the load); absent when it did not within the grace period (default 30 s).
   */
  learnerWorkedAfterMs?: number;
  samples: number;
  /** Pipeline stages (generate, verify, register) that ended inside the window. */
  stagesEnded: number;
  verifications: number;
  /** At the end of the run: failures recorded, jobs by status, capabilities learned. */
  failuresRecorded: number;
  jobs: Record<string, number>;
  /** Patterns the failures were folded into. */
  patterns: number;
  learned: number;
}

export interface PhaseOutcome {
  /** Whether the failing commands came from several users (patterns form, jobs run) or from one. */
  learning: boolean;
  load: LoadOutcome;
  activity: PipelineActivity;
}

/**
 * One load on a fresh service (pipeline workers and rollout timers on, as `ironcliw serve` runs), sampling
 * what the pipeline does. `learning`: whether the failing share comes from several users (so jobs run).
 */
export async function measurePhase(
  learning: boolean,
  load: Omit<LoadOptions, 'url' | 'requests'>,
  o: { png: string; handled: HandledCommand; learnerGraceMs?: number; learnerPriority?: LearnerPriority },
): Promise<PhaseOutcome> {
  const service = await startService(true, o.learnerPriority);
  const requests = mixedLoad(o.png, { handled: o.handled, failing: learning ? 'spread' : 'one-user' });
  const running: Array<{ at: number; n: number; claimed: number }> = [];
  let sampling = Promise.resolve();
  const timer = setInterval(() => {
    sampling = sampling.then(async () => {
      const at = performance.now();
      // Learning that is due: jobs queued for, or running in, the learner process.
      const [queued, runningJobs] = await Promise.all([
        service.ironcliw.store.jobs.list({ status: 'queued', limit: 10 }),
        service.ironcliw.store.jobs.list({ status: 'running', limit: 10 }),
      ]);
      running.push({ at, n: queued.length + runningJobs.length, claimed: runningJobs.length });
    });
  }, 250);
  try {
    const outcome = await runLoad({ ...load, requests, url: service.url, clientKey: LOAD_CLIENT_KEY });
    clearInterval(timer);
    await sampling;
    const { start, end } = outcome.window;
    const inWindow = running.filter((r) => r.at >= start && r.at <= end);
    const ended = service.stages.filter((x) => x.end >= start && x.end <= end);
    // Under a saturating load the learner (nice 19) may get no CPU at all: learning is then deferred,
    // not lost. How long after the load it first held or finished a job (0: it did during the load).
    let learnerWorkedAfterMs: number | undefined;
    if (learning) {
      const loadEnd = performance.now();
      // Held (running) or finished (done, failed): anything but still queued.
      const worked = async () =>
        (await service.ironcliw.store.jobs.list({ limit: 1000 })).some((j) => j.status !== 'queued');
      if (inWindow.some((r) => r.claimed > 0)) learnerWorkedAfterMs = 0;
      else
        while (performance.now() - loadEnd < (o.learnerGraceMs ?? 30_000)) {
          if (await worked()) {
            learnerWorkedAfterMs = performance.now() - loadEnd;
            break;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
    }
    const jobs: Record<string, number> = {};
    for (const j of await service.ironcliw.store.jobs.list({ limit: 1000 }))
      jobs[j.status] = (jobs[j.status] ?? 0) + 1;
    return {
      learning,
      load: outcome,
      activity: {
        busyShare: inWindow.length ? inWindow.filter((r) => r.n > 0).length / inWindow.length : 0,
        claimedShare: inWindow.length ? inWindow.filter((r) => r.claimed > 0).length / inWindow.length : 0,
        ...(learnerWorkedAfterMs !== undefined ? { learnerWorkedAfterMs } : {}),
        samples: inWindow.length,
        stagesEnded: ended.length,
        verifications: ended.filter((x) => x.stage === 'verify').length,
        failuresRecorded: await service.ironcliw.store.failures.count(),
        jobs,
        patterns: (await service.ironcliw.patterns()).length,
        learned: (await service.ironcliw.capabilities.list()).length,
      },
    };
  } finally {
    clearInterval(timer);
    await sampling.catch(() => undefined);
    await service.close();
  }
}

export interface BusyVsIdle {
  /** Idle before and after the busy run (bracketing it against drift of the shared machine). */
  idle: [PhaseOutcome, PhaseOutcome];
  busy: PhaseOutcome;
  idleP99Ms: number;
  busyP99Ms: number;
  /** busy handled p99 / mean of the two idle handled p99s */
  ratio: number;
  /** |idle₁ − idle₂| / mean idle: how far two runs of the same idle load differ on this machine, this run. */
  idleSpread: number;
}

/**
 * The same load on fresh services, 10% of it failing commands (recorded, folded into patterns): idle (they
 * come from one user, so no pattern is ready and no job runs), busy (from several users: patterns are ready
 * within the warm-up and generation + production-level verification jobs run through the measured
 * window), idle again. Everything else — workers, rollout timers, request mix, per-request work — is equal.
 */
export async function busyVsIdle(o: {
  connections: number;
  durationMs: number;
  warmupMs: number;
  handled?: HandledCommand;
  /** The learner's priority (default: the config default, `pipeline.learnerPriority`). */
  learnerPriority?: LearnerPriority;
}): Promise<BusyVsIdle> {
  const png = await smallScreen();
  const load = { connections: o.connections, durationMs: o.durationMs, warmupMs: o.warmupMs };
  const mix = {
    png,
    handled: o.handled ?? 'what can you do',
    ...(o.learnerPriority ? { learnerPriority: o.learnerPriority } : {}),
  } as const;
  const idle1 = await measurePhase(false, load, mix);
  const busy = await measurePhase(true, load, mix);
  const idle2 = await measurePhase(false, load, mix);
  const p99 = (x: PhaseOutcome) => x.load.byKind.handled?.p99Ms ?? NaN;
  const idleP99Ms = (p99(idle1) + p99(idle2)) / 2;
  return {
    idle: [idle1, idle2],
    busy,
    idleP99Ms,
    busyP99Ms: p99(busy),
    ratio: p99(busy) / idleP99Ms,
    idleSpread: Math.abs(p99(idle1) - p99(idle2)) / idleP99Ms,
  };
}

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
      budget: { min: 80, unit: '%' },
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
