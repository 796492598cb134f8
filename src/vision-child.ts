import { readFileSync, rmSync } from 'node:fs';
import type { VisionPort } from './capabilities/index.js';
import type { ElementQuery, Rect } from './domain/index.js';
import { isIroncliwError } from './domain/index.js';
import type { Pixels, ChildMethod } from './vision-process.js';
import { createVisionPort } from './vision-port.js';
import type { RgbaImage } from './vision/index.js';
import {
  loadOpenCv,
  readTextPieces,
  setElementCacheScreens,
  setOcrIdleMs,
  setOcrMemoPieces,
  warmOcr,
} from './vision/index.js';

/**
 * The vision child process of `serve` (see vision-process.ts): OCR and OpenCV — tesseract.js workers, text
 * lines, elements, shape scans, descriptions — live here, and go back to the OS whole when the parent ends
 * this process after its idle period (issue 20). Started with its settings as argv[2] (JSON).
 */

interface Settings {
  memoPieces?: number;
  elementScreens?: number;
}

const settings = JSON.parse(process.argv[2] ?? '{}') as Settings;
if (settings.memoPieces !== undefined) setOcrMemoPieces(settings.memoPieces);
if (settings.elementScreens !== undefined) setElementCacheScreens(settings.elementScreens);
// The workers live as long as this process: the parent decides when it ends.
setOcrIdleMs(0);

/** Screens of the calls on a whole screen, sent once each and kept for the next calls on them; a few at most. */
const KEEP = 4;
const images = new Map<string, RgbaImage>();
const port = createVisionPort();

/** A call on a whole screen: the screen's digest, and the screen itself the first time it is named. */
interface OnScreen {
  id: number;
  /** The screen's digest (vision-process.ts). */
  key: string;
  width?: number;
  height?: number;
  pixels?: Pixels;
}

export type Ask =
  | { id: number; method: 'warm' }
  | { id: number; method: 'readText'; width: number; height: number; pixels: Pixels; pieces: Rect[] }
  | (OnScreen & { method: 'elements'; query: ElementQuery; rect?: Rect })
  | (OnScreen & { method: 'findShapes'; opts: Parameters<VisionPort['findShapes']>[1] })
  | (OnScreen & { method: 'describe'; rect?: Rect });

/** The bytes sent: inline, or read from their file, which is removed at once. */
function take(p: Pixels): Uint8Array {
  if ('bytes' in p) return p.bytes;
  const bytes = readFileSync(p.file);
  rmSync(p.file, { force: true });
  return bytes;
}

/**
 * The grey pixels of a rectangle as an RGBA image whose luminance (greyOf) is exactly those greys: r = g = b
 * gives (77 + 150 + 29)·v >> 8 = v. Reading text looks at nothing but that luminance.
 */
function greyImage(width: number, height: number, grey: Uint8Array): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  const words = new Uint32Array(data.buffer);
  for (let i = 0; i < words.length; i++) words[i] = (0xff000000 | (grey[i]! * 0x010101)) >>> 0;
  return { width, height, data };
}

/** Everything reading text needs, loaded together (any call here reads text). Never rejects. */
const warm = (): Promise<void> =>
  Promise.all([warmOcr(), loadOpenCv().catch(() => undefined)]).then(() => undefined);

const run = async (m: Ask): Promise<unknown> => {
  switch (m.method) {
    case 'warm':
      return warm();
    case 'readText':
      void warmOcr();
      return readTextPieces(greyImage(m.width, m.height, take(m.pixels)), m.pieces);
    case 'elements':
    case 'findShapes':
    case 'describe': {
      if (m.pixels) {
        images.delete(m.key);
        images.set(m.key, { width: m.width!, height: m.height!, data: take(m.pixels) });
        while (images.size > KEEP) images.delete(images.keys().next().value!);
      }
      const img = images.get(m.key);
      if (!img) return MISSING;
      if (m.method === 'findShapes') return port.findShapes(img, m.opts);
      if (m.method === 'describe') return port.describe(img, m.rect);
      void warmOcr();
      return port.elements!(img, m.query, m.rect);
    }
    default:
      throw new Error(`no text call ${String((m as { method: ChildMethod }).method)}`);
  }
};
const MISSING = Symbol('missing');

if (!process.send) throw new Error('vision-child runs as a child process with an IPC channel');
// An orphan never lingers: without its parent's channel this process has nothing to do.
process.on('disconnect', () => process.exit(0));
process.on('message', (m: Ask | { close: true }) => {
  if ('close' in m) process.exit(0);
  run(m).then(
    (value) => process.send!(value === MISSING ? { id: m.id, missing: true } : { id: m.id, value }),
    (err: unknown) =>
      process.send!({
        id: m.id,
        error: {
          code: isIroncliwError(err) ? err.code : undefined,
          message: err instanceof Error ? err.message : String(err),
        },
      }),
  );
});
// OpenCV is loaded at once: every call but `warm` needs it; the OCR workers start with the first text call
// (a child started for scans alone never starts one).
void loadOpenCv().catch(() => undefined);
