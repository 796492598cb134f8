import type { UiElementKind } from '../../domain/index.js';
import { greyOfRgb } from './geometry.js';
import type { Box, Found, Layout } from './layout.js';
import type { PixelAnalysis } from './pixel-analysis.js';

/**
 * Visible states judged against the others of a kind: a button whose text is faint against its fill, or a
 * toggle whose outline is faint, is disabled; a text field with a ring thicker than the others' is focused.
 */
export function markStates(l: Layout, controls: Found[], toggleEls: Found[]): void {
  const { a, u, toggles } = l;
  const byKind = (k: UiElementKind) => controls.filter((c) => c.kind === k);
  const buttons = byKind('button');
  const textContrast = (c: Found) => {
    const b = c.box;
    if (!b || !c.phrases.length) return 0;
    const fill = greyOfRgb(b.fill);
    let m = 0;
    for (const p of c.phrases) {
      for (let y = p.y0; y < p.y1; y++) {
        for (let x = p.x0; x < p.x1; x++) m = Math.max(m, Math.abs(a.grey[y * a.width + x]! - fill));
      }
    }
    return m;
  };
  const contrasts = buttons.map(textContrast);
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1] ?? 0;
  const mb = median(contrasts);
  buttons.forEach((c, i) => {
    const k = contrasts[i]!;
    if ((buttons.length >= 3 && k < 0.65 * mb) || k < 90) c.state.push('disabled');
  });
  const tc = median(toggles.map((t) => t.contrast));
  toggles.forEach((t, i) => {
    if (toggles.length >= 3 && t.contrast < 0.6 * tc) toggleEls[i]!.state.push('disabled');
  });
  const fields = [...byKind('text-field'), ...byKind('dropdown')];
  const rings = fields.map((f) => ringThickness(a, f.box!));
  const mr = median(rings);
  fields.forEach((f, i) => {
    const t = rings[i]!;
    // Among other fields, a ring twice theirs (2 px against 1 at 1×, a focus outline) is focus; alone, a field
    // needs a ring thick for its text size.
    const thick =
      fields.length < 2 ? t >= Math.max(2.5, 0.15 * u) : t >= Math.max(2, 0.1 * u) && t >= 1.7 * mr;
    if (f.kind === 'text-field' && thick) f.state.push('focused');
  });
}

/** Thickness of the border around a box's face: contrasting pixels outward from its left and top middles. */
function ringThickness(a: PixelAnalysis, b: Box): number {
  const f = b.face;
  const fill = greyOfRgb(b.fill);
  const my = Math.round((f.y0 + f.y1) / 2);
  const mx = Math.round((f.x0 + f.x1) / 2);
  let l = 0;
  for (let x = f.x0 - 1; x >= Math.max(0, f.x0 - 12); x--) {
    if (Math.abs(a.grey[my * a.width + x]! - fill) > 40) l++;
    else if (l) break;
  }
  let t = 0;
  for (let y = f.y0 - 1; y >= Math.max(0, f.y0 - 12); y--) {
    if (Math.abs(a.grey[y * a.width + mx]! - fill) > 40) t++;
    else if (t) break;
  }
  return (l + t) / 2;
}
