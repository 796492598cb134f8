import type { RgbaImage } from '../image-io.js';
import { colourDistance, greyOfRgb } from './geometry.js';
import type { Box, Toggle } from './layout.js';
import { inkNear } from './marks.js';
import type { Blob, PixelAnalysis } from './pixel-analysis.js';
import { INK_CONTRAST, inkShare, meanColor, perimeterShare } from './pixel-analysis.js';

/**
 * Checkboxes and radios: small square/round outlines about a text line high, empty or with a mark inside. A
 * lone glyph centred in a button's box is its label, not a toggle: a "4" on a digit key has a closed counter
 * and strokes across its middle, and was taken for a checked radio. (An empty outline has a clean inside and
 * stays a toggle wherever it is.)
 */
export function findToggles(a: PixelAnalysis, img: RgbaImage, boxes: readonly Box[] = []): Toggle[] {
  const found = outlines(a, img).filter((t) => !(t.checked && labelOfKey(a.unit, t.blob, boxes)));
  return [...found, ...boxToggles(a, img, boxes, found)];
}

/**
 * Toggles whose outline is no ink cluster of its own: a disabled box drawn faintly (a #ccc border on #f0f0f0,
 * under the ink contrast), or a filled grey box at 2× whose thin edge is cut into pieces along its inside.
 * Their inside is still a flat square (or disc) a text line high, with a label starting just right of it:
 * filled with another colour than around it and a mark inside (faint or not), it is ticked.
 */
function boxToggles(
  a: PixelAnalysis,
  img: RgbaImage,
  boxes: readonly Box[],
  found: readonly Toggle[],
): Toggle[] {
  const u = a.unit;
  const out: Toggle[] = [];
  for (const x of boxes) {
    const s = Math.max(x.width, x.height);
    if (s < Math.max(9, 0.6 * u) || s > 1.5 * u || x.width / x.height < 0.8 || x.width / x.height > 1.25)
      continue;
    if (boxes.some((k) => k.parent === x)) continue;
    // The inside of an outline reaches the middle of each side of its box; a bold glyph's own flat strokes
    // (the "N" of a grey heading at 2×) leave gaps there.
    const f0 = x.face;
    const fmx = Math.round((f0.x0 + f0.x1 - 1) / 2);
    const fmy = Math.round((f0.y0 + f0.y1 - 1) / 2);
    const faceAt = (px: number, py: number) => a.faceLabels[py * a.width + px] === f0.id;
    if (!faceAt(fmx, f0.y0) || !faceAt(fmx, f0.y1 - 1) || !faceAt(f0.x0, fmy) || !faceAt(f0.x1 - 1, fmy))
      continue;
    const blob = { id: -1, x0: x.x, y0: x.y, x1: x.x + x.width, y1: x.y + x.height, area: 0 };
    const cx = x.x + x.width / 2;
    const cy = x.y + x.height / 2;
    if (found.some((t) => t.blob.x0 <= cx && t.blob.x1 >= cx && t.blob.y0 <= cy && t.blob.y1 >= cy)) continue;
    // A label: ink starting within a text unit right of it, on its line.
    const label = a.blobs.some(
      (o) =>
        o.x0 >= blob.x1 - 1 &&
        o.x0 - blob.x1 <= u &&
        o.y1 - o.y0 >= 0.3 * u &&
        Math.abs((o.y0 + o.y1) / 2 - cy) <= 0.35 * x.height,
    );
    if (!label) continue;
    const ix = x.width * 0.3;
    const iy = x.height * 0.3;
    const ink = inkShare(a, blob.x0 + ix, blob.y0 + iy, blob.x1 - ix, blob.y1 - iy);
    const faint = weakShare(a, blob.x0 + ix, blob.y0 + iy, blob.x1 - ix, blob.y1 - iy);
    if (ink > 0.5) continue;
    const around = meanColor(img, blob.x0 - 3, cy - 1, blob.x0 - 2, cy + 1);
    const fillOff = colourDistance(x.fill, around);
    const checked = fillOff > 25 && (ink > 0.02 || faint > 0.1);
    // Unticked, the inside is clean; a fill of its own with nothing in it is a swatch or an icon.
    if (!checked && (faint > 0.05 || fillOff > 25)) continue;
    const f = x.face;
    let inset = 0;
    for (const [px, py, dx, dy] of [
      [f.x0, f.y0, 1, 1],
      [f.x1 - 1, f.y0, -1, 1],
      [f.x0, f.y1 - 1, 1, -1],
      [f.x1 - 1, f.y1 - 1, -1, -1],
    ] as const) {
      let k = 0;
      while (k < s / 2 && a.faceLabels[(py + dy * k) * a.width + px + dx * k] !== f.id) k++;
      inset += k / 4;
    }
    const kind = inset >= Math.max(1.6, 0.1 * (f.x1 - f.x0)) ? 'radio' : 'checkbox';
    out.push({ kind, blob, checked, contrast: edgeContrast(a, blob, greyOfRgb(around)) });
  }
  return out;
}

