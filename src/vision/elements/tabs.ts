import type { UiElementState } from '../../domain/index.js';
import type { Edges } from './geometry.js';
import { colourDistance, toRect } from './geometry.js';
import type { Box, Found, Layout, Phrase } from './layout.js';
import type { PixelAnalysis } from './pixel-analysis.js';
import { inkShare, meanColor } from './pixel-analysis.js';

/**
 * Tabs: two or more items (buttons, fields or free phrases) side by side standing on one horizontal rule. The
 * selected one is where the rule under it looks different (interrupted, or another colour).
 */
export function findTabs(l: Layout, controls: Found[]): void {
  const { a, img, u, boxes, phrases, push } = l;
  for (const r of findRules(a, boxes)) {
    type Item = { x0: number; x1: number; y0: number; y1: number; el?: Found; p?: Phrase };
    const items: Item[] = [];
    // Items stand on the rule; the selected tab may stand just past its end (the rule stops under it).
    const over = (x0: number, x1: number) => x0 >= r.x0 - 2 && x1 <= r.x1 + 2;
    const near = (x0: number, x1: number) => x1 >= r.x0 - 1.5 * u && x0 <= r.x1 + 1.5 * u;
    for (const c of controls) {
      const bx = c.bbox;
      if (c.kind !== 'button' && c.kind !== 'text-field') continue;
      if (!near(bx.x, bx.x + bx.width)) continue;
      const bottom = bx.y + bx.height;
      if (bottom < r.y0 - 0.7 * u || bottom > r.y1 + 2) continue;
      items.push({ x0: bx.x, x1: bx.x + bx.width, y0: bx.y, y1: bottom, el: c });
    }
    for (const p of phrases) {
      if (p.used || !near(p.x0, p.x1) || p.y1 < r.y0 - 1.5 * u || p.y1 > r.y0) continue;
      items.push({ x0: p.x0, x1: p.x1, y0: p.y0, y1: p.y1, p });
    }
    if (items.filter((i) => over(i.x0, i.x1)).length < 2) continue;
    const top = Math.min(...items.filter((i) => over(i.x0, i.x1)).map((i) => i.y0));
    const row = items.filter((i) => Math.abs(i.y0 - top) <= 0.7 * u);
    if (row.filter((i) => over(i.x0, i.x1)).length < 2) continue;
    row.sort((p, q) => p.x0 - q.x0);
    // The selected tab: the rule under it looks different (interrupted, or another colour).
    const look = row.map((i) => {
      const m = i.x0 + (i.x1 - i.x0) * 0.2;
      const n = i.x1 - (i.x1 - i.x0) * 0.2;
      return {
        ink: inkShare(a, m, r.y0, n, r.y1, RULE_CONTRAST),
        colour: meanColor(img, m, r.y0 - 2, n, r.y1 + 1),
      };
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
}

const RULE_CONTRAST = 24;

/** Horizontal rules: rows where the ink runs unbroken for at least 5 text units (tab strips, separators). */
function findRules(a: PixelAnalysis, boxes: Box[]): Edges[] {
  const min = 5 * a.unit;
  const segs: Edges[] = [];
  const { grad, width } = a;
  const step = Math.max(1, Math.floor(min));
  // Runs continue a segment of the row above (one ending there, in the order the segments were found):
  // only those are searched, not every segment of the screen.
  let open: Array<{ g: Edges; k: number }> = [];
  for (let y = 0; y < a.height; y++) {
    const row = y * width;
    const next: Array<{ g: Edges; k: number }> = [];
    // A run of at least `min` pixels holds a multiple of `step`: only those pixels are looked at until one is
    // ink, whose run is then followed both ways (a 1920×1080 screen took 20 ms pixel by pixel).
    for (let x = 0; x < width; x += step - (x % step)) {
      // Rules are often faint (a light grey line under a tab strip): a lower contrast than ink will do.
      if (grad[row + x]! < RULE_CONTRAST) continue;
      let s = x;
      while (s > 0 && grad[row + s - 1]! >= RULE_CONTRAST) s--;
      while (x < width && grad[row + x]! >= RULE_CONTRAST) x++;
      if (x - s >= min) {
        const at = open.findIndex(
          ({ g }) => g.y1 === y && Math.abs(g.x0 - s) <= 3 && Math.abs(g.x1 - x) <= 3,
        );
        if (at >= 0) {
          open[at]!.g.y1 = y + 1;
          next.push(open[at]!);
        } else {
          const g = { x0: s, x1: x, y0: y, y1: y + 1 };
          next.push({ g, k: segs.length });
          segs.push(g);
        }
      }
    }
    open = next.sort((p, q) => p.k - q.k);
  }
  // A rule interrupted (under the selected tab: it stands open to the content below) is one rule.
  segs.sort((p, q) => p.y0 - q.y0 || p.x0 - q.x0);
  const rules: Edges[] = [];
  for (const g of segs) {
    const prev = rules.find(
      (r) => Math.abs(r.y0 - g.y0) <= 1 && Math.abs(r.y1 - g.y1) <= 1 && g.x0 - r.x1 <= 12 * a.unit,
    );
    if (prev && g.x0 >= prev.x1) {
      prev.x1 = g.x1;
      prev.y0 = Math.min(prev.y0, g.y0);
      prev.y1 = Math.max(prev.y1, g.y1);
    } else rules.push({ ...g });
  }
  // The top or bottom edges of boxes (fields, a row of buttons side by side) are not a rule of their own.
  const edge = (g: Edges) =>
    boxes
      .filter((b) => Math.abs(b.y - g.y0) <= 3 || Math.abs(b.y + b.height - g.y1) <= 3)
      .reduce((n, b) => n + Math.max(0, Math.min(b.x + b.width, g.x1) - Math.max(b.x, g.x0)), 0) >=
    0.8 * (g.x1 - g.x0);
  return rules.filter((g) => g.y1 - g.y0 <= Math.max(4, 0.3 * a.unit) && !edge(g));
}
