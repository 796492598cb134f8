import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { Item, Rect } from '../domain/index.js';
import { IroncliwError } from '../domain/index.js';
import type { RgbaImage } from './image-io.js';
import { assertImage, clampRect } from './image-io.js';
import { layoutOf } from './regions.js';

const require = createRequire(import.meta.url);

/**
 * English traineddata from the npm package (gzipped): OCR never downloads anything. The folder is what
 * tesseract.js calls `langPath`; it reads `<langPath>/eng.traineddata.gz` from disk.
 */
export const OCR_LANG_PATH = join(dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0');

export interface OcrWord {
  text: string;
  bbox: Rect;
  /** 0..100, as tesseract reports it. */
  confidence: number;
}

export interface OcrResult {
  text: string;
  words: OcrWord[];
}

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
interface TesseractBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
interface TesseractPage {
  text: string;
  blocks: Array<{
    paragraphs: Array<{
      lines: Array<{ words: Array<{ text: string; confidence: number; bbox: TesseractBox }> }>;
    }>;
  }> | null;
}

let worker: Promise<TesseractWorker> | undefined;
/** Jobs run one at a time on the single worker; the chain keeps their order. */
let queue: Promise<unknown> = Promise.resolve();

/** One worker per process, created on first use (≈1 s) and reused; {@link closeOcr} ends it. */
function getWorker(): Promise<TesseractWorker> {
  worker ??= (async () => {
    const { createWorker } = (await import('tesseract.js')) as unknown as {
      createWorker: (lang: string, oem: number, options: Record<string, unknown>) => Promise<TesseractWorker>;
    };
    const w = await createWorker('eng', 1, {
      langPath: OCR_LANG_PATH,
      gzip: true,
      // Never write a cache next to the process or fetch anything: the data comes from the package.
      cacheMethod: 'none',
    });
    // Sparse text: screens hold labels and short lines scattered around, not paragraphs.
    await w.setParameters({ tessedit_pageseg_mode: '11', user_defined_dpi: '300' });
    return w;
  })();
  worker.catch(() => (worker = undefined));
  return worker;
}

/** Ends the OCR worker (if any). The next OCR call starts a new one. */
export async function closeOcr(): Promise<void> {
  const w = worker;
  worker = undefined;
  if (w) await (await w.catch(() => undefined))?.terminate();
}

/**
 * Screen text is small (11–16 px) and often light on dark. Tesseract reads dark text on light background at
 * ~30 px best, so the crop is upscaled, made grey, and inverted when its background is dark.
 */
async function prepare(img: RgbaImage, r: Rect): Promise<{ png: Buffer; scale: number }> {
  const scale = r.width * r.height > 2_500_000 ? 2 : 3;
  const grey = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 4 } })
    .extract({ left: r.x, top: r.y, width: r.width, height: r.height })
    .greyscale();
  const { data } = await grey.clone().raw().toBuffer({ resolveWithObject: true });
  const hist = new Uint32Array(256);
  for (const v of data) hist[v]!++;
  let mode = 0;
  for (let v = 1; v < 256; v++) if (hist[v]! > hist[mode]!) mode = v;
  let pipeline = grey.resize({ width: r.width * scale, height: r.height * scale, kernel: 'cubic' });
  if (mode < 128) pipeline = pipeline.negate({ alpha: false });
  return { png: await pipeline.png().toBuffer(), scale };
}

const cache = new WeakMap<RgbaImage, Map<string, Promise<OcrResult>>>();

/**
 * Reads the text of an image, or of a rectangle of it, with word boxes in full-image coordinates.
 *
 * @example const { text, words } = await readText(img, resolveRegion(img, 'titlebar'));
 */
export function readText(img: RgbaImage, rect?: Rect): Promise<OcrResult> {
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
    const job = queue.then(() => recognize(img, r));
    queue = job.catch(() => undefined);
    result = job;
    perImage.set(key, result);
    result.catch(() => perImage.delete(key));
  }
  return result;
}

