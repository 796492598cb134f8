import type { ElementQuery, Rect, UiElement, UiElementKind, UiElementState } from '../../domain/index.js';
import { IroncliwError, UI_ELEMENT_KINDS } from '../../domain/index.js';
import { rgbToHsv } from '../color-naming.js';
import type { RgbaImage } from '../image-io.js';
import { assertImage } from '../image-io.js';
import type { OcrWord } from '../ocr.js';
import { readText } from '../ocr.js';
import { loadOpenCv } from '../opencv.js';
import { findShapes } from '../shapes.js';
import type { Blob, PixelAnalysis } from './pixel-analysis.js';
import { analysePixels, inkShare, meanColor, perimeterShare } from './pixel-analysis.js';

/**
 * Element detection in three passes over one pixel analysis (pixel-analysis.ts):
 *
 * 1. **Geometry.** Flat areas whose outline is a rectangle are boxes (the inside of a button, field, row,
 *    dialog, panel); small square or round ink outlines are checkboxes and radios; the remaining glyph-sized ink
 *    clusters are grouped into phrases — words of one line, close together, inside the same box, of the same
 *    colour class (a blue link inside a sentence is a phrase of its own).
 * 2. **Kinds.** A box of one or two text lines' height holding centred text is a button; left-aligned text or
 *    none, a text field; with a chevron at its right end, a dropdown; items standing on a horizontal rule side by
 *    side are tabs; rows stacked in a larger box are list items; phrases led by ▸/▾ and the rows under an open one
 *    are tree nodes; an × near the top right of a large box is a close button and makes the box a dialog. Free
 *    phrases are links (blue/purple ink), headings (tall glyphs), labels (next to the control they name: right
 *    of a checkbox, left of or above a field) or text. Text in a sentence is text, whatever it says.
 * 3. **Words.** OCR (ocr.ts, text lines only) reads the screen once; each word goes to the phrase holding its
 *    centre, and a control takes the words of its own phrase and its label.
 *
 * Every size threshold is a multiple of `unit`, the screen's measured text size, so the same rules hold at 1×
 * and 2× and from a 160×210 task area to a 4K desktop.
 */

interface Box extends Rect {
  face: Blob;
  /** Mean colour of the flat area (the fill). */
  fill: [number, number, number];
  parent?: Box;
  depth: number;
}

interface Phrase {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  blobs: Blob[];
  box?: Box;
  blue: boolean;
  glyph: number;
  words: OcrWord[];
  used?: boolean;
}

interface Found extends UiElement {
  /** Internal: phrases whose words make the text. */
  phrases: Phrase[];
  value?: string;
}

const area = (r: { x0: number; y0: number; x1: number; y1: number }) => (r.x1 - r.x0) * (r.y1 - r.y0);
const toRect = (r: { x0: number; y0: number; x1: number; y1: number }): Rect => ({
  x: Math.round(r.x0),
  y: Math.round(r.y0),
  width: Math.round(r.x1 - r.x0),
  height: Math.round(r.y1 - r.y0),
});
const inside = (p: { x: number; y: number }, r: Rect) =>
  p.x >= r.x && p.x < r.x + r.width && p.y >= r.y && p.y < r.y + r.height;
const centreOf = (b: { x0: number; y0: number; x1: number; y1: number }) => ({
  x: (b.x0 + b.x1) / 2,
  y: (b.y0 + b.y1) / 2,
});
const greyOfRgb = (c: [number, number, number]) => (c[0] * 77 + c[1] * 150 + c[2] * 29) / 256;
const colourDistance = (a: [number, number, number], b: [number, number, number]) =>
  Math.max(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]), Math.abs(a[2] - b[2]));

function iou(a: Rect, b: Rect): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  const i = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const u = a.width * a.height + b.width * b.height - i;
  return u > 0 ? i / u : 0;
}

/** Mean colour of the pixels of a face along its own outline (its fill, without the text inside it). */
function faceFill(a: PixelAnalysis, img: RgbaImage, f: Blob): [number, number, number] {
  let r = 0;
  let g = 0;
  let b = 0;
  let n = 0;
  const add = (x: number, y: number) => {
    if (a.faceLabels[y * a.width + x] !== f.id) return;
    const i = (y * img.width + x) * 4;
    r += img.data[i]!;
    g += img.data[i + 1]!;
    b += img.data[i + 2]!;
    n++;
  };
  for (let x = f.x0; x < f.x1; x++) {
    add(x, f.y0);
    add(x, f.y1 - 1);
  }
  for (let y = f.y0; y < f.y1; y++) {
    add(f.x0, y);
    add(f.x1 - 1, y);
  }
  return n ? [r / n, g / n, b / n] : meanColor(img, f.x0, f.y0, f.x1, f.y1);
}

