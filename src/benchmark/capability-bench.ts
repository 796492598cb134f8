import type { VisionImage, VisionPort } from '../capabilities/index.js';
import { createHostSdk, schemaProblem, seededRandom } from '../capabilities/index.js';
import type { Capability } from '../domain/index.js';
import { IroncliwError, newId } from '../domain/index.js';
import type { HostApi, SandboxTier } from '../sandbox/index.js';
import type { LeakOptions } from './leak.js';
import { detectLeak } from './leak.js';
import type { LoadResult, Outcome } from './load.js';
import { runLoad } from './load.js';
import type { RegressionOptions } from './regression.js';
import { compareToBaseline } from './regression.js';
import type { BenchmarkRun, LoadModel } from './types.js';

export interface BenchmarkCapabilityOptions {
  capability: Capability;
  /** The sandbox the capability will run in (its `run` is what gets measured). */
  tier: SandboxTier;
  /** The vision backend of the host SDK; without it, vision calls fail (and count as errors). */
  vision?: VisionPort;
  /** The screen `sdk.screen.capture()` returns. */
  screen?: VisionImage;
  /** The capability's input (JSON), the same for every request… */
  input?: unknown;
  /** …or one per request (`i` counts warm-up requests too). Takes precedence over `input`. */
  inputFor?: (i: number) => unknown;
  /** Requests discarded before measuring (default 10). */
  warmup?: number;
  /** Measured requests (default 100 unless durationMs is given). */
  iterations?: number;
  durationMs?: number;
  /** Closed model: virtual users (default 1). Ignored when ratePerSec is given. */
  concurrency?: number;
  /** Open model: requests per second, latency from intended start. */
  ratePerSec?: number;
  /** Monotonic clock in ms (default performance.now). */
  clock?: () => number;
  /** Seed of `sdk.random()` (request i gets a generator seeded from seed and i; default 1). */
  seed?: number;
  /** Wraps each request's host SDK, e.g. `(sdk) => withHostLatency(sdk, {'vision.findShapes': 30})`. */
  host?: (sdk: HostApi, i: number) => HostApi;
  /** A previous report to judge this run against. */
  baseline?: Pick<BenchmarkRun, 'id' | 'samplesMs' | 'requests' | 'errors'>;
  regression?: RegressionOptions;
  leak?: LeakOptions;
  /** Report id (default a new `bench_…` id) and time (default now). */
  id?: string;
  at?: Date;
}

/** Defaults of a capability benchmark. */
export const BENCHMARK_DEFAULTS = Object.freeze({ warmup: 10, iterations: 100, concurrency: 1 });

const noVision: VisionPort = {
  resolveRegion() {
    throw new IroncliwError('E_SANDBOX_UNAVAILABLE', 'no vision backend was given to this benchmark');
  },
  findShapes: () =>
    Promise.reject(
      new IroncliwError('E_SANDBOX_UNAVAILABLE', 'no vision backend was given to this benchmark'),
    ),
  colors() {
    throw new IroncliwError('E_SANDBOX_UNAVAILABLE', 'no vision backend was given to this benchmark');
  },
  describe: () =>
    Promise.reject(
      new IroncliwError('E_SANDBOX_UNAVAILABLE', 'no vision backend was given to this benchmark'),
    ),
};

/**
 * Measures a capability for real: every request is a `tier.run` of its code with its manifest's permissions
 * and limits and a fresh host SDK (the same wiring as verification's sandboxed test cases). A request counts
 * as an error when the sandbox status is not `ok` or the output breaks the manifest's output schema.
 *
 * @example
 * const report = await benchmarkCapability({ capability, tier, vision, screen, iterations: 200 });
 * console.log(report.latency.p99, report.leak.suspected);
 */
