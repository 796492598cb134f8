import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Full collections per idle spell: enough to catch what the worker thread and text child free as they end. */
const MAX_PER_IDLE = 4;

export interface IdleCollector {
  /** Work happened: the idle clock starts again and the next idle spell gets its collections. */
  touch(): void;
  /** Full collections run so far. */
  readonly collections: number;
  stop(): void;
}

/**
 * V8's `gc()`, made available at run time (a server started as `node bin/ironcliw.js serve` has no
 * `--expose-gc`); undefined where the flag cannot be set.
 */
export function exposeGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A full garbage collection every `idleMs` while nothing happens, at most MAX_PER_IDLE per idle spell.
 * Why: an idle server allocates nothing, so V8 never collects the screens (external ArrayBuffers, several
 * MB each) of the last requests; they stay resident until the next request (issue 20: serve's memory after a
 * load, measured 2.8 → 17 MB of external memory while idle). A full collection of serve's ≈ 30 MB heap costs
 * milliseconds, a handful of times per idle spell.
 */
export function idleCollector(options: {
  idleMs: number;
  gc?: () => void;
  now?: () => number;
}): IdleCollector {
  const now = options.now ?? (() => performance.now());
  const gc = options.gc ?? exposeGc();
  let last = now();
  let runs = 0;
  let collections = 0;
  const timer = setInterval(
    () => {
      if (!gc || runs >= MAX_PER_IDLE || now() - last < options.idleMs * (runs + 1)) return;
      runs++;
      collections++;
      gc();
    },
    Math.max(10, Math.min(options.idleMs, 5000)),
  );
  // An idle collector must not keep the process alive.
  timer.unref();
  return {
    touch() {
      last = now();
      runs = 0;
    },
    get collections() {
      return collections;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
