import type { UiElementKind } from '../../domain/index.js';
import { boxRect, centreOf, inside, toRect } from './geometry.js';
import type { Box, Found, Layout, Phrase } from './layout.js';
import { isSmall, kidsOf, phrasesIn } from './layout.js';
import { inkNear } from './marks.js';
import type { Blob } from './pixel-analysis.js';

/**
 * Controls from the small boxes left (not lists, rows, dialogs or a close button's own box): a box of one or
 * two text lines' height holding centred text is a button; left-aligned text or none, a text field; with a
 * chevron at its right end, a dropdown. Returns them in the order found.
 */
export function findControls(l: Layout, dialogs: Set<Box>): Found[] {
  const { u, boxes, toggles, push, taken } = l;
  const controls: Found[] = [];
  for (const b of boxes) {
    if (taken.has(b) || b.closeButton || dialogs.has(b)) continue;
    if (!isSmall(l, b) || b.width < 0.8 * b.height) continue;
    if (kidsOf(l, b).some((k) => !taken.has(k))) continue;
    // The inside of a checkbox or radio is not a field.
    if (toggles.some((t) => inside(centreOf(b.face), toRect(t.blob)))) continue;
    if (!framed(l, b)) continue;
    const ps = phrasesIn(l, b);
    if (ps.length === 0 && b.width < 2 * b.height) continue;
    splitChevron(l, b, ps);
    // One line of text at most: a box holding a paragraph is a panel (a banner, a card), not a control.
    const rows = ps.some((p) => ps.some((q) => q.y0 >= p.y1 - 1 && q.x0 < p.x1 + u));
    if (rows || ps.some((p) => p.y1 - p.y0 > 2 * u)) continue;
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
      const gap = last.x0 - Math.max(...ps.filter((p) => p !== last).map((p) => p.x1));
      const lh = last.y1 - last.y0;
      const lw = last.x1 - last.x0;
      const chevron =
        last.blobs.length === 1 &&
        inner.x1 - last.x1 <= 1 * u &&
        ps.length > 1 &&
        // Any small glyph well apart, or a "v" (a browser's own select, "Apple ⌄", a space apart; its size
        // is the browser's, not the text's: 8 px high beside 11 px text).
        ((lh <= 0.65 * u && lw <= 0.8 * u && gap >= 0.6 * u) ||
          (lh <= 0.8 * u && lw <= 1.2 * u && gap >= 0.25 * u && isChevron(l, last.blobs[0]!)));
      if (chevron) {
        kind = 'dropdown';
        last.used = true;
        last.read = false;
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
      bbox: boxRect(b),
      phrases: kind === 'button' ? ps : [],
    });
    if (kind !== 'button') f.valuePhrases = value;
    for (const p of ps) p.used = true;
    f.box = b;
    controls.push(f);
  }
  return controls;
}

/**
 * A chevron closer to the value than a phrase gap ("Madrid ⌄" on a page of larger text) joined the value's
 * phrase: it becomes a phrase of its own (never read), so the box is seen as the dropdown it is.
 */
function splitChevron(l: Layout, b: Box, ps: Phrase[]): void {
  const { u } = l;
  const last = ps.reduce<Phrase | undefined>((p, q) => (!p || q.x1 > p.x1 ? q : p), undefined);
  if (!last || last.blobs.length < 2) return;
  const v = last.blobs[last.blobs.length - 1]!;
  const rest = last.blobs.slice(0, -1);
  const restX1 = Math.max(...rest.map((x) => x.x1));
  if (b.face.x1 - v.x1 > u || v.x0 - restX1 < 0.25 * u || v.y1 - v.y0 > 0.8 * u || v.x1 - v.x0 > 1.2 * u)
    return;
  if (!isChevron(l, v)) return;
  last.blobs = rest;
  last.x1 = restX1;
  last.y0 = Math.min(...rest.map((x) => x.y0));
  last.y1 = Math.max(...rest.map((x) => x.y1));
  const chevron: Phrase = {
    ...last,
    x0: v.x0,
    x1: v.x1,
    y0: v.y0,
    y1: v.y1,
    blobs: [v],
    glyph: v.y1 - v.y0,
    words: [],
  };
  l.phrases.push(chevron);
  ps.push(chevron);
}

/**
 * Whether a box's flat area is the inside of a frame: it reaches the middle of at least three of its sides (a
 * label may touch one). A bold glyph's own flat strokes (the "N" of a grey heading at 2×) make a "box" too,
 * open at the middle of its top and bottom.
 */
function framed(l: Layout, b: Box): boolean {
  const f = b.face;
  const at = (x: number, y: number) => l.a.faceLabels[y * l.a.width + x] === f.id;
  const mx = Math.round((f.x0 + f.x1 - 1) / 2);
  const my = Math.round((f.y0 + f.y1 - 1) / 2);
  return [at(mx, f.y0), at(mx, f.y1 - 1), at(f.x0, my), at(f.x1 - 1, my)].filter(Boolean).length >= 3;
}

/** A "v": ink at its top corners and its bottom middle, none at its bottom corners; wider than high. */
function isChevron(l: Layout, b: Blob): boolean {
  const w = b.x1 - b.x0;
  const h = b.y1 - b.y0;
  if (w < 1.2 * h || h < 3) return false;
  const at = (fx: number, fy: number, r: number) =>
    inkNear(l.a, b, b.x0 + fx * (w - 1), b.y0 + fy * (h - 1), r);
  return at(0.15, 0.1, 1) && at(0.85, 0.1, 1) && at(0.5, 0.9, 1) && !at(0.05, 0.95, 0) && !at(0.95, 0.95, 0);
}

/** Checkbox and radio elements, one per toggle found in pass 1 (in the same order). */
export function toggleElements(l: Layout): Found[] {
  const { toggles, push } = l;
  return toggles.map((t) =>
    push({
      kind: t.kind,
      text: '',
      bbox: toRect(t.blob),
      state: t.checked ? ['checked'] : [],
      phrases: [],
    }),
  );
}
