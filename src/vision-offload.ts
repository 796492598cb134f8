import { Worker } from 'node:worker_threads';
import type { VisionImage, VisionPort } from './capabilities/index.js';
import type { ErrorCode, Item } from './domain/index.js';
import { ERROR_CODES, IroncliwError } from './domain/index.js';

interface Pending {
  resolve: (items: Item[]) => void;
  reject: (err: Error) => void;
  retry: () => void;
}

interface OffloadedVision {
  port: VisionPort;
  /** Scans answered by the worker thread (for tests and /metrics). */
  readonly stats: { workerCalls: number };
  /** Whether the worker thread is running now (for tests). */
  running(): boolean;
  close(): Promise<void>;
}

export interface OffloadOptions {
  /**
   * With a positive value, the worker thread — which holds its own OpenCV, ≈ 90 MB — ends after this many ms
   * with no scan in flight, and the next scan starts a new one (config memory.visionWorkerIdleMs). Default 0:
   * it lives until close().
   */
  idleMs?: number;
}

/**
 * Moves `findShapes` — the scan a hostile module can ask for hundreds of times with distinct `minArea`
 * values — onto a worker thread, so the serving event loop (request handling, the sandbox watchdog) never
 * waits behind it. Everything else stays on `inner`. The worker is started on first use, does not keep the
 * process alive (unref), and is replaced if it dies; a screen is shared with it once and reused. With
 * `idleMs` it ends when unused that long (issue 20).
 */
export function offloadVision(inner: VisionPort, options: OffloadOptions = {}): OffloadedVision {
  const idleMs = options.idleMs ?? 0;
  let idleTimer: NodeJS.Timeout | undefined;
  let worker: Worker | undefined;
  let sent = new Set<number>();
  let nextId = 1;
  let nextKey = 1;
  const keys = new WeakMap<VisionImage, number>();
  const shared = new WeakMap<VisionImage, Uint8Array>();
  /**
   * The screen's pixels in shared memory, which postMessage hands over without copying: a 1920×1080 screen
   * structured-cloned to the worker took 38–40 ms a round trip at load 8 (a SharedArrayBuffer, 0.04 ms), more
   * than the scan itself. One memcpy per screen instead; the worker only reads it.
   */
  const pixelsOf = (img: VisionImage): Uint8Array => {
    if (img.data.buffer instanceof SharedArrayBuffer) return img.data;
    let s = shared.get(img);
    if (!s) {
      s = new Uint8Array(new SharedArrayBuffer(img.data.byteLength));
      s.set(img.data);
      shared.set(img, s);
    }
    return s;
  };
  const pending = new Map<number, Pending>();
  const stats = { workerCalls: 0 };

  /** Ends the worker once no scan is in flight for idleMs; the next scan starts a new one. */
  const armIdle = () => {
    clearTimeout(idleTimer);
    idleTimer = undefined;
    if (idleMs <= 0 || !worker || pending.size > 0) return;
    idleTimer = setTimeout(() => {
      idleTimer = undefined;
      if (!worker || pending.size > 0) return;
      const w = worker;
      worker = undefined;
      sent = new Set();
      void w.terminate();
    }, idleMs);
    idleTimer.unref();
  };

  const fail = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    worker = undefined;
    sent = new Set();
  };

  const start = (): Worker => {
    const fromSource = import.meta.url.endsWith('.ts');
    const entry = new URL(fromSource ? './vision-worker.ts' : './vision-worker.js', import.meta.url);
    // From source (tests, `tsx`), the worker first registers the same TypeScript loader as this thread.
    const w = fromSource
      ? new Worker(
          `(async () => { const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}); register(); await import(${JSON.stringify(entry.href)}); })();`,
          { eval: true },
        )
      : new Worker(entry);
    w.unref();
    w.on(
      'message',
      (m: { id: number; items?: Item[]; missing?: boolean; error?: { code?: string; message: string } }) => {
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        armIdle();
        if (m.missing) return p.retry();
        stats.workerCalls++;
        if (m.error) {
          const code = m.error.code && m.error.code in ERROR_CODES ? (m.error.code as ErrorCode) : undefined;
          return p.reject(code ? new IroncliwError(code, m.error.message) : new Error(m.error.message));
        }
        p.resolve(m.items ?? []);
      },
    );
    w.on('error', (err) => fail(err));
    w.on('exit', (code) => {
      if (worker === w) fail(new Error(`the vision worker exited (code ${code})`));
    });
    return w;
  };

  const scan = (
    img: VisionImage,
    opts: Parameters<VisionPort['findShapes']>[1],
    forceImage: boolean,
  ): Promise<Item[]> =>
    new Promise<Item[]>((resolve, reject) => {
      clearTimeout(idleTimer);
      idleTimer = undefined;
      worker ??= start();
      let key = keys.get(img);
      if (key === undefined) keys.set(img, (key = nextKey++));
      const id = nextId++;
      const withImage = forceImage || !sent.has(key);
      pending.set(id, { resolve, reject, retry: () => scan(img, opts, true).then(resolve, reject) });
      sent.add(key);
      worker.postMessage({
        id,
        key,
        opts,
        ...(withImage ? { image: { width: img.width, height: img.height, data: pixelsOf(img) } } : {}),
      });
    });

  return {
    stats,
    port: { ...inner, findShapes: (img, opts) => scan(img, opts, false) },
    running: () => worker !== undefined,
    async close() {
      clearTimeout(idleTimer);
      idleTimer = undefined;
      const w = worker;
      worker = undefined;
      fail(new Error('the vision worker was closed'));
      await w?.terminate();
    },
  };
}
