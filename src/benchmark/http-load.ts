import { createRequire } from 'node:module';
import { IroncliwError, newId } from '../domain/index.js';
import { toReport } from './capability-bench.js';
import type { LeakOptions } from './leak.js';
import { loadCurve } from './load.js';
import type { RegressionOptions } from './regression.js';
import { LatencyRecorder, Reservoir } from './stats.js';
import type { BenchmarkRun, LoadModel } from './types.js';

/** The slice of autocannon used here (it ships no types): seen through a local interface so it can be swapped. */
interface AutocannonInstance {
  on(event: 'response', fn: (client: unknown, statusCode: number, bytes: number, ms: number) => void): void;
  on(event: 'reqError', fn: (err: Error) => void): void;
  stop(): void;
}
interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}
type Autocannon = (
  opts: Record<string, unknown>,
  cb: (err: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

/** Required on first use: autocannon (and its dependencies) costs ~0.5 s to load, which a CLI command pays
 * whenever anything imports benchmark/ (issue 20). */
let loaded: Autocannon | undefined;
const autocannon: Autocannon = (opts, cb) =>
  (loaded ??= createRequire(import.meta.url)('autocannon') as Autocannon)(opts, cb);

export interface HttpLoadOptions {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  headers?: Record<string, string>;
  /** Request body; objects are sent as JSON. */
  body?: string | Record<string, unknown>;
  /** Connections (closed model; default 10). */
  connections?: number;
  /** Open model: total requests per second over all connections (CO-corrected in the histogram). */
  ratePerSec?: number;
  durationMs?: number;
  /** Exact number of requests instead of a duration. */
  amount?: number;
  /** A separate un-measured run first (default 1000 ms; 0 to skip). */
  warmupMs?: number;
  /** Per-request timeout, seconds (default 10). */
  timeoutS?: number;
  /** What the report is about (default: the URL's path). */
  capabilityId?: string;
  version?: number;
  baseline?: Pick<BenchmarkRun, 'id' | 'samplesMs' | 'requests' | 'errors'>;
  regression?: RegressionOptions;
  leak?: LeakOptions;
  id?: string;
  at?: Date;
}

function run(
  opts: Record<string, unknown>,
  listen?: (i: AutocannonInstance) => void,
): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
    listen?.(instance);
  });
}

/**
 * Load on an HTTP endpoint with autocannon (e.g. `POST /v1/commands` of `ironcliw serve`), reported in the
 * same BenchmarkRun shape as sandbox runs. Closed model: `connections` keep one request each in flight.
 * Open model: `ratePerSec` spread over the connections; a response slower than the interval is recorded with
 * HdrHistogram's expected-interval correction, as autocannon itself does. Non-2xx answers count as errors.
 */
export async function benchmarkHttp(options: HttpLoadOptions): Promise<BenchmarkRun> {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new IroncliwError('E_INPUT_INVALID', `not a URL: ${options.url}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new IroncliwError('E_INPUT_INVALID', 'only http: and https: URLs can be load-tested');
  const connections = options.connections ?? 10;
  if (!Number.isInteger(connections) || connections < 1 || connections > 10_000)
    throw new IroncliwError('E_INPUT_INVALID', 'connections must be an integer in 1..10000');
  if (options.ratePerSec !== undefined && !(options.ratePerSec > 0))
    throw new IroncliwError('E_INPUT_INVALID', 'rate must be positive');
  const durationMs = options.durationMs ?? 5000;
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  const headers = {
    ...(typeof options.body === 'object' ? { 'content-type': 'application/json' } : {}),
    ...options.headers,
  };
  const base: Record<string, unknown> = {
    url: url.toString(),
    method: options.method ?? (body ? 'POST' : 'GET'),
    headers,
    ...(body !== undefined ? { body } : {}),
    connections,
    timeout: options.timeoutS ?? 10,
    ...(options.ratePerSec ? { overallRate: options.ratePerSec } : {}),
  };
  const warmupMs = options.warmupMs ?? 1000;
  if (warmupMs > 0) await run({ ...base, duration: warmupMs / 1000 });

  const recorder = new LatencyRecorder();
  const reservoir = new Reservoir(10_000);
  const done: Array<{ at: number; ms: number; ok: boolean }> = [];
  const errorKinds = new Map<string, number>();
  // Expected gap between two requests of one connection in the open model.
  const intervalMs = options.ratePerSec ? (1000 * connections) / options.ratePerSec : 0;
  const t0 = performance.now();
  const result = await run(
    { ...base, ...(options.amount ? { amount: options.amount } : { duration: durationMs / 1000 }) },
    (instance) => {
      instance.on('response', (_client, status, _bytes, ms) => {
        const ok = status >= 200 && status < 300;
        if (intervalMs > 0) recorder.recordMsWithExpectedInterval(ms, intervalMs);
        else recorder.recordMs(ms);
        reservoir.add(ms);
        done.push({ at: performance.now() - t0, ms, ok });
        if (!ok) errorKinds.set(`HTTP ${status}`, (errorKinds.get(`HTTP ${status}`) ?? 0) + 1);
      });
      instance.on('reqError', (err) => {
        const k = err.message.slice(0, 160);
        errorKinds.set(k, (errorKinds.get(k) ?? 0) + 1);
      });
    },
  );
  const measuredMs = Math.max(1e-3, performance.now() - t0);
  const latency = recorder.stats();
  const histogram = recorder.encode();
  recorder.destroy();
  const requests = done.length + result.errors;
  const model: LoadModel = options.ratePerSec
    ? { kind: 'open', ratePerSec: options.ratePerSec }
    : { kind: 'closed', concurrency: connections };
  return toReport(
    {
      latency,
      histogram,
      requests,
      errors: result.errors + result.non2xx,
      timeouts: result.timeouts,
      errorKinds: [...errorKinds]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([message, count]) => ({ message, count })),
      durationMs: measuredMs,
      throughput: done.length / (measuredMs / 1000),
      // CPU and memory of a remote server are not visible from the client.
      cpuMs: { mean: 0, p99: 0 },
      memoryMb: { mean: 0, max: 0 },
      memorySeriesKb: [],
      samplesMs: reservoir.values,
      loadCurve: loadCurve(done, measuredMs),
    },
    {
      id: options.id ?? newId('bench'),
      capabilityId: options.capabilityId ?? `http:${url.pathname}`,
      version: options.version ?? 1,
      at: (options.at ?? new Date()).toISOString(),
      tier: 'http',
      target: 'http',
      model,
      warmup: 0,
      ...(options.leak ? { leak: options.leak } : {}),
      ...(options.baseline ? { baseline: options.baseline } : {}),
      ...(options.regression ? { regression: options.regression } : {}),
    },
  );
}
