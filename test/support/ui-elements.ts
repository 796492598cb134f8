import type { UiElement, UiElementKind } from '../../src/domain/index.js';

/** A detected UI element as `vision.elements()` returns it, for tests that build screens by hand. */
export function uiElement(
  kind: UiElementKind,
  text: string,
  x: number,
  y: number,
  width: number,
  height: number,
): UiElement {
  return { kind, text, bbox: { x, y, width, height }, state: [] };
}