function labelOfKey(u: number, b: Blob, boxes: readonly Box[]): boolean {
  const cx = (b.x0 + b.x1) / 2;
  const cy = (b.y0 + b.y1) / 2;
  const w = b.x1 - b.x0;
  return boxes.some(
    (x) =>
      x.height <= 3 * u &&
      x.width >= 1.6 * w &&
      x.x <= b.x0 &&
      x.x + x.width >= b.x1 &&
      x.y <= b.y0 &&
      x.y + x.height >= b.y1 &&
      Math.abs(x.x + x.width / 2 - cx) <= 0.15 * x.width &&
      Math.abs(x.y + x.height / 2 - cy) <= 0.2 * x.height,
  );
}

function outlines(a: PixelAnalysis, img: RgbaImage): Toggle[] {
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
    // Or the capital starting a word (a heading's "R" of "Recent" at 2×): the lower-case letter after it stands
    // on the same baseline, at most a stroke away. A label can start as close to a real box ("Seoul" a pixel
    // after its checkbox at 11 px), so this only rules out what is neither empty and clean inside nor filled.
    const capital = a.blobs.some(
      (o) =>
        o !== b &&
        o.y1 - o.y0 >= 0.45 * h &&
        o.y1 - o.y0 < h &&
        Math.abs(o.y1 - b.y1) <= Math.max(1, 0.1 * h) &&
        o.x0 >= b.x1 - 1 &&
        o.x0 - b.x1 <= Math.max(0.15 * u, 0.12 * s),
    );
    // A box stands taller than the letters of its label; a capital is about as tall as the ascenders after it.
    const tallAfter = Math.max(
      0,
      ...a.blobs
        .filter(
          (o) =>
            o !== b &&
            o.x0 >= b.x1 - 1 &&
            o.x0 <= b.x1 + 3 * u &&
            Math.abs(o.y1 - b.y1) <= Math.max(1, 0.1 * h),
        )
        .map((o) => o.y1 - o.y0),
    );
    let kind: Toggle['kind'] | undefined;
    if (perim >= 0.8 || (perim >= 0.6 && !round)) kind = 'checkbox';
    else if (round && mids >= 4 && perim >= 0.2) kind = 'radio';
    if (!kind) continue;
    const ix = w * 0.3;
    const iy = h * 0.3;
    const innerInk = inkShare(a, b.x0 + ix, b.y0 + iy, b.x1 - ix, b.y1 - iy);
    const innerColour = flatColour(a, img, b.x0 + ix, b.y0 + iy, b.x1 - ix, b.y1 - iy);
    // Outside: the four pixels diagonally off the corners (a neighbouring letter or label never reaches them).
    const corner = (x: number, y: number) => meanColor(img, x, y, x + 1, y + 1);
    const cs = [
      corner(b.x0 - 2, b.y0 - 2),
      corner(b.x1 + 1, b.y0 - 2),
      corner(b.x0 - 2, b.y1 + 1),
      corner(b.x1 + 1, b.y1 + 1),
    ];
    const outside: [number, number, number] = [0, 1, 2].map((k) => cs.reduce((t, c) => t + c[k]!, 0) / 4) as [
      number,
      number,
      number,
    ];
    // Filled: the flat pixels inside (not the mark's strokes) are of another colour than outside.
    const fill = innerColour === undefined ? 0 : colourDistance(innerColour, outside);
    // A disabled ticked box is faded: light grey (33 from the page) under a white tick too faint to be ink.
    // With a mark inside, faint or not, less of a difference will do.
    const faintInk = weakShare(a, b.x0 + ix, b.y0 + iy, b.x1 - ix, b.y1 - iy);
    const filled = fill > 60 || (kind === 'checkbox' && fill > 25 && (innerInk > 0.05 || faintInk > 0.1));
    // Filled with nothing drawn inside: a solid shape or a ▾, not a control (a ticked box has its tick, a
    // chosen radio its dot).
    if (filled && innerInk < 0.05 && faintInk < 0.1) continue;
    // Something inside the frame: a hollow glyph (a letter "O", "D") has nothing to its left or right of
    // its own size; the mark of a control is inside and the label starts a little further on.
    const contrast = edgeContrast(a, b, greyOfRgb(outside));
    // A ticked checkbox is filled (every theme draws it so); a letter with a stroke across it is not.
    const checked =
      kind === 'checkbox' ? filled && (innerInk > 0.02 || faintInk > 0.1) : innerInk > 0.1 || filled;
    // Empty, it must be a box: the flat inside at its centre is a clean rectangle (or disc), not the
    // counter of a letter.
    const clean = cleanInside(a, b);
    if (!checked && !clean) continue;
    // Not clean inside, "checked" by its strokes: a letter of a word ("g" of "larger", the "fi" of a bold
    // heading at 2×) has a glyph just left of it on its line; a toggle starts its line or stands a gap after
    // the text before it. (Its label may start as close on its right.)
    if (
      !clean &&
      a.blobs.some(
        (o) =>
          o !== b &&
          o.y1 - o.y0 >= 0.4 * h &&
          Math.min(o.y1, b.y1) - Math.max(o.y0, b.y0) > 0.5 * (o.y1 - o.y0) &&
          o.x1 <= b.x0 + 1 &&
          b.x0 - o.x1 <= 0.3 * u,
      )
    )
      continue;
    if (capital && ((!clean && !filled) || tallAfter >= 0.8 * h)) continue;
    out.push({ kind, blob: b, checked, contrast });
  }
  return out;
}