function findBoxes(a: PixelAnalysis, img: RgbaImage): Box[] {
  const u = a.unit;
  const boxes: Box[] = [];
  for (const f of a.faces) {
    const w = f.x1 - f.x0;
    const h = f.y1 - f.y0;
    if (w < Math.max(6, 0.45 * u) || h < Math.max(6, 0.45 * u)) continue;
    if (w >= 0.97 * a.width && h >= 0.9 * a.height) continue;
    // A box's inside touches every side of its own bounding box: rounded corners and a label touching the
    // padding cost a little, an L-shaped or ragged background area costs a lot.
    if (perimeterShare(a.faceLabels, a.width, f) < 0.72) continue;
    // The flat inside stops a pixel or two short of the border (the gradient marks both sides of an edge).
    boxes.push({
      x: f.x0 - 2,
      y: f.y0 - 2,
      width: w + 4,
      height: h + 4,
      face: f,
      fill: faceFill(a, img, f),
      depth: 0,
    });
  }
  // Nesting: each box's parent is the smallest box around it.
  boxes.sort((p, q) => p.width * p.height - q.width * q.height);
  for (let i = 0; i < boxes.length; i++) {
    const b = boxes[i]!;
    for (let j = i + 1; j < boxes.length; j++) {
      const p = boxes[j]!;
      if (b.x >= p.x && b.y >= p.y && b.x + b.width <= p.x + p.width && b.y + b.height <= p.y + p.height) {
        b.parent = p;
        break;
      }
    }
  }
  for (const b of boxes) for (let p = b.parent; p; p = p.parent) b.depth++;
  return boxes;
}

/** The innermost box holding a point. */
function boxAt(boxes: Box[], p: { x: number; y: number }): Box | undefined {
  let best: Box | undefined;
  for (const b of boxes) if (inside(p, b) && (!best || b.depth > best.depth)) best = b;
  return best;
}

/** Whether the ink pixel at (x, y), or one next to it, belongs to blob `b`. */
function inkNear(a: PixelAnalysis, b: Blob, x: number, y: number, r = 1): boolean {
  for (let dy = -r; dy <= r; dy++) {
    for (let dx = -r; dx <= r; dx++) {
      const xx = Math.round(x) + dx;
      const yy = Math.round(y) + dy;
      if (xx < 0 || yy < 0 || xx >= a.width || yy >= a.height) continue;
      if (a.inkLabels[yy * a.width + xx] === b.id) return true;
    }
  }
  return false;
}

type Toggle = { kind: 'checkbox' | 'radio'; blob: Blob; checked: boolean; contrast: number };

/** Checkboxes and radios: small square/round outlines about a text line high, empty or with a mark inside. */
function findToggles(a: PixelAnalysis, img: RgbaImage): Toggle[] {
  const u = a.unit;
  const out: Toggle[] = [];
  for (const b of a.blobs) {
    const w = b.x1 - b.x0;
    const h = b.y1 - b.y0;
    const s = Math.max(w, h);
    if (s < Math.max(9, 0.6 * u) || s > 1.5 * u || w / h < 0.8 || w / h > 1.25) continue;
    const perim = perimeterShare(a.inkLabels, a.width, b);
    // How far in from each corner, along the diagonal, the outline starts: about 0.15 of the size for a
    // circle, a pixel or so for a (rounded) square.
    let inset = 0;
    for (const [cx, cy, dx, dy] of [
      [b.x0, b.y0, 1, 1],
      [b.x1 - 1, b.y0, -1, 1],
      [b.x0, b.y1 - 1, 1, -1],
      [b.x1 - 1, b.y1 - 1, -1, -1],
    ] as const) {
      let k = 0;
      while (k < s / 2 && a.inkLabels[(cy + dy * k) * a.width + cx + dx * k] !== b.id) k++;
      inset += k / 4;
    }
    const round = inset >= Math.max(1.6, 0.1 * s);
    const mx = (b.x0 + b.x1 - 1) / 2;
    const my = (b.y0 + b.y1 - 1) / 2;
    const mids = [
      [mx, b.y0 + 1],
      [mx, b.y1 - 2],
      [b.x0 + 1, my],
      [b.x1 - 2, my],
    ].filter(([x, y]) => inkNear(a, b, x!, y!, 1)).length;
    // A letter ("O", "D", "o") among letters: a neighbour as tall, almost touching.
    const letter = a.blobs.some(
      (o) =>
        o !== b &&
        o.y1 - o.y0 >= 0.9 * h &&
        Math.min(o.y1, b.y1) - Math.max(o.y0, b.y0) > 0.5 * h &&
        (Math.abs(o.x0 - b.x1) <= 0.15 * u || Math.abs(b.x0 - o.x1) <= 0.15 * u),
    );
    if (letter) continue;
    let kind: Toggle['kind'] | undefined;
    if (perim >= 0.7 && !round) kind = 'checkbox';
    else if (round && mids >= 4 && perim >= 0.2) kind = 'radio';
    if (!kind) continue;
    const ix = w * 0.3;
    const iy = h * 0.3;
    const innerInk = inkShare(a, b.x0 + ix, b.y0 + iy, b.x1 - ix, b.y1 - iy);
    const innerColour = meanColor(img, b.x0 + ix, b.y0 + iy, b.x1 - ix, b.y1 - iy);
    const outside = meanColor(img, b.x1 + 1, b.y0, b.x1 + 2, b.y1);
    const filled = colourDistance(innerColour, outside) > 60;
    // A filled coloured square with nothing inside is a shape, not a control.
    if (filled && innerInk < 0.05) {
      const hsv = rgbToHsv(...innerColour);
      if (hsv.s > 0.35 && kind === 'checkbox') continue;
    }
    // Something inside the frame: a hollow glyph (a letter "O", "D") has nothing to its left or right of
    // its own size; the mark of a control is inside and the label starts a little further on.
    const contrast = Math.abs(greyOfRgb(meanColor(img, b.x0, my - 1, b.x0 + 1, my + 1)) - greyOfRgb(outside));
    out.push({ kind, blob: b, checked: innerInk > 0.1 || filled, contrast });
  }
  return out;
}

