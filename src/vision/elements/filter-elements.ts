import type { ElementQuery, UiElement, UiElementKind } from '../../domain/index.js';
import { IroncliwError, UI_ELEMENT_KINDS } from '../../domain/index.js';

/** Narrowing detected elements by an {@link ElementQuery}, and checking the query itself. */

const norm = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** Interactive kinds come first when only text is asked for: "Save" is the button before the word in a sentence. */
const RANK: Partial<Record<UiElementKind, number>> = { text: 3, heading: 2, label: 2 };

export function filterElements(all: UiElement[], q: ElementQuery): UiElement[] {
  let out = all.filter((e) => !q.kind || e.kind === q.kind);
  if (q.text !== undefined) {
    const t = norm(q.text);
    // A label of symbols only ("♥♥♥") has no words to compare: it matches its own text exactly, or nothing
    // (never every control, and never the × that an empty query names).
    const raw = q.text.trim();
    if (t === '' && raw !== '') {
      out = out.filter((e) => e.text.trim() === raw || (e.value ?? '').trim() === raw);
      return q.near ? byDistance(out, q.near) : out;
    }
    const scored = out
      .map((e) => {
        // An × is named by what it does: "x", "close".
        const s = e.kind === 'close-button' && ['x', 'close', ''].includes(t) ? t : norm(e.text);
        const v = norm(e.value ?? '');
        const score =
          s === t || v === t ? 0 : ` ${s} `.includes(` ${t} `) || ` ${v} `.includes(` ${t} `) ? 1 : -1;
        return { e, score };
      })
      .filter((x) => x.score >= 0);
    scored.sort((p, q2) => p.score - q2.score || (RANK[p.e.kind] ?? 0) - (RANK[q2.e.kind] ?? 0));
    out = scored.map((x) => x.e);
  }
  return q.near ? byDistance(out, q.near) : out;
}

function byDistance(out: UiElement[], { x, y }: { x: number; y: number }): UiElement[] {
  const d = (e: UiElement) => Math.hypot(e.bbox.x + e.bbox.width / 2 - x, e.bbox.y + e.bbox.height / 2 - y);
  return [...out].sort((p, r) => d(p) - d(r));
}

const KINDS: readonly UiElementKind[] = UI_ELEMENT_KINDS;

export function validateQuery(q: unknown): asserts q is ElementQuery {
  if (q === null || typeof q !== 'object')
    throw new IroncliwError('E_INPUT_INVALID', 'elements query must be an object {kind?, text?, near?}');
  const o = q as Record<string, unknown>;
  if (o.kind !== undefined && !KINDS.includes(o.kind as UiElementKind))
    throw new IroncliwError('E_INPUT_INVALID', `elements kind must be one of ${KINDS.join(', ')}`);
  if (o.text !== undefined && (typeof o.text !== 'string' || o.text.length > 200))
    throw new IroncliwError('E_INPUT_INVALID', 'elements text must be a string of at most 200 characters');
  if (o.near !== undefined) {
    const n = o.near as Record<string, unknown> | null;
    if (
      !n ||
      typeof n.x !== 'number' ||
      typeof n.y !== 'number' ||
      !Number.isFinite(n.x) ||
      !Number.isFinite(n.y)
    )
      throw new IroncliwError('E_INPUT_INVALID', 'elements near must be a point {x, y}');
  }
}
