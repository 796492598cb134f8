import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VisionImage, VisionPort } from './capabilities/index.js';
import type { ErrorCode, Rect } from './domain/index.js';
import { ERROR_CODES, IroncliwError } from './domain/index.js';
import type { OcrResult } from './vision/index.js';
import { greyOf, textFinder, textPieces, textReader } from './vision/index.js';

/**
 * The vision calls that read text — readText, findText, elements, and `prepare` (the OCR warm-up); with
 * `scans`, findShapes and describe too — moved to a child process that `serve` starts on first use and ends
 * after an idle period (config memory.ocrIdleMs), so all it loaded goes back to the OS whole (issue 20). In
 * the serving process, tesseract.js worker threads left their glibc arenas behind when they ended (≈ 60 MB
 * per start of a thread), and OpenCV, loaded for text lines, stayed for good; a process that exits keeps
 * nothing.
 *
 * What is sent: for readText (and findText, which matches over readText's words here), the grey of the
 * pixels inside the text pieces only — layout (plain pixel loops) is found here, and reading looks at
 * nothing but grey — so a title bar costs its own few KB, a whole 1280×800 screen 1 MB; the answer is shifted
 * back to screen coordinates and is readText's, word for word. For the calls on a whole screen (elements;
 * findShapes and describe with `scans`), the RGBA screen, once per screen content: the child keeps the last few and asks
 * again for one it dropped.
 *
 * A child that dies fails the calls in flight with E_VISION_UNAVAILABLE and is started again by the next
 * call; one that loses its parent exits. close() ends it (the runtime's close, so `serve`'s first SIGTERM).
 */

/** Spool folders are named after the process that made them: `ironcliw-text-<pid>-XXXXXX`. */
const SPOOL_PREFIX = 'ironcliw-text-';

/**
 * Removes the spool folders of processes that are gone. A process killed with SIGKILL (a crash, `kill -9`)
 * runs no exit handler, so its folder would stay in /dev/shm (memory) until a reboot.
 */
