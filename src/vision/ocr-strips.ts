import type { Rect } from '../domain/index.js';
import type { RgbaImage } from './image-io.js';
import { cubicUpscale } from './cubic-upscale.js';
import { clampRect } from './image-io.js';
import type { TextLine } from './text-lines.js';
import { greyOf } from './text-lines.js';

/**
 * Pre-processing for Tesseract: each line or piece of the screen becomes a strip, dark text on white, upscaled
 * to the size Tesseract reads best.
 */

/** The most common grey of a strip (its background, as a rule); the darkest on a tie. */
function commonGrey(grey: Uint8Array): number {
  const hist = new Uint32Array(256);
  for (const v of grey) hist[v]!++;
  let bg = 0;
  for (let v = 1; v < 256; v++) if (hist[v]! > hist[bg]!) bg = v;
  return bg;
}

/** A text line ready for Tesseract: dark on white, upscaled, and where it came from. */
export interface Strip {
  rect: Rect;
  scale: number;
  width: number;
  height: number;
  grey: Buffer;
  /**
   * A lone glyph (a digit on a key), widened with white: the montage sets such strips side by side in a row,
   * where Tesseract reads them as a line of separate characters; stacked one under another it dropped most.
   */
  lone?: boolean;
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
export async function prepareStrip(img: RgbaImage, line: TextLine): Promise<Strip | undefined> {
  const { rect: r } = line;
  const grey = greyOf(img, r);
  let bg = commonGrey(grey);
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
      : cubicUpscale(grey, r.width, r.height, scale);
  return { rect: r, scale, width, height, grey: out };
}

/** Lines whose glyph clusters are at most this tall (px, ≈ 14 px type) are upscaled ×3, up to twice it ×2. */
const SMALL_TEXT = 16;

/** A piece of the screen known to hold one line of text, and the colour (grey) behind it when known. */
export interface TextPiece {
  rect: Rect;
  /** Luminance of the background (the fill of the button or row holding the text); else the most common grey. */
  background?: number;
  /**
   * Whether the pixel at (x, y) (screen coordinates) may be ink of this piece; pixels it refuses are set to the
   * background. The element detector refuses the ink of its other clusters: the end of the word before a
   * link, the first letter of the next one, the line below, which the piece's margin takes in.
   */
  own?: (x: number, y: number) => boolean;
}

/**
 * Erases horizontal rules from a binarised strip (0 = ink): a link's underline (or a strike-through) runs under
 * a whole word, and Tesseract read "Help center" underlined as "He In", "Forgot" as "“Forgot". A run of ink
 * longer than 1.5 strip heights in a row of ink no thicker than 1/6 of the strip is a rule; no glyph of a line
 * of text has a bar that long.
 */
function eraseRules(g: Buffer, w: number, h: number): void {
  const long = Math.round(1.5 * h);
  const rule = new Uint8Array(h);
  for (let y = 0; y < h; y++) {
    let n = 0;
    for (let x = 0; x <= w; x++) {
      if (x < w && g[y * w + x] === 0) n++;
      else {
        if (n >= long) rule[y] = 1;
        n = 0;
      }
    }
  }
  const thick = Math.max(2, Math.round(h / 6));
  for (let y = 0; y < h;) {
    if (!rule[y]) {
      y++;
      continue;
    }
    let y1 = y;
    while (y1 < h && rule[y1]) y1++;
    if (y1 - y <= thick) {
      // Only the long runs of these rows go: a glyph stroke crossing the rule (a descender) keeps the rest.
      for (let r = y; r < y1; r++) {
        let n = 0;
        for (let x = 0; x <= w; x++) {
          if (x < w && g[r * w + x] === 0) n++;
          else {
            if (n >= long) g.fill(255, r * w + x - n, r * w + x);
            n = 0;
          }
        }
      }
    }
    y = y1;
  }
}

/**
 * Each piece upscaled to a ≈ 36 px line, set dark on white from its own background, and binarised on its own
 * (a threshold half-way between its background and its darkest ink), so a white label on a blue button and
 * grey text on a dark panel read as well as black on white. The ink's own height decides the upscale;
 * `larger` adds to it (a second look at a piece read weakly).
 */
export async function pieceStrip(img: RgbaImage, piece: TextPiece, larger = 0): Promise<Strip | undefined> {
  const r = clampRect(img, piece.rect);
  if (r.width < 2 || r.height < 2) return undefined;
  const grey = greyOf(img, r);
  const bg = piece.background ?? commonGrey(grey);
  if (piece.own) {
    for (let y = 0; y < r.height; y++)
      for (let x = 0; x < r.width; x++) if (!piece.own(r.x + x, r.y + y)) grey[y * r.width + x] = bg;
  }
  // Ink is what differs most from the background, darker or lighter: distance from it, inverted.
  let far = 0;
  for (let i = 0; i < grey.length; i++) {
    const d = Math.abs(grey[i]! - bg);
    grey[i] = d;
    if (d > far) far = d;
  }
  if (far < 24) return undefined;
  const scale = Math.max(1, Math.min(4, Math.round(36 / r.height))) + larger;
  const width = r.width * scale;
  const height = r.height * scale;
  const up = cubicUpscale(grey, r.width, r.height, scale);
  const cut = far * 0.45;
  // A lone digit or letter ("4" on a small button) is dropped as noise by Tesseract's sparse-text mode unless
  // it sits in a line-sized strip: short pieces are widened with white to at least three heights.
  const wide = Math.max(width, 3 * height);
  const pad = (wide - width) >> 1;
  const out = Buffer.alloc(wide * height, 255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (up[y * width + x]! > cut) out[y * wide + pad + x] = 0;
  }
  eraseRules(out, wide, height);
  return {
    rect: { x: r.x - Math.round(pad / scale), y: r.y, width: Math.round(wide / scale), height: r.height },
    scale,
    width: wide,
    height,
    grey: out,
    ...(wide > width ? { lone: true } : {}),
  };
}
