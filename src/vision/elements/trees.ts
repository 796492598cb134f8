import type { RgbaImage } from '../image-io.js';
import type { Found, Layout } from './layout.js';
import { isSmall } from './layout.js';
import { boxRect, colourDistance, pad, toRect } from './geometry.js';
import { triangle } from './marks.js';
import { meanColor } from './pixel-analysis.js';

/** The page's own fill, from its top-left corner. */
const pageFill = (img: RgbaImage): [number, number, number] => meanColor(img, 0, 0, 2, 2);

/**
 * Trees: phrases led by ▸/▾ (two or more), and the indented rows under an open one. A node whose row is a
 * small box of another colour than around it is selected; its row box is taken (not a control).
 */
export function findTrees(l: Layout): void {
  const { a, img, u, phrases, push, taken } = l;
  const treeNodes: Found[] = [];
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
          lead: p.blobs[0]!,
        }),
      );
      if (dir !== 'down') continue;
      const arrowX = p.blobs[0]!.x0;
      const next = led
        .map((t) => t.p)
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
        isSmall(l, p.box) &&
        colourDistance(p.box.fill, p.box.parent?.fill ?? pageFill(img)) > 30
      ) {
        n.state.push('selected');
        taken.add(p.box);
        n.bbox = boxRect(p.box);
      }
    }
  }
}
