/** UI elements `sdk.vision.elements` reports, and the query it filters by. */
import type { Rect } from './intent-frame.js';

/** Kinds of UI element `sdk.vision.elements` reports (DESIGN.md "The SDK"). Extend, never rename. */
export const UI_ELEMENT_KINDS = [
  'button',
  'link',
  'text-field',
  'checkbox',
  'radio',
  'tab',
  'dialog',
  'close-button',
  'list-item',
  'tree-node',
  'dropdown',
  'icon',
  'label',
  'heading',
  'text',
  'shape',
] as const;
export type UiElementKind = (typeof UI_ELEMENT_KINDS)[number];

export type UiElementState = 'checked' | 'selected' | 'focused' | 'expanded' | 'disabled';

/**
 * A UI element seen on a screen (`sdk.vision.elements`, DESIGN.md "The SDK"): a control, a piece of text, or a
 * shape. `text` is the element's own label or text; for a control named by a separate label (a checkbox with the
 * words beside it, a field with the label above or left of it) it is that label. `bbox` is the clickable box in
 * screen coordinates; a click lands on its centre.
 */
export interface UiElement {
  kind: UiElementKind;
  /** The label or text, '' when none could be read. */
  text: string;
  bbox: Rect;
  /** Visible states only; absent means not seen (e.g. an unchecked box has no 'checked'). */
  state: UiElementState[];
  /** What a text field or dropdown holds (its label is `text`), when something could be read. */
  value?: string;
  /**
   * 0..100, the lowest OCR word confidence of `text`. Absent when there was no text to read; when there was
   * text but none of it could be read, `text` is '' and `unread` is true (nothing is guessed).
   */
  confidence?: number;
  unread?: boolean;
  /** For kind 'shape': the shape and colour names, as in Item. */
  shape?: string;
  color?: string;
}

/** What `sdk.vision.elements(image, query)` filters by: kind, text (case-insensitive match), near a point/element. */
export interface ElementQuery {
  kind?: UiElementKind;
  text?: string;
  near?: { x: number; y: number };
}
