import type { UiElementKind } from '../../domain/index.js';
import { boxRect, centreOf, inside, toRect } from './geometry.js';
import type { Box, Found, Layout, Phrase } from './layout.js';
import { isSmall, kidsOf, phrasesIn } from './layout.js';

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
    const ps = phrasesIn(l, b);
    if (ps.length === 0 && b.width < 2 * b.height) continue;
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
      const chevron =
        last.blobs.length === 1 &&
        last.y1 - last.y0 <= 0.65 * u &&
        last.x1 - last.x0 <= 0.8 * u &&
        inner.x1 - last.x1 <= 1 * u &&
        ps.length > 1 &&
        last.x0 - Math.max(...ps.filter((p) => p !== last).map((p) => p.x1)) >= 0.6 * u;
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
