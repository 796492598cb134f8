import type { RgbaImage } from '../image-io.js';
import type { Cv } from '../opencv.js';
import { greyOf } from '../text-lines.js';
import { labelMask } from './pixel-kernels.js';

/** A connected component: box [x0, x1) × [y0, y1), pixel count, label id in its label map. */
export interface Blob {
  id: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  area: number;
}

/**
 * What the element detector reads from the pixels, once per screen:
 * - `ink`: the 3×3 morphological gradient of the luminance is ≥ 40 — glyph strokes, borders, outlines;
 * - `faces`: 4-connected areas where the gradient is < 16 — the insides of buttons, fields, panels, rows;
 * - `unit`: the screen's text size (1.45 × the ascent of its text lines, ≈ 1.1 × the font size), which every
 *   size threshold of the detector is a multiple of, so one rule serves a 160×210 crop and a hi-dpi desktop.
 */
export interface PixelAnalysis {
  width: number;
  height: number;
  grey: Uint8Array;
  grad: Uint8Array;
  inkLabels: Int32Array;
  faceLabels: Int32Array;
  blobs: Blob[];
  faces: Blob[];
  unit: number;
}

/** Luminance contrast that marks ink: anti-aliased UI text and 1 px borders reach far more, noise far less. */
export const INK_CONTRAST = 40;
/** Below this contrast a pixel is inside a flat area (a fill or a background). */
const FLAT_CONTRAST = 16;
/** Share of its bounding box's outline a flat area must cover to be the inside of a box (rounded corners lose some). */
export const RECT_SHARE = 0.72;

/**
 * `scratch`: the analysis's grey, gradient and flat-area label map are written into buffers kept for the next
 * screen's analysis (12 MB of garbage a 1920×1080 screen otherwise). Only for a caller that is done with the
 * analysis before anything else can run (no `await` between this call and its last use): the next analysis
 * overwrites them. The ink label map is always new (the OCR pieces use it later). `known`: the screen's
 * luminance, already computed (color-naming.ts `screenSummaryAndGrey`, the same values as `greyOf`); it
 * becomes the analysis's `grey` (smoothed in place on a noisy screen).
 */