/** Whether a blob is a ×: ink at the corners and the centre, none at the middles of its sides. */
function isCross(a: PixelAnalysis, b: Blob): boolean {
  const w = b.x1 - b.x0;
  const h = b.y1 - b.y0;
  if (w / h < 0.7 || w / h > 1.4 || w < 5) return false;
  const at = (fx: number, fy: number, r: number) =>
    inkNear(a, b, b.x0 + fx * (w - 1), b.y0 + fy * (h - 1), r);
  const yes =
    at(0.12, 0.12, 1) && at(0.88, 0.12, 1) && at(0.5, 0.5, 1) && at(0.12, 0.88, 1) && at(0.88, 0.88, 1);
  const no = !at(0.5, 0, 0) && !at(0, 0.5, 0) && !at(1, 0.5, 0) && !at(0.5, 1, 0);
  return yes && no;
}

/** ▸ (right) or ▾ (down): a small solid triangle, judged on the darkness of its pixels against the background. */
function triangle(a: PixelAnalysis, b: Blob): 'right' | 'down' | undefined {
  const w = b.x1 - b.x0;
  const h = b.y1 - b.y0;
  if (w < 4 || h < 4 || w > 0.9 * a.unit || h > 0.9 * a.unit) return undefined;
  const bg = a.grey[Math.max(0, b.y0 - 1) * a.width + Math.max(0, b.x0 - 1)]!;
  const dark = (x: number, y: number) => Math.abs(a.grey[y * a.width + x]! - bg) > 60;
  const rows: number[] = [];
  for (let y = b.y0; y < b.y1; y++) {
    let n = 0;
    for (let x = b.x0; x < b.x1; x++) if (dark(x, y)) n++;
    if (n) rows.push(n);
  }
  const cols: number[] = [];
  for (let x = b.x0; x < b.x1; x++) {
    let n = 0;
    for (let y = b.y0; y < b.y1; y++) if (dark(x, y)) n++;
    if (n) cols.push(n);
  }
  if (rows.length < 3 || cols.length < 3) return undefined;
  const maxR = Math.max(...rows);
  const maxC = Math.max(...cols);
  const solid = (xs: number[]) => xs.every((v, i) => i === 0 || v <= xs[i - 1]! + 1);
  if (rows[0]! >= 0.75 * maxR && rows.at(-1)! <= 0.45 * maxR && solid(rows) && maxR >= 0.8 * cols.length)
    return 'down';
  if (cols[0]! >= 0.75 * maxC && cols.at(-1)! <= 0.45 * maxC && solid(cols) && maxC >= 0.8 * rows.length)
    return 'right';
  return undefined;
}

