import { createHash } from 'node:crypto';
import type { Rect } from '../domain/index.js';
import { IroncliwError } from '../domain/index.js';
import type { RgbaImage } from './image-io.js';
import { assertImage, clampRect } from './image-io.js';
import type { OcrWord } from './ocr-montage.js';
import { readStrips } from './ocr-montage.js';
import type { Strip, TextPiece } from './ocr-strips.js';
import { pieceStrip, prepareStrip } from './ocr-strips.js';
import { loadOpenCv } from './opencv.js';
import { cacheLimit, Lru } from './lru.js';
import { layoutOf } from './regions.js';
import { findTextLines } from './text-lines.js';

/**
 * OCR, the face of it: reading a screen (or a rectangle of it) line by line, and reading pieces the element
 * detector found. Pre-processing is in ocr-strips.ts, the Tesseract call in ocr-montage.ts, the worker pool in
 * ocr-workers.ts, matching a phrase on screen in find-text.ts.
 */

export type { OcrWord } from './ocr-montage.js';
export type { TextPiece } from './ocr-strips.js';
export {
  closeOcr,
  holdOcr,
  OCR_IDLE_DEFAULT_MS,
  OCR_LANG_PATH,
  OCR_MAX_WORKERS,
  ocrWorkers,
  setOcrIdleMs,
  warmOcr,
} from './ocr-workers.js';

export interface OcrResult {
  text: string;
  words: OcrWord[];
}

/**
 * Reads the text of an image, or of a rectangle of it, with word boxes in full-image coordinates.
 *
 * @example const { text, words } = await readText(img, resolveRegion(img, 'titlebar'));
 */
export function readText(img: RgbaImage, rect?: Rect): Promise<OcrResult> {
  return readHere(img, rect);
}

/**
 * `readText`'s checks and per-image memo over a given reader of a (clamped, non-empty) rectangle: this
 * process's own ({@link readText}), or a text-reading child process's (`serve`; vision-process.ts),
 * which then answers exactly as readText would.
 */
export function textReader(
  recognize: (img: RgbaImage, r: Rect) => Promise<OcrResult>,
): (img: RgbaImage, rect?: Rect) => Promise<OcrResult> {
  const cache = new WeakMap<RgbaImage, Map<string, Promise<OcrResult>>>();
  return (img, rect) => {
    try {
      assertImage(img);
    } catch (err) {
      return Promise.reject(err);
    }
    const r = clampRect(img, rect ?? { x: 0, y: 0, width: img.width, height: img.height });
    if (r.width === 0 || r.height === 0) {
      return Promise.reject(
        new IroncliwError('E_INPUT_INVALID', `the region ${JSON.stringify(rect)} is empty`),
      );
    }
    const key = `${r.x},${r.y},${r.width},${r.height}`;
    let perImage = cache.get(img);
    if (!perImage) cache.set(img, (perImage = new Map()));
    let result = perImage.get(key);
    if (!result) {
      result = recognize(img, r);
      perImage.set(key, result);
      result.catch(() => perImage.delete(key));
    }
    return result;
  };
}

/**
 * Bars and panels differ in background; looking for lines region by region keeps their borders from joining
 * the text next to them.
 */
export function textPieces(img: RgbaImage, r: Rect): Rect[] {
  const layout = layoutOf(img);
  const out: Rect[] = [];
  for (const name of ['titlebar', 'toolbar', 'sidebar', 'content', 'statusbar'] as const) {
    if (!layout.detected[name]) continue;
    const t = layout.regions[name];
    const x0 = Math.max(r.x, t.x);
    const y0 = Math.max(r.y, t.y);
    const x1 = Math.min(r.x + r.width, t.x + t.width);
    const y1 = Math.min(r.y + r.height, t.y + t.height);
    // Slivers thinner than a line of text cannot hold one.
    if (x1 - x0 >= 8 && y1 - y0 >= 8) out.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
  }
  return out.length ? out : [r];
}

/**
 * Reads the text lines found in `pieces` (rectangles of `img`, in reading order; {@link textPieces}): what
 * readText does once it knows where to look. Only the pixels inside the pieces are read, and only their grey.
 */
export async function readTextPieces(img: RgbaImage, pieces: Rect[]): Promise<OcrResult> {
  const { cv } = await loadOpenCv();
  // Region by region (title bar, toolbar, sidebar, content, status bar), top to bottom within each.
  const lines = pieces.flatMap((p) => findTextLines(cv, img, p));
  if (!lines.length) return { text: '', words: [] };
  const strips = (await Promise.all(lines.map((l) => prepareStrip(img, l)))).filter(
    (s): s is Strip => s !== undefined,
  );
  if (!strips.length) return { text: '', words: [] };
  const read = await readStrips(strips);
  return {
    text: read.flatMap((x) => x.lines).join('\n'),
    words: read.flatMap((x) => x.words),
  };
}

const readHere = textReader((img, r) => readTextPieces(img, textPieces(img, r)));