export function analysePixels(cv: Cv, img: RgbaImage, scratch = false, known?: Uint8Array): PixelAnalysis {
  const { width, height } = img;
  const greyMat = new cv.Mat(height, width, cv.CV_8UC1);
  const gradMat = new cv.Mat();
  const kernel = cv.getStructuringElement(cv.MORPH_RECT, new cv.Size(3, 3));
  try {
    const n = width * height;
    const grey =
      known?.subarray(0, n) ??
      greyOf(img, { x: 0, y: 0, width, height }, scratch ? kept('grey', n) : undefined);
    greyMat.data.set(grey);
    cv.morphologyEx(greyMat, gradMat, cv.MORPH_GRADIENT, kernel);
    if (isNoisy(gradMat.data)) {
      // Sensor or compression noise: smooth it away first, or every speck is ink and every flat area breaks up
      // (measured on a 1280×800 screen with ±24 noise: 682 ink clusters, 8350 flat pieces, 157 phrases to read).
      cv.medianBlur(greyMat, gradMat, 5);
      greyMat.data.set(gradMat.data);
      grey.set(greyMat.data);
      cv.morphologyEx(greyMat, gradMat, cv.MORPH_GRADIENT, kernel);
    }
    const grad = scratch ? kept('grad', n) : new Uint8Array(n);
    grad.set(gradMat.data);
    // Flat areas first: the rectangular ones are the insides of boxes.
    // Components are labelled by runs in JS (pixel-kernels.ts): no label maps copied out of the WASM heap.
    // The mask and the uncut ink's label map are used only in here: scratch buffers kept for the next screen
    // (10 MB of garbage a 1920×1080 screen otherwise; the analysis is synchronous, so no two share them).
    const flat = scratchMask('flat', n);
    const m = scratchMask('ink', n);
    contrastMasks(grad, flat, m);
    const face = labelMask(flat, width, height, 4, scratch ? keptLabels(n) : undefined);
    // Ink, cut along the inside edge of every box: a label whose letters reach the border of a tight button
    // would otherwise be one cluster with the button's outline and never be read as text.
    // The text size comes from the uncut ink (the counters of large letters are flat too, and must not be cut).
    const uncut = labelMask(m, width, height, 8, scratchLabels(grad.length));
    const unit = textUnit(uncut.blobs, uncut.labels, face, width, height);
    const min = Math.max(6, 0.45 * unit);
    for (const f of face.blobs) {
      const w = f.x1 - f.x0;
      const h = f.y1 - f.y0;
      if (w < min || h < min || (w >= 0.97 * width && h >= 0.9 * height)) continue;
      if (perimeterShare(face.labels, width, f) < RECT_SHARE) continue;
      const x0 = Math.max(0, f.x0 - 1);
      const x1 = Math.min(width - 1, f.x1);
      const y0 = Math.max(0, f.y0 - 1);
      const y1 = Math.min(height - 1, f.y1);
      for (let x = x0; x <= x1; x++) {
        m[y0 * width + x] = 0;
        m[y1 * width + x] = 0;
      }
      for (let y = y0; y <= y1; y++) {
        m[y * width + x0] = 0;
        m[y * width + x1] = 0;
      }
    }
    const ink = labelMask(m, width, height, 8);
    return {
      width,
      height,
      grey,
      grad,
      inkLabels: ink.labels,
      faceLabels: face.labels,
      blobs: ink.blobs,
      faces: face.blobs,
      unit,
    };
  } finally {
    greyMat.delete();
    gradMat.delete();
    kernel.delete();
  }
}

const masks = { flat: new Uint8Array(0), ink: new Uint8Array(0) };
let labels = new Int32Array(0);
let faceLabels = new Int32Array(0);
const bytes = { grey: new Uint8Array(0), grad: new Uint8Array(0) };
/**
 * The scratch grey buffer of `n` bytes that {@link analysePixels} with `scratch` uses: for a caller that
 * computes the grey itself and passes it as `known`, under the same rule (no `await` until it is done).
 */
export const scratchGrey = (n: number): Uint8Array => kept('grey', n);
/** The caller's scratch grey or gradient buffer of `n` bytes (see `scratch` of {@link analysePixels}). */
const kept = (k: keyof typeof bytes, n: number) =>
  (bytes[k].length >= n ? bytes[k] : (bytes[k] = new Uint8Array(n))).subarray(0, n);
/** The caller's scratch flat-area label map (labelMask zeroes what it uses). */
const keptLabels = (n: number) =>
  (faceLabels.length >= n ? faceLabels : (faceLabels = new Int32Array(n))).subarray(0, n);
/**
 * A scratch mask of `n` bytes (contents undefined: every byte is written before it is read), starting at its
 * buffer's first byte (contrastMasks views it as 32-bit words).
 */
const scratchMask = (k: keyof typeof masks, n: number) =>
  (masks[k].length >= n ? masks[k] : (masks[k] = new Uint8Array(n))).subarray(0, n);

/**
 * `(x & 0x7f) + ABOVE(t)`, or'd with `x`, has its top bit set exactly when the byte `x` is ≥ `t` (1 ≤ t ≤ 128):
 * the low seven bits plus 128 − t carry into the top bit from t on, and a byte of 128 or more has it already.
 * No carry leaves a byte (0x7f + 0x7f < 0x100), so four bytes of a 32-bit word are compared at once.
 */
const ABOVE = (t: number) => (128 - t) * 0x01010101;
const FLAT_WORD = ABOVE(FLAT_CONTRAST);
const INK_WORD = ABOVE(INK_CONTRAST);