/** Whether a blob's ink is blue or purple (a link), from its most contrasting pixels. */
function isBlueInk(a: PixelAnalysis, img: RgbaImage, b: Blob): boolean {
  const bg = meanColor(img, b.x0 - 1, b.y0 - 1, b.x0, b.y1);
  let n = 0;
  let blue = 0;
  for (let y = b.y0; y < b.y1; y++) {
    for (let x = b.x0; x < b.x1; x++) {
      const i = (y * img.width + x) * 4;
      const c: [number, number, number] = [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
      if (colourDistance(c, bg) < 70) continue;
      n++;
      const hsv = rgbToHsv(...c);
      if (hsv.s >= 0.3 && hsv.h >= 195 && hsv.h <= 300 && hsv.v > 0.25) blue++;
    }
  }
  return n >= 3 && blue >= 0.5 * n;
}

function groupPhrases(a: PixelAnalysis, img: RgbaImage, blobs: Blob[], boxes: Box[]): Phrase[] {
  const u = a.unit;
  let ps: Phrase[] = blobs.map((b) => ({
    x0: b.x0,
    y0: b.y0,
    x1: b.x1,
    y1: b.y1,
    blobs: [b],
    box: boxAt(boxes, centreOf(b)),
    blue: isBlueInk(a, img, b),
    glyph: b.y1 - b.y0,
    words: [],
  }));
  ps.sort((p, q) => p.x0 - q.x0);
  const join = (p: Phrase, q: Phrase) => {
    if (p.box !== q.box || p.blue !== q.blue) return false;
    const hp = p.y1 - p.y0;
    const hq = q.y1 - q.y0;
    const ov = Math.min(p.y1, q.y1) - Math.max(p.y0, q.y0);
    if (ov < 0.4 * Math.min(hp, hq)) return false;
    const gap = Math.max(p.x0, q.x0) - Math.min(p.x1, q.x1);
    return gap <= 0.45 * Math.max(u, 0.8 * Math.min(hp, hq));
  };
  for (let changed = true; changed;) {
    changed = false;
    const next: Phrase[] = [];
    for (const p of ps) {
      let cur = p;
      for (let k = 0; k < next.length;) {
        if (join(next[k]!, cur)) {
          const o = next[k]!;
          cur = {
            ...cur,
            x0: Math.min(o.x0, cur.x0),
            y0: Math.min(o.y0, cur.y0),
            x1: Math.max(o.x1, cur.x1),
            y1: Math.max(o.y1, cur.y1),
            blobs: o.blobs.concat(cur.blobs),
          };
          next.splice(k, 1);
          changed = true;
        } else k++;
      }
      next.push(cur);
    }
    ps = next;
  }
  for (const p of ps) {
    const hs = p.blobs.map((b) => b.y1 - b.y0).sort((x, y) => x - y);
    p.glyph = hs[hs.length >> 1]!;
    p.blobs.sort((x, y) => x.x0 - y.x0);
  }
  return ps.sort((p, q) => p.y0 - q.y0 || p.x0 - q.x0);
}

/** Horizontal rules: rows where the ink runs unbroken for at least 5 text units (tab strips, separators). */
function findRules(
  a: PixelAnalysis,
  boxes: Box[],
): Array<{ x0: number; x1: number; y0: number; y1: number }> {
  const min = 5 * a.unit;
  const segs: Array<{ x0: number; x1: number; y0: number; y1: number }> = [];
  for (let y = 0; y < a.height; y++) {
    const row = y * a.width;
    let x = 0;
    while (x < a.width) {
      if (a.grad[row + x]! < 40) {
        x++;
        continue;
      }
      const s = x;
      while (x < a.width && a.grad[row + x]! >= 40) x++;
      if (x - s >= min) {
        const prev = segs.find((g) => g.y1 === y && Math.abs(g.x0 - s) <= 3 && Math.abs(g.x1 - x) <= 3);
        if (prev) prev.y1 = y + 1;
        else segs.push({ x0: s, x1: x, y0: y, y1: y + 1 });
      }
    }
  }
  // The top or bottom edge of a box (a field, a button) is not a rule of its own.
  const edge = (g: { x0: number; x1: number; y0: number; y1: number }) =>
    boxes.some(
      (b) =>
        (Math.abs(b.y - g.y0) <= 3 || Math.abs(b.y + b.height - g.y1) <= 3) &&
        Math.min(b.x + b.width, g.x1) - Math.max(b.x, g.x0) >= 0.8 * (g.x1 - g.x0),
    );
  return segs.filter((g) => g.y1 - g.y0 <= Math.max(4, 0.3 * a.unit) && !edge(g));
}

interface Detection {
  elements: Found[];
  phrases: Phrase[];
  unit: number;
}

function detect(a: PixelAnalysis, img: RgbaImage, shapes: UiElement[]): Detection {
  const u = a.unit;
  const boxes = findBoxes(a, img);
  const toggles = findToggles(a, img);
  const toggleIds = new Set(toggles.map((t) => t.blob.id));
  // Glyph-sized ink: not a toggle, not the outline of a box, not a rule.
  const glyphs = a.blobs.filter((b) => {
    if (toggleIds.has(b.id)) return false;
    const w = b.x1 - b.x0;
    const h = b.y1 - b.y0;
    if (h < Math.max(3, 0.2 * u) && w < 0.3 * u) return false;
    if (h > 2.2 * u) return false;
    if (h <= Math.max(3, 0.25 * u) && w >= 2 * u) return false;
    if (b.area < 0.2 * w * h && h > 1.0 * u) return false;
    // The outline of a box: its inside is a box face.
    if (
      boxes.some((x) => Math.abs(x.x - b.x0) <= 2 && Math.abs(x.y - b.y0) <= 2 && Math.abs(x.width - w) <= 4)
    )
      return false;
    return true;
  });
  const phrases = groupPhrases(a, img, glyphs, boxes);
  const out: Found[] = [];
  const push = (e: Omit<Found, 'state'> & { state?: UiElementState[] }) => {
    const f = { state: [], ...e } as Found;
    out.push(f);
    return f;
  };

  // Close buttons (×) and the dialogs they close.
  const closeOf = new Map<Phrase, Box | undefined>();
  for (const p of phrases) {
    if (p.blobs.length !== 1 || !isCross(a, p.blobs[0]!)) continue;
    const s = Math.max(p.x1 - p.x0, p.y1 - p.y0);
    if (s < 0.3 * u || s > 1.4 * u) continue;
    const own = p.box && p.box.width <= 2.5 * u && p.box.height <= 2.2 * u ? p.box : undefined;
    closeOf.set(p, own);
  }
  const dialogs = new Set<Box>();
  for (const [p, own] of closeOf) {
    let c = own ? own.parent : p.box;
    while (c && (c.height < 2.5 * u || c.width < 5 * u)) c = c.parent;
    if (!c) continue;
    const cx = (p.x0 + p.x1) / 2;
    const cy = (p.y0 + p.y1) / 2;
    if (cx < c.x + 0.7 * c.width || cy > c.y + Math.max(0.3 * c.height, 2.5 * u)) continue;
    dialogs.add(c);
    p.used = true;
    const r = own ?? {
      x: p.x0 - 0.25 * u,
      y: p.y0 - 0.25 * u,
      width: p.x1 - p.x0 + 0.5 * u,
      height: p.y1 - p.y0 + 0.5 * u,
    };
    push({
      kind: 'close-button',
      text: '×',
      bbox: toRect({ x0: r.x, y0: r.y, x1: r.x + r.width, y1: r.y + r.height }),
      phrases: [],
    });
    if (own) (own as Box & { taken?: boolean }).taken = true;
  }
  for (const d of dialogs) {
    const title = phrases.find(
      (p) => p.box === d && !p.used && p.y0 < d.y + Math.max(0.3 * d.height, 2.5 * u),
    );
    push({
      kind: 'dialog',
      text: '',
      bbox: toRect({ x0: d.x, y0: d.y, x1: d.x + d.width, y1: d.y + d.height }),
      phrases: title ? [title] : [],
    });
  }

  const phrasesIn = (b: Box) => phrases.filter((p) => p.box === b && !p.used);
  const kidsOf = (b: Box) => boxes.filter((x) => x.parent === b);

  // Rows of lists and trees: decided per container before its boxes are taken as controls.
  const isSmall = (b: Box) => b.height <= 2.3 * u;
  const taken = new Set<Box>();
  const treeNodes: Found[] = [];
  // Trees: phrases led by a triangle, and the indented rows under an open one.
  const led = phrases
    .map((p) => ({ p, dir: triangle(a, p.blobs[0]!) }))
    .filter((t) => t.dir && t.p.blobs.length > 1);
  if (led.length >= 2) {
    for (const { p, dir } of led) {
      p.used = true;
      treeNodes.push(
        push({
          kind: 'tree-node',
          text: '',
          bbox: toRect(pad(p, 0.15 * u)),
          state: dir === 'down' ? ['expanded'] : [],
          phrases: [p],
        }),
      );
      if (dir !== 'down') continue;
      const arrowX = p.blobs[0]!.x0;
      const next = led
        .map((l) => l.p)
        .filter((q) => q.y0 > p.y1 && q.x0 <= arrowX + 0.3 * u)
        .sort((x, y) => x.y0 - y.y0)[0];
      const limit = next ? next.y0 : Infinity;
      for (const q of phrases) {
        if (q.used || q.y0 < p.y1 - 1 || q.y1 > limit || q.x0 < arrowX + 0.5 * u || q.x0 > arrowX + 4 * u)
          continue;
        if (q.y0 - p.y1 > 5 * u) continue;
        q.used = true;
        treeNodes.push(push({ kind: 'tree-node', text: '', bbox: toRect(pad(q, 0.15 * u)), phrases: [q] }));
      }
    }
    for (const n of treeNodes) {
      const p = n.phrases[0]!;
      if (
        p.box &&
        isSmall(p.box) &&
        colourDistance(p.box.fill, p.box.parent?.fill ?? pageFill(a, img)) > 30
      ) {
        n.state.push('selected');
        taken.add(p.box);
        n.bbox = toRect({ x0: p.box.x, y0: p.box.y, x1: p.box.x + p.box.width, y1: p.box.y + p.box.height });
      }
    }
  }

  // Lists: a larger box whose content is rows of one phrase each, stacked, left-aligned, nothing else inside.
  for (const c of boxes) {
    if (isSmall(c) || dialogs.has(c) || c.width < 2.5 * u) continue;
    const rows: Array<{ y0: number; y1: number; p?: Phrase; box?: Box }> = [];
    for (const p of phrasesIn(c)) rows.push({ y0: p.y0, y1: p.y1, p });
    let ok = true;
    for (const k of kidsOf(c)) {
      const ps = phrasesIn(k);
      if (!isSmall(k) || k.width < 0.8 * c.width || ps.length > 1) ok = false;
      else rows.push({ y0: k.y, y1: k.y + k.height, box: k, ...(ps[0] ? { p: ps[0] } : {}) });
    }
    if (!ok || rows.length < 2 || toggles.some((t) => inside(centreOf(t.blob), c))) continue;
    rows.sort((p, q) => p.y0 - q.y0);
    const lefts = rows.map((r) => r.p?.x0 ?? 0).filter((x) => x);
    if (Math.max(...lefts) - Math.min(...lefts) > 0.7 * u) continue;
    if (rows.some((r, i) => i > 0 && r.y0 < rows[i - 1]!.y1 - 2)) continue;
    const pitch = (rows.at(-1)!.y1 - rows[0]!.y0) / rows.length;
    if (pitch > 2.3 * u) continue;
    for (const r of rows) {
      const cy = r.box ? r.box.y + r.box.height / 2 : (r.p!.y0 + r.p!.y1) / 2;
      const half = r.box ? r.box.height / 2 : pitch / 2;
      const f = push({
        kind: 'list-item',
        text: '',
        bbox: toRect({ x0: c.x + 2, y0: cy - half, x1: c.x + c.width - 2, y1: cy + half }),
        phrases: r.p ? [r.p] : [],
      });
      if (r.p) r.p.used = true;
      if (r.box) {
        taken.add(r.box);
        if (colourDistance(r.box.fill, c.fill) > 30) f.state.push('selected');
      }
    }
    taken.add(c);
  }

  // Controls from small boxes.
  const controls: Found[] = [];
  for (const b of boxes) {
    if (taken.has(b) || (b as Box & { taken?: boolean }).taken || dialogs.has(b)) continue;
    if (!isSmall(b) || b.width < 0.8 * b.height) continue;
    if (kidsOf(b).some((k) => !taken.has(k))) continue;
    const ps = phrasesIn(b);
    let kind: UiElementKind;
    let value: Phrase[] = [];
    const inner = { x0: b.face.x0, x1: b.face.x1 };
    if (ps.length === 0) kind = 'text-field';
    else {
      const x0 = Math.min(...ps.map((p) => p.x0));
      const x1 = Math.max(...ps.map((p) => p.x1));
      const ml = x0 - inner.x0;
      const mr = inner.x1 - x1;
      const last = ps.reduce((p, q) => (q.x1 > p.x1 ? q : p));
      const chevron =
        last.blobs.length === 1 &&
        last.y1 - last.y0 <= 0.65 * u &&
        inner.x1 - last.x1 <= 1 * u &&
        (ps.length > 1 || last.x0 - inner.x0 > 1.2 * u);
      if (chevron && ps.length > 1) {
        kind = 'dropdown';
        last.used = true;
        value = ps.filter((p) => p !== last);
      } else if (Math.abs(ml - mr) <= Math.max(3, 0.3 * (ml + mr))) kind = 'button';
      else if (ml < mr) {
        kind = 'text-field';
        value = ps;
      } else kind = 'button';
    }
    const f = push({
      kind,
      text: '',
      bbox: toRect({ x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height }),
      phrases: kind === 'button' ? ps : [],
    });
    if (kind !== 'button') {
      (f as Found & { valuePhrases?: Phrase[] }).valuePhrases = value;
    }
    for (const p of ps) p.used = true;
    (f as Found & { box?: Box }).box = b;
    controls.push(f);
  }
  const toggleEls = toggles.map((t) =>
    push({
      kind: t.kind,
      text: '',
      bbox: toRect(t.blob),
      state: t.checked ? ['checked'] : [],
      phrases: [],
    }),
  );

  // Tabs: two or more items side by side standing on one horizontal rule.
  for (const r of findRules(a, boxes)) {
    const items: Array<{ x0: number; x1: number; y0: number; y1: number; el?: Found; p?: Phrase }> = [];
    for (const c of controls) {
      const bx = c.bbox;
      if (c.kind !== 'button' && c.kind !== 'text-field') continue;
      if (bx.x < r.x0 - 2 || bx.x + bx.width > r.x1 + 2) continue;
      const bottom = bx.y + bx.height;
      if (bottom < r.y0 - 0.7 * u || bottom > r.y1 + 2) continue;
      items.push({ x0: bx.x, x1: bx.x + bx.width, y0: bx.y, y1: bottom, el: c });
    }
    for (const p of phrases) {
      if (p.used || p.x0 < r.x0 || p.x1 > r.x1 || p.y1 < r.y0 - 1.5 * u || p.y1 > r.y0) continue;
      items.push({ x0: p.x0, x1: p.x1, y0: p.y0, y1: p.y1, p });
    }
    if (items.length < 2) continue;
    const top = Math.min(...items.map((i) => i.y0));
    const row = items.filter((i) => i.y0 - top <= 0.7 * u);
    if (row.length < 2) continue;
    row.sort((p, q) => p.x0 - q.x0);
    // The selected tab: the rule under it looks different (interrupted, or another colour).
    const look = row.map((i) => {
      const m = i.x0 + (i.x1 - i.x0) * 0.2;
      const n = i.x1 - (i.x1 - i.x0) * 0.2;
      return { ink: inkShare(a, m, r.y0, n, r.y1), colour: meanColor(img, m, r.y0 - 2, n, r.y1 + 1) };
    });
    const odd = look.map((l, k) => {
      const others = look.filter((_, j) => j !== k);
      const ink = others.reduce((s, o) => s + o.ink, 0) / others.length;
      const col = others.map((o) => colourDistance(o.colour, l.colour)).sort((x, y) => x - y)[0]!;
      return Math.abs(l.ink - ink) * 100 + col;
    });
    const best = odd.indexOf(Math.max(...odd));
    row.forEach((i, k) => {
      const state: UiElementState[] = k === best && odd[k]! > 25 ? ['selected'] : [];
      if (i.el) {
        i.el.kind = 'tab';
        i.el.state = state;
      } else if (i.p) {
        i.p.used = true;
        const pd = 0.35 * u;
        push({
          kind: 'tab',
          text: '',
          bbox: toRect({ x0: i.p.x0 - pd, y0: i.p.y0 - pd, x1: i.p.x1 + pd, y1: r.y0 }),
          state,
          phrases: [i.p],
        });
      }
    });
  }

  // Labels: beside a toggle, or left of / above a field or dropdown.
  const free = () => phrases.filter((p) => !p.used);
  for (const t of toggleEls) {
    const b = t.bbox;
    const cy = b.y + b.height / 2;
    const p = free()
      .filter(
        (q) =>
          q.x0 >= b.x + b.width - 2 &&
          q.x0 - (b.x + b.width) <= 1.5 * u &&
          Math.abs((q.y0 + q.y1) / 2 - cy) <= 0.45 * u,
      )
      .sort((x, y) => x.x0 - y.x0)[0];
    if (p) labelFor(t, p);
  }
  for (const c of controls.filter((c) => c.kind === 'text-field' || c.kind === 'dropdown')) {
    const b = c.bbox;
    const cy = b.y + b.height / 2;
    const left = free()
      .filter((q) => q.x1 <= b.x + 2 && b.x - q.x1 <= 2.5 * u && Math.abs((q.y0 + q.y1) / 2 - cy) <= 0.4 * u)
      .sort((x, y) => y.x1 - x.x1)[0];
    const above = free()
      .filter((q) => q.y1 <= b.y + 2 && b.y - q.y1 <= 1 * u && Math.abs(q.x0 - b.x) <= 1 * u)
      .sort((x, y) => y.y1 - x.y1)[0];
    const p = left ?? above;
    if (p) labelFor(c, p);
  }
  function labelFor(control: Found, p: Phrase) {
    p.used = true;
    control.phrases = [p];
    push({ kind: 'label', text: '', bbox: toRect(p), phrases: [p] });
  }

  // State: disabled (faint text or outline against the others of its kind), focused (a thick ring).
  const byKind = (k: UiElementKind) => controls.filter((c) => c.kind === k);
  const buttons = byKind('button');
  const textContrast = (c: Found) => {
    const b = (c as Found & { box?: Box }).box;
    if (!b || !c.phrases.length) return 0;
    const fill = greyOfRgb(b.fill);
    let m = 0;
    for (const p of c.phrases) {
      for (let y = p.y0; y < p.y1; y++) {
        for (let x = p.x0; x < p.x1; x++) m = Math.max(m, Math.abs(a.grey[y * a.width + x]! - fill));
      }
    }
    return m;
  };
  const contrasts = buttons.map(textContrast);
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1] ?? 0;
  const mb = median(contrasts);
  buttons.forEach((c, i) => {
    const k = contrasts[i]!;
    if ((buttons.length >= 3 && k < 0.65 * mb) || k < 90) c.state.push('disabled');
  });
  const tc = median(toggles.map((t) => t.contrast));
  toggles.forEach((t, i) => {
    if (toggles.length >= 3 && t.contrast < 0.6 * tc) toggleEls[i]!.state.push('disabled');
  });
  const fields = [...byKind('text-field'), ...byKind('dropdown')];
  const rings = fields.map((f) => ringThickness(a, (f as Found & { box?: Box }).box!));
  const mr = median(rings);
  fields.forEach((f, i) => {
    const t = rings[i]!;
    if (f.kind === 'text-field' && t >= Math.max(2.5, 0.15 * u) && (fields.length < 2 || t >= 1.7 * mr))
      f.state.push('focused');
  });

  // What is left: links, headings, text.
  for (const p of free()) {
    if (p.y1 - p.y0 < Math.max(4, 0.3 * u) && p.blobs.length < 2) continue;
    const kind: UiElementKind = p.blue ? 'link' : p.y1 - p.y0 >= 1.25 * u ? 'heading' : 'text';
    p.used = true;
    push({ kind, text: '', bbox: toRect(kind === 'link' ? pad(p, 0.1 * u) : p), phrases: [p] });
  }
  for (const s of shapes) {
    if (out.some((e) => e.kind !== 'text' && e.kind !== 'heading' && iou(e.bbox, s.bbox) > 0.3)) continue;
    push({ ...s, phrases: [] });
  }
  return { elements: out, phrases, unit: u };
}

