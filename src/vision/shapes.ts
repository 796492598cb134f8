import type { ColorName, Item, Rect, Shape } from '../domain/index.js';
import { COLORS, IroncliwError, SHAPES } from '../domain/index.js';
import {
  ACHROMATIC,
  CHROMATIC_MASK,
  colorCode,
  labelPixels,
  mapPixels,
  screenSummary,
} from './color-naming.js';
import type { RgbaImage } from './image-io.js';
import { assertImage, clampRect } from './image-io.js';
import type { Cv, CvMat } from './opencv.js';
import { loadOpenCv } from './opencv.js';

export interface FindShapesOptions {
  shape?: Shape;
  color?: ColorName;
  /** Smallest shape area in pixels. Default {@link DEFAULT_MIN_AREA}. */
  minArea?: number;
  /** Only shapes whose centre lies inside this rectangle (full-image coordinates). */
  within?: Rect;
}

/**
 * 60 px ≈ an 8×8 square: below that a blob is a glyph, an icon detail or anti-aliasing noise, and its outline
 * has too few pixels to tell a circle from a square anyway.
 */
export const DEFAULT_MIN_AREA = 60;

/** Share of its bounding box a filled shape's pixels cover: ≈1, π/4 and 1/2, with room for anti-aliasing. */
const FILL: Record<Shape, [number, number]> = {
  square: [0.9, 1],
  rectangle: [0.9, 1],
  circle: [0.7, 0.9],
  triangle: [0.4, 0.66],
};

/** Thinner than this is a stroke (a glyph stem, a divider line), not a filled shape. */
const MIN_SIDE = 5;

const CHROMATIC_CODE = CHROMATIC_MASK.map((v) => (v ? 1 : 0));

interface Found {
  shape: Shape;
  color: ColorName;
  bbox: Rect;
  area: number;
}

/**
 * Filled primitives are convex, and their fill of the bounding box (extent) separates them robustly even when
 * small and anti-aliased: rectangles ≈ 1, circles ≈ π/4, triangles ≈ 1/2. Polygon approximation and circularity
 * confirm, so irregular blobs (icons, glyph clusters, ellipses) are left out rather than forced into a class.
 */
function classify(cv: Cv, contour: CvMat, area: number, r: Rect): Shape | undefined {
  if (r.width < MIN_SIDE || r.height < MIN_SIDE) return undefined;
  const peri = cv.arcLength(contour, true);
  if (peri === 0) return undefined;
  const hull = new cv.Mat();
  const approx = new cv.Mat();
  try {
    cv.convexHull(contour, hull, false, true);
    const solidity = area / Math.max(1, cv.contourArea(hull));
    // Filled primitives are convex; ragged (JPEG) edges cost a few percent, glyph clusters far more.
    if (solidity < 0.85) return undefined;
    // Contours run through boundary pixel centres: the traced box is one pixel smaller than the pixel box.
    const extent = area / Math.max(1, (r.width - 1) * (r.height - 1));
    const aspect = r.width / r.height;
    const circularity = (4 * Math.PI * area) / (peri * peri);
    cv.approxPolyDP(contour, approx, 0.04 * peri, true);
    const vertices = approx.rows;
    const round = aspect > 0.8 && aspect < 1.25 && extent > 0.68;
    // Small circles approximate to few vertices and fill ~0.87 of their box; circularity (≈0.9 for a circle,
    // ≤ π/4 for an axis-aligned square) tells them from squares.
    if (round && circularity > 0.84 && extent < 0.93) return 'circle';
    if (extent > 0.88 && vertices <= 6) return aspect >= 0.85 && aspect <= 1.18 ? 'square' : 'rectangle';
    if (round && circularity > 0.78 && extent <= 0.88 && vertices >= 5) return 'circle';
    if (extent > 0.38 && extent < 0.66) {
      if (vertices === 3) return 'triangle';
      cv.approxPolyDP(contour, approx, 0.09 * peri, true);
      if (approx.rows === 3) return 'triangle';
    }
    return undefined;
  } finally {
    hull.delete();
    approx.delete();
  }
}

/**
 * A blob that touches the edge of the screen and covers much of it is a background (a tinted bar or panel).
 */
function isBackground(r: Rect, area: Rect): boolean {
  const touches = r.x <= 0 || r.y <= 0 || r.x + r.width >= area.width || r.y + r.height >= area.height;
  return touches && (r.width >= area.width * 0.5 || r.height >= area.height * 0.5);
}

/** Outer contours of `mask` (never inner ones, so a shape is never counted twice). */
function outerContours(cv: Cv, mask: CvMat, each: (c: CvMat) => void): void {
  const contours = new cv.MatVector();
  const hierarchy = new cv.Mat();
  try {
    cv.findContours(mask, contours, hierarchy, cv.RETR_EXTERNAL, cv.CHAIN_APPROX_SIMPLE);
    for (let k = 0; k < contours.size(); k++) {
      const c = contours.get(k);
      try {
        each(c);
      } finally {
        c.delete();
      }
    }
  } finally {
    contours.delete();
    hierarchy.delete();
  }
}

