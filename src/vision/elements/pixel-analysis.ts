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
 * - `unit`: the screen's text size (median height of its lines of ink, ≈ 1.1 × the font size + 2 px), which every
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

export function analysePixels(cv: Cv, img: RgbaImage): PixelAnalysis {
  const { width, height } = img;
  const greyMat = new cv.Mat(height, width, cv.CV_8UC1);
  const gradMat = new cv.Mat();
  const kernel = cv.getStructuringElement(cv.MORPH_RECT, new cv.Size(3, 3));
  try {
    const grey = greyOf(img, { x: 0, y: 0, width, height });
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
    const grad = new Uint8Array(gradMat.data);
    // Flat areas first: the rectangular ones are the insides of boxes.
    // Components are labelled by runs in JS (pixel-kernels.ts): no label maps copied out of the WASM heap.
    const m = new Uint8Array(grad.length);
    for (let i = 0; i < grad.length; i++) m[i] = grad[i]! < FLAT_CONTRAST ? 1 : 0;
    const face = labelMask(m, width, height, 4);
    // Ink, cut along the inside edge of every box: a label whose letters reach the border of a tight button
    // would otherwise be one cluster with the button's outline and never be read as text.
    // The text size comes from the uncut ink (the counters of large letters are flat too, and must not be cut).
    for (let i = 0; i < grad.length; i++) m[i] = grad[i]! >= INK_CONTRAST ? 1 : 0;
    const uncut = labelMask(m, width, height, 8);
    const unit = textUnit(uncut.blobs, uncut.labels, width, height);
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
 * The screen's text size: the median height of its lines of ink (glyph-sized clusters side by side, at most a
 * height apart), ≈ 1.1 × the font size + 2 px. At small sizes the letters of a word touch and form one cluster,
 * at large sizes they stay apart, so single clusters would measure words at one size and letters at another;
 * lines measure the same thing at every size. 14 px (an 11 px font) when a screen holds no text.
 */
function textUnit(blobs: Blob[], labels: Int32Array, width: number, height: number): number {
  const cand = blobs.filter((b) => {
    const w = b.x1 - b.x0;
    const h = b.y1 - b.y0;
    if (h < 5 || h > height / 6 || b.area < 8) return false;
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
  const lines: Array<{ x1: number; y0: number; y1: number; hs: number[] }> = [];
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
      line.hs.push(h);
    } else lines.push({ x1: b.x1, y0: b.y0, y1: b.y1, hs: [h] });
  }
  if (lines.length === 0) return 14;
  // Each cluster votes with its line's height: lines of text hold many clusters, a stray frame piece one.
  const votes = lines.flatMap((l) => l.hs.map(() => l.y1 - l.y0)).sort((a, b) => a - b);
  return Math.max(6, votes[votes.length >> 1]!);
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

/** Share of pixels of a rectangle where the gradient marks ink. */
export function inkShare(a: PixelAnalysis, x0: number, y0: number, x1: number, y1: number): number {
  x0 = Math.max(0, Math.round(x0));
  y0 = Math.max(0, Math.round(y0));
  x1 = Math.min(a.width, Math.round(x1));
  y1 = Math.min(a.height, Math.round(y1));
  if (x1 <= x0 || y1 <= y0) return 0;
  let n = 0;
  for (let y = y0; y < y1; y++) {
    const row = y * a.width;
    for (let x = x0; x < x1; x++) if (a.grad[row + x]! >= INK_CONTRAST) n++;
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