function pad(p: { x0: number; y0: number; x1: number; y1: number }, d: number) {
  return { x0: p.x0 - d, y0: p.y0 - d, x1: p.x1 + d, y1: p.y1 + d };
}

function pageFill(a: PixelAnalysis, img: RgbaImage): [number, number, number] {
  void a;
  return meanColor(img, 0, 0, 2, 2);
}

/** Thickness of the border around a box's face: contrasting pixels outward from its left and top middles. */
function ringThickness(a: PixelAnalysis, b: Box): number {
  const f = b.face;
  const fill = greyOfRgb(b.fill);
  const my = Math.round((f.y0 + f.y1) / 2);
  const mx = Math.round((f.x0 + f.x1) / 2);
  let l = 0;
  for (let x = f.x0 - 1; x >= Math.max(0, f.x0 - 12); x--) {
    if (Math.abs(a.grey[my * a.width + x]! - fill) > 40) l++;
    else if (l) break;
  }
  let t = 0;
  for (let y = f.y0 - 1; y >= Math.max(0, f.y0 - 12); y--) {
    if (Math.abs(a.grey[y * a.width + mx]! - fill) > 40) t++;
    else if (t) break;
  }
  return (l + t) / 2;
}

/** Words of an element's phrases, left to right and top to bottom. */
function textOf(ps: Phrase[], skip?: Blob): string {
  return ps
    .flatMap((p) => p.words.filter((w) => !skip || w.bbox.x + w.bbox.width / 2 > skip.x1))
    .sort((p, q) => (Math.abs(p.bbox.y - q.bbox.y) > 4 ? p.bbox.y - q.bbox.y : p.bbox.x - q.bbox.x))
    .map((w) => w.text)
    .join(' ');
}

