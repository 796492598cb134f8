import type { SandboxLimits } from './types.js';

/** Options of every sandbox tier. All optional; the defaults are below ({@link SANDBOX_DEFAULTS}). */
export interface SandboxOptions {
  /** Warm child processes kept ready (process/container tiers). Requests beyond this wait in a queue. */
  poolSize?: number;
  /**
   * Children kept while the pool is idle: after `poolIdleMs` without a run, idle children beyond this many
   * are stopped (each holds ≈ 55 MB of RSS); the next run brings the pool back to `poolSize` (in the
   * background: that run is served by a child still there). Capped at `poolSize`.
   */
  minPoolSize?: number;
  /**
   * How long without a run before the pool shrinks to `minPoolSize`; 0 (the default) never shrinks it. Off by
   * default because a burst on a shrunk pool was measured over the burst budget (docs/sandbox.md).
   */
  poolIdleMs?: number;
  /**
   * How long without a run before the children that have run code are replaced by fresh ones, one at a time
   * (each waits for the last one's replacement to be ready, so the pool never runs short); 0 never does.
   * A child's heap keeps what its runs left (≈ 5–8 MB per child after 1,000 commands); a fresh one holds
   * only the engine. Default 30 s.
   */
  poolRefreshIdleMs?: number;
  /** Limits used when a request leaves them out (timeoutMs, memoryMb, maxOutputBytes). */
  defaultLimits?: Partial<SandboxLimits>;
  /** Default cap on the JSON output of one run, in bytes. */
  maxOutputBytes?: number;
  /** Max sdk calls per run; one more is a violation and stops the run (a guest looping on the host). */
  maxHostCalls?: number;
  /** Max bytes of JSON arguments of one sdk call. */
  maxArgBytes?: number;
  /** Max bytes of guest source accepted. */
  maxCodeBytes?: number;
  /** Max requests waiting for a free child; more get status 'error' at once instead of piling up. */
  maxQueue?: number;
  /** The Node binary for children. */
  nodePath?: string;
  /**
   * The watchdog: a run the child has not answered by `timeoutMs` + 5% (at least 15 ms, at most this) is
   * answered 'timeout' to the caller and aborted; the child then gets this long to come back before it is
   * SIGKILLed and replaced (it is normally stuck outside the guest's interrupt checks, or starved of CPU).
   */
  killGraceMs?: number;
  /** Largest `memoryMb` a request may ask for; sizes the child's address-space rlimit. */
  maxMemoryMb?: number;
  /** RLIMIT_CPU of a child over its whole life; the pool retires children before they reach it. */
  childCpuSeconds?: number;
  /**
   * A child whose WebAssembly heap grew more than this beyond its start-up size is replaced after the run
   * (wasm memory never shrinks, and free heap left by one run must not add to the next run's budget).
   */
  recycleGrowthMb?: number;
  /** A child is replaced after this many runs (bounds slow leaks in the host side of the child). */
  maxRunsPerChild?: number;
  /** V8 old-space cap of the child's own (host-side) JavaScript heap. */
  childHeapMb?: number;
  /**
   * Start the process tier even where no network namespace can be made (children then share the host's
   * network). Default false: the tier refuses to start (fail closed). Config `sandbox.allowSharedNetwork`.
   */
  allowSharedNetwork?: boolean;
  /**
   * On a root host, start the process tier even where children cannot be dropped to uid/gid 65534 (no
   * `setpriv`, or their files are not readable by that user). Default false: refused. Config
   * `sandbox.allowRootChildren`.
   */
  allowRootChildren?: boolean;
  /**
   * The engine's per-run heap wall (refuses wasm heap growth beyond `memoryMb`). Default true. `false` exists
   * only to demonstrate that the OS layer alone (the child's address-space rlimit) stops a memory bomb.
   */
  engineMemoryWall?: boolean;
}

export interface ResolvedSandboxOptions {
  readonly poolSize: number;
  readonly minPoolSize: number;
  readonly poolIdleMs: number;
  readonly poolRefreshIdleMs: number;
  readonly defaultLimits: Readonly<Required<SandboxLimits>>;
  readonly maxHostCalls: number;
  readonly maxArgBytes: number;
  readonly maxCodeBytes: number;
  readonly maxQueue: number;
  readonly nodePath: string;
  readonly killGraceMs: number;
  readonly maxMemoryMb: number;
  readonly childCpuSeconds: number;
  readonly recycleGrowthMb: number;
  readonly maxRunsPerChild: number;
  readonly childHeapMb: number;
  readonly allowSharedNetwork: boolean;
  readonly allowRootChildren: boolean;
  readonly engineMemoryWall: boolean;
}

const MiB = 1024 * 1024;

