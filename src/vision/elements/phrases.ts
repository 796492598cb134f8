import type { UiElement } from '../../domain/index.js';
import { rgbToHsv } from '../color-naming.js';
import type { RgbaImage } from '../image-io.js';
import { boxAt } from './boxes.js';
import { centreOf, colourDistance, iou } from './geometry.js';
import type { Box, Phrase, Toggle } from './layout.js';
import type { Blob, PixelAnalysis } from './pixel-analysis.js';
import { meanColor } from './pixel-analysis.js';

/**
 * The text of a screen as phrases: glyph-sized ink clusters (not a toggle, the outline of a box, a rule or a
 * filled shape) grouped into words of one line, close together, inside the same box, of the same colour class
 * (a blue link inside a sentence is a phrase of its own).
 */
export function findPhrases(
  a: PixelAnalysis,
  img: RgbaImage,
  boxes: Box[],
  toggles: Toggle[],
  shapes: UiElement[],
): Phrase[] {
  const u = a.unit;
  const toggleIds = new Set(toggles.map((t) => t.blob.id));
  // Glyph-sized ink: not a toggle, not the outline of a box, not a rule.
  // Toggles seen by their flat inside (toggles.ts) own the pieces of their outline and the mark inside.
  const faceToggles = toggles.filter((t) => t.blob.id < 0).map((t) => t.blob);
  const glyphs = a.blobs.filter((b) => {
    if (toggleIds.has(b.id)) return false;
    if (faceToggles.some((t) => b.x0 >= t.x0 - 2 && b.y0 >= t.y0 - 2 && b.x1 <= t.x1 + 2 && b.y1 <= t.y1 + 2))
      return false;
    const w = b.x1 - b.x0;
    const h = b.y1 - b.y0;
    if (h < Math.max(3, 0.2 * u) && w < 0.3 * u) return false;
    if (h > 2.2 * u) return false;
    if (h <= Math.max(3, 0.25 * u) && w >= 2 * u) return false;
    if (b.area < 0.2 * w * h && h > 1.0 * u) return false;
    // The rounded corner of a box, cut off its outline: it touches two sides of the box's inside.
    if (
      boxes.some((x) => {
        const f = x.face;
        const lr = Math.abs(b.x0 - f.x0) <= 1 || Math.abs(b.x1 - f.x1) <= 1;
        const tb = Math.abs(b.y0 - f.y0) <= 1 || Math.abs(b.y1 - f.y1) <= 1;
        return lr && tb && w < 0.5 * u && h < 0.5 * u;
      })
    )
      return false;
    // The side of a box, cut off its outline (a rounded button's edge at 2×, "(" and ")"): a thin upright as
    // tall as the box, standing on its left or right edge.
    if (
      h >= 1.2 * u &&
      w <= 0.35 * h &&
      boxes.some(
        (x) =>
          h >= 0.6 * x.height &&
          Math.min(b.y1, x.y + x.height) - Math.max(b.y0, x.y) >= 0.7 * h &&
          (Math.abs(b.x0 - x.x) <= 0.3 * u || Math.abs(b.x1 - x.x - x.width) <= 0.3 * u),
      )
    )
      return false;
    // The outline of a box: its inside is a box face.
    if (
      boxes.some((x) => Math.abs(x.x - b.x0) <= 2 && Math.abs(x.y - b.y0) <= 2 && Math.abs(x.width - w) <= 4)
    )
      return false;
    // The joined outlines of boxes edge to edge (a row of digit keys): sparse ink around box faces of a
    // control's size. A glyph's own holes are far smaller than a text line.
    if (
      b.area < 0.5 * w * h &&
      boxes.some((x) => {
        const f = x.face;
        return (
          f.x1 - f.x0 >= 0.8 * u &&
          f.y1 - f.y0 >= 0.8 * u &&
          f.x0 >= b.x0 - 1 &&
          f.y0 >= b.y0 - 1 &&
          f.x1 <= b.x1 + 1 &&
          f.y1 <= b.y1 + 1
        );
      })
    )
      return false;
    return true;
  });
  // Filled shapes are shapes, not letters.
  // (A filled button is a coloured rectangle to findShapes too: shapes that are boxes hold labels.)
  const solidShapes = shapes.filter((sh) => !boxes.some((x) => iou(x, sh.bbox) > 0.5));
  const inShape = (b: Blob) =>
    solidShapes.some(
      (s) =>
        b.x0 >= s.bbox.x - 2 &&
        b.y0 >= s.bbox.y - 2 &&
        b.x1 <= s.bbox.x + s.bbox.width + 2 &&
        b.y1 <= s.bbox.y + s.bbox.height + 2,
    );
  return groupPhrases(
    a,
    img,
    glyphs.filter((b) => !inShape(b)),
    boxes,
  );
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
    blue: false,
    glyph: b.y1 - b.y0,
    words: [],
    read: true,
  }));
  // Blue or purple ink outside a coloured box is a link (a white label on a blue button is not).
  for (const p of ps) {
    const fill = p.box?.fill;
    p.blue = !(fill && rgbToHsv(...fill).s > 0.3) && isBlueInk(a, img, p.blobs[0]!);
  }
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