function attachWords(d: Detection, words: OcrWord[]): void {
  const u = d.unit;
  for (const w of words) {
    const c = { x: w.bbox.x + w.bbox.width / 2, y: w.bbox.y + w.bbox.height / 2 };
    const p = d.phrases.find((q) => inside(c, toRect(pad(q, 0.2 * u))));
    if (p) p.words.push(w);
  }
  for (const e of d.elements) {
    if (e.kind === 'close-button' || e.kind === 'shape') continue;
    const lead = e.kind === 'tree-node' && e.phrases[0] ? triangleBlob(e.phrases[0]) : undefined;
    e.text = textOf(e.phrases, lead);
    const vp = (e as Found & { valuePhrases?: Phrase[] }).valuePhrases;
    if (vp && vp.length) e.value = textOf(vp);
    if (e.kind === 'dropdown' && !e.text && e.value) e.text = e.value;
  }
}

const triangleBlob = (p: Phrase) => p.blobs[0];

const cache = new WeakMap<RgbaImage, Promise<UiElement[]>>();

/**
 * The UI elements of a screen: controls with their labels and visible states, dialogs, text, headings and
 * shapes, in reading order, boxes in screen pixels (a control's click point is its box's centre). `query`
 * narrows them: `kind`, `text` (case-insensitive; whole words of the element's text or label), `near` (sorted
 * by distance from that point). Results are cached per image object.
 *
 * @example const [save] = await detectElements(img, { kind: 'button', text: 'Save' });
 */
