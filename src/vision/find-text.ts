import type { Item, Rect } from '../domain/index.js';
import { IroncliwError } from '../domain/index.js';
import type { RgbaImage } from './image-io.js';
import type { OcrResult } from './ocr.js';
import { readText } from './ocr.js';

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
export function findText(img: RgbaImage, query: string, rect?: Rect): Promise<Item[]> {
  return findHere(img, query, rect);
}

/**
 * `findText` over a given reader: this process's {@link readText}, or a text-reading child process's
 * (`serve`; vision-process.ts), whose readings are readText's.
 */
export function textFinder(
  read: (img: RgbaImage, rect?: Rect) => Promise<OcrResult>,
): (img: RgbaImage, query: string, rect?: Rect) => Promise<Item[]> {
  return async (img, query, rect) => {
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
    const words = (await read(img, rect)).words.filter((w) => norm(w.text) !== '');
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
  };
}

const findHere = textFinder(readText);