/** The defaults, documented in one place. */
export const SANDBOX_DEFAULTS = Object.freeze({
  poolSize: 2,
  minPoolSize: 1,
  poolIdleMs: 0,
  poolRefreshIdleMs: 30_000,
  timeoutMs: 5000,
  memoryMb: 128,
  maxOutputBytes: MiB,
  maxHostCalls: 1000,
  maxArgBytes: 256 * 1024,
  maxCodeBytes: MiB,
  maxQueue: 1000,
  killGraceMs: 100,
  maxMemoryMb: 1024,
  childCpuSeconds: 600,
  recycleGrowthMb: 8,
  maxRunsPerChild: 10_000,
  childHeapMb: 128,
  allowSharedNetwork: false,
  allowRootChildren: false,
  engineMemoryWall: true,
});

function positiveInt(
  name: string,
  v: number | undefined,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || v <= 0 || v > max)
    throw new RangeError(`sandbox option ${name} must be in 1..${max}`);
  return Math.floor(v);
}

export function resolveOptions(o: SandboxOptions = {}): ResolvedSandboxOptions {
  const d = SANDBOX_DEFAULTS;
  const maxOutputBytes = positiveInt(
    'maxOutputBytes',
    o.defaultLimits?.maxOutputBytes ?? o.maxOutputBytes,
    d.maxOutputBytes,
  );
  // More than 32 warm children is a configuration mistake, not a need (config.ts caps it the same way).
  const poolSize = positiveInt('poolSize', o.poolSize, d.poolSize, 32);
  if (o.poolIdleMs !== undefined && !(Number.isFinite(o.poolIdleMs) && o.poolIdleMs >= 0))
    throw new RangeError('sandbox option poolIdleMs must be 0 (never shrink) or a positive number of ms');
  const refresh = o.poolRefreshIdleMs;
  if (refresh !== undefined && !(Number.isFinite(refresh) && refresh >= 0))
    throw new RangeError(
      'sandbox option poolRefreshIdleMs must be 0 (never refresh) or a positive number of ms',
    );
  return Object.freeze({
    poolSize,
    minPoolSize: Math.min(poolSize, positiveInt('minPoolSize', o.minPoolSize, d.minPoolSize, 32)),
    poolIdleMs: Math.floor(o.poolIdleMs ?? d.poolIdleMs),
    poolRefreshIdleMs: Math.floor(refresh ?? d.poolRefreshIdleMs),
    defaultLimits: Object.freeze({
      timeoutMs: positiveInt('timeoutMs', o.defaultLimits?.timeoutMs, d.timeoutMs),
      memoryMb: positiveInt('memoryMb', o.defaultLimits?.memoryMb, d.memoryMb),
      maxOutputBytes,
    }),
    maxHostCalls: positiveInt('maxHostCalls', o.maxHostCalls, d.maxHostCalls),
    maxArgBytes: positiveInt('maxArgBytes', o.maxArgBytes, d.maxArgBytes),
    maxCodeBytes: positiveInt('maxCodeBytes', o.maxCodeBytes, d.maxCodeBytes),
    maxQueue: positiveInt('maxQueue', o.maxQueue, d.maxQueue),
    nodePath: o.nodePath ?? process.execPath,
    killGraceMs: positiveInt('killGraceMs', o.killGraceMs, d.killGraceMs),
    // The wasm32 heap cannot exceed 2 GiB anyway.
    maxMemoryMb: positiveInt('maxMemoryMb', o.maxMemoryMb, d.maxMemoryMb, 2048),
    childCpuSeconds: positiveInt('childCpuSeconds', o.childCpuSeconds, d.childCpuSeconds),
    recycleGrowthMb: positiveInt('recycleGrowthMb', o.recycleGrowthMb, d.recycleGrowthMb),
    maxRunsPerChild: positiveInt('maxRunsPerChild', o.maxRunsPerChild, d.maxRunsPerChild),
    childHeapMb: positiveInt('childHeapMb', o.childHeapMb, d.childHeapMb),
    allowSharedNetwork: o.allowSharedNetwork ?? d.allowSharedNetwork,
    allowRootChildren: o.allowRootChildren ?? d.allowRootChildren,
    engineMemoryWall: o.engineMemoryWall ?? d.engineMemoryWall,
  });
}

/** A request's limits, filled from the defaults and clamped to what the tier was sized for. */
export function effectiveLimits(limits: Partial<SandboxLimits> | undefined, o: ResolvedSandboxOptions) {
  const pick = (v: number | undefined, fallback: number) =>
    typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
  return {
    timeoutMs: pick(limits?.timeoutMs, o.defaultLimits.timeoutMs),
    memoryMb: Math.min(pick(limits?.memoryMb, o.defaultLimits.memoryMb), o.maxMemoryMb),
    maxOutputBytes: pick(limits?.maxOutputBytes, o.defaultLimits.maxOutputBytes),
  };
}
