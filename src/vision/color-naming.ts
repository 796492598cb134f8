import type { ColorName, Rect } from '../domain/index.js';
import { COLORS, IroncliwError } from '../domain/index.js';
import type { RgbaImage } from './image-io.js';
import { assertImage, clampRect } from './image-io.js';

/** RGB (0..255) → HSV with h in degrees [0, 360), s and v in [0, 1]. */
export function rgbToHsv(r: number, g: number, b: number): { h: number; s: number; v: number } {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  let h = 0;
  if (d > 0) {
    if (max === r) h = 60 * (((g - b) / d) % 6);
    else if (max === g) h = 60 * ((b - r) / d + 2);
    else h = 60 * ((r - g) / d + 4);
  }
  if (h < 0) h += 360;
  return { h, s: max === 0 ? 0 : d / max, v: max / 255 };
}

/**
 * Names a colour the way a person would on a UI.
 *
 * Achromatic first: a colour needs both relative saturation (s ≥ 0.2) and absolute chroma (max−min ≥ 36) to
 * count as a hue, because dark UI chrome is often tinted blue-grey (#2b3038 has s = 0.23 but is plainly grey);
 * below v = 0.2 everything is black, and white needs v ≥ 0.94 (#f1f3f6 is white, #dfe3ea light grey).
 * Then hue bins, with lightness deciding the neighbours people distinguish: dark orange/yellow is brown, light
 * desaturated red is pink. Bins are wide enough that anti-aliased edges and ±10% shading keep their name
 * (pinned by color-naming.test.ts).
 *
 * @example nameColor(229, 57, 53) // 'red'
 */
export function nameColor(r: number, g: number, b: number): ColorName {
  const { h, s, v } = rgbToHsv(r, g, b);
  const chroma = Math.max(r, g, b) - Math.min(r, g, b);
  if (v < 0.2) return 'black';
  if (s < 0.2 || chroma < 36) return v >= 0.94 && s < 0.1 ? 'white' : 'grey';
  if (h < 12 || h >= 345) {
    if (s < 0.5 && v > 0.75) return 'pink';
    return v < 0.3 ? 'brown' : 'red';
  }
  if (h < 42) return v < 0.65 || (s < 0.45 && v < 0.85) ? 'brown' : 'orange';
  if (h < 70) return v < 0.55 ? 'brown' : 'yellow';
  if (h < 165) return 'green';
  if (h < 196) return 'cyan';
  if (h < 256) return 'blue';
  if (h < 290) return 'purple';
  // Magenta hues: dark ones read as purple (#800080), bright ones as pink (#ff00ff, #e91e63).
  if (h < 320) return v < 0.7 ? 'purple' : 'pink';
  return v < 0.45 ? 'purple' : 'pink';
}

/** Index of a colour name in COLORS, plus one; 0 is reserved for "no label". */
export const colorCode = (c: ColorName): number => COLORS.indexOf(c) + 1;

let lut: Uint8Array | undefined;

/**
 * 18-bit RGB (6 bits per channel) → colour code. Labelling a 1080p screen is then one array pass instead of two
 * million HSV conversions; the ±2 quantisation error only moves pixels that sit on a bin edge anyway.
 */
function colorLut(): Uint8Array {
  if (lut) return lut;
  const t = new Uint8Array(1 << 18);
  for (let q = 0; q < t.length; q++) {
    const r = ((q >> 12) & 63) * 4 + 2;
    const g = ((q >> 6) & 63) * 4 + 2;
    const b = (q & 63) * 4 + 2;
    t[q] = colorCode(nameColor(r, g, b));
  }
  lut = t;
  return t;
}

/**
 * Colour code (see {@link colorCode}) of every pixel inside `rect`, row-major, `rect.width` per row.
 * `into` lets a caller write straight into a buffer it owns (e.g. an OpenCV Mat).
 */
