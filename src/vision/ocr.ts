import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { Item, Rect } from '../domain/index.js';
import { IroncliwError } from '../domain/index.js';
import type { RgbaImage } from './image-io.js';
import { assertImage, clampRect } from './image-io.js';
import { loadOpenCv } from './opencv.js';
import { layoutOf } from './regions.js';
import type { TextLine } from './text-lines.js';
import { findTextLines, greyOf } from './text-lines.js';

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
interface TesseractWord {
  text: string;
  confidence: number;
  bbox: TesseractBox;
}
interface TesseractPage {
  /** Tab-separated: level, page, block, paragraph, line, word, left, top, width, height, confidence, text. */
  tsv: string | null;
}

/**
 * Words of a Tesseract TSV page, line by line in Tesseract's order. TSV rather than the `blocks` tree: the
 * tree is built in JS for every symbol and its alternatives, which costs more than reading a line of text.
 */
function tsvLines(tsv: string): TesseractWord[][] {
  const lines = new Map<string, TesseractWord[]>();
  for (const row of tsv.split('\n')) {
    const f = row.split('\t');
    // Level 5 is a word.
    if (f[0] !== '5' || f.length < 12) continue;
    const key = `${f[2]}.${f[3]}.${f[4]}`;
    const x0 = Number(f[6]);
    const y0 = Number(f[7]);
    const words = lines.get(key) ?? [];
    lines.set(key, words);
    words.push({
      text: f.slice(11).join('\t'),
      confidence: Number(f[10]),
      bbox: { x0, y0, x1: x0 + Number(f[8]), y1: y0 + Number(f[9]) },
    });
  }
  return [...lines.values()];
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

function createTesseractWorker(): Promise<TesseractWorker> {
  return (async () => {
    const { createWorker } = (await import('tesseract.js')) as unknown as {
      createWorker: (lang: string, oem: number, options: Record<string, unknown>) => Promise<TesseractWorker>;
    };
    const w = await createWorker('eng', 1, {
      langPath: OCR_LANG_PATH,
      gzip: true,
      // Never write a cache next to the process or fetch anything: the data comes from the package.
      cacheMethod: 'none',
    });
    // Sparse text: the montage holds separate lines and labels, not paragraphs.
    await w.setParameters({ tessedit_pageseg_mode: '11', user_defined_dpi: '300' });
    return w;
  })();
}

/** Runs `job` on an idle worker, a new one if all are busy and the pool may grow, else the least loaded one. */
function onWorker<T>(job: (w: TesseractWorker) => Promise<T>): Promise<T> {
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
  s.queue = run.catch(() => undefined).finally(() => s.pending--);
  return run;
}

/** How many OCR workers are running (or starting). */
export function ocrWorkers(): number {
  return slots.length;
}

/** Ends every OCR worker (if any). The next OCR call starts new ones. */
export async function closeOcr(): Promise<void> {
  const ending = slots;
  slots = [];
  await Promise.all(ending.map(async (s) => (await s.worker.catch(() => undefined))?.terminate()));
}

/** A text line ready for Tesseract: dark on white, upscaled, and where it came from. */
interface Strip {
  rect: Rect;
  scale: number;
  width: number;
  height: number;
  grey: Buffer;
}

/**
 * Ink pixels (dark, after normalisation) that are not part of a solid blob at least `SOLID` px across. Filled
 * shapes and icons are solid; glyph strokes of UI text are 1–4 px wide.
 */
const SOLID = 7;

function thinInk(grey: Uint8Array, w: number, h: number): number {
  // Horizontal then vertical runs of ink at least SOLID long mark the cores of solid blobs.
  const run = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    let n = 0;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      n = grey[i]! < 128 ? n + 1 : 0;
      if (n >= SOLID) run.fill(1, i - SOLID + 1, i + 1);
    }
  }
  const solid = new Uint8Array(w * h);
  for (let x = 0; x < w; x++) {
    let n = 0;
    for (let y = 0; y < h; y++) {
      n = run[y * w + x] ? n + 1 : 0;
      if (n >= SOLID) for (let k = y - SOLID + 1; k <= y; k++) solid[k * w + x] = 1;
    }
  }
  // A blob's anti-aliased rim is within 2 px of its core.
  let thin = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (grey[y * w + x]! >= 128) continue;
      let near = false;
      for (let dy = -2; dy <= 2 && !near; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -2; dx <= 2; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < w && solid[yy * w + xx]) {
            near = true;
            break;
          }
        }
      }
      if (!near) thin++;
    }
  }
  return thin;
}

/** A line with fewer thin ink pixels than this holds shapes or icons only, no text. */
const MIN_THIN_INK = 12;

