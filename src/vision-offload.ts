import { Worker } from 'node:worker_threads';
import type { VisionImage, VisionPort } from './capabilities/index.js';
import type { ErrorCode } from './domain/index.js';
import { ERROR_CODES, IroncliwError } from './domain/index.js';

interface Pending {
  /** A scan started ahead of a run: not counted as a call. */
  prescan: boolean;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  retry: () => void;
}

/**
 * The calls of vision/ that run OpenCV and no OCR: findShapes, describe (shapes and colours). Text (readText,
 * findText, elements) is read on the calling thread: tesseract run for a worker thread that then ends — its
 * workers nested in it, or the caller's pool at its request — left ≈ 60 MB behind per start of the thread
 * (`/tmp` experiment, 5 starts and ends of 10 reads each: 219 → 303 → 311 → 375 → 430 MB, no plateau), where
 * the calling thread's own pool, ended and started again, stays level (272 → 353 → 340 → 343 MB).
 * resolveRegion and colors are plain pixel loops and stay on the calling thread.
 */
export const OFFLOADED = ['findShapes', 'describe'] as const;
/** What the worker is asked: an offloaded call, or `prescan` (a screen's default shape scan, kept there). */
export type OffloadedMethod = (typeof OFFLOADED)[number] | 'prescan';

/** How long an ending worker may take to exit by itself before it is terminated. */
const END_GRACE_MS = 5000;

interface OffloadedVision {
  port: VisionPort;
  /**
   * Calls answered by the worker thread, screens shared in a reused buffer, scans started ahead of a run
   * (for tests and /metrics).
   */
  readonly stats: { workerCalls: number; buffersReused: number; prescans: number };
  /** Whether the worker thread is running now (for tests). */
  running(): boolean;
  close(): Promise<void>;
}

export interface OffloadOptions {
  /**
   * With a positive value, the worker thread — which holds its own OpenCV (≈ 90 MB) — ends after this many ms
   * with no call in flight, and the next call starts a new one (config memory.visionWorkerIdleMs). Default
   * 0: it lives until close().
   */
  idleMs?: number;
}

/**
 * Moves the vision calls that run OpenCV without OCR ({@link OFFLOADED}) onto a worker thread. `findShapes`
 * is the scan a hostile module can ask for hundreds of times with distinct `minArea` values: the serving
 * event loop (request handling, the sandbox watchdog) never waits behind it. And OpenCV's WASM heap, which a
 * thread that loaded it cannot give back, is not loaded by the serving thread for them: it goes when the
 * worker ends (issue 20: `describe the screen` kept OpenCV in the server for good). The rest stays on
 * `inner`. The worker is started on first use, does not keep the process alive (unref), and is replaced
 * if it dies; a screen is shared with it once and reused. With `idleMs` it ends when unused that long.
 */
/** Spare shared pixel buffers kept per screen size (a few screens are in flight at once). */
const SPARE_BUFFERS = 4;

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
   * Shared buffers whose screen is gone, by size, for the next screens. Fresh memory is the cost here: an
   * 8 MB buffer allocated and filled took 24 ms (page faults in this VM), refilling one 0.5 ms. A buffer is
   * reused only once its screen object was collected: no call about that screen can still come (a call in
   * flight holds its screen), so the worker's stale view of it is never read again.
   */
  const spare = new Map<number, SharedArrayBuffer[]>();
  const collected = new FinalizationRegistry<SharedArrayBuffer>((buffer) => {
    const list = spare.get(buffer.byteLength) ?? [];
    if (list.length < SPARE_BUFFERS) list.push(buffer);
    spare.set(buffer.byteLength, list);
  });
  /**
   * The screen's pixels in shared memory, which postMessage hands over without copying: a 1920×1080 screen
   * structured-cloned to the worker took 38–40 ms a round trip at load 8 (a SharedArrayBuffer, 0.04 ms), more
   * than the scan itself. One memcpy per screen instead, into a reused buffer; the worker only reads it.
   */
  const pixelsOf = (img: VisionImage): Uint8Array => {
    if (img.data.buffer instanceof SharedArrayBuffer) return img.data;
    let s = shared.get(img);
    if (!s) {
      const reused = spare.get(img.data.byteLength)?.pop();
      if (reused) stats.buffersReused++;
      const buffer = reused ?? new SharedArrayBuffer(img.data.byteLength);
      s = new Uint8Array(buffer);
      s.set(img.data);
      shared.set(img, s);
      collected.register(img, buffer);
    }
    return s;
  };
  const pending = new Map<number, Pending>();
  const stats = { workerCalls: 0, buffersReused: 0, prescans: 0 };

  /** Ends a worker: it exits by itself between calls; terminate() if it has not within a few seconds. */
  const end = async (w: Worker): Promise<void> => {
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    w.postMessage({ close: true });
    const force = setTimeout(() => void w.terminate(), END_GRACE_MS);
    await exited;
    clearTimeout(force);
  };

  /** Ends the worker once no call is in flight for idleMs; the next call starts a new one. */
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
      // An idle server keeps no spare pixels either (issue 20: up to 4 × 8 MB at 1920×1080).
      spare.clear();
      void end(w);
    }, idleMs);
    idleTimer.unref();
  };

  const fail = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    spare.clear();
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
      (m: { id: number; value?: unknown; missing?: boolean; error?: { code?: string; message: string } }) => {
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        armIdle();
        if (m.missing) return p.retry();
        if (!p.prescan) stats.workerCalls++;
        if (m.error) {
          const code = m.error.code && m.error.code in ERROR_CODES ? (m.error.code as ErrorCode) : undefined;
          return p.reject(code ? new IroncliwError(code, m.error.message) : new Error(m.error.message));
        }
        p.resolve(m.value);
      },
    );
    w.on('error', (err) => fail(err));
    w.on('exit', (code) => {
      if (worker === w) fail(new Error(`the vision worker exited (code ${code})`));
    });
    return w;
  };

  const call = <T>(
    img: VisionImage,
    method: OffloadedMethod,
    args: unknown[],
    forceImage = false,
  ): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      clearTimeout(idleTimer);
      idleTimer = undefined;
      worker ??= start();
      let key = keys.get(img);
      if (key === undefined) keys.set(img, (key = nextKey++));
      const id = nextId++;
      const withImage = forceImage || !sent.has(key);
      pending.set(id, {
        prescan: method === 'prescan',
        resolve: resolve as (value: unknown) => void,
        reject,
        retry: () => call<T>(img, method, args, true).then(resolve, reject),
      });
      sent.add(key);
      worker.postMessage({
        id,
        key,
        method,
        args,
        ...(withImage ? { image: { width: img.width, height: img.height, data: pixelsOf(img) } } : {}),
      });
    });

  return {
    stats,
    port: {
      ...inner,
      findShapes: (img, opts) => call(img, 'findShapes', [opts]),
      describe: (img, rect) => call(img, 'describe', [rect]),
      prescan: (img) => {
        stats.prescans++;
        // Nothing waits for it: an error (the worker died) is the next call's to see.
        call(img, 'prescan', []).catch(() => undefined);
      },
    },
    running: () => worker !== undefined,
    async close() {
      clearTimeout(idleTimer);
      idleTimer = undefined;
      const w = worker;
      worker = undefined;
      fail(new Error('the vision worker was closed'));
      if (w) await end(w);
    },
  };
}