/**
 * `flat` = 1 where the gradient is < FLAT_CONTRAST, `ink` = 1 where it is ≥ INK_CONTRAST, else 0: one pass,
 * four pixels a step (two byte loops of 1920×1080 took ≈ 10 ms each on this machine's cores, busy; the
 * same masks, byte for byte, as the loops: pixel-kernels.test.ts). Every array starts at its buffer's first
 * byte or at a multiple of 4 from it.
 */
export function contrastMasks(grad: Uint8Array, flat: Uint8Array, ink: Uint8Array): void {
  const n = grad.length;
  const words = n >> 2;
  const view = (a: Uint8Array) => new Uint32Array(a.buffer, a.byteOffset, words);
  const g = view(grad);
  const f = view(flat);
  const k = view(ink);
  for (let i = 0; i < words; i++) {
    const x = g[i]!;
    const low = x & 0x7f7f7f7f;
    f[i] = (~((low + FLAT_WORD) | x) >>> 7) & 0x01010101;
    k[i] = (((low + INK_WORD) | x) >>> 7) & 0x01010101;
  }
  for (let i = words << 2; i < n; i++) {
    flat[i] = grad[i]! < FLAT_CONTRAST ? 1 : 0;
    ink[i] = grad[i]! >= INK_CONTRAST ? 1 : 0;
  }
}
/** A scratch label map of at least `n` entries (labelMask zeroes what it uses). */
const scratchLabels = (n: number) => (labels.length >= n ? labels : (labels = new Int32Array(n)));

/**
 * Whether a screen is noisy: on an interface most pixels lie in flat fills (gradient 0–2 even on gradients and
 * anti-aliased text); with per-pixel noise the typical pixel differs from its neighbours. The median gradient
 * of a sample of pixels (every 7th) decides.
 */
export function isNoisy(grad: Uint8Array): boolean {
  const hist = new Uint32Array(256);
  let n = 0;
  for (let i = 0; i < grad.length; i += 7, n++) hist[grad[i]!]!++;
  let below = 0;
  for (let v = 0; v < NOISE_MEDIAN; v++) below += hist[v]!;
  return below < n / 2;
}
/** Median gradient from which a screen counts as noisy (clean interfaces measure 0). */
const NOISE_MEDIAN = 10;

/**
 * The screen's text size `u`, proportional to the font size: {@link UNIT_PER_ASCENT} × the ascent of its text
 * lines (cap/ascender top to baseline, less the 2 px the 3×3 gradient adds), ≈ 1.45 × the font's cap height:
 * 16 for 14 px DejaVu Sans, 11.6 for 11 px, and exactly twice that on the same page at 2×.
 *
 * - Clusters of ink that are not glyphs do not count: frames (a cluster enclosing a wide flat area — a
 *   button's, field's or tab's inside — with a label joined to it or not), thin uprights, sparse outlines.
 * - Clusters side by side, at most a height apart, form lines. A line's ascent is read from its row profile:
 *   from its first inked row to the last row holding at least 35% of its fullest row's ink (descenders are a
 *   few strokes and fall below that), so "Company" and "Name" measure the same.
 * - Lines vote with their width (the weighted median): a scale-free weight, where counting clusters was not —
 *   letters of a word touch at 1× and stand apart at 2×, so a paragraph with descenders outvoted the labels
 *   at 2× only, and the measured size at 2× was 1.1–2.1× that at 1×.
 *
 * 14 (a 12 px font) when a screen holds no text.
 */