export async function detectElements(img: RgbaImage, query: ElementQuery = {}): Promise<UiElement[]> {
  assertImage(img);
  validateQuery(query);
  let all = cache.get(img);
  if (!all) {
    all = (async () => {
      const { cv } = await loadOpenCv();
      const a = analysePixels(cv, img);
      const shapes = (await findShapes(img)).map((s): UiElement => ({
        kind: 'shape',
        text: '',
        bbox: s.bbox,
        state: [],
        shape: s.shape!,
        color: s.color!,
      }));
      const d = detect(a, img, shapes);
      const { words } = await readText(img);
      attachWords(d, words);
      return d.elements
        .map(({ phrases: _p, ...e }) => {
          const el: UiElement = { kind: e.kind, text: e.text, bbox: e.bbox, state: e.state };
          if (e.value) el.value = e.value;
          if (e.shape) el.shape = e.shape;
          if (e.color) el.color = e.color;
          return el;
        })
        .sort((p, q) => (Math.abs(p.bbox.y - q.bbox.y) > 4 ? p.bbox.y - q.bbox.y : p.bbox.x - q.bbox.x));
    })();
    cache.set(img, all);
    all.catch(() => cache.delete(img));
  }
  return filterElements(await all, query);
}

const norm = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** Interactive kinds come first when only text is asked for: "Save" is the button before the word in a sentence. */
const RANK: Partial<Record<UiElementKind, number>> = { text: 3, heading: 2, label: 2 };