interface Scan {
  cv: Cv;
  img: RgbaImage;
  floor: number;
  out: Found[];
}

/** Colour codes of a screen rectangle, with the rectangle they cover. */
interface Labels {
  rect: Rect;
  codes: Uint8Array;
}

/**
 * Classifies one outer contour; `box` is its bounding box in screen coordinates (inside `labels.rect`).
 * `rims` counts every chromatic pixel as fill: the mask the contour came from included the anti-aliased rims,
 * whose names drift to neighbouring hues.
 */
function accept(
  s: Scan,
  contour: CvMat,
  color: ColorName,
  box: Rect,
  labels: Labels,
  rims: boolean,
): boolean {
  const area = s.cv.contourArea(contour);
  // Contour area runs through boundary pixel centres (smaller than the pixel count): minArea is applied later.
  if (area < s.floor * 0.5) return false;
  // Filled shapes cover their outline; rings, outlines and glyphs like "O" do not.
  const code = colorCode(color);
  const { rect, codes } = labels;
  let filled = 0;
  for (let y = box.y; y < box.y + box.height; y++) {
    let i = (y - rect.y) * rect.width + (box.x - rect.x);
    for (const end = i + box.width; i < end; i++) {
      const l = codes[i]!;
      if (l === code || (rims && CHROMATIC_CODE[l] === 1)) filled++;
    }
  }
  if (filled < area * 0.85) return false;
  const shape = classify(s.cv, contour, area, box);
  if (!shape) return false;
  // The pixels must fill the box as the class does (a glyph like "B" has the outline of a rectangle).
  const fill = filled / (box.width * box.height);
  if (fill < FILL[shape][0] || fill > FILL[shape][1]) return false;
  // The reported area is the pixel count: what a caller's minArea means.
  s.out.push({ shape, color, area: filled, bbox: box });
  return true;
}

/** Per-colour split of a blob holding several colours (shapes on a tinted bar, or touching shapes). */
function splitByColor(s: Scan, labels: Labels, codes: number[]): void {
  const { cv } = s;
  const box = labels.rect;
  const screen = { x: 0, y: 0, width: s.img.width, height: s.img.height };
  const mask = new cv.Mat(box.height, box.width, cv.CV_8UC1);
  const kernel = cv.getStructuringElement(cv.MORPH_RECT, new cv.Size(3, 3));
  try {
    for (const code of codes) {
      const view = mask.data;
      for (let i = 0; i < labels.codes.length; i++) view[i] = labels.codes[i] === code ? 255 : 0;
      // Without the rims a colour's edge is ragged (JPEG chroma bleeding, blends with a neighbour): an opening
      // removes one-pixel spurs before the outline is judged.
      cv.morphologyEx(mask, mask, cv.MORPH_OPEN, kernel);
      const color = COLORS[code - 1]!;
      outerContours(cv, mask, (c) => {
        const r = cv.boundingRect(c);
        const abs = { x: box.x + r.x, y: box.y + r.y, width: r.width, height: r.height };
        if (!isBackground(abs, screen)) accept(s, c, color, abs, labels, false);
      });
    }
  } finally {
    mask.delete();
    kernel.delete();
  }
}

/**
 * One pass over the whole screen marks the pixels of the wanted kind (any hue, or one achromatic colour); the
 * outer contours of that mask are the blobs. Only inside a blob's box are pixels named: a blob of one colour is
 * classified directly, a blob of several colours (a tinted bar with shapes on it, touching shapes) is split by
 * colour first. One findContours over the screen instead of one per colour keeps 1080p under 30 ms.
 */
function scan(cv: Cv, img: RgbaImage, achromatic: ColorName | undefined, floor: number): Found[] {
  const screen = { x: 0, y: 0, width: img.width, height: img.height };
  const s: Scan = { cv, img, floor, out: [] };
  let table: Uint8Array = CHROMATIC_MASK;
  if (achromatic) {
    table = new Uint8Array(COLORS.length + 1);
    table[colorCode(achromatic)] = 255;
  }
  const mask = new cv.Mat(img.height, img.width, cv.CV_8UC1);
  try {
    // Hues come from the labelling pass colors() shares; one achromatic colour needs a pass of its own. The
    // mask is built in a JS buffer and copied (writing a WASM heap view byte by byte is several times slower),
    // right after allocation: a later WASM allocation may grow the heap and detach the view.
    const marks = achromatic ? mapPixels(img, screen, table) : screenSummary(img).chromatic;
    mask.data.set(marks);
    const counts = new Uint32Array(COLORS.length + 1);
    outerContours(cv, mask, (c) => {
      const r = cv.boundingRect(c);
      if (r.width * r.height < floor) return;
      const box = { x: r.x, y: r.y, width: r.width, height: r.height };
      const labels = { rect: box, codes: labelPixels(img, box) };
      if (achromatic) {
        if (!isBackground(box, screen)) accept(s, c, achromatic, box, labels, false);
        return;
      }
      counts.fill(0);
      for (const l of labels.codes) counts[l]!++;
      let dominant = 0;
      for (let k = 1; k < counts.length; k++) {
        if (CHROMATIC_CODE[k] && counts[k]! > counts[dominant]!) dominant = k;
      }
      const rivals: number[] = [];
      for (let k = 1; k < counts.length; k++) {
        if (CHROMATIC_CODE[k] && k !== dominant && counts[k]! >= floor) {
          rivals.push(k);
        }
      }
      // Rims (and JPEG chroma bleeding) of another name stay well under a quarter of the shape; more is
      // another shape touching this one, which only a split by colour separates.
      const touching = rivals.some((k) => counts[k]! >= counts[dominant]! * 0.25);
      if (!touching && !isBackground(box, screen) && accept(s, c, COLORS[dominant - 1]!, box, labels, true))
        return;
      const codes = [dominant];
      for (let k = 1; k < counts.length; k++) {
        if (CHROMATIC_CODE[k] && k !== dominant && counts[k]! >= floor) codes.push(k);
      }
      splitByColor(s, labels, codes);
    });
  } finally {
    mask.delete();
  }
  return s.out;
}