export function textUnit(
  blobs: Blob[],
  labels: Int32Array,
  face: { blobs: Blob[] },
  width: number,
  height: number,
): number {
  const frames = enclosingFrames(blobs, labels, face.blobs, width, height);
  const cand = blobs.filter((b) => {
    const w = b.x1 - b.x0;
    const h = b.y1 - b.y0;
    if (h < 5 || h > height / 6 || b.area < 8 || frames.has(b.id)) return false;
    // Thin uprights are the sides of frames (a rounded border breaks into four strokes), not text.
    if (w < 0.2 * h && h > 10) return false;
    // Outlines (frames of buttons and fields) cover little of their box; glyphs and words a good share.
    if (b.area < 0.18 * w * h && h > 12) return false;
    // A small frame (a digit button) is dense but empty in the middle and covers its own outline.
    const cx = (b.x0 + b.x1) >> 1;
    const cy = (b.y0 + b.y1) >> 1;
    let own = 0;
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) if (labels[(cy + dy) * width + cx + dx] === b.id) own++;
    if (own === 0 && perimeterShare(labels, width, b) >= 0.6) return false;
    // The joined frames of keys edge to edge (a row of digit buttons): the shared borders cross the middle,
    // but the outline is whole and the ink sparse. It stood on the digits' line and made it 23 px, not 12.
    return !(w > 2 * h && b.area < 0.45 * w * h && perimeterShare(labels, width, b) >= 0.85);
  });
  cand.sort((p, q) => p.x0 - q.x0);
  const lines: Array<{ x0: number; x1: number; y0: number; y1: number; ids: Set<number> }> = [];
  for (const b of cand) {
    const h = b.y1 - b.y0;
    const line = lines.find((l) => {
      const ov = Math.min(l.y1, b.y1) - Math.max(l.y0, b.y0);
      return ov >= 0.5 * Math.min(h, l.y1 - l.y0) && b.x0 - l.x1 <= Math.max(h, l.y1 - l.y0);
    });
    if (line) {
      line.x1 = Math.max(line.x1, b.x1);
      line.y0 = Math.min(line.y0, b.y0);
      line.y1 = Math.max(line.y1, b.y1);
      line.ids.add(b.id);
    } else lines.push({ x0: b.x0, x1: b.x1, y0: b.y0, y1: b.y1, ids: new Set([b.id]) });
  }
  if (lines.length === 0) return 14;
  const votes = lines.map((l) => ({ ascent: ascentOf(labels, width, l), weight: l.x1 - l.x0 }));
  votes.sort((p, q) => p.ascent - q.ascent);
  const total = votes.reduce((n, v) => n + v.weight, 0);
  let acc = 0;
  let ascent = votes[votes.length - 1]!.ascent;
  for (const v of votes) {
    acc += v.weight;
    if (acc >= total / 2) {
      ascent = v.ascent;
      break;
    }
  }
  return Math.max(6, UNIT_PER_ASCENT * Math.max(1, ascent - GRADIENT_GROWTH));
}

/** `u` per pixel of ascent (cap height): keeps `u` where the thresholds were tuned (≈ 16 for 14 px text). */
export const UNIT_PER_ASCENT = 1.45;
/** What the 3×3 gradient adds to the height of a stroke (a pixel each side). */
const GRADIENT_GROWTH = 2;

/** Rows of a line from its first inked row to the last holding ≥ 35% of its fullest row's ink. */
function ascentOf(
  labels: Int32Array,
  width: number,
  l: { x0: number; x1: number; y0: number; y1: number; ids: Set<number> },
): number {
  const h = l.y1 - l.y0;
  const rows = new Uint32Array(h);
  for (let y = l.y0; y < l.y1; y++) {
    const row = y * width;
    let n = 0;
    for (let x = l.x0; x < l.x1; x++) if (l.ids.has(labels[row + x]!)) n++;
    rows[y - l.y0] = n;
  }
  let max = 0;
  for (const n of rows) max = Math.max(max, n);
  let top = 0;
  while (top < h - 1 && rows[top] === 0) top++;
  let bottom = h - 1;
  while (bottom > top && rows[bottom]! < 0.35 * max) bottom--;
  return bottom + 1 - top;
}

/**
 * Ink clusters that enclose a wide flat area (at least 1.3 × as wide as high and a quarter of the cluster's
 * height): the frame of a button, field or tab strip, whatever text is joined to it. The counters of letters
 * are small or taller than wide.
 */
