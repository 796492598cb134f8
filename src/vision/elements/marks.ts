import type { Blob, PixelAnalysis } from './pixel-analysis.js';

/** Glyph marks the detector reads by shape: the × of a close button, the ▸/▾ of a tree node. */

/** Whether the ink pixel at (x, y), or one next to it, belongs to blob `b`. */
export function inkNear(a: PixelAnalysis, b: Blob, x: number, y: number, r = 1): boolean {
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

/** Whether a blob is a ×: ink at the corners and the centre, none at the middles of its sides. */
export function isCross(a: PixelAnalysis, b: Blob): boolean {
  const w = b.x1 - b.x0;
  const h = b.y1 - b.y0;
  if (w / h < 0.7 || w / h > 1.4 || w < 5) return false;
  const at = (fx: number, fy: number, r: number) =>
    inkNear(a, b, b.x0 + fx * (w - 1), b.y0 + fy * (h - 1), r);
  const yes =
    at(0.12, 0.12, 1) && at(0.88, 0.12, 1) && at(0.5, 0.5, 1) && at(0.12, 0.88, 1) && at(0.88, 0.88, 1);
  const no = !at(0.5, 0, 0) && !at(0, 0.5, 0) && !at(1, 0.5, 0) && !at(0.5, 1, 0);
  return (yes && no) || darkCross(a, b);
}

/**
 * The same judged on the pixels' darkness: a small × (8 px, an 11 px page's close button) is a solid square
 * of gradient ink, its arms a pixel apart; its dark pixels still make the cross.
 */
function darkCross(a: PixelAnalysis, b: Blob): boolean {
  if (b.x1 - b.x0 > a.unit || b.y1 - b.y0 > a.unit) return false;
  const bg = a.grey[Math.max(0, b.y0 - 1) * a.width + Math.max(0, b.x0 - 1)]!;
  const diff = (x: number, y: number) => Math.abs(a.grey[y * a.width + x]! - bg);
  let far = 0;
  for (let y = b.y0; y < b.y1; y++) for (let x = b.x0; x < b.x1; x++) far = Math.max(far, diff(x, y));
  if (far < 80) return false;
  // The box of the dark pixels: the glyph itself, not its gradient.
  let x0 = b.x1;
  let y0 = b.y1;
  let x1 = b.x0;
  let y1 = b.y0;
  for (let y = b.y0; y < b.y1; y++)
    for (let x = b.x0; x < b.x1; x++)
      if (diff(x, y) > 0.5 * far) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
  const w = x1 - x0;
  const h = y1 - y0;
  if (w < 4 || h < 4 || w / h < 0.7 || w / h > 1.4) return false;
  const dark = (fx: number, fy: number, r: number) => {
    const cx = Math.round(x0 + fx * w);
    const cy = Math.round(y0 + fy * h);
    for (let y = Math.max(y0, cy - r); y <= Math.min(y1, cy + r); y++)
      for (let x = Math.max(x0, cx - r); x <= Math.min(x1, cx + r); x++)
        if (diff(x, y) > 0.5 * far) return true;
    return false;
  };
  const yes = dark(0, 0, 1) && dark(1, 0, 1) && dark(0.5, 0.5, 1) && dark(0, 1, 1) && dark(1, 1, 1);
  const no = !dark(0.5, 0, 0) && !dark(0, 0.5, 0) && !dark(1, 0.5, 0) && !dark(0.5, 1, 0);
  return yes && no;
}

/** ▸ (right) or ▾ (down): a small solid triangle, judged on the darkness of its pixels against the background. */
export function triangle(a: PixelAnalysis, b: Blob): 'right' | 'down' | undefined {
  const w = b.x1 - b.x0;
  const h = b.y1 - b.y0;
  if (w < 4 || h < 4 || w > 0.9 * a.unit || h > 0.9 * a.unit) return undefined;
  const bg = a.grey[Math.max(0, b.y0 - 1) * a.width + Math.max(0, b.x0 - 1)]!;
  const dark = (x: number, y: number) => Math.abs(a.grey[y * a.width + x]! - bg) > 60;
  // Dark pixels per row and per column, and whether each row (column) holds them in one run: a solid
  // triangle does; the bowl of a "P" or "D" is two strokes.
  const rows: number[] = [];
  let rowsSolid = true;
  for (let y = b.y0; y < b.y1; y++) {
    let n = 0;
    let runs = 0;
    for (let x = b.x0; x < b.x1; x++)
      if (dark(x, y)) {
        if (x === b.x0 || !dark(x - 1, y)) runs++;
        n++;
      }
    if (n) rows.push(n);
    if (runs > 1) rowsSolid = false;
  }
  const cols: number[] = [];
  let colsSolid = true;
  for (let x = b.x0; x < b.x1; x++) {
    let n = 0;
    let runs = 0;
    for (let y = b.y0; y < b.y1; y++)
      if (dark(x, y)) {
        if (y === b.y0 || !dark(x, y - 1)) runs++;
        n++;
      }
    if (n) cols.push(n);
    if (runs > 1) colsSolid = false;
  }
  if (rows.length < 3 || cols.length < 3) return undefined;
  const maxR = Math.max(...rows);
  const maxC = Math.max(...cols);
  // Narrowing from the base to the tip: each row at most a little wider than the one before (the base's first
  // row is anti-aliased thinner, "12 14 12 10 …"), and half as wide half-way (a "T" is full, then a stem).
  const narrowing = (xs: number[], max: number) =>
    xs.every((v, i) => i === 0 || v <= xs[i - 1]! + Math.max(2, 0.2 * max)) &&
    xs[xs.length >> 1]! >= 0.25 * max &&
    xs[xs.length >> 1]! <= 0.8 * max;
  if (
    rowsSolid &&
    rows[0]! >= 0.75 * maxR &&
    rows.at(-1)! <= 0.45 * maxR &&
    narrowing(rows, maxR) &&
    maxR >= 0.8 * cols.length
  )
    return 'down';
  if (
    colsSolid &&
    cols[0]! >= 0.75 * maxC &&
    cols.at(-1)! <= 0.45 * maxC &&
    narrowing(cols, maxC) &&
    maxC >= 0.8 * rows.length
  )
    return 'right';
  return undefined;
}
