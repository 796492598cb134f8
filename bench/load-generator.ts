import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

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
