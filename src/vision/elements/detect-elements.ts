import type { ElementQuery, UiElement, UiElementKind } from '../../domain/index.js';
import type { RgbaImage } from '../image-io.js';
import { assertImage } from '../image-io.js';
import { readPieces } from '../ocr.js';
import { loadOpenCv } from '../opencv.js';
import { findShapes } from '../shapes.js';
import { findBoxes } from './boxes.js';
import { findControls, toggleElements } from './controls.js';
import { findDialogs } from './dialogs.js';
import { filterElements, validateQuery } from './filter-elements.js';
import { iou, pad, toRect } from './geometry.js';
import { findLabels } from './labels.js';
import type { Found, Layout, Phrase } from './layout.js';
import { freePhrases, newLayout } from './layout.js';
import { findWrappedLinks } from './links.js';
import { findLists } from './lists.js';
import type { Blob, PixelAnalysis } from './pixel-analysis.js';
import { findPhrases } from './phrases.js';
import { scaleRect, workingScreen } from './scale.js';
import { markStates } from './states.js';
import { findTabs } from './tabs.js';
import { findToggles } from './toggles.js';
import { findTrees } from './trees.js';
import { attachWords, inkOwners, pieceOf } from './words.js';

export { filterElements } from './filter-elements.js';

/**
 * Element detection in three passes over one pixel analysis (pixel-analysis.ts):
 *
 * 1. **Geometry.** Flat areas whose outline is a rectangle are boxes (the inside of a button, field, row,
 *    dialog, panel: boxes.ts); small square or round ink outlines are checkboxes and radios (toggles.ts); the
 *    remaining glyph-sized ink clusters are grouped into phrases — words of one line, close together, inside the
 *    same box, of the same colour class (a blue link inside a sentence is a phrase of its own: phrases.ts).
 * 2. **Kinds.** An × near the top right of a large box is a close button and makes the box a dialog
 *    (dialogs.ts); phrases led by ▸/▾ and the rows under an open one are tree nodes (trees.ts); rows stacked in
 *    a larger box are list items (lists.ts); a box of one or two text lines' height holding centred text is a
 *    button; left-aligned text or none, a text field; with a chevron at its right end, a dropdown
 *    (controls.ts); items standing on a horizontal rule side by side are tabs (tabs.ts). Labels sit next to the
 *    control they name: right of a checkbox, left of or above a field (labels.ts); states are judged against
 *    the others of a kind (states.ts). Free phrases are links (blue/purple ink), headings (tall glyphs) or
 *    text. Text in a sentence is text, whatever it says.
 * 3. **Words.** OCR (ocr.ts) reads each phrase once; a control takes the words of its own phrase and its label
 *    (words.ts).
 *
 * Every size threshold is a multiple of `unit`, the screen's measured text size, so the same rules hold at 1×
 * and 2× and from a 160×210 task area to a 4K desktop. The passes run in this order, each taking what it
 * recognises; the order is part of the rules.
 */

interface Detection {
  elements: Found[];
  phrases: Phrase[];
  unit: number;
  /** Outlines of checkboxes and radios: no part of the text beside them. */
  outlines: Blob[];
}

function detect(a: PixelAnalysis, img: RgbaImage, shapes: UiElement[]): Detection {
  const boxes = findBoxes(a, img);
  const toggles = findToggles(a, img, boxes);
  const phrases = findPhrases(a, img, boxes, toggles, shapes);
  const l = newLayout(a, img, { boxes, toggles, phrases });
  const dialogs = findDialogs(l);
  findTrees(l);
  findLists(l, dialogs);
  const controls = findControls(l, dialogs);
  const toggleEls = toggleElements(l);
  findTabs(l, controls);
  findLabels(l, toggleEls, controls);
  markStates(l, controls, toggleEls);
  findWrappedLinks(l);
  findFreeText(l);
  addShapes(l, shapes);
  return { elements: l.elements, phrases, unit: l.u, outlines: toggles.map((t) => t.blob) };
}

/** What is left: links, headings, text. */
function findFreeText(l: Layout): void {
  const { u, push } = l;
  for (const p of freePhrases(l)) {
    if (p.y1 - p.y0 < Math.max(4, 0.3 * u) && p.blobs.length < 2) continue;
    const kind: UiElementKind = p.blue ? 'link' : p.y1 - p.y0 >= 1.25 * u ? 'heading' : 'text';
    p.used = true;
    push({ kind, text: '', bbox: toRect(kind === 'link' ? pad(p, 0.1 * u) : p), phrases: [p] });
  }
}

/** Shapes that no element (other than text) already covers. */
function addShapes(l: Layout, shapes: UiElement[]): void {
  for (const s of shapes) {
    if (l.elements.some((e) => e.kind !== 'text' && e.kind !== 'heading' && iou(e.bbox, s.bbox) > 0.3))
      continue;
    l.push({ ...s, phrases: [] });
  }
}

const cache = new WeakMap<RgbaImage, Promise<UiElement[]>>();

/**
 * The UI elements of a screen: controls with their labels and visible states, dialogs, text, headings and
 * shapes, in reading order, boxes in screen pixels (a control's click point is its box's centre). `query`
 * narrows them: `kind`, `text` (case-insensitive; whole words of the element's text or label), `near` (sorted
 * by distance from that point). Results are cached per image object.
 *
 * @example const [save] = await detectElements(img, { kind: 'button', text: 'Save' });
 */
export async function detectElements(img: RgbaImage, query: ElementQuery = {}): Promise<UiElement[]> {
  assertImage(img);
  validateQuery(query);
  let all = cache.get(img);
  if (!all) {
    all = (async () => {
      const { cv } = await loadOpenCv();
      const orig = img;
      const { img: work, a, factor } = workingScreen(cv, orig);
      const shapes = (await findShapes(work)).map((s): UiElement => ({
        kind: 'shape',
        text: '',
        bbox: s.bbox,
        state: [],
        shape: s.shape!,
        color: s.color!,
      }));
      const d = detect(a, work, shapes);
      const read = d.phrases.filter((p) => p.read);
      const owners = inkOwners(a, d.phrases, d.outlines);
      const words = await readPieces(
        work,
        read.map((p) => pieceOf(p, d.unit, d.outlines, owners)),
      );
      read.forEach((p, i) => (p.words = words[i]!));
      attachWords(d.elements);
      return d.elements
        .map(({ phrases: _p, ...e }) => {
          const el: UiElement = {
            kind: e.kind,
            text: e.text,
            bbox: scaleRect(e.bbox, factor, orig),
            state: e.state,
          };
          if (e.value) el.value = e.value;
          if (e.confidence !== undefined) el.confidence = e.confidence;
          if (e.unread) el.unread = true;
          if (e.shape) el.shape = e.shape;
          if (e.color) el.color = e.color;
          return el;
        })
        .sort((p, q) => (Math.abs(p.bbox.y - q.bbox.y) > 4 ? p.bbox.y - q.bbox.y : p.bbox.x - q.bbox.x));
    })();
    cache.set(img, all);
    all.catch(() => cache.delete(img));
  }
  return filterElements(await all, query);
}
