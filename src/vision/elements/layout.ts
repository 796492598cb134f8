import type { Rect, UiElement, UiElementState } from '../../domain/index.js';
import type { RgbaImage } from '../image-io.js';
import type { OcrWord } from '../ocr.js';
import type { Blob, PixelAnalysis } from './pixel-analysis.js';

/**
 * What the detector's passes share (detect-elements.ts runs them in order): the geometry of pass 1 (boxes,
 * toggles, phrases) and the elements found so far. A pass marks what it takes (`Phrase.used`, `Layout.taken`),
 * so a later pass sees only what is left; the order of the passes is part of the rules.
 */

/** The flat inside of a rectangle (a button, field, row, dialog, panel), grown to its border. */
export interface Box extends Rect {
  face: Blob;
  /** Mean colour of the flat area (the fill). */
  fill: [number, number, number];
  parent?: Box;
  depth: number;
  /** The own box of a close button (×): not a control of its own. */
  closeButton?: boolean;
}

/** Words of one line, close together, inside the same box, of the same colour class. */
export interface Phrase {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  blobs: Blob[];
  box?: Box;
  blue: boolean;
  glyph: number;
  words: OcrWord[];
  used?: boolean;
  /** Whether OCR should read it (not an ×, a chevron). */
  read?: boolean;
}

/** A checkbox or radio: its outline, whether it is ticked, how its outline stands out (for "disabled"). */
export interface Toggle {
  kind: 'checkbox' | 'radio';
  blob: Blob;
  checked: boolean;
  contrast: number;
}

export interface Found extends UiElement {
  /** Internal: phrases whose words make the text. */
  phrases: Phrase[];
  /** Internal: phrases whose words make the value (fields and dropdowns). */
  valuePhrases?: Phrase[];
  /** Internal: the box of a control made from a box. */
  box?: Box;
  /** Internal: the ▸/▾ leading a tree node (no part of its text). */
  lead?: Blob;
  value?: string;
}

type NewElement = Omit<Found, 'state'> & { state?: UiElementState[] };

export interface Layout {
  a: PixelAnalysis;
  img: RgbaImage;
  /** The screen's text size (pixel-analysis.ts): every threshold is a multiple of it. */
  u: number;
  boxes: Box[];
  toggles: Toggle[];
  phrases: Phrase[];
  /** The elements found so far, in the order they were found. */
  elements: Found[];
  /** Boxes taken as lists or their rows: not controls. */
  taken: Set<Box>;
  /** Adds an element (no state: none) and returns it. */
  push: (e: NewElement) => Found;
}

export function newLayout(
  a: PixelAnalysis,
  img: RgbaImage,
  geometry: { boxes: Box[]; toggles: Toggle[]; phrases: Phrase[] },
): Layout {
  const elements: Found[] = [];
  const push = (e: NewElement) => {
    const f = { state: [], ...e } as Found;
    elements.push(f);
    return f;
  };
  return { a, img, u: a.unit, ...geometry, elements, taken: new Set(), push };
}

/** Phrases of a box not yet taken by an element. */
export const phrasesIn = (l: Layout, b: Box) => l.phrases.filter((p) => p.box === b && !p.used);
/** Boxes directly inside a box. */
export const kidsOf = (l: Layout, b: Box) => l.boxes.filter((x) => x.parent === b);
/** A box at most three text lines high: a row or a control, not a container. */
export const isSmall = (l: Layout, b: Box) => b.height <= 3 * l.u;
/** Phrases not yet taken by an element. */
export const freePhrases = (l: Layout) => l.phrases.filter((p) => !p.used);
