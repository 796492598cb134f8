import type { TextPiece } from '../ocr.js';
import { greyOfRgb, toRect } from './geometry.js';
import type { Found, Phrase } from './layout.js';
import type { Blob, PixelAnalysis } from './pixel-analysis.js';

/**
 * Pass 3, words: OCR reads each phrase as a piece of its own; each element takes the words of its phrases
 * (and its label's), a field or dropdown its value from its value phrases.
 */

/**
 * The piece of screen OCR reads for a phrase: the phrase with a margin, kept inside the box holding it and
 * clear of the outlines beside it (`beside`: checkboxes and radios). A checkbox's right edge inside the margin
 * of its label was read as a letter ("I Cherry") or spoiled the word ("Vienna", "Seoul" unread).
 */
export function pieceOf(
  p: Phrase,
  unit: number,
  beside: readonly Blob[] = [],
  owners?: InkOwners,
): TextPiece {
  const h = p.y1 - p.y0;
  const m = Math.max(2, Math.round(0.3 * h));
  let r = { x0: p.x0 - m, y0: p.y0 - m, x1: p.x1 + m, y1: p.y1 + m };
  for (const b of beside) {
    if (b.y1 <= r.y0 || b.y0 >= r.y1) continue;
    if (b.x1 <= p.x0) r.x0 = Math.max(r.x0, Math.min(p.x0, b.x1 + 1));
    else if (b.x0 >= p.x1) r.x1 = Math.min(r.x1, Math.max(p.x1, b.x0 - 1));
  }
  // Inside a box, the piece stops at the box's inside: its border is no part of the text.
  if (p.box) {
    // A little inside the flat area: the anti-aliased inner edge of a thick (hi-dpi) border reads as
    // a stray "r" or "4" otherwise.
    const f = p.box.face;
    const k = Math.max(1, Math.round(0.06 * unit));
    r = {
      x0: Math.max(r.x0, Math.min(p.x0, f.x0 + k)),
      y0: Math.max(r.y0, Math.min(p.y0, f.y0 + k)),
      x1: Math.min(r.x1, Math.max(p.x1, f.x1 - k)),
      y1: Math.min(r.y1, Math.max(p.y1, f.y1 - k)),
    };
  }
  const piece: TextPiece = { rect: toRect(r), ...(p.box ? { background: greyOfRgb(p.box.fill) } : {}) };
  if (owners) {
    // Ink of other phrases and of toggles in the margin (the end of the word before a link, the first letter
    // of the next, the line below) is not read with it; unowned specks (the dot of an "i") are.
    const { labels, width, owner } = owners;
    piece.own = (x, y) => {
      const o = owner.get(labels[y * width + x]!);
      return o === undefined || o === p;
    };
  }
  return piece;
}

/** Which phrase (or toggle) each ink cluster belongs to. */
export interface InkOwners {
  labels: Int32Array;
  width: number;
  owner: Map<number, Phrase | Blob>;
}

export function inkOwners(
  a: PixelAnalysis,
  phrases: readonly Phrase[],
  outlines: readonly Blob[],
): InkOwners {
  const owner = new Map<number, Phrase | Blob>();
  for (const p of phrases) for (const b of p.blobs) owner.set(b.id, p);
  for (const b of outlines) owner.set(b.id, b);
  return { labels: a.inkLabels, width: a.width, owner };
}

/** Words of an element's phrases, left to right and top to bottom. */
function textOf(ps: Phrase[], skip?: Blob): string {
  return ps
    .flatMap((p) => p.words.filter((w) => !skip || w.bbox.x + w.bbox.width / 2 > skip.x1))
    .sort((p, q) => (Math.abs(p.bbox.y - q.bbox.y) > 4 ? p.bbox.y - q.bbox.y : p.bbox.x - q.bbox.x))
    .map((w) => w.text)
    .join(' ');
}

/** Gives each element its text, value, confidence (the least of its words) or `unread`. */
export function attachWords(elements: Found[]): void {
  for (const e of elements) {
    if (e.kind === 'close-button' || e.kind === 'shape') continue;
    // The ▸/▾ leading a tree node is no part of its text (a child node under an open one has none).
    e.text = textOf(e.phrases, e.lead);
    const vp = e.valuePhrases;
    if (vp && vp.length) e.value = textOf(vp);
    if (e.kind === 'dropdown' && !e.text && e.value) e.text = e.value;
    const ws = [...e.phrases, ...(vp ?? [])].flatMap((p) => p.words);
    if (ws.length) e.confidence = Math.min(...ws.map((w) => w.confidence));
    else if (e.phrases.length) e.unread = true;
  }
}