export function filterElements(all: UiElement[], q: ElementQuery): UiElement[] {
  let out = all.filter((e) => !q.kind || e.kind === q.kind);
  if (q.text !== undefined) {
    const t = norm(q.text);
    const scored = out
      .map((e) => {
        const s = norm(e.text);
        const v = norm(e.value ?? '');
        const score =
          s === t || v === t ? 0 : ` ${s} `.includes(` ${t} `) || ` ${v} `.includes(` ${t} `) ? 1 : -1;
        return { e, score };
      })
      .filter((x) => x.score >= 0);
    scored.sort((p, q2) => p.score - q2.score || (RANK[p.e.kind] ?? 0) - (RANK[q2.e.kind] ?? 0));
    out = scored.map((x) => x.e);
  }
  if (q.near) {
    const { x, y } = q.near;
    const d = (e: UiElement) => Math.hypot(e.bbox.x + e.bbox.width / 2 - x, e.bbox.y + e.bbox.height / 2 - y);
    out = [...out].sort((p, r) => d(p) - d(r));
  }
  return out;
}

const KINDS: readonly UiElementKind[] = UI_ELEMENT_KINDS;

function validateQuery(q: unknown): asserts q is ElementQuery {
  if (q === null || typeof q !== 'object')
    throw new IroncliwError('E_INPUT_INVALID', 'elements query must be an object {kind?, text?, near?}');
  const o = q as Record<string, unknown>;
  if (o.kind !== undefined && !KINDS.includes(o.kind as UiElementKind))
    throw new IroncliwError('E_INPUT_INVALID', `elements kind must be one of ${KINDS.join(', ')}`);
  if (o.text !== undefined && (typeof o.text !== 'string' || o.text.length > 200))
    throw new IroncliwError('E_INPUT_INVALID', 'elements text must be a string of at most 200 characters');
  if (o.near !== undefined) {
    const n = o.near as Record<string, unknown> | null;
    if (
      !n ||
      typeof n.x !== 'number' ||
      typeof n.y !== 'number' ||
      !Number.isFinite(n.x) ||
      !Number.isFinite(n.y)
    )
      throw new IroncliwError('E_INPUT_INVALID', 'elements near must be a point {x, y}');
  }
  void area;
}