/**
 * Bars and panels differ in background (and polarity, in dark themes); Tesseract binarises a page globally and
 * loses text on whichever background is in the minority. Reading each layout region on its own fixes that.
 */
function pieces(img: RgbaImage, r: Rect): Rect[] {
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

async function recognize(img: RgbaImage, r: Rect): Promise<OcrResult> {
  const w = await getWorker();
  const words: OcrWord[] = [];
  const lines: string[] = [];
  for (const piece of pieces(img, r)) {
    const { png, scale } = await prepare(img, piece);
    const { data } = await w.recognize(png, {}, { text: true, blocks: true });
    collect(data, piece, scale, words, lines);
  }
  return { text: lines.join('\n'), words };
}

function collect(data: TesseractPage, r: Rect, scale: number, words: OcrWord[], lines: string[]): void {
  for (const block of data.blocks ?? []) {
    for (const para of block.paragraphs) {
      for (const line of para.lines) {
        const kept: string[] = [];
        for (const word of line.words) {
          const text = word.text.trim();
          // Tesseract turns icons and shape edges into low-confidence junk "words"; real screen text reads well.
          // Button and panel borders come back as "|", "[" or "_" words.
          if (!text || word.confidence < 40 || /^[|[\]_]+$/.test(text)) continue;
          kept.push(text);
          const x0 = Math.floor(word.bbox.x0 / scale);
          const y0 = Math.floor(word.bbox.y0 / scale);
          words.push({
            text,
            confidence: Math.round(word.confidence),
            bbox: {
              x: r.x + x0,
              y: r.y + y0,
              width: Math.max(1, Math.ceil(word.bbox.x1 / scale) - x0),
              height: Math.max(1, Math.ceil(word.bbox.y1 / scale) - y0),
            },
          });
        }
        if (kept.length) lines.push(kept.join(' '));
      }
    }
  }
}

const normalize = (s: string) =>
  s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^\p{L}\p{N}]+/gu, '');

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/** OCR misreads a character or two in longer words ("Settinqs"); short words must match exactly. */
const tolerance = (n: number) => (n <= 3 ? 0 : n <= 7 ? 1 : 2);

/**
 * Finds a word or phrase on screen: case-insensitive, ignoring punctuation, tolerant of small OCR errors.
 * Each match is an item `{kind:'text', text, bbox}` covering the matched words.
 *
 * @example await findText(img, 'save') // [{ kind: 'text', text: 'Save', bbox: {...} }]
 */
export async function findText(img: RgbaImage, query: string, rect?: Rect): Promise<Item[]> {
  const wanted = query.split(/\s+/).map(normalize).filter(Boolean);
  if (wanted.length === 0) throw new IroncliwError('E_INPUT_INVALID', 'the text to find is empty');
  const target = wanted.join(' ');
  // Dashes and bullets read as words of their own; they take no part in matching.
  const words = (await readText(img, rect)).words.filter((w) => normalize(w.text) !== '');
  const items: Item[] = [];
  for (let i = 0; i + wanted.length <= words.length; i++) {
    const run = words.slice(i, i + wanted.length);
    // A phrase must read left to right on one line.
    const sameLine = run.every(
      (w, k) =>
        k === 0 ||
        (Math.abs(w.bbox.y - run[k - 1]!.bbox.y) < Math.max(w.bbox.height, 8) &&
          w.bbox.x >= run[k - 1]!.bbox.x),
    );
    if (!sameLine) continue;
    const got = run.map((w) => normalize(w.text)).join(' ');
    if (distance(got, target) > tolerance(target.length)) continue;
    const x = Math.min(...run.map((w) => w.bbox.x));
    const y = Math.min(...run.map((w) => w.bbox.y));
    const x1 = Math.max(...run.map((w) => w.bbox.x + w.bbox.width));
    const y1 = Math.max(...run.map((w) => w.bbox.y + w.bbox.height));
    items.push({
      kind: 'text',
      text: run.map((w) => w.text).join(' '),
      bbox: { x, y, width: x1 - x, height: y1 - y },
    });
  }
  return items;
}
