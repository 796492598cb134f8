import type { Rect } from '../../domain/index.js';

/** A box as its edges: [x0, x1) × [y0, y1), in screen pixels (blobs, phrases and pads of them). */
export interface Edges {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export const toRect = (r: Edges): Rect => ({
  x: Math.round(r.x0),
  y: Math.round(r.y0),
  width: Math.round(r.x1 - r.x0),
  height: Math.round(r.y1 - r.y0),
});

export const inside = (p: { x: number; y: number }, r: Rect) =>
  p.x >= r.x && p.x < r.x + r.width && p.y >= r.y && p.y < r.y + r.height;

export const centreOf = (b: Edges) => ({
  x: (b.x0 + b.x1) / 2,
  y: (b.y0 + b.y1) / 2,
});

export const greyOfRgb = (c: [number, number, number]) => (c[0] * 77 + c[1] * 150 + c[2] * 29) / 256;

export const colourDistance = (a: [number, number, number], b: [number, number, number]) =>
  Math.max(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]), Math.abs(a[2] - b[2]));

export function iou(a: Rect, b: Rect): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  const i = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const u = a.width * a.height + b.width * b.height - i;
  return u > 0 ? i / u : 0;
}

export function pad(p: Edges, d: number): Edges {
  return { x0: p.x0 - d, y0: p.y0 - d, x1: p.x1 + d, y1: p.y1 + d };
}

/** The rectangle of a box given as {x, y, width, height}, through its edges (rounded as every element box is). */
export const boxRect = (b: Rect): Rect => toRect({ x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height });