export async function benchmarkCapability(options: BenchmarkCapabilityOptions): Promise<BenchmarkRun> {
  const { capability, tier } = options;
  const manifest = capability.manifest;
  if (!manifest || typeof capability.code !== 'string')
    throw new IroncliwError('E_CAPABILITY_INVALID', 'a capability needs a manifest and code');
  const model: LoadModel =
    options.ratePerSec !== undefined
      ? { kind: 'open', ratePerSec: options.ratePerSec }
      : { kind: 'closed', concurrency: options.concurrency ?? BENCHMARK_DEFAULTS.concurrency };
  const vision = options.vision ?? noVision;

  const task = async (i: number): Promise<Outcome> => {
    const sdk = createHostSdk({
      vision,
      ...(options.screen ? { screen: options.screen } : {}),
      permissions: manifest.permissions,
      random: seededRandom(((options.seed ?? 1) * 1_000_003 + i) >>> 0),
    });
    const host = options.host ? options.host(sdk, i) : sdk;
    const result = await tier.run({
      code: capability.code,
      input: options.inputFor ? options.inputFor(i) : (options.input ?? {}),
      permissions: manifest.permissions,
      limits: manifest.limits,
      host,
      origin: manifest.origin.kind,
    });
    const base = {
      serviceMs: result.resources.wallMs,
      cpuMs: result.resources.cpuMs,
      memoryKb: result.resources.peakMemoryMb * 1024,
    };
    if (result.status !== 'ok')
      return {
        ...base,
        ok: false,
        timeout: result.status === 'timeout',
        error: `${result.status}: ${result.error ?? result.violations.join('; ')}`,
      };
    const problem = schemaProblem(manifest.outputSchema, result.output);
    return problem ? { ...base, ok: false, error: `invalid output: ${problem}` } : { ...base, ok: true };
  };

  const load = await runLoad({
    task,
    model,
    warmup: options.warmup ?? BENCHMARK_DEFAULTS.warmup,
    ...(options.durationMs !== undefined
      ? {
          durationMs: options.durationMs,
          ...(options.iterations !== undefined ? { iterations: options.iterations } : {}),
        }
      : { iterations: options.iterations ?? BENCHMARK_DEFAULTS.iterations }),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return toReport(load, {
    id: options.id ?? newId('bench'),
    capabilityId: manifest.id,
    version: manifest.version,
    at: (options.at ?? new Date()).toISOString(),
    tier: tier.name,
    target: 'sandbox',
    model,
    warmup: options.warmup ?? BENCHMARK_DEFAULTS.warmup,
    ...(options.leak ? { leak: options.leak } : {}),
    ...(options.baseline ? { baseline: options.baseline } : {}),
    ...(options.regression ? { regression: options.regression } : {}),
  });
}

/** Assembles a BenchmarkRun from a load result (shared by the sandbox and HTTP paths). */
export function toReport(
  load: LoadResult,
  meta: {
    id: string;
    capabilityId: string;
    version: number;
    at: string;
    tier: string;
    target: 'sandbox' | 'http';
    model: LoadModel;
    warmup: number;
    leak?: LeakOptions;
    baseline?: Pick<BenchmarkRun, 'id' | 'samplesMs' | 'requests' | 'errors'>;
    regression?: RegressionOptions;
  },
): BenchmarkRun {
  const r3 = (v: number) => Math.round(v * 1000) / 1000;
  const leak = detectLeak(load.memorySeriesKb, meta.leak);
  const report: BenchmarkRun = {
    id: meta.id,
    capabilityId: meta.capabilityId,
    version: meta.version,
    at: meta.at,
    tier: meta.tier,
    target: meta.target,
    model: meta.model,
    latency: load.latency,
    ...(load.service ? { service: load.service } : {}),
    throughput: r3(load.throughput),
    errorRate: load.requests ? r3(load.errors / load.requests) : 0,
    cpu: r3(load.cpuMs.mean),
    memory: r3(load.memoryMb.max),
    requests: load.requests,
    errors: load.errors,
    timeouts: load.timeouts,
    errorKinds: load.errorKinds,
    durationMs: r3(load.durationMs),
    warmup: meta.warmup,
    cpuMsPerRun: { mean: r3(load.cpuMs.mean), p99: r3(load.cpuMs.p99) },
    memoryMb: { mean: r3(load.memoryMb.mean), max: r3(load.memoryMb.max) },
    leak,
    loadCurve: load.loadCurve,
    samplesMs: load.samplesMs.map(r3),
    memorySeriesKb: load.memorySeriesKb.map(r3),
    histogram: load.histogram,
  };
  if (meta.baseline) report.regression = compareToBaseline(report, meta.baseline, meta.regression);
  return report;
}