/** Screens are immutable once decoded, so detections are cached per image object and per mode. */
const cache = new WeakMap<RgbaImage, Map<string, Found[]>>();

function validate(options: FindShapesOptions): void {
  if (options.shape !== undefined && !SHAPES.includes(options.shape)) {
    throw new IroncliwError('E_INPUT_INVALID', `unknown shape "${String(options.shape).slice(0, 40)}"`);
  }
  if (options.color !== undefined && !COLORS.includes(options.color)) {
    throw new IroncliwError('E_INPUT_INVALID', `unknown colour "${String(options.color).slice(0, 40)}"`);
  }
  if (options.minArea !== undefined && !(Number.isFinite(options.minArea) && options.minArea >= 1)) {
    throw new IroncliwError('E_INPUT_INVALID', 'minArea must be a number ≥ 1');
  }
  const w = options.within;
  if (w !== undefined && ![w.x, w.y, w.width, w.height].every((n) => Number.isFinite(n))) {
    throw new IroncliwError('E_INPUT_INVALID', 'within must be a rectangle {x, y, width, height} of numbers');
  }
}

/**
 * Finds filled circles, squares, rectangles and triangles of a named colour.
 *
 * Coloured shapes are looked for by default; white, grey and black shapes only when asked for by `color`,
 * because achromatic pixels are mostly UI chrome and text. Text glyphs, outlines, thin strokes, irregular blobs
 * and anything smaller than `minArea` are ignored. `within` keeps the shapes whose centre lies inside it, so a
 * shape straddling a region's edge is counted in exactly one region. Items are in full-image coordinates,
 * in reading order.
 *
 * @example await findShapes(img, { color: 'green', shape: 'circle', within: resolveRegion(img, 'toolbar') })
 */
export async function findShapes(img: RgbaImage, options: FindShapesOptions = {}): Promise<Item[]> {
  assertImage(img);
  validate(options);
  const { cv } = await loadOpenCv();
  return shapesWith(cv, img, options);
}

/**
 * {@link findShapes} once OpenCV is loaded, synchronously: for a caller that must run other work on the same
 * screen with no `await` in between (the element detector's scratch buffers).
 */
export function shapesWith(cv: Cv, img: RgbaImage, options: FindShapesOptions = {}): Item[] {
  assertImage(img);
  validate(options);
  // Everything below is synchronous, so concurrent callers never interleave inside OpenCV.
  const minArea = options.minArea ?? DEFAULT_MIN_AREA;
  const floor = Math.min(minArea, DEFAULT_MIN_AREA);
  const achromatic = options.color && ACHROMATIC.has(options.color) ? options.color : undefined;
  const key = `${achromatic ?? '*'}:${floor}`;
  let perImage = cache.get(img);
  if (!perImage) cache.set(img, (perImage = new Map()));
  let found = perImage.get(key);
  if (!found) {
    found = scan(cv, img, achromatic, floor);
    perImage.set(key, found);
  }
  const within = options.within ? clampRect(img, options.within) : undefined;
  return found
    .filter((f) => {
      if (f.area < minArea) return false;
      if (options.color && f.color !== options.color) return false;
      if (options.shape && f.shape !== options.shape) return false;
      if (!within) return true;
      const cx = f.bbox.x + f.bbox.width / 2;
      const cy = f.bbox.y + f.bbox.height / 2;
      return (
        cx >= within.x && cx < within.x + within.width && cy >= within.y && cy < within.y + within.height
      );
    })
    .sort((p, q) => (Math.abs(p.bbox.y - q.bbox.y) > 8 ? p.bbox.y - q.bbox.y : p.bbox.x - q.bbox.x))
    .map((f) => ({ kind: 'shape', shape: f.shape, color: f.color, bbox: { ...f.bbox } }));
}
