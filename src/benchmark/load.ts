import { IroncliwError } from '../domain/index.js';
import { LatencyRecorder, Reservoir, quantileSorted } from './stats.js';
import type { LatencyStats } from './stats.js';
import type { LoadModel, LoadPoint } from './types.js';

/** What one request of a load run reports back. */
export interface Outcome {
  ok: boolean;
  timeout?: boolean;
  error?: string;
  /** Time the target itself spent (e.g. inside the sandbox child), ms. */
  serviceMs?: number;
  cpuMs?: number;
  /** Memory attributed to this request (guest heap), KB. */
  memoryKb?: number;
}

export interface LoadOptions {
  /** One request; `i` counts from 0 over warm-up and measured requests alike. Must not throw (a throw counts as an error). */
  task: (i: number) => Promise<Outcome>;
  model: LoadModel;
  /** Requests run and discarded before measuring (default 10). */
  warmup?: number;
  /** Measured requests; or give `durationMs`. */
  iterations?: number;
  /** Measured phase length; requests still running at its end are awaited and counted. */
  durationMs?: number;
  /** Monotonic clock in ms (default performance.now). Injected so tests can replay timing decisions. */
  clock?: () => number;
  /** Width of a load-curve bucket, ms (default: 1 s, or a tenth of a shorter run, at least 50 ms). */
  bucketMs?: number;
  /** Safety cap on measured requests (default 1,000,000). */
  maxRequests?: number;
}

export interface LoadResult {
  latency: LatencyStats;
  service?: LatencyStats;
  histogram: string;
  requests: number;
  errors: number;
  timeouts: number;
  errorKinds: Array<{ message: string; count: number }>;
  durationMs: number;
  throughput: number;
  cpuMs: { mean: number; p99: number };
  memoryMb: { mean: number; max: number };
  memorySeriesKb: number[];
  samplesMs: number[];
  loadCurve: LoadPoint[];
}

const MAX_SAMPLES = 10_000;
const MAX_SERIES = 10_000;

/** Keeps a series in order within a fixed budget: when full, every other point goes and the stride doubles. */
class Downsampler {
  readonly values: number[] = [];
  private stride = 1;
  private n = 0;
  add(v: number): void {
    if (this.n++ % this.stride !== 0) return;
    this.values.push(v);
    if (this.values.length >= MAX_SERIES) {
      const kept = this.values.filter((_, i) => i % 2 === 0);
      this.values.length = 0;
      this.values.push(...kept);
      this.stride *= 2;
    }
  }
}

/**
 * Sleeps until `clock()` reaches `at`. Timers fire on libuv's cached, millisecond-truncated loop time and can
 * run up to ~1.5 ms *early* by performance.now(); a request started early would show less than its real
 * latency from the intended start, so the last stretch is covered by yielding with setImmediate.
 */
async function waitUntil(at: number, clock: () => number): Promise<void> {
  for (;;) {
    const wait = at - clock();
    if (wait <= 0) return;
    if (wait > 2) await new Promise((r) => setTimeout(r, wait - 2));
    else await new Promise((r) => setImmediate(r));
  }
}

function checkOptions(o: LoadOptions): void {
  const bad = (m: string) => {
    throw new IroncliwError('E_INPUT_INVALID', m);
  };
  if (o.model.kind === 'closed') {
    if (!Number.isInteger(o.model.concurrency) || o.model.concurrency < 1 || o.model.concurrency > 1024)
      bad('concurrency must be an integer in 1..1024');
  } else if (!(o.model.ratePerSec > 0) || o.model.ratePerSec > 100_000)
    bad('rate must be in (0, 100000] requests/s');
  if (o.iterations === undefined && o.durationMs === undefined) bad('give iterations or durationMs');
  if (o.iterations !== undefined && (!Number.isInteger(o.iterations) || o.iterations < 1))
    bad('iterations must be a positive integer');
  if (o.durationMs !== undefined && !(o.durationMs > 0)) bad('durationMs must be positive');
  if (o.warmup !== undefined && (!Number.isInteger(o.warmup) || o.warmup < 0))
    bad('warmup must be a non-negative integer');
}

