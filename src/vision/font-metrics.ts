import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The scene font ships as an npm package: rendering never depends on system fonts or a download. */
export const FONT_FILE = join(
  dirname(require.resolve('dejavu-fonts-ttf/package.json')),
  'ttf',
  'DejaVuSans.ttf',
);
export const FONT_FAMILY = 'DejaVu Sans';

interface FontMetrics {
  unitsPerEm: number;
  ascender: number;
  descender: number;
  /** Advance width in font units of a code point (the .notdef advance when the font lacks it). */
  advance(codePoint: number): number;
}

/**
 * Reads advance widths from the TTF itself (head, hhea, hmtx and the cmap format-4 subtable), so text ground
 * truth in synthetic scenes is exact to the kerning, not a guess from an average character width.
 */
function parseTtf(buf: Buffer): FontMetrics {
  const tables = new Map<string, number>();
  const numTables = buf.readUInt16BE(4);
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + i * 16;
    tables.set(buf.toString('latin1', rec, rec + 4), buf.readUInt32BE(rec + 8));
  }
  const table = (tag: string) => {
    const at = tables.get(tag);
    if (at === undefined) throw new Error(`font lacks the ${tag} table`);
    return at;
  };
  const head = table('head');
  const hhea = table('hhea');
  const hmtx = table('hmtx');
  const cmap = table('cmap');
  const unitsPerEm = buf.readUInt16BE(head + 18);
  const ascender = buf.readInt16BE(hhea + 4);
  const descender = buf.readInt16BE(hhea + 6);
  const numberOfHMetrics = buf.readUInt16BE(hhea + 34);

  let sub = -1;
  const nSub = buf.readUInt16BE(cmap + 2);
  for (let i = 0; i < nSub; i++) {
    const rec = cmap + 4 + i * 8;
    const platform = buf.readUInt16BE(rec);
    const encoding = buf.readUInt16BE(rec + 2);
    const offset = cmap + buf.readUInt32BE(rec + 4);
    if (((platform === 3 && encoding === 1) || platform === 0) && buf.readUInt16BE(offset) === 4)
      sub = offset;
  }
  if (sub < 0) throw new Error('font lacks a format-4 cmap');
  const segX2 = buf.readUInt16BE(sub + 6);
  const ends = sub + 14;
  const starts = ends + segX2 + 2;
  const deltas = starts + segX2;
  const rangeOffsets = deltas + segX2;

  const glyphOf = (cp: number): number => {
    if (cp > 0xffff) return 0;
    for (let s = 0; s < segX2; s += 2) {
      if (cp > buf.readUInt16BE(ends + s)) continue;
      const start = buf.readUInt16BE(starts + s);
      if (cp < start) return 0;
      const delta = buf.readUInt16BE(deltas + s);
      const ro = buf.readUInt16BE(rangeOffsets + s);
      if (ro === 0) return (cp + delta) & 0xffff;
      const g = buf.readUInt16BE(rangeOffsets + s + ro + (cp - start) * 2);
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };
  const cache = new Map<number, number>();
  return {
    unitsPerEm,
    ascender,
    descender,
    advance(cp) {
      let w = cache.get(cp);
      if (w === undefined) {
        const g = Math.min(glyphOf(cp), numberOfHMetrics - 1);
        w = buf.readUInt16BE(hmtx + g * 4);
        cache.set(cp, w);
      }
      return w;
    },
  };
}

let metrics: FontMetrics | undefined;

function fontMetrics(): FontMetrics {
  metrics ??= parseTtf(readFileSync(FONT_FILE));
  return metrics;
}

/** Width and line box of a string in the scene font at `size` px. */
export function measureText(text: string, size: number): { width: number; ascent: number; descent: number } {
  const m = fontMetrics();
  let units = 0;
  for (const ch of text) units += m.advance(ch.codePointAt(0) ?? 0);
  const scale = size / m.unitsPerEm;
  return { width: units * scale, ascent: m.ascender * scale, descent: -m.descender * scale };
}