function enclosingFrames(
  blobs: Blob[],
  labels: Int32Array,
  faces: Blob[],
  width: number,
  height: number,
): Set<number> {
  const out = new Set<number>();
  // The ink label met within 4 px from (x, y) going (dx, dy): the flat area's edge may be a pixel or two of
  // weak gradient (16..39) short of the ink.
  const inkFrom = (x: number, y: number, dx: number, dy: number): number => {
    for (let k = 0; k < 4; k++) {
      const xx = x + dx * k;
      const yy = y + dy * k;
      if (xx < 0 || yy < 0 || xx >= width || yy >= height) return 0;
      const id = labels[yy * width + xx]!;
      if (id) return id;
    }
    return 0;
  };
  for (const f of faces) {
    const w = f.x1 - f.x0;
    const h = f.y1 - f.y0;
    if (h < 3 || w < 1.3 * h) continue;
    const cx = (f.x0 + f.x1) >> 1;
    const cy = (f.y0 + f.y1) >> 1;
    const id = inkFrom(cx, f.y0 - 1, 0, -1);
    if (!id || out.has(id)) continue;
    if (
      inkFrom(cx, f.y1, 0, 1) !== id ||
      inkFrom(f.x0 - 1, cy, -1, 0) !== id ||
      inkFrom(f.x1, cy, 1, 0) !== id
    )
      continue;
    const b = blobs[id - 1];
    if (b && b.id === id && h >= 0.25 * (b.y1 - b.y0)) out.add(id);
  }
  return out;
}

/** Share of the perimeter of `b`'s box (inset by `inset`) whose pixels carry label `b.id` in `labels`. */
export function perimeterShare(labels: Int32Array, width: number, b: Blob, inset = 0): number {
  const x0 = b.x0 + inset;
  const y0 = b.y0 + inset;
  const x1 = b.x1 - 1 - inset;
  const y1 = b.y1 - 1 - inset;
  if (x1 <= x0 || y1 <= y0) return 0;
  let hit = 0;
  let n = 0;
  for (let x = x0; x <= x1; x++) {
    n += 2;
    if (labels[y0 * width + x] === b.id) hit++;
    if (labels[y1 * width + x] === b.id) hit++;
  }
  for (let y = y0 + 1; y < y1; y++) {
    n += 2;
    if (labels[y * width + x0] === b.id) hit++;
    if (labels[y * width + x1] === b.id) hit++;
  }
  return hit / n;
}

/** Share of pixels of a rectangle where the gradient marks ink (gradient ≥ `contrast`, INK_CONTRAST by default). */
export function inkShare(
  a: PixelAnalysis,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  contrast = INK_CONTRAST,
): number {
  x0 = Math.max(0, Math.round(x0));
  y0 = Math.max(0, Math.round(y0));
  x1 = Math.min(a.width, Math.round(x1));
  y1 = Math.min(a.height, Math.round(y1));
  if (x1 <= x0 || y1 <= y0) return 0;
  let n = 0;
  for (let y = y0; y < y1; y++) {
    const row = y * a.width;
    for (let x = x0; x < x1; x++) if (a.grad[row + x]! >= contrast) n++;
  }
  return n / ((x1 - x0) * (y1 - y0));
}

/** Mean RGB of a rectangle (clamped). */
export function meanColor(
  img: RgbaImage,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): [number, number, number] {
  x0 = Math.max(0, Math.round(x0));
  y0 = Math.max(0, Math.round(y0));
  x1 = Math.min(img.width, Math.round(x1));
  y1 = Math.min(img.height, Math.round(y1));
  let r = 0;
  let g = 0;
  let b = 0;
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * img.width + x) * 4;
      r += img.data[i]!;
      g += img.data[i + 1]!;
      b += img.data[i + 2]!;
      n++;
    }
  }
  return n ? [r / n, g / n, b / n] : [0, 0, 0];
}