/** A word of a memoised reading, its box relative to its strip's rectangle. */
interface MemoWord {
  text: string;
  confidence: number;
  dx: number;
  dy: number;
  width: number;
  height: number;
}

/**
 * How many pieces' readings are remembered (config `memory.ocrMemoPieces`): a piece whose prepared strip is
 * the same, bit for bit, as one read before is not read again. Screens repeat their labels (the same buttons
 * after every click, the same menu on every page), and a Tesseract call costs 50-100 ms however small its
 * image. An entry is its words and a 40-character key, ≈ 0.3 KB.
 */
export const OCR_MEMO_DEFAULT_PIECES = 4096;
const memo = new Lru<string, MemoWord[]>(OCR_MEMO_DEFAULT_PIECES);

/** Sets how many pieces' readings are remembered (`0` remembers none and forgets all). */
export function setOcrMemoPieces(n: number): void {
  memo.resize(cacheLimit(n, 'the OCR memo size'));
}

/** Forgets every remembered reading (benchmarks measuring a first read; tests). */
export function clearOcrMemo(): void {
  memo.clear();
}

/** The key of a prepared strip: its size, upscale and binarised pixels. */
function stripKey(s: Strip): string {
  return createHash('sha1')
    .update(`${s.width}x${s.height}x${s.scale}${s.lone ? 'l' : ''}:${s.rect.width}x${s.rect.height}:`)
    .update(s.grey)
    .digest('base64');
}

const toMemo = (s: Strip, words: OcrWord[]): MemoWord[] =>
  words.map((w) => ({
    text: w.text,
    confidence: w.confidence,
    dx: w.bbox.x - s.rect.x,
    dy: w.bbox.y - s.rect.y,
    width: w.bbox.width,
    height: w.bbox.height,
  }));

const fromMemo = (s: Strip, words: MemoWord[]): OcrWord[] =>
  words.map((w) => ({
    text: w.text,
    confidence: w.confidence,
    bbox: { x: s.rect.x + w.dx, y: s.rect.y + w.dy, width: w.width, height: w.height },
  }));

/**
 * Reads pieces of one text line each (the detector's phrases), every piece prepared and binarised on its
 * own, all in one Tesseract call. Returns the words of each piece in screen coordinates, `[]` for a piece that
 * could not be read (nothing above confidence 40): callers report it unread rather than guess. A piece read
 * before (the same strip, bit for bit) is not read again ({@link setOcrMemoPieces}).
 */
export async function readPieces(img: RgbaImage, pieces: TextPiece[]): Promise<OcrWord[][]> {
  assertImage(img);
  const strips = await Promise.all(pieces.map((p) => pieceStrip(img, p)));
  const out: OcrWord[][] = pieces.map(() => []);
  const present: Array<{ s: Strip; i: number; key: string }> = [];
  for (const [i, s] of strips.entries()) {
    if (!s) continue;
    const key = stripKey(s);
    const known = memo.get(key);
    if (known) out[i] = fromMemo(s, known);
    else present.push({ s, i, key });
  }
  if (!present.length) return out;
  // Tesseract reads a line in the light of the lines around it: in a montage of a task page "Seoul" came back
  // as "Seou" (confidence 43) though it reads 96 on its own. Pieces read weakly or not at all are read again,
  // among the weak pieces of their run, one upscale step larger and one under another (short pieces too, which
  // the first look sets side by side), and keep the better reading: tessdata_fast's narrower network read the
  // list items "Berlin" and "Dublin" of a task page side by side, ×3 and ×2, at confidence 34, and 97 and 95
  // stacked one step larger. Each run's second look starts as soon as that run is read (on the worker it
  // freed), so it overlaps the other runs' first read instead of following the slowest of them.
  const pieceOfStrip = new Map(present.map((x) => [x.s, pieces[x.i]!]));
  const read = await readStrips(
    present.map((x) => x.s),
    async (run, got) => {
      const weak = got.flatMap((r, k) => (least(r.words) < WEAK_READING ? [k] : []));
      if (!weak.length) return got;
      const larger = await Promise.all(weak.map((k) => pieceStrip(img, pieceOfStrip.get(run[k]!)!, 1)));
      const again = larger.flatMap((s, j) => (s ? [{ k: weak[j]!, s: { ...s, lone: false } }] : []));
      if (!again.length) return got;
      const reread = await readStrips(again.map((x) => x.s));
      reread.forEach((r, j) => {
        const k = again[j]!.k;
        if (least(r.words) > least(got[k]!.words)) got[k] = r;
      });
      return got;
    },
  );
  read.forEach((r, k) => (out[present[k]!.i] = r.words));
  for (const { s, i, key } of present) memo.set(key, toMemo(s, out[i]!));
  return out;
}
/** A piece whose least word confidence is under this is read a second time. */
const WEAK_READING = 60;

/** The least word confidence of a reading; -1 for nothing read. */
const least = (words: OcrWord[]) => (words.length ? Math.min(...words.map((w) => w.confidence)) : -1);
