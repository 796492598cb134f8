import type { RgbaImage } from '../image-io.js';
import type { Box } from './layout.js';
import { inside } from './geometry.js';
import type { Blob, PixelAnalysis } from './pixel-analysis.js';
import { meanColor, perimeterShare, RECT_SHARE } from './pixel-analysis.js';

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

/** Flat areas whose outline is a rectangle, grown to their border, each with its parent (the box around it). */
export function findBoxes(a: PixelAnalysis, img: RgbaImage): Box[] {
  const u = a.unit;
  const boxes: Box[] = [];
  for (const f of a.faces) {
    const w = f.x1 - f.x0;
    const h = f.y1 - f.y0;
    if (w < Math.max(6, 0.45 * u) || h < Math.max(6, 0.45 * u)) continue;
    if (w >= 0.97 * a.width && h >= 0.9 * a.height) continue;
    // A box's inside touches every side of its own bounding box: rounded corners and a label touching the
    // padding cost a little, an L-shaped or ragged background area costs a lot.
    if (perimeterShare(a.faceLabels, a.width, f) < RECT_SHARE) continue;
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
export function boxAt(boxes: Box[], p: { x: number; y: number }): Box | undefined {
  let best: Box | undefined;
  for (const b of boxes) if (inside(p, b) && (!best || b.depth > best.depth)) best = b;
  return best;
}