/**
 * How a toggle's outline stands out: the largest grey difference from outside across its left side at mid
 * height (its border, or a filled box's fill). A disabled toggle is drawn faintly.
 */
function edgeContrast(a: PixelAnalysis, b: Blob, outside: number): number {
  const my = Math.round((b.y0 + b.y1) / 2);
  let m = 0;
  for (let y = my - 1; y <= my + 1; y++)
    for (let x = b.x0; x < b.x0 + Math.max(2, 0.25 * (b.x1 - b.x0)); x++)
      m = Math.max(m, Math.abs(a.grey[y * a.width + x]! - outside));
  return m;
}

/** Share of a rectangle's pixels that are not flat (gradient ≥ 16: ink, or a mark too faint to be ink). */
function weakShare(a: PixelAnalysis, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  let all = 0;
  for (let y = Math.round(y0); y < Math.round(y1); y++)
    for (let x = Math.round(x0); x < Math.round(x1); x++, all++) if (a.grad[y * a.width + x]! >= 16) n++;
  return all ? n / all : 0;
}

/** Mean colour of the flat (non-ink) pixels of a rectangle; undefined when it has none. */
function flatColour(
  a: PixelAnalysis,
  img: RgbaImage,
  fx0: number,
  fy0: number,
  fx1: number,
  fy1: number,
): [number, number, number] | undefined {
  let r = 0;
  let g = 0;
  let bl = 0;
  let n = 0;
  for (let y = Math.round(fy0); y < Math.round(fy1); y++) {
    for (let x = Math.round(fx0); x < Math.round(fx1); x++) {
      if (a.grad[y * a.width + x]! >= INK_CONTRAST) continue;
      const i = (y * img.width + x) * 4;
      r += img.data[i]!;
      g += img.data[i + 1]!;
      bl += img.data[i + 2]!;
      n++;
    }
  }
  return n ? [r / n, g / n, bl / n] : undefined;
}

/** Whether the flat area at the centre of an outline fills most of it (the inside of a checkbox or radio). */
function cleanInside(a: PixelAnalysis, b: Blob): boolean {
  const cx = Math.round((b.x0 + b.x1) / 2);
  const cy = Math.round((b.y0 + b.y1) / 2);
  const id = a.faceLabels[cy * a.width + cx]!;
  if (!id) return false;
  // Enclosed by the outline: the flat area does not leak out of it (the open inside of a letter does).
  const f = a.faces[id - 1]!;
  if (f.x0 < b.x0 || f.y0 < b.y0 || f.x1 > b.x1 || f.y1 > b.y1) return false;
  let n = 0;
  let x0 = b.x1;
  let x1 = b.x0;
  for (let y = b.y0; y < b.y1; y++) {
    for (let x = b.x0; x < b.x1; x++) {
      if (a.faceLabels[y * a.width + x] !== id) continue;
      n++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
    }
  }
  const w = b.x1 - b.x0;
  const h = b.y1 - b.y0;
  return x1 - x0 + 1 >= 0.4 * w && n >= 0.2 * w * h && n <= 0.8 * w * h;
}