/**
 * Screen text is small (11–22 px) and often light on dark. Tesseract reads dark text on white at ≈ 20–30 px cap
 * height best, so each line is made grey, inverted when its background is dark, stretched so the background is
 * white and the darkest ink black (every line then binarises alike in one montage), and upscaled ×3 for small
 * text, ×2 for medium and not at all for large. Lines holding only filled shapes are dropped (`undefined`).
 */
async function prepareStrip(img: RgbaImage, line: TextLine): Promise<Strip | undefined> {
  const { rect: r } = line;
  const grey = greyOf(img, r);
  const hist = new Uint32Array(256);
  for (const v of grey) hist[v]!++;
  let bg = 0;
  for (let v = 1; v < 256; v++) if (hist[v]! > hist[bg]!) bg = v;
  const invert = bg < 128;
  if (invert) {
    for (let i = 0; i < grey.length; i++) grey[i] = 255 - grey[i]!;
    bg = 255 - bg;
  }
  let ink = 255;
  for (const v of grey) if (v < ink) ink = v;
  if (bg - ink >= 24) {
    const k = 255 / (bg - ink);
    for (let i = 0; i < grey.length; i++) grey[i] = Math.min(255, Math.round((grey[i]! - ink) * k));
  }
  // Tesseract takes a word inside a frame for a picture and drops it: the frames go.
  const { outline } = line;
  if (outline) for (let i = 0; i < grey.length; i++) if (outline[i]) grey[i] = 255;
  if (thinInk(grey, r.width, r.height) < MIN_THIN_INK) return undefined;
  const scale = line.glyphHeight <= SMALL_TEXT ? 3 : line.glyphHeight <= 2 * SMALL_TEXT ? 2 : 1;
  const width = r.width * scale;
  const height = r.height * scale;
  const out =
    scale === 1
      ? Buffer.from(grey.buffer, grey.byteOffset, grey.length)
      : await sharp(grey, { raw: { width: r.width, height: r.height, channels: 1 } })
          .resize({ width, height, kernel: 'cubic' })
          // One channel in, one out: sharp would otherwise hand back sRGB.
          .toColourspace('b-w')
          .raw()
          .toBuffer();
  return { rect: r, scale, width, height, grey: out };
}

/** Lines whose glyph clusters are at most this tall (px, ≈ 14 px type) are upscaled ×3, up to twice it ×2. */
const SMALL_TEXT = 16;

/** White space around and between the lines of a montage (montage pixels). */
const MONTAGE_MARGIN = 16;
const MONTAGE_GAP = 24;

/**
 * Lines stacked top to bottom on white, one image for one Tesseract call (a call costs far more than its
 * pixels). Sent as binary PGM: no PNG compression on either side.
 */
function montage(strips: Strip[]): { pgm: Buffer; tops: number[]; width: number } {
  const width = Math.max(...strips.map((s) => s.width)) + 2 * MONTAGE_MARGIN;
  const tops: number[] = [];
  let y = MONTAGE_MARGIN;
  for (const s of strips) {
    tops.push(y);
    y += s.height + MONTAGE_GAP;
  }
  const height = y - MONTAGE_GAP + MONTAGE_MARGIN;
  const header = Buffer.from(`P5\n${width} ${height}\n255\n`, 'ascii');
  const pgm = Buffer.alloc(header.length + width * height, 255);
  header.copy(pgm, 0);
  strips.forEach((s, k) => {
    for (let row = 0; row < s.height; row++) {
      const at = header.length + (tops[k]! + row) * width + MONTAGE_MARGIN;
      s.grey.copy(pgm, at, row * s.width, (row + 1) * s.width);
    }
  });
  return { pgm, tops, width };
}