/**
 * Drives `task` under a closed or open load model and measures it. Closed: V workers, each issuing its next
 * request when the previous completes (latency from actual start). Open: requests are due at t0 + i/R and
 * are issued on schedule regardless of completions; latency runs from the *intended* start, which corrects
 * coordinated omission — a stall delays every request scheduled during it, and they all show the wait.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  checkOptions(options);
  const clock = options.clock ?? (() => performance.now());
  const warmup = options.warmup ?? 10;
  const maxRequests = options.maxRequests ?? 1_000_000;
  const call = async (i: number): Promise<Outcome> => {
    try {
      return await options.task(i);
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  };

  // Warm-up uses the same concurrency as the run (JIT, pool children and caches warmed as they will be used).
  const warmConcurrency = options.model.kind === 'closed' ? options.model.concurrency : 1;
  let w = 0;
  await Promise.all(
    Array.from({ length: Math.min(warmConcurrency, warmup) }, async () => {
      while (w < warmup) await call(w++);
    }),
  );

  const recorder = new LatencyRecorder();
  const serviceRecorder = new LatencyRecorder();
  const reservoir = new Reservoir(MAX_SAMPLES);
  const memory = new Downsampler();
  let cpuN = 0;
  const done: Array<{ at: number; ms: number; ok: boolean }> = [];
  const errorKinds = new Map<string, number>();
  let errors = 0;
  let timeouts = 0;
  let memSum = 0;
  let memMax = 0;
  let memN = 0;
  let cpuSum = 0;
  const cpuSample = new Reservoir(MAX_SAMPLES);

  const t0 = clock();
  const end = options.durationMs !== undefined ? t0 + options.durationMs : Infinity;
  const limit = Math.min(options.iterations ?? Infinity, maxRequests);
  let issued = 0;
  let lastDone = t0;

  const record = (startedAt: number, o: Outcome) => {
    const now = clock();
    const ms = Math.max(0, now - startedAt);
    lastDone = Math.max(lastDone, now);
    recorder.recordMs(ms);
    reservoir.add(ms);
    done.push({ at: now - t0, ms, ok: o.ok });
    if (o.serviceMs !== undefined) serviceRecorder.recordMs(o.serviceMs);
    if (!o.ok) {
      errors++;
      if (o.timeout) timeouts++;
      const k = (o.error ?? 'error').slice(0, 160);
      errorKinds.set(k, (errorKinds.get(k) ?? 0) + 1);
    }
    if (o.cpuMs !== undefined) {
      cpuSum += o.cpuMs;
      cpuSample.add(o.cpuMs);
      cpuN++;
    }
    if (o.memoryKb !== undefined) {
      memory.add(o.memoryKb);
      memSum += o.memoryKb;
      memMax = Math.max(memMax, o.memoryKb);
      memN++;
    }
  };

  if (options.model.kind === 'closed') {
    const more = () => issued < limit && clock() < end;
    await Promise.all(
      Array.from({ length: options.model.concurrency }, async () => {
        while (more()) {
          const i = warmup + issued++;
          const s = clock();
          record(s, await call(i));
        }
      }),
    );
  } else {
    const interval = 1000 / options.model.ratePerSec;
    const inFlight = new Set<Promise<void>>();
    for (let k = 0; k < limit; k++) {
      const intended = t0 + k * interval;
      if (intended >= end) break;
      await waitUntil(intended, clock);
      const i = warmup + issued++;
      const p: Promise<void> = call(i).then((o) => {
        record(intended, o);
        inFlight.delete(p);
      });
      inFlight.add(p);
    }
    await Promise.all(inFlight);
  }

  const durationMs = Math.max(1e-3, lastDone - t0);
  const latency = recorder.stats();
  const histogram = recorder.encode();
  const service = serviceRecorder.count ? serviceRecorder.stats() : undefined;
  recorder.destroy();
  serviceRecorder.destroy();
  const cpuSorted = [...cpuSample.values].sort((a, b) => a - b);
  return {
    latency,
    ...(service ? { service } : {}),
    histogram,
    requests: issued,
    errors,
    timeouts,
    errorKinds: [...errorKinds]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([message, count]) => ({ message, count })),
    durationMs,
    throughput: issued / (durationMs / 1000),
    cpuMs: { mean: cpuN ? cpuSum / cpuN : 0, p99: cpuSorted.length ? quantileSorted(cpuSorted, 0.99) : 0 },
    memoryMb: { mean: memN ? memSum / memN / 1024 : 0, max: memMax / 1024 },
    memorySeriesKb: memory.values,
    samplesMs: reservoir.values,
    loadCurve: loadCurve(done, durationMs, options.bucketMs),
  };
}

export function loadCurve(
  done: Array<{ at: number; ms: number; ok: boolean }>,
  durationMs: number,
  bucketMs?: number,
): LoadPoint[] {
  const width = bucketMs ?? (durationMs >= 10_000 ? 1000 : Math.max(50, durationMs / 10));
  const buckets = new Map<number, Array<{ ms: number; ok: boolean }>>();
  for (const d of done) {
    const b = Math.floor(d.at / width);
    let list = buckets.get(b);
    if (!list) buckets.set(b, (list = []));
    list.push(d);
  }
  const last = Math.floor(durationMs / width);
  const out: LoadPoint[] = [];
  for (let b = 0; b <= last; b++) {
    const list = buckets.get(b) ?? [];
    const sorted = list.map((d) => d.ms).sort((x, y) => x - y);
    const r = (v: number) => Math.round(v * 1000) / 1000;
    out.push({
      t: r(((b + 1) * width) / 1000),
      completed: list.length,
      errors: list.filter((d) => !d.ok).length,
      p50: sorted.length ? r(quantileSorted(sorted, 0.5)) : 0,
      p99: sorted.length ? r(quantileSorted(sorted, 0.99)) : 0,
    });
  }
  return out;
}
