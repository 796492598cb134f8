import { boxRect } from './geometry.js';
import type { Box, Layout, Phrase } from './layout.js';
import { isCross } from './marks.js';

/**
 * Close buttons and the dialogs they close: an × near the top right of a large box is a close button and makes
 * the box a dialog, titled by its first phrase near the top. Returns the dialogs' boxes (not controls, not lists).
 */
export function findDialogs(l: Layout): Set<Box> {
  const { a, u, phrases, push } = l;
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
    const cx = (p.x0 + p.x1) / 2;
    const cy = (p.y0 + p.y1) / 2;
    const atTopRight = c && cx >= c.x + 0.7 * c.width && cy <= c.y + Math.max(0.3 * c.height, 2.5 * u);
    // A button showing only an × closes something even when the box it closes is not seen whole (a dialog
    // running off the screen's edge): it is a close button, without a dialog.
    if (!atTopRight && !own) continue;
    if (c && atTopRight) dialogs.add(c);
    p.used = true;
    p.read = false;
    // A borderless × button's box is not drawn: the × with a button's padding around it (as the page's own
    // buttons are padded: about 0.6 of a text line each way).
    const r = own ?? {
      x: p.x0 - 0.6 * u,
      y: p.y0 - 0.6 * u,
      width: p.x1 - p.x0 + 1.2 * u,
      height: p.y1 - p.y0 + 1.2 * u,
    };
    push({
      kind: 'close-button',
      text: '×',
      bbox: boxRect(r),
      phrases: [],
    });
    if (own) own.closeButton = true;
  }
  for (const d of dialogs) {
    const title = phrases.find(
      (p) => p.box === d && !p.used && p.y0 < d.y + Math.max(0.3 * d.height, 2.5 * u),
    );
    push({
      kind: 'dialog',
      text: '',
      bbox: boxRect(d),
      phrases: title ? [title] : [],
    });
  }
  return dialogs;
}