export function labelPixels(img: RgbaImage, rect: Rect, into?: Uint8Array): Uint8Array {
  return mapPixels(img, rect, undefined, into);
}

/** RGBA pixels as little-endian 32-bit words (one per pixel), without a copy when the bytes are aligned. */
function pixelWords(img: RgbaImage): Uint32Array {
  return img.data.byteOffset % 4 === 0
    ? new Uint32Array(img.data.buffer, img.data.byteOffset, img.width * img.height)
    : new Uint32Array(img.data.slice(0, img.width * img.height * 4).buffer);
}

/**
 * Maps every pixel of `rect` to its colour code (see {@link colorCode}), or through `table` (indexed by colour
 * code) when given; row-major. `counts` (indexed by colour code), when given, receives the pixel count of
 * every code.
 * Screens are mostly long runs of one colour (a 1080p screen has tens of thousands of runs for two million
 * pixels), so the colour of a run is looked up once and the run filled at once.
 */
export function mapPixels(
  img: RgbaImage,
  rect: Rect,
  table: Uint8Array | undefined,
  into?: Uint8Array,
  counts?: Uint32Array,
): Uint8Array {
  const t = colorLut();
  const out = into ?? new Uint8Array(rect.width * rect.height);
  const words = pixelWords(img);
  // Rows that span the image are contiguous: scan them as one long row, so runs cross row ends.
  const whole = rect.x === 0 && rect.width === img.width;
  const rows = whole ? 1 : rect.height;
  const span = whole ? rect.width * rect.height : rect.width;
  for (let y = 0; y < rows; y++) {
    const start = (rect.y + y) * img.width + rect.x;
    const end = start + span;
    const shift = y * rect.width - start;
    let i = start;
    while (i < end) {
      const p = words[i]!;
      let j = i + 1;
      while (j < end && words[j] === p) j++;
      // Little-endian RGBA word → 6-bit r,g,b key (every supported platform is little-endian).
      const code = t[((p << 10) & 0x3f000) | ((p >> 4) & 0xfc0) | ((p >>> 18) & 63)]!;
      const value = table ? table[code]! : code;
      if (j - i > 16) out.fill(value, i + shift, j + shift);
      else for (let k = i + shift; k < j + shift; k++) out[k] = value;
      if (counts) counts[code]! += j - i;
      i = j;
    }
  }
  return out;
}

/** White, grey and black: mostly UI chrome and text, never a hue. */
export const ACHROMATIC: ReadonlySet<ColorName> = new Set(['white', 'grey', 'black']);

/** Colour code → 255 for every hue (chromatic name), 0 for white, grey, black and "no label". */
export const CHROMATIC_MASK = new Uint8Array(COLORS.length + 1);
for (const c of COLORS) if (!ACHROMATIC.has(c)) CHROMATIC_MASK[colorCode(c)] = 255;

/** What one labelling pass over a whole screen yields. */
interface ScreenSummary {
  /** Pixel count of every colour code. */
  counts: Uint32Array;
  /** 255 where the pixel has a hue, else 0, row-major: where coloured shapes can be. */
  chromatic: Uint8Array;
}

/** Screens are immutable once decoded: colours and shapes of one screen share one labelling pass. */
const summaries = new WeakMap<RgbaImage, ScreenSummary>();

/** Colour counts and chromatic mask of a whole screen, computed once per image object and then shared. */
export function screenSummary(img: RgbaImage): ScreenSummary {
  let summary = summaries.get(img);
  if (!summary) {
    const counts = new Uint32Array(COLORS.length + 1);
    const screen = { x: 0, y: 0, width: img.width, height: img.height };
    summary = { counts, chromatic: mapPixels(img, screen, CHROMATIC_MASK, undefined, counts) };
    summaries.set(img, summary);
  }
  return summary;
}

