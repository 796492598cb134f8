import type { SandboxResult } from './domain/index.js';
import type { SandboxRequest, SandboxTier, TierAvailability } from './sandbox/index.js';

export interface LazySandboxOptions {
  /**
   * With a positive value, the started tier is closed after this many ms in which nothing ran in it (and
   * nothing asked for its availability), and the next use starts a new one: a learner idle between jobs
   * does not keep a launcher and `poolSize` children resident (issue 20: ≈ 150 MB). Default 0: kept until
   * `close()`.
   */
  idleMs?: number;
}

/**
 * A sandbox tier started on first use (issue 20): a CLI command answered by a built-in never runs anything in
 * the sandbox, so it should not wait for the launcher and `poolSize` children to boot (nor for them to be
 * killed at exit). The first `run`, `availability()` or `capabilities()` starts the real tier; `close()` of a
 * tier never started does nothing. A tier that cannot start (E_SANDBOX_UNAVAILABLE) answers `run` with status
 * `error` and `availability()` with the reason, as a pool whose children fail to start does.
 */
export function lazySandbox(
  name: SandboxTier['name'],
  start: () => Promise<SandboxTier>,
  options: LazySandboxOptions = {},
): SandboxTier & { started(): boolean; warm(): Promise<void>; readonly idleCloses: number } {
  const idleMs = options.idleMs ?? 0;
  let starting: Promise<SandboxTier> | undefined;
  let closed = false;
  /** Calls in flight: the tier is never closed for idleness under one. */
  let busy = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  /** Tiers closed for idleness and still closing; close() waits for them. */
  const closing = new Set<Promise<void>>();
  let idleCloses = 0;

  const tier = (): Promise<SandboxTier> => {
    if (closed) return Promise.reject(new Error('the tier is closed'));
    return (starting ??= start());
  };
  const armIdle = () => {
    if (idleMs <= 0 || closed || !starting || busy > 0) return;
    idleTimer = setTimeout(() => {
      idleTimer = undefined;
      if (busy > 0 || closed || !starting) return;
      const ending = starting;
      starting = undefined;
      idleCloses++;
      const done: Promise<void> = ending
        .then(
          (t) => t.close(),
          () => undefined,
        )
        .catch(() => undefined)
        .finally(() => closing.delete(done));
      closing.add(done);
    }, idleMs);
    // Waiting to close never keeps a process alive.
    idleTimer.unref();
  };
  /** Runs `fn` as one use of the tier: the idle clock stops during it and restarts after it. */
  const use = async <T>(fn: () => Promise<T>): Promise<T> => {
    busy++;
    clearTimeout(idleTimer);
    idleTimer = undefined;
    try {
      return await fn();
    } finally {
      busy--;
      armIdle();
    }
  };
  const close = async (): Promise<void> => {
    closed = true;
    clearTimeout(idleTimer);
    idleTimer = undefined;
    await Promise.all(closing);
    if (!starting) return;
    const t = await starting.catch(() => undefined);
    await t?.close();
  };
  return {
    name,
    started: () => starting !== undefined,
    get idleCloses() {
      return idleCloses;
    },
    /** Starts the tier now (one use: the idle clock starts when it is ready). A failed start is not thrown. */
    async warm() {
      if (closed) return;
      await use(() => tier().then(() => undefined)).catch(() => undefined);
    },
    availability(): Promise<TierAvailability> {
      if (closed) return Promise.resolve({ available: false, reason: 'the tier is closed' });
      return use(async () => {
        try {
          return await (await tier()).availability();
        } catch (err) {
          return { available: false, reason: (err as Error).message };
        }
      });
    },
    capabilities() {
      return use(async () => {
        const t = await tier();
        return (await t.capabilities?.()) ?? { tier: name, layers: [] };
      });
    },
    run(request: SandboxRequest): Promise<SandboxResult> {
      return use(async () => {
        let t: SandboxTier;
        try {
          t = await tier();
        } catch (err) {
          return {
            status: 'error',
            error: `sandbox unavailable: ${(err as Error).message}`,
            violations: [],
            resources: { wallMs: 0, cpuMs: 0, peakMemoryMb: 0 },
            hostCalls: [],
          };
        }
        return t.run(request);
      });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
