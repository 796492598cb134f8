import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * The shared pool of tesseract.js workers: started lazily, at most one per core, ended when the last holder
 * lets go or after an idle period (issue 20: each worker holds ≈ 170 MB that a serving or learning process
 * idle for hours need not keep). Reading and pre-processing are elsewhere (ocr.ts, ocr-strips.ts, ocr-montage.ts).
 */

/**
 * English traineddata vendored in this package, gzipped: tessdata_fast's `eng` (an integer LSTM network,
 * narrower than the `4.0.0` model of `@tesseract.js-data/eng`: ≈ 1/3 less Tesseract time for the same text,
 * the same accuracy figures). Provenance and checksums: vendor/tessdata-fast/README.md. The folder is what
 * tesseract.js calls `langPath`; a path (not a URL) makes it read `<langPath>/eng.traineddata.gz` from disk,
 * so OCR never downloads anything. src/vision and dist/vision both sit two levels below the package root.
 */
export const OCR_LANG_PATH = fileURLToPath(new URL('../../vendor/tessdata-fast', import.meta.url));

/** The slice of a tesseract.js worker used here. */
interface TesseractWorker {
  recognize(
    image: Buffer,
    options?: Record<string, unknown>,
    output?: Record<string, boolean>,
  ): Promise<{ data: TesseractPage }>;
  setParameters(params: Record<string, string>): Promise<unknown>;
  terminate(): Promise<unknown>;
}
interface TesseractPage {
  /** Tab-separated: level, page, block, paragraph, line, word, left, top, width, height, confidence, text. */
  tsv: string | null;
}

/** One worker and the chain of jobs queued on it (a worker reads one image at a time). */
interface Slot {
  worker: Promise<TesseractWorker>;
  queue: Promise<unknown>;
  pending: number;
}

/**
 * At most one worker per core (≤ 4: each adds ≈ 170 MB of resident memory, model and WASM heap), created
 * lazily when every existing worker is busy; {@link closeOcr} ends them all.
 */
export const OCR_MAX_WORKERS = Math.max(1, Math.min(4, availableParallelism()));

let slots: Slot[] = [];

/**
 * How long the pool may go without a read before its workers end (config `memory.ocrIdleMs`): the next read
 * starts a worker again (1-2 s on an idle machine). 60 s: a burst of OCR commands keeps its workers, an
 * hour of none costs nothing.
 */
export const OCR_IDLE_DEFAULT_MS = 60_000;

let idleMs = OCR_IDLE_DEFAULT_MS;
let idleTimer: NodeJS.Timeout | undefined;

/** Arms the idle timer when no worker has a job queued; a read in the meantime disarms it. */
function armIdle(): void {
  clearTimeout(idleTimer);
  idleTimer = undefined;
  if (idleMs <= 0 || !slots.length || slots.some((s) => s.pending > 0)) return;
  idleTimer = setTimeout(() => {
    idleTimer = undefined;
    if (slots.every((s) => s.pending === 0)) void closeOcr();
  }, idleMs);
  // The idle timer never keeps a process alive: a CLI command that read text exits when it is done.
  idleTimer.unref();
}

/**
 * Sets how long the pool may sit idle before its workers end (ms; `0` keeps them until {@link closeOcr}).
 * The pool is one per process, so the last setting wins.
 */
export function setOcrIdleMs(ms: number): void {
  if (!Number.isFinite(ms) || ms < 0)
    throw new RangeError(`the OCR idle period must be a non-negative number of ms, got ${ms}`);
  idleMs = ms;
  armIdle();
}

function createTesseractWorker(): Promise<TesseractWorker> {
  return (async () => {
    const { createWorker } = (await import('tesseract.js')) as unknown as {
      createWorker: (lang: string, oem: number, options: Record<string, unknown>) => Promise<TesseractWorker>;
    };
    const w = await createWorker('eng', 1, {
      langPath: OCR_LANG_PATH,
      gzip: true,
      // Never write a cache next to the process or fetch anything: the data comes from the package's vendor/.
      cacheMethod: 'none',
    });
    // Sparse text: the montage holds separate lines and labels, not paragraphs. Every strip is set dark on
    // white before it is read (ocr-strips.ts), so Tesseract's second try of a weak line inverted
    // (`tessedit_do_invert`, on by default) only costs time: off.
    await w.setParameters({ tessedit_pageseg_mode: '11', user_defined_dpi: '300', tessedit_do_invert: '0' });
    return w;
  })();
}

/** Runs `job` on an idle worker, a new one if all are busy and the pool may grow, else the least loaded one. */
export function onWorker<T>(job: (w: TesseractWorker) => Promise<T>): Promise<T> {
  clearTimeout(idleTimer);
  idleTimer = undefined;
  let slot = slots.find((s) => s.pending === 0);
  if (!slot && slots.length < OCR_MAX_WORKERS) {
    const created: Slot = { worker: createTesseractWorker(), queue: Promise.resolve(), pending: 0 };
    // A worker that failed to start is dropped, so the next call tries again.
    created.worker.catch(() => (slots = slots.filter((s) => s !== created)));
    slots.push(created);
    slot = created;
  }
  slot ??= slots.reduce((a, b) => (b.pending < a.pending ? b : a));
  const s = slot;
  s.pending++;
  const run = s.queue.then(async () => job(await s.worker));
  s.queue = run
    .catch(() => undefined)
    .finally(() => {
      s.pending--;
      armIdle();
    });
  return run;
}

/**
 * Makes sure one worker is running (starting one if none is), resolved once it can read. For work whose clock
 * must not include the pool's start-up (1-2 s on an idle machine, more when busy): a generated capability's
 * run, which would otherwise be charged for it against its timeout and host-time budget. Never rejects: a
 * worker that fails to start is dropped, and the read that follows reports the error.
 */
export async function warmOcr(): Promise<void> {
  clearTimeout(idleTimer);
  idleTimer = undefined;
  if (!slots.length) {
    const created: Slot = { worker: createTesseractWorker(), queue: Promise.resolve(), pending: 0 };
    created.worker.catch(() => (slots = slots.filter((s) => s !== created)));
    slots.push(created);
  }
  await Promise.all(slots.map((s) => s.worker.catch(() => undefined)));
  armIdle();
}

/** How many OCR workers are running (or starting). */
export function ocrWorkers(): number {
  return slots.length;
}

/** Ends every OCR worker (if any). The next OCR call starts new ones. */
export async function closeOcr(): Promise<void> {
  clearTimeout(idleTimer);
  idleTimer = undefined;
  const ending = slots;
  slots = [];
  await Promise.all(ending.map(async (s) => (await s.worker.catch(() => undefined))?.terminate()));
}

let holders = 0;

/**
 * Registers a user of the shared worker pool (a runtime); the returned release ends the pool once the last
 * holder is done. Why: live tesseract workers keep a Node process from exiting, so a CLI command that read
 * text never ended, and a second runtime in the same process must not lose workers it is using.
 * `idleMs`: see {@link setOcrIdleMs}.
 */
export function holdOcr(options: { idleMs?: number } = {}): () => Promise<void> {
  if (options.idleMs !== undefined) setOcrIdleMs(options.idleMs);
  holders++;
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (--holders === 0) await closeOcr();
  };
}
