import { createHash } from 'node:crypto';
import type { ElementQuery, Item, UiElement, UiElementKind } from '../../domain/index.js';
import type { RgbaImage } from '../image-io.js';
import { assertImage } from '../image-io.js';
import { readPieces } from '../ocr.js';
import { cacheLimit, Lru } from '../lru.js';
import { loadOpenCv } from '../opencv.js';
import { screenSummaryAndGrey } from '../color-naming.js';
import { findShapes, shapesWith } from '../shapes.js';
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
import { scratchGrey } from './pixel-analysis.js';
import { findPhrases } from './phrases.js';
import { LARGE_SCREEN_PIXELS, scaleRect, workingScreen } from './scale.js';
import { markStates } from './states.js';
import { findTabs } from './tabs.js';
import { findToggles } from './toggles.js';
import { findTrees } from './trees.js';
import type { InkOwners } from './words.js';
import { attachWords, inkOwners, pieceOf } from './words.js';

export { filterElements } from './filter-elements.js';

/**
 * Screens whose elements are kept by content (config `memory.elementScreens`): the elements only, a few KB a
 * screen, never the pixels.
 */
export const ELEMENT_CACHE_DEFAULT_SCREENS = 16;

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
 * 3. **Words.** OCR (ocr.ts) reads each phrase an element takes, once, and only when a call needs it (a query
 *    with a `kind` reads that kind's phrases only); a control takes the words of its own phrase and its label
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

/** A screen whose geometry is known: what its elements need read is read on demand, each phrase once. */
interface Screen {
  d: Detection;
  work: RgbaImage;
  factor: number;
  owners: InkOwners;
  /** Phrases being read or read (their `words` are set when the promise settles). */
  reading: Map<Phrase, Promise<void>>;
}

/** Per image object: its geometry, and its elements once every one was read. */
const screens = new WeakMap<RgbaImage, Promise<Screen>>();
const complete = new WeakMap<RgbaImage, Promise<UiElement[]>>();
/**
 * Per image content: its elements, every one read, under `<sample>/<digest>` (see {@link sampleOf}); and the
 * screens being read whose digest is not known yet.
 */
const byContent = new Lru<string, Promise<UiElement[]>>(ELEMENT_CACHE_DEFAULT_SCREENS);
const pending = new Set<{ sample: string; img: RgbaImage; all: Promise<UiElement[]> }>();
const digests = new WeakMap<RgbaImage, string>();
const samples = new WeakMap<RgbaImage, string>();

/** Sets how many screens' elements are kept by content (config `memory.elementScreens`; `0`: none). */
export function setElementCacheScreens(n: number): void {
  byContent.resize(cacheLimit(n, 'the element cache size'));
}

/** Forgets every screen's elements kept by content (benchmarks measuring a first call; tests). */
export function clearElementCache(): void {
  byContent.clear();
  pending.clear();
}

/** The rows of an image hashed for its digest at a time between two turns of the event loop (≈ 1 ms each). */
const DIGEST_CHUNK = 1 << 20;

/**
 * A digest of an image's size and pixels (SHA-1: ≈ 8 ms for a 1920×1080 screen on this machine's CPU).
 * `later`: hashed a chunk at a time between turns of the event loop, while OCR reads in its workers, instead of
 * before the analysis — a first look at a screen does not wait for it.
 */
function digestOf(img: RgbaImage): string;
function digestOf(img: RgbaImage, later: true): Promise<string>;
function digestOf(img: RgbaImage, later?: true): string | Promise<string> {
  const known = digests.get(img);
  if (known) return later ? Promise.resolve(known) : known;
  const data = img.data.subarray(0, img.width * img.height * 4);
  const h = createHash('sha1').update(`${img.width}x${img.height}:`);
  if (!later) {
    const d = h.update(data).digest('base64');
    digests.set(img, d);
    return d;
  }
  return (async () => {
    for (let at = 0; at < data.length; at += DIGEST_CHUNK) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      // A synchronous digest of the same image may have been taken meanwhile.
      const d = digests.get(img);
      if (d) return d;
      h.update(data.subarray(at, at + DIGEST_CHUNK));
    }
    const d = h.digest('base64');
    digests.set(img, d);
    return d;
  })();
}

/**
 * A digest of every 16th row of an image (≈ 0.5 ms at 1920×1080): a screen whose sample no kept or pending
 * screen shares is not one of them, so its full digest can wait ({@link digestOf}); one that shares it is
 * compared by its full digest.
 */
function sampleOf(img: RgbaImage): string {
  let s = samples.get(img);
  if (!s) {
    const h = createHash('sha1').update(`${img.width}x${img.height}:`);
    const row = img.width * 4;
    for (let y = 0; y < img.height; y += 16) h.update(img.data.subarray(y * row, (y + 1) * row));
    s = h.digest('base64');
    samples.set(img, s);
  }
  return s;
}

/** The elements of a screen of the same pixels, kept or being read; `undefined` for none. */
function sameContent(img: RgbaImage): Promise<UiElement[]> | undefined {
  const sample = sampleOf(img);
  if (byContent.keys().some((k) => k.startsWith(`${sample}/`))) {
    const all = byContent.get(`${sample}/${digestOf(img)}`);
    if (all) return all;
  }
  for (const p of pending) if (p.sample === sample && digestOf(p.img) === digestOf(img)) return p.all;
  return undefined;
}