/** Words and line texts of each strip, read in one Tesseract call. */
async function readStrips(strips: Strip[]): Promise<Array<{ words: OcrWord[]; lines: string[] }>> {
  const { pgm, tops } = montage(strips);
  const { data } = await onWorker((w) => w.recognize(pgm, {}, { text: false, blocks: false, tsv: true }));
  // Pieces of Tesseract lines, per strip; each is a run of words on one line of the screen.
  const pieces = strips.map(() => [] as OcrWord[][]);
  for (const line of tsvLines(data.tsv ?? '')) {
    // A Tesseract line may run across strips only if it misjudged the gap: each word goes to the strip
    // holding its centre.
    const kept = new Map<number, OcrWord[]>();
    for (const word of line) {
      const text = word.text.trim();
      // Tesseract turns icons and shape edges into low-confidence junk "words"; real screen text reads well.
      // Button and panel borders come back as "|", "[" or "_" words.
      if (!text || word.confidence < 40 || /^[|[\]_]+$/.test(text)) continue;
      const cy = (word.bbox.y0 + word.bbox.y1) / 2;
      const k = tops.findIndex(
        (t, i) => cy >= t - MONTAGE_GAP / 2 && cy < t + strips[i]!.height + MONTAGE_GAP / 2,
      );
      if (k < 0) continue;
      const s = strips[k]!;
      const x0 = Math.floor((word.bbox.x0 - MONTAGE_MARGIN) / s.scale);
      const y0 = Math.floor((word.bbox.y0 - tops[k]!) / s.scale);
      const x1 = Math.ceil((word.bbox.x1 - MONTAGE_MARGIN) / s.scale);
      const y1 = Math.ceil((word.bbox.y1 - tops[k]!) / s.scale);
      const bx = s.rect.x + Math.max(0, x0);
      const by = s.rect.y + Math.max(0, y0);
      const words = kept.get(k) ?? [];
      kept.set(k, words);
      words.push({
        text,
        confidence: Math.round(word.confidence),
        bbox: {
          x: bx,
          y: by,
          width: Math.max(1, Math.min(s.rect.x + s.rect.width, s.rect.x + x1) - bx),
          height: Math.max(1, Math.min(s.rect.y + s.rect.height, s.rect.y + y1) - by),
        },
      });
    }
    for (const [k, words] of kept) pieces[k]!.push(words);
  }
  // Sparse-text mode returns lines in no particular order: reading order is top to bottom, and left to right
  // for pieces side by side (two buttons).
  const sameRow = (p: Rect, q: Rect) =>
    Math.min(p.y + p.height, q.y + q.height) - Math.max(p.y, q.y) >= Math.min(p.height, q.height) / 2;
  return pieces.map((ps) => {
    ps.sort((a, b) =>
      sameRow(a[0]!.bbox, b[0]!.bbox) ? a[0]!.bbox.x - b[0]!.bbox.x : a[0]!.bbox.y - b[0]!.bbox.y,
    );
    // Pieces side by side make one line of text.
    const lines: string[] = [];
    ps.forEach((words, i) => {
      const text = words.map((w) => w.text).join(' ');
      if (i > 0 && sameRow(ps[i - 1]![0]!.bbox, words[0]!.bbox)) lines[lines.length - 1] += ` ${text}`;
      else lines.push(text);
    });
    return { words: ps.flat(), lines };
  });
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
    result = recognize(img, r);
    perImage.set(key, result);
    result.catch(() => perImage.delete(key));
  }
  return result;
}

/**
 * Bars and panels differ in background; looking for lines region by region keeps their borders from joining
 * the text next to them.
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

/**
 * Montage pixels worth a worker of their own: above this the lines are shared among workers (every call has a
 * fixed cost on top of its pixels, so a region with a few labels stays on one worker).
 */
const PIXELS_PER_WORKER = 100_000;

async function recognize(img: RgbaImage, r: Rect): Promise<OcrResult> {
  const { cv } = await loadOpenCv();
  // Region by region (title bar, toolbar, sidebar, content, status bar), top to bottom within each.
  const lines = pieces(img, r).flatMap((p) => findTextLines(cv, img, p));
  if (!lines.length) return { text: '', words: [] };
  const strips = (await Promise.all(lines.map((l) => prepareStrip(img, l)))).filter(
    (s): s is Strip => s !== undefined,
  );
  if (!strips.length) return { text: '', words: [] };
  // Large jobs are split into contiguous runs of lines of about equal pixel count, one per worker.
  const total = strips.reduce((n, s) => n + s.width * (s.height + MONTAGE_GAP), 0);
  const parts = Math.max(1, Math.min(OCR_MAX_WORKERS, Math.ceil(total / PIXELS_PER_WORKER)));
  const runs: Strip[][] = [];
  let acc = 0;
  for (const s of strips) {
    const k = Math.min(parts - 1, Math.floor((acc * parts) / total));
    (runs[k] ??= []).push(s);
    acc += s.width * (s.height + MONTAGE_GAP);
  }
  const read = (await Promise.all(runs.filter(Boolean).map(readStrips))).flat();
  return {
    text: read.flatMap((x) => x.lines).join('\n'),
    words: read.flatMap((x) => x.words),
  };
}

const normalize = (s: string) =>
  s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^\p{L}\p{N}]+/gu, '');

const symbols = (s: string) => s.normalize('NFKC').replace(/\s+/g, '');

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
  let norm = normalize;
  let wanted = query.split(/\s+/).map(norm).filter(Boolean);
  // A label made only of symbols ("♥♥♥", "→") is matched as the symbols themselves, not as nothing.
  if (wanted.length === 0) {
    norm = symbols;
    wanted = query.split(/\s+/).map(norm).filter(Boolean);
  }
  if (wanted.length === 0) throw new IroncliwError('E_INPUT_INVALID', 'the text to find is empty');
  const target = wanted.join(' ');
  // Dashes and bullets read as words of their own; they take no part in matching (unless they are the query).
  const words = (await readText(img, rect)).words.filter((w) => norm(w.text) !== '');
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
    const got = run.map((w) => norm(w.text)).join(' ');
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
