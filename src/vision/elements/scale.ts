import type { Rect } from '../../domain/index.js';
import type { RgbaImage } from '../image-io.js';
import type { Cv } from '../opencv.js';
import type { PixelAnalysis } from './pixel-analysis.js';
import { analysePixels } from './pixel-analysis.js';

/**
 * Large screens with large text (a hi-dpi desktop, a screen upscaled ×3) are analysed at half size: the cost
 * of every pass grows with the pixels, and the rules hold at any text size (every threshold is a multiple of
 * the text unit). Only when the halved screen's text is still at least {@link MIN_HALVED_UNIT} (text of 1× UI
 * size or larger there), so 1× text on a large desktop is never halved into illegibility.
 */

/** Screens above this many pixels (beyond 2560×1600) are tried at half size. */
export const LARGE_SCREEN_PIXELS = 4_200_000;
/** Text unit the halved screen must keep (an 11 px font measures 11.6, a 10 px one 10.6). */
export const MIN_HALVED_UNIT = 11;

/** 2×2 box average: half the width and height. */
export function halve(img: RgbaImage): RgbaImage {
  const w = img.width >> 1;
  const h = img.height >> 1;
  const out = new Uint8Array(w * h * 4);
  const src = img.data;
  const row = img.width * 4;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (2 * y * img.width + 2 * x) * 4;
      const o = (y * w + x) * 4;
      for (let c = 0; c < 4; c++)
        out[o + c] = (src[i + c]! + src[i + 4 + c]! + src[i + row + c]! + src[i + row + 4 + c]! + 2) >> 2;
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * The screen the detector works on, its analysis, and the factor its boxes are multiplied by to give screen
 * pixels. Halves as long as the screen is large and its text stays at UI size. `scratch`: see
 * {@link analysePixels}; `grey`: the luminance of `img`, when known (used only if it is not halved).
 */
export function workingScreen(
  cv: Cv,
  img: RgbaImage,
  scratch = false,
  grey?: Uint8Array,
): { img: RgbaImage; a: PixelAnalysis; factor: number } {
  let cur = img;
  let factor = 1;
  let a: PixelAnalysis | undefined;
  while (cur.width * cur.height > LARGE_SCREEN_PIXELS) {
    const small = halve(cur);
    const sa = analysePixels(cv, small);
    if (sa.unit < MIN_HALVED_UNIT) break;
    cur = small;
    a = sa;
    factor *= 2;
  }
  // Only the screen analysed at full size may use the scratch buffers (a halved one's analysis may be kept
  // while another is made).
  return { img: cur, a: a ?? analysePixels(cv, cur, scratch, cur === img ? grey : undefined), factor };
}

/** A box of the working screen in screen pixels, inside the screen. */
export function scaleRect(r: Rect, factor: number, img: RgbaImage): Rect {
  if (factor === 1) return r;
  const x = Math.min(img.width, r.x * factor);
  const y = Math.min(img.height, r.y * factor);
  return {
    x,
    y,
    width: Math.min(img.width - x, r.width * factor),
    height: Math.min(img.height - y, r.height * factor),
  };
}