/**
 * {@link screenSummary} and the luminance of every pixel (BT.601, integer: the same values as text-lines.ts
 * `greyOf` over the whole screen) written into `grey`, in one pass over the screen's runs of one colour: the
 * element detector needs both, and finding the runs is most of the cost of either (≈ 8-9 ms each at
 * 1920×1080). The summary is kept for `colors` and `findShapes` as {@link screenSummary} keeps it.
 */
export function screenSummaryAndGrey(img: RgbaImage, grey: Uint8Array): ScreenSummary {
  const n = img.width * img.height;
  if (grey.length < n) throw new RangeError(`grey needs ${n} bytes, got ${grey.length}`);
  const t = colorLut();
  const words = pixelWords(img);
  const counts = new Uint32Array(COLORS.length + 1);
  const chromatic = new Uint8Array(n);
  let i = 0;
  while (i < n) {
    const p = words[i]!;
    let j = i + 1;
    while (j < n && words[j] === p) j++;
    // Little-endian RGBA word: luminance as greyOf computes it, colour code as mapPixels looks it up.
    const v = ((p & 255) * 77 + ((p >>> 8) & 255) * 150 + ((p >>> 16) & 255) * 29) >> 8;
    const code = t[((p << 10) & 0x3f000) | ((p >> 4) & 0xfc0) | ((p >>> 18) & 63)]!;
    const m = CHROMATIC_MASK[code]!;
    if (j - i > 16) {
      grey.fill(v, i, j);
      if (m) chromatic.fill(m, i, j);
    } else {
      for (let k = i; k < j; k++) {
        grey[k] = v;
        chromatic[k] = m;
      }
    }
    counts[code]! += j - i;
    i = j;
  }
  const summary = { counts, chromatic };
  summaries.set(img, summary);
  return summary;
}

function areaOf(img: RgbaImage, rect: Rect | undefined): Rect {
  assertImage(img);
  const r = clampRect(img, rect ?? { x: 0, y: 0, width: img.width, height: img.height });
  if (r.width === 0 || r.height === 0) {
    throw new IroncliwError('E_INPUT_INVALID', `the region ${JSON.stringify(rect)} is outside the image`);
  }
  return r;
}

/**
 * A mask of the pixels named `color` inside `rect` (default: the whole image): 255 where the colour is, else 0,
 * `rect.width` per row.
 */
export function colorMask(
  img: RgbaImage,
  color: ColorName,
  rect?: Rect,
): { mask: Uint8Array; rect: Rect; count: number } {
  if (!COLORS.includes(color))
    throw new IroncliwError('E_INPUT_INVALID', `unknown colour "${String(color)}"`);
  const area = areaOf(img, rect);
  const labels = labelPixels(img, area);
  const code = colorCode(color);
  let count = 0;
  for (let i = 0; i < labels.length; i++) {
    const hit = labels[i] === code;
    labels[i] = hit ? 255 : 0;
    if (hit) count++;
  }
  return { mask: labels, rect: area, count };
}

export interface ColorShare {
  color: ColorName;
  /** Fraction of the pixels, 0..1, rounded to 4 decimals. */
  share: number;
}

/**
 * The named colours of an image (or a rectangle of it) with their share of the pixels, largest first.
 *
 * @example colors(img, { x: 0, y: 0, width: 200, height: 40 }) // [{color:'grey', share:0.91}, …]
 */
export function colors(img: RgbaImage, rect?: Rect): ColorShare[] {
  const area = areaOf(img, rect);
  let counts: Uint32Array;
  if (area.width === img.width && area.height === img.height) {
    counts = screenSummary(img).counts;
  } else {
    counts = new Uint32Array(COLORS.length + 1);
    mapPixels(img, area, undefined, undefined, counts);
  }
  const total = area.width * area.height;
  const out: ColorShare[] = [];
  COLORS.forEach((color, i) => {
    const c = counts[i + 1]!;
    if (c > 0) out.push({ color, share: Math.round((c / total) * 10_000) / 10_000 });
  });
  return out.filter((c) => c.share > 0).sort((a, b) => b.share - a.share);
}
