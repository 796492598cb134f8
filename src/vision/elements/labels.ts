import { toRect } from './geometry.js';
import type { Found, Layout, Phrase } from './layout.js';
import { freePhrases } from './layout.js';

/**
 * Labels: the free phrase right of a checkbox or radio, or left of (else above) a text field or dropdown. A
 * label becomes an element of its own and names its control (the control takes its words).
 */
export function findLabels(l: Layout, toggleEls: Found[], controls: Found[]): void {
  const { u, push } = l;
  const free = () => freePhrases(l);
  for (const t of toggleEls) {
    const b = t.bbox;
    const cy = b.y + b.height / 2;
    const p = free()
      .filter(
        (q) =>
          q.x0 >= b.x + b.width - 2 &&
          q.x0 - (b.x + b.width) <= 1.5 * u &&
          Math.abs((q.y0 + q.y1) / 2 - cy) <= 0.45 * u,
      )
      .sort((x, y) => x.x0 - y.x0)[0];
    if (p) labelFor(t, p);
  }
  for (const c of controls.filter((c) => c.kind === 'text-field' || c.kind === 'dropdown')) {
    const b = c.bbox;
    const cy = b.y + b.height / 2;
    const left = free()
      .filter((q) => q.x1 <= b.x + 2 && b.x - q.x1 <= 2.5 * u && Math.abs((q.y0 + q.y1) / 2 - cy) <= 0.4 * u)
      .sort((x, y) => y.x1 - x.x1)[0];
    const above = free()
      .filter((q) => q.y1 <= b.y + 2 && b.y - q.y1 <= 1 * u && Math.abs(q.x0 - b.x) <= 1 * u)
      .sort((x, y) => y.y1 - x.y1)[0];
    const p = left ?? above;
    if (p) labelFor(c, p);
  }
  function labelFor(control: Found, p: Phrase) {
    p.used = true;
    control.phrases = [p];
    push({ kind: 'label', text: '', bbox: toRect(p), phrases: [p] });
  }
}
