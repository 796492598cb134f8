import type { Rect } from '../domain/index.js';
import type { Strip } from './ocr-strips.js';
import { OCR_MAX_WORKERS, ocrWorkers, onWorker } from './ocr-workers.js';

/**
 * Strips stacked into one image per Tesseract call, and Tesseract's words mapped back to the screen: the
 * step between pre-processing (ocr-strips.ts) and the worker pool (ocr-workers.ts).
 */

export interface OcrWord {
  text: string;
  bbox: Rect;
  /** 0..100, as tesseract reports it. */
  confidence: number;
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

/** White space around and between the lines of a montage (montage pixels). */
const MONTAGE_MARGIN = 16;
const MONTAGE_GAP = 24;

/** Where each strip sits in a montage (montage pixels). */
interface Placed {
  left: number;
  top: number;
}

/** Lone glyphs side by side in one montage row, up to this width (montage pixels). */
const LONE_ROW = 1600;

/**
 * Lines stacked top to bottom on white, one image for one Tesseract call (a call costs far more than its
 * pixels); lone glyphs (digit keys) side by side in rows of their own. Sent as binary PGM: no PNG compression
 * on either side.
 */
function montage(strips: Strip[]): { pgm: Buffer; at: Placed[]; width: number } {
  const at: Placed[] = [];
  let y = MONTAGE_MARGIN;
  let width = 0;
  // The lone-glyph row being filled: its top, next left, height.
  let row: { top: number; left: number; height: number } | undefined;
  for (const s of strips) {
    if (s.lone && row && row.left + s.width <= LONE_ROW && s.height <= row.height * 1.5) {
      at.push({ left: row.left, top: row.top });
      row.left += s.width;
      row.height = Math.max(row.height, s.height);
      width = Math.max(width, row.left);
      continue;
    }
    if (row) y = row.top + row.height + MONTAGE_GAP;
    row = undefined;
    at.push({ left: MONTAGE_MARGIN, top: y });
    width = Math.max(width, MONTAGE_MARGIN + s.width);
    if (s.lone) row = { top: y, left: MONTAGE_MARGIN + s.width, height: s.height };
    else y += s.height + MONTAGE_GAP;
  }
  if (row) y = row.top + row.height + MONTAGE_GAP;
  width += MONTAGE_MARGIN;
  const height = y - MONTAGE_GAP + MONTAGE_MARGIN;
  const header = Buffer.from(`P5\n${width} ${height}\n255\n`, 'ascii');
  const pgm = Buffer.alloc(header.length + width * height, 255);
  header.copy(pgm, 0);
  strips.forEach((s, k) => {
    for (let r = 0; r < s.height; r++) {
      const pos = header.length + (at[k]!.top + r) * width + at[k]!.left;
      s.grey.copy(pgm, pos, r * s.width, (r + 1) * s.width);
    }
  });
  return { pgm, at, width };
}

let montageTap: ((pgm: Buffer) => void) | undefined;

/**
 * Calls `tap` with every montage (a binary PGM) before it is read; `undefined` stops. For diagnostics only
 * (bench/ocr-tesseract-probe.ts times Tesseract on exactly the images the first look sends it).
 */
export function setMontageTap(tap: ((pgm: Buffer) => void) | undefined): void {
  montageTap = tap;
}

/** Words and line texts of each strip, read in one Tesseract call. */
async function readRun(strips: Strip[]): Promise<StripReading[]> {
  const { pgm, at } = montage(strips);
  montageTap?.(pgm);
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
      const cx = (word.bbox.x0 + word.bbox.x1) / 2;
      const cy = (word.bbox.y0 + word.bbox.y1) / 2;
      const k = at.findIndex(
        ({ left, top }, i) =>
          cy >= top - MONTAGE_GAP / 2 &&
          cy < top + strips[i]!.height + MONTAGE_GAP / 2 &&
          (!strips[i]!.lone || (cx >= left && cx < left + strips[i]!.width)),
      );
      if (k < 0) continue;
      const s = strips[k]!;
      const x0 = Math.floor((word.bbox.x0 - at[k]!.left) / s.scale);
      const y0 = Math.floor((word.bbox.y0 - at[k]!.top) / s.scale);
      const x1 = Math.ceil((word.bbox.x1 - at[k]!.left) / s.scale);
      const y1 = Math.ceil((word.bbox.y1 - at[k]!.top) / s.scale);
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

/**
 * Montage pixels worth a worker of their own. Tesseract's time grows with the text it reads (its LSTM runs along
 * each line) and a call's fixed cost is small: one word alone reads in ≈ 6 ms, the click-button task page's
 * seven pieces (≈ 46,000 montage pixels) in 60 ms in one call and 34 ms in two calls on two workers side by
 * side (minimum of 7, load 4.6 on 2 cores). So from {@link PIXELS_PER_WORKER} a job is shared among the
 * workers already running; only from {@link PIXELS_PER_NEW_WORKER} may it start one (1-2 s, ≈ 170 MB), which a
 * sentence and a few labels are not worth. (Before, a 160×210 task page was always read by one worker.)
 */
const PIXELS_PER_WORKER = 16_000;
const PIXELS_PER_NEW_WORKER = 100_000;

/** Montage pixels a strip costs, with its gap. */
const cost = (s: Strip) => s.width * (s.height + MONTAGE_GAP);

/**
 * About how many glyphs a strip holds: its runs of columns with ink (< 128), plus two for the line's own cost.
 * Tesseract's time follows the text it reads, not the pixels around it: on the 1920×1080 settings mock-up a
 * montage of 59 glyphs in 163,000 pixels (wide bars, widened short labels) read in 40 ms, one of 118 glyphs in
 * 100,000 pixels in 81 ms, one word alone in 6 ms (≈ 0.7 ms a glyph; minimum of 15 calls, load 2).
 * Touching letters make one run: an estimate, good enough to share the work.
 */
export function glyphsOf(s: Strip): number {
  let runs = 0;
  let inRun = false;
  for (let x = 0; x < s.width; x++) {
    let ink = false;
    for (let i = x; i < s.grey.length; i += s.width) {
      if (s.grey[i]! < 128) {
        ink = true;
        break;
      }
    }
    if (ink && !inRun) runs++;
    inRun = ink;
  }
  return runs + 2;
}

/**
 * Strips cut into `parts` contiguous runs (reading order kept: Tesseract reads a line in the light of those
 * around it) of about equal text. Each strip goes to the run its middle falls in, so one long line does not
 * push the cut past the half. Split by montage area instead, the settings mock-up's two calls held 59 and
 * 118 glyphs and the second took twice as long as the first.
 */
export function splitRuns(strips: Strip[], parts: number): Strip[][] {
  const work = strips.map(glyphsOf);
  const sum = work.reduce((n, w) => n + w, 0);
  const runs: Strip[][] = [];
  let acc = 0;
  strips.forEach((s, i) => {
    const w = work[i]!;
    const k = Math.min(parts - 1, Math.floor(((acc + w / 2) * parts) / sum));
    (runs[k] ??= []).push(s);
    acc += w;
  });
  return runs.filter(Boolean);
}

/** The words and line texts of one strip. */
export type StripReading = { words: OcrWord[]; lines: string[] };

/**
 * Words and line texts of each strip, in the order given. Jobs are split into contiguous runs of strips of
 * about equal text ({@link splitRuns}), one per worker, each read in one Tesseract call; how many runs
 * follows the montage's area ({@link PIXELS_PER_WORKER}). `after`, if given, takes each run's readings as
 * soon as that run is read and returns the ones kept: a second look at one run's pieces then starts on the
 * worker just freed while the other runs are still being read, rather than after the slowest of them.
 */
export async function readStrips(
  strips: Strip[],
  after?: (run: Strip[], read: StripReading[]) => Promise<StripReading[]>,
): Promise<StripReading[]> {
  const total = strips.reduce((n, s) => n + cost(s), 0);
  const parts = Math.max(
    1,
    Math.min(OCR_MAX_WORKERS, Math.ceil(total / PIXELS_PER_NEW_WORKER)),
    Math.min(ocrWorkers(), Math.ceil(total / PIXELS_PER_WORKER)),
  );
  const read = async (run: Strip[]) => {
    const got = await readRun(run);
    return after ? after(run, got) : got;
  };
  return (await Promise.all(splitRuns(strips, parts).map(read))).flat();
}