export function removeDeadSpools(base: string): void {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    const m = name.startsWith(SPOOL_PREFIX) ? /^(\d+)-/.exec(name.slice(SPOOL_PREFIX.length)) : null;
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    rmSync(join(base, name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const CHILD_METHODS = ['warm', 'readText', 'elements', 'findShapes', 'describe'] as const;
export type ChildMethod = (typeof CHILD_METHODS)[number];

/** How long an ending child may take to exit by itself before it is killed. */
const END_GRACE_MS = 5000;

export interface VisionProcessOptions {
  /**
   * With a positive value, the child ends after this many ms with no call in flight, and the next call
   * starts a new one (1–2 s: OpenCV, and a tesseract worker for text). `0` keeps it until close().
   */
  idleMs?: number;
  /**
   * Also run findShapes and describe in the child (else they are `inner`'s). Off in `serve`, which keeps
   * them on its scan worker thread (vision-offload.ts): in the child, scans share one thread with text
   * reading, and in a memory-suite run at load 16–21 the first scan after the child's idle exit timed out in
   * a learned capability's run (the rollout then took it out of service); the growth after the load was no
   * lower than with text alone at that load (+19% without the malloc setting, 14:30).
   */
  scans?: boolean;
  /** The child's OCR memo size (config memory.ocrMemoPieces). */
  memoPieces?: number;
  /** The child's element cache size (config memory.elementScreens). */
  elementScreens?: number;
}

export interface VisionProcess {
  port: VisionPort;
  /** Calls answered by the child and children started (for tests). */
  readonly stats: { calls: number; starts: number };
  /** The running child's pid, if one runs now (for tests). */
  pid(): number | undefined;
  close(): Promise<void>;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  retry: () => void;
  /** The file its pixels went through, removed once it is answered (the child removes it once read). */
  file?: string;
}

/**
 * Pixels at least this large go to the child through a file in memory (/dev/shm, else the temp folder) in a
 * private folder, not the IPC pipe: a 1280×800 RGBA screen (4 MB) took 20–60 ms through the pipe at load
 * 8–13 (64 KB chunks, each waiting for the other process to be scheduled), 3 ms written and read as a file.
 * Smaller ones (a line's grey, a whole screen's grey: 1 MB, 1.5 ms) go inline.
 */
const FILE_BYTES = 1 << 20;

/** Pixels as sent: inline, or the path of a file holding exactly them. */
export type Pixels = { bytes: Uint8Array } | { file: string };

type Reply = { id: number; value?: unknown; missing?: boolean; error?: { code?: string; message: string } };

const unavailable = (why: string) =>
  new IroncliwError('E_VISION_UNAVAILABLE', `the text reader process ${why}`);

export function visionProcess(inner: VisionPort, options: VisionProcessOptions = {}): VisionProcess {
  const idleMs = options.idleMs ?? 0;
  let idleTimer: NodeJS.Timeout | undefined;
  let child: ChildProcess | undefined;
  /** Keys of the screens the current child was sent (for the calls on a whole screen). */
  let sent = new Set<string>();
  let nextId = 1;
  const keys = new WeakMap<VisionImage, string>();
  /**
   * A screen's key: a digest of its size and pixels (SHA-1, ≈ 3 ms for 1920×1080, as the element cache
   * computes in-process), so a screen whose pixels were sent before is never sent again, and the child
   * answers it from its element cache.
   */
  const keyOf = (img: VisionImage): string => {
    let key = keys.get(img);
    if (key === undefined) {
      key = createHash('sha1')
        .update(`${img.width}x${img.height}:`)
        .update(img.data.subarray(0, img.width * img.height * 4))
        .digest('base64');
      keys.set(img, key);
    }
    return key;
  };
  const pending = new Map<number, Pending>();
  const stats = { calls: 0, starts: 0 };
  let spool: string | undefined;

  const pixels = (id: number, data: Uint8Array): Pixels => {
    if (data.byteLength <= FILE_BYTES) return { bytes: data };
    if (!spool) {
      const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
      removeDeadSpools(base);
      const dir = (spool = mkdtempSync(join(base, `${SPOOL_PREFIX}${process.pid}-`)));
      // A process that exits without close() leaves no folder behind either.
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    }
    const file = join(spool, String(id));
    writeFileSync(file, data);
    return { file };
  };
  /** Forgets a call, and removes the file its pixels went through (if any and still there). */
  const settle = (id: number): Pending | undefined => {
    const p = pending.get(id);
    if (!p) return undefined;
    pending.delete(id);
    if (p.file) rmSync(p.file, { force: true });
    hold();
    return p;
  };

  /** The IPC channel keeps the process alive only while a call waits on it. */
  const hold = () => {
    const channel = child?.channel as { ref(): void; unref(): void } | undefined;
    if (pending.size > 0) channel?.ref();
    else channel?.unref();
  };

  const end = async (c: ChildProcess): Promise<void> => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    if (c.connected) c.send({ close: true }, () => undefined);
    const force = setTimeout(() => c.kill('SIGKILL'), END_GRACE_MS);
    await exited;
    clearTimeout(force);
  };

  const armIdle = () => {
    clearTimeout(idleTimer);
    idleTimer = undefined;
    if (idleMs <= 0 || !child || pending.size > 0) return;
    idleTimer = setTimeout(() => {
      idleTimer = undefined;
      if (!child || pending.size > 0) return;
      const c = child;
      child = undefined;
      sent = new Set();
      void end(c);
    }, idleMs);
    idleTimer.unref();
  };

  const fail = (err: Error) => {
    for (const id of [...pending.keys()]) settle(id)!.reject(err);
    child = undefined;
    sent = new Set();
  };

  const start = (): ChildProcess => {
    const fromSource = import.meta.url.endsWith('.ts');
    const entry = new URL(fromSource ? './vision-child.ts' : './vision-child.js', import.meta.url);
    const settings = JSON.stringify({
      ...(options.memoPieces !== undefined ? { memoPieces: options.memoPieces } : {}),
      ...(options.elementScreens !== undefined ? { elementScreens: options.elementScreens } : {}),
    });
    const c = fork(entry, [settings], {
      // From source (tests, `tsx`), the child registers the same TypeScript loader as this process.
      execArgv: fromSource ? ['--import', import.meta.resolve('tsx')] : [],
      // Typed arrays cross as bytes (the JSON default would spell them out number by number).
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    stats.starts++;
    c.on('message', (m: Reply) => {
      const p = settle(m.id);
      if (!p) return;
      armIdle();
      if (m.missing) return p.retry();
      stats.calls++;
      if (m.error) {
        const code = m.error.code && m.error.code in ERROR_CODES ? (m.error.code as ErrorCode) : undefined;
        return p.reject(code ? new IroncliwError(code, m.error.message) : new Error(m.error.message));
      }
      p.resolve(m.value);
    });
    c.on('error', (err) => {
      if (child === c) fail(unavailable(`failed: ${err.message}`));
    });
    c.on('exit', (code, signal) => {
      if (child === c)
        fail(unavailable(`exited (${signal ?? `code ${code}`}); the next call starts it again`));
    });
    return c;
  };

  /**
   * One call to the child. `data`: pixels to send with it (readText's grey); `img`: the screen a call on a
   * whole screen is about, sent once per child (its RGBA pixels as `data`, with its size), else named by its key.
   */
  const call = <T>(
    method: ChildMethod,
    message: Record<string, unknown>,
    data?: Uint8Array,
    img?: VisionImage,
    resend = false,
  ): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      clearTimeout(idleTimer);
      idleTimer = undefined;
      child ??= start();
      const c = child;
      const id = nextId++;
      let body: Record<string, unknown> = { id, method, ...message };
      let bytes = data;
      if (img) {
        const key = keyOf(img);
        body.key = key;
        if (!sent.has(key) || resend) {
          body = { ...body, width: img.width, height: img.height };
          bytes = img.data.subarray(0, img.width * img.height * 4);
          sent.add(key);
        }
      }
      const p: Pending = {
        resolve: resolve as (value: unknown) => void,
        reject,
        retry: () => call<T>(method, message, data, img, true).then(resolve, reject),
      };
      pending.set(id, p);
      hold();
      try {
        if (bytes) {
          const sending = pixels(id, bytes);
          if ('file' in sending) p.file = sending.file;
          body.pixels = sending;
        }
        c.send(body, (err) => {
          if (err) settle(id)?.reject(unavailable(`could not be reached: ${err.message}`));
        });
      } catch (err) {
        settle(id)?.reject(unavailable(`could not be reached: ${(err as Error).message}`));
      }
    });

  /** readText of a clamped, non-empty rectangle: the grey of its text pieces, read in the child. */
  const recognize = async (img: VisionImage, r: Rect): Promise<OcrResult> => {
    const pieces = textPieces(img, r);
    const x0 = Math.min(...pieces.map((p) => p.x));
    const y0 = Math.min(...pieces.map((p) => p.y));
    const x1 = Math.max(...pieces.map((p) => p.x + p.width));
    const y1 = Math.max(...pieces.map((p) => p.y + p.height));
    const box = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
    const read = await call<OcrResult>(
      'readText',
      {
        width: box.width,
        height: box.height,
        pieces: pieces.map((p) => ({ ...p, x: p.x - x0, y: p.y - y0 })),
      },
      greyOf(img, box),
    );
    return {
      text: read.text,
      words: read.words.map((w) => ({ ...w, bbox: { ...w.bbox, x: w.bbox.x + x0, y: w.bbox.y + y0 } })),
    };
  };
  const readText = textReader(recognize);
  const findText = textFinder(readText);

  return {
    stats,
    port: {
      ...inner,
      readText: (img, rect) => readText(img, rect),
      findText: (img, query, rect) => findText(img, query, rect),
      elements: (img, query, rect) => call('elements', { query, ...(rect ? { rect } : {}) }, undefined, img),
      ...(options.scans
        ? {
            findShapes: (img, opts) => call('findShapes', { opts }, undefined, img),
            describe: (img, rect) => call('describe', rect ? { rect } : {}, undefined, img),
          }
        : {}),
      // Never rejects (as the in-process warm-up): a child that cannot start fails the read that follows.
      prepare: async (needs) => {
        if (needs.ocr) await call('warm', {}).catch(() => undefined);
      },
    },
    pid: () => child?.pid,
    async close() {
      clearTimeout(idleTimer);
      idleTimer = undefined;
      const c = child;
      fail(unavailable('was closed'));
      if (c) await end(c);
      if (spool) rmSync(spool, { recursive: true, force: true });
      spool = undefined;
    },
  };
}
