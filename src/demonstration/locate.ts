import type { UiElement } from '../domain/index.js';
import type { DslValue, Locator } from './types.js';
import { SIZE_SLACK } from './types.js';

/**
 * The DSL's semantics on the host (synthesis). The emitted module carries the same functions as JavaScript
 * (`RUNTIME_SOURCE` in emit.ts); a test runs both on the same screens, so the learner judges programs exactly
 * as they will behave when served.
 */

export function norm(s: unknown): string {
  return (
    String(s ?? '')
      .toLowerCase()
      .replace(/[\s_]+/g, ' ')
      // OCR leaves stray marks at a label's ends (a border read as "|" or "-", a bracket): not part of it.
      .replace(/^[\s"'.,:;!?()[\]|*\u2022\u00b7-]+|[\s"'.,:;!?()[\]|*\u2022\u00b7-]+$/g, '')
  );
}

/**
 * Whether an element's text reads as a wanted label: equal once normalised, or equal after a stray leading
 * mark OCR reads from a control's border ("I Cherry", "I'Seoul" for a checkbox labelled Cherry / Seoul: a
 * single i, l, 1 or | followed by a space or apostrophe).
 */
export function sameText(text: unknown, want: unknown): boolean {
  return textTier(text, want) >= 0;
}

const plain = (s: unknown) =>
  String(s ?? '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();

/**
 * How well an element's text reads as a wanted label: 0 exactly (case and spacing aside), 1 once stray marks
 * are stripped ("Submit." — a fragment of an instruction shown on the screen, more often than a control), 2
 * with a stray border mark in front ("I Cherry"), -1 not at all. Among elements a text filter keeps, better
 * readings come first, then reading order.
 */
export function textTier(text: unknown, want: unknown): number {
  const w = norm(want);
  const t = norm(text);
  if (t === w) return plain(text) === plain(want) ? 0 : 1;
  return w !== '' && t.replace(/^[il1|]['\u2019 ]\s*/, '') === w ? 2 : -1;
}

function valueOf(v: DslValue, params: Record<string, string>): string | undefined {
  return 'param' in v ? params[v.param] : v.const;
}

/** Rows first (centres within 8 px are one row), then left to right: the order people read a screen in. */
export function readingOrder(a: UiElement, b: UiElement): number {
  const ay = a.bbox.y + a.bbox.height / 2;
  const by = b.bbox.y + b.bbox.height / 2;
  if (Math.abs(ay - by) > 8) return ay - by;
  return a.bbox.x - b.bbox.x || ay - by;
}

export function centre(e: UiElement): { x: number; y: number } {
  return { x: Math.round(e.bbox.x + e.bbox.width / 2), y: Math.round(e.bbox.y + e.bbox.height / 2) };
}

function matches(e: UiElement, loc: Locator, params: Record<string, string>): boolean {
  if (loc.kind && e.kind !== loc.kind) return false;
  if (loc.text && !sameText(e.text, valueOf(loc.text, params))) return false;
  if (loc.color && norm(e.color) !== norm(valueOf(loc.color, params))) return false;
  if (loc.shape && norm(e.shape) !== norm(valueOf(loc.shape, params))) return false;
  if (
    loc.size &&
    (Math.abs(e.bbox.width - loc.size.width) > SIZE_SLACK ||
      Math.abs(e.bbox.height - loc.size.height) > SIZE_SLACK)
  )
    return false;
  return true;
}

/** Every element the locator's filters keep, in reading order. */
export function select(elements: UiElement[], loc: Locator, params: Record<string, string>): UiElement[] {
  const found = elements.filter((e) => matches(e, loc, params));
  if (!loc.text) return found.sort(readingOrder);
  const want = valueOf(loc.text, params);
  return found.sort((a, b) => textTier(a.text, want) - textTier(b.text, want) || readingOrder(a, b));
}

/** The element a locator designates on a screen, or undefined (a missing parameter designates nothing). */
export function locate(
  elements: UiElement[],
  loc: Locator,
  params: Record<string, string>,
): UiElement | undefined {
  for (const v of [loc.text, loc.color, loc.shape, loc.near])
    if (v && valueOf(v, params) === undefined) return undefined;
  const candidates = select(elements, loc, params);
  if (loc.near) {
    const want = valueOf(loc.near, params);
    const anchor = elements.find((e) => !candidates.includes(e) && sameText(e.text, want));
    if (!anchor) return undefined;
    const a = centre(anchor);
    let best: UiElement | undefined;
    let bestD = Infinity;
    for (const c of candidates) {
      const p = centre(c);
      const d = (p.x - a.x) ** 2 + (p.y - a.y) ** 2;
      if (d < bestD) [best, bestD] = [c, d];
    }
    return best;
  }
  if (loc.countOf) {
    const { kind, offset } = loc.countOf;
    return candidates[elements.filter((e) => e.kind === kind).length + offset];
  }
  const i = loc.ordinal ?? 0;
  return i < 0 ? candidates[candidates.length + i] : candidates[i];
}
