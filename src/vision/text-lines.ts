import type { Rect } from '../domain/index.js';
import type { RgbaImage } from './image-io.js';
import type { Cv } from './opencv.js';

/** A candidate line of text: its box (screen coordinates, padded) and the typical height of its glyph clusters. */
export interface TextLine {
  rect: Rect;
  /** Lower-quartile height of the glyph clusters in the line, in pixels: what the OCR upscale is chosen from. */
  glyphHeight: number;
  /** 1 where a frame around text (a button or field outline) is, row-major over `rect`; absent when none. */
  outline?: Uint8Array;
}

/**
 * Local contrast (3×3 max − min of luminance) at or above this is ink: anti-aliased UI text against its
 * background reaches well over 100; gradients, JPEG ringing and dithered backgrounds stay under 20.
 */
const EDGE_THRESHOLD = 40;
/** Clusters taller than this are panels, cards or large shapes unless dense (a paragraph whose lines touch). */
const MAX_CLUSTER_HEIGHT = 120;
/** Share of its box a tall cluster must cover to be a block of text rather than an outline. */
const MIN_BLOCK_DENSITY = 0.25;
/** A line shorter than this holds no legible text (a rule, a dot, a dash). */
const MIN_LINE_HEIGHT = 7;

/**
 * Luminance (BT.601, integer) of every pixel of `r`, row-major. Screens are mostly long runs of one colour, so
 * the value of a run is computed once and the run filled at once.
 */
export function greyOf(img: RgbaImage, r: Rect, into?: Uint8Array): Uint8Array {
  const out = into ?? new Uint8Array(r.width * r.height);
  const words =
    img.data.byteOffset % 4 === 0
      ? new Uint32Array(img.data.buffer, img.data.byteOffset, img.width * img.height)
      : new Uint32Array(img.data.slice(0, img.width * img.height * 4).buffer);
  // Rows that span the image are contiguous: scan them as one long row.
  const whole = r.x === 0 && r.width === img.width;
  const rows = whole ? 1 : r.height;
  const span = whole ? r.width * r.height : r.width;
  for (let y = 0; y < rows; y++) {
    const start = (r.y + y) * img.width + r.x;
    const end = start + span;
    const shift = y * r.width - start;
    let i = start;
    while (i < end) {
      const p = words[i]!;
      let j = i + 1;
      while (j < end && words[j] === p) j++;
      // Little-endian RGBA word (every supported platform is little-endian).
      const v = ((p & 255) * 77 + ((p >>> 8) & 255) * 150 + ((p >>> 16) & 255) * 29) >> 8;
      if (j - i > 16) out.fill(v, i + shift, j + shift);
      else for (let k = i + shift; k < j + shift; k++) out[k] = v;
      i = j;
    }
  }
  return out;
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  heights: number[];
  /** Component labels of the frames (button and field outlines) in the box. */
  outlines: number[];
}

const overlapY = (a: Box, b: Box) => Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
const gapX = (a: Box, b: Box) => Math.max(a.x0, b.x0) - Math.min(a.x1, b.x1);

function union(a: Box, b: Box): Box {
  return {
    x0: Math.min(a.x0, b.x0),
    y0: Math.min(a.y0, b.y0),
    x1: Math.max(a.x1, b.x1),
    y1: Math.max(a.y1, b.y1),
    heights: a.heights.concat(b.heights),
    outlines: a.outlines.concat(b.outlines),
  };
}

/** Merges boxes pairwise while `join` says so, until nothing changes. */
function mergeWhile(boxes: Box[], join: (a: Box, b: Box) => boolean): Box[] {
  let out = boxes;
  for (let changed = true; changed;) {
    changed = false;
    const next: Box[] = [];
    for (const b of out) {
      let cur = b;
      for (let k = 0; k < next.length;) {
        if (join(next[k]!, cur)) {
          cur = union(next[k]!, cur);
          next.splice(k, 1);
          changed = true;
        } else k++;
      }
      next.push(cur);
    }
    out = next;
  }
  return out;
}

/**
 * Where text can be inside `r`: glyphs are small clusters of strong local contrast, so the edge mask's
 * connected components are letters and words (and the outlines of buttons around them); clusters side by side
 * at the same height form a line. Panels, cards and large shapes are tall, sparse outlines and are skipped (the
 * text inside them is a cluster of its own). Boxes are padded, and those that would then overlap are merged,
 * so every ink pixel is read once.
 *
 * Reading only these lines instead of whole regions is what makes OCR of a screen fast: most of a screen is
 * background, and each line gets its own polarity and contrast.
 */