/** The geometry of a screen from its analysis and shapes (synchronous). */
function screenFrom(work: RgbaImage, a: PixelAnalysis, factor: number, found: Item[]): Screen {
  const shapes = found.map((sh): UiElement => ({
    kind: 'shape',
    text: '',
    bbox: sh.bbox,
    state: [],
    shape: sh.shape!,
    color: sh.color!,
  }));
  const d = detect(a, work, shapes);
  return { d, work, factor, owners: inkOwners(a, d.phrases, d.outlines), reading: new Map() };
}

async function screenOf(img: RgbaImage): Promise<Screen> {
  let s = screens.get(img);
  if (!s) {
    s = (async () => {
      const { cv } = await loadOpenCv();
      if (img.width * img.height <= LARGE_SCREEN_PIXELS) {
        // Not halved, so its own working screen. One pass over the pixels gives the colour summary the shape
        // finder reads and the grey the analysis starts from; shapes, analysis and detection then run with no
        // await between them, so they may use the analysis's scratch buffers (the grey is one of them).
        const grey = scratchGrey(img.width * img.height);
        screenSummaryAndGrey(img, grey);
        const found = shapesWith(cv, img);
        const { img: work, a, factor } = workingScreen(cv, img, true, grey);
        return screenFrom(work, a, factor, found);
      }
      const { img: work, a, factor } = workingScreen(cv, img);
      return screenFrom(work, a, factor, await findShapes(work));
    })();
    screens.set(img, s);
    s.catch(() => screens.delete(img));
  }
  return s;
}

/**
 * Reads the phrases `elements` take their text and value from, those not read or being read yet in one OCR
 * call; phrases no element takes (specks, an × or a chevron) are never read.
 */
async function readFor(s: Screen, elements: Found[]): Promise<void> {
  const want = new Set<Phrase>();
  for (const e of elements)
    for (const p of [...e.phrases, ...(e.valuePhrases ?? [])]) if (p.read) want.add(p);
  // In reading order, as the screen shows them: Tesseract reads a line in the light of those around it, and
  // the same montage for the same screen reads the same.
  const fresh = s.d.phrases.filter((p) => want.has(p) && !s.reading.has(p));
  if (fresh.length) {
    const words = readPieces(
      s.work,
      fresh.map((p) => pieceOf(p, s.d.unit, s.d.outlines, s.owners)),
    );
    fresh.forEach((p, i) => {
      const done = words.then((w) => void (p.words = w[i]!));
      s.reading.set(p, done);
      done.catch(() => s.reading.delete(p));
    });
  }
  await Promise.all([...want].map((p) => s.reading.get(p)));
}

/** The public form of found elements, boxes in screen pixels, in reading order. */
function publish(found: Found[], factor: number, orig: RgbaImage): UiElement[] {
  attachWords(found);
  return found
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
}

/**
 * The UI elements of a screen: controls with their labels and visible states, dialogs, text, headings and
 * shapes, in reading order, boxes in screen pixels (a control's click point is its box's centre). `query`
 * narrows them: `kind`, `text` (case-insensitive; whole words of the element's text or label), `near` (sorted
 * by distance from that point).
 *
 * What is read is what the query needs: with a `kind`, only the phrases of elements of that kind are read by
 * OCR (the rest when a later call asks). Results are cached per image object and, once every element was
 * read, per image content ({@link setElementCacheScreens}): a capability calling elements() several times, or
 * on a fresh capture of an unchanged screen, pays for one analysis and one reading.
 *
 * @example const [save] = await detectElements(img, { kind: 'button', text: 'Save' });
 */
export async function detectElements(img: RgbaImage, query: ElementQuery = {}): Promise<UiElement[]> {
  assertImage(img);
  validateQuery(query);
  let all = complete.get(img);
  if (!all) {
    all = sameContent(img);
    if (all) complete.set(img, all);
    else if (query.kind) {
      const s = await screenOf(img);
      const of = s.d.elements.filter((e) => e.kind === query.kind);
      await readFor(s, of);
      return filterElements(publish(of, s.factor, img), query);
    } else {
      const read = (async () => {
        const s = await screenOf(img);
        await readFor(s, s.d.elements);
        // Everything is read: the geometry (with its ink label map, 8 MB at 1920×1080) is not needed again.
        screens.delete(img);
        return publish(s.d.elements, s.factor, img);
      })();
      all = read;
      complete.set(img, read);
      // Kept by content once its digest is known (taken while OCR reads); until then, found by its sample.
      const entry = { sample: sampleOf(img), img, all: read };
      pending.add(entry);
      let key: string | undefined;
      void digestOf(img, true)
        .then((d) => {
          key = `${entry.sample}/${d}`;
          if (pending.has(entry)) byContent.set(key, read);
        })
        .finally(() => pending.delete(entry));
      read.catch(() => {
        complete.delete(img);
        pending.delete(entry);
        if (key) byContent.delete(key);
      });
    }
  }
  return filterElements(await all, query);
}