export function findTextLines(cv: Cv, img: RgbaImage, r: Rect): TextLine[] {
  const grey = new cv.Mat(r.height, r.width, cv.CV_8UC1);
  const edges = new cv.Mat();
  const labels = new cv.Mat();
  const stats = new cv.Mat();
  const centroids = new cv.Mat();
  const kernel = cv.getStructuringElement(cv.MORPH_RECT, new cv.Size(3, 3));
  try {
    // Built in a JS buffer and copied: writing a WASM heap view byte by byte is several times slower.
    grey.data.set(greyOf(img, r));
    cv.morphologyEx(grey, edges, cv.MORPH_GRADIENT, kernel);
    cv.threshold(edges, edges, EDGE_THRESHOLD - 1, 255, cv.THRESH_BINARY);
    const n = cv.connectedComponentsWithStats(edges, labels, stats, centroids, 8, cv.CV_32S);
    const s = stats.data32S;
    const boxes: Box[] = [];
    for (let k = 1; k < n; k++) {
      const x = s[k * 5]!;
      const y = s[k * 5 + 1]!;
      const w = s[k * 5 + 2]!;
      const h = s[k * 5 + 3]!;
      const area = s[k * 5 + 4]!;
      if (area < 4) continue;
      if (h > MAX_CLUSTER_HEIGHT && area < w * h * MIN_BLOCK_DENSITY) continue;
      // Region borders and dividers: long and thin.
      if (h <= 4 && w > 200) continue;
      boxes.push({
        x0: x,
        y0: y,
        x1: x + w,
        y1: y + h,
        heights: h >= MIN_LINE_HEIGHT ? [h] : [],
        outlines: [],
      });
      boxIds.set(boxes[boxes.length - 1]!, k);
    }
    markOutlines(boxes, labels.data32S, r.width);
    boxes.sort((a, b) => a.x0 - b.x0);
    // Letters and words of one line: overlapping vertically, separated by less than a couple of glyph heights.
    const lines = mergeWhile(boxes, (a, b) => {
      const h = Math.min(a.y1 - a.y0, b.y1 - b.y0);
      const H = Math.max(a.y1 - a.y0, b.y1 - b.y0);
      return overlapY(a, b) >= h * 0.5 && gapX(a, b) <= Math.max(8, H * 1.2);
    }).filter((b) => b.y1 - b.y0 >= MIN_LINE_HEIGHT && b.x1 - b.x0 >= 4);
    // Padding: Tesseract needs background around the ink to find the baseline and word gaps.
    const padded = lines.map((b) => {
      const pad = Math.max(3, Math.round((b.y1 - b.y0) * 0.3));
      return {
        ...b,
        x0: Math.max(0, b.x0 - pad),
        y0: Math.max(0, b.y0 - pad),
        x1: Math.min(r.width, b.x1 + pad),
        y1: Math.min(r.height, b.y1 + pad),
      };
    });
    const merged = mergeWhile(padded, (a, b) => overlapY(a, b) > 0 && gapX(a, b) < 0);
    const ids = labels.data32S;
    return merged
      .map((b) => {
        const hs = b.heights.length ? [...b.heights].sort((p, q) => p - q) : [b.y1 - b.y0];
        const line: TextLine = {
          rect: { x: r.x + b.x0, y: r.y + b.y0, width: b.x1 - b.x0, height: b.y1 - b.y0 },
          // Lower quartile: a line merged with an icon or shape next to it is read at the size of its text.
          glyphHeight: hs[(hs.length - 1) >> 2]!,
        };
        if (b.outlines.length) {
          const drop = new Set(b.outlines);
          const w = b.x1 - b.x0;
          const outline = new Uint8Array(w * (b.y1 - b.y0));
          for (let y = b.y0; y < b.y1; y++) {
            for (let x = b.x0; x < b.x1; x++) {
              if (drop.has(ids[y * r.width + x]!)) outline[(y - b.y0) * w + x - b.x0] = 1;
            }
          }
          line.outline = outline;
        }
        return line;
      })
      .sort((p, q) => p.rect.y - q.rect.y || p.rect.x - q.rect.x);
  } finally {
    grey.delete();
    edges.delete();
    labels.delete();
    stats.delete();
    centroids.delete();
    kernel.delete();
  }
}

/** Component label of each box, while the boxes are still single components. */
const boxIds = new WeakMap<Box, number>();

/**
 * The outline of a button or field around a label: a component whose box holds a glyph cluster and whose
 * inside (4 px in from its box) it does not cover. Its height says nothing of the text size, and Tesseract
 * takes a word in a frame for a picture, so the outline is recorded for the reader to erase.
 */
function markOutlines(boxes: Box[], ids: Int32Array, stride: number): void {
  for (const b of boxes) {
    const w = b.x1 - b.x0;
    const h = b.y1 - b.y0;
    if (w < 12 || h < 12) continue;
    const holds = boxes.some(
      (c) => c !== b && c.heights.length && c.x0 > b.x0 && c.y0 > b.y0 && c.x1 < b.x1 && c.y1 < b.y1,
    );
    if (!holds) continue;
    const k = boxIds.get(b)!;
    let inside = 0;
    for (let y = b.y0 + 4; y < b.y1 - 4; y++) {
      for (let x = b.x0 + 4; x < b.x1 - 4; x++) if (ids[y * stride + x] === k) inside++;
    }
    if (inside <= (w - 8) * (h - 8) * 0.05) {
      b.heights = [];
      b.outlines = [k];
    }
  }
}
