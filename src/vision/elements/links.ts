import { pad, toRect } from './geometry.js';
import type { Layout, Phrase } from './layout.js';
import { freePhrases } from './layout.js';

/**
 * Links wrapped over two lines ("Sign" at the end of a line, "in" at the start of the next): one link, not
 * two, so it answers to its whole name. Its box is the larger of its two pieces, a box the link covers: the
 * box around both would centre between the lines, on the sentence's other words, and a click there misses.
 *
 * A blue phrase is the first piece when nothing stands right of it on its line; the second is a blue phrase
 * on the next line with nothing left of it, starting where the first piece's line starts.
 */
export function findWrappedLinks(l: Layout): void {
  const { u, push } = l;
  const free = freePhrases(l);
  const sameLine = (p: Phrase, q: Phrase) =>
    Math.min(p.y1, q.y1) - Math.max(p.y0, q.y0) >= 0.5 * Math.min(p.y1 - p.y0, q.y1 - q.y0);
  for (const p of free) {
    if (!p.blue || p.used) continue;
    const line = l.phrases.filter((r) => r !== p && sameLine(p, r));
    if (line.some((r) => r.x0 >= p.x1 && r.x0 - p.x1 <= 4 * u)) continue;
    const start = Math.min(p.x0, ...line.filter((r) => r.x1 <= p.x0).map((r) => r.x0));
    const q = free.find(
      (q) =>
        q !== p &&
        q.blue &&
        !q.used &&
        q.x0 < p.x0 &&
        Math.abs(q.x0 - start) <= u &&
        q.y0 >= p.y1 - 0.3 * (p.y1 - p.y0) &&
        q.y0 - p.y1 <= 0.8 * u &&
        Math.abs(q.glyph - p.glyph) <= 0.3 * u,
    );
    if (!q) continue;
    if (l.phrases.some((r) => r !== q && sameLine(q, r) && r.x1 <= q.x0 && q.x0 - r.x1 <= 4 * u)) continue;
    p.used = true;
    q.used = true;
    const larger = q.x1 - q.x0 > p.x1 - p.x0 ? q : p;
    push({ kind: 'link', text: '', bbox: toRect(pad(larger, 0.1 * u)), phrases: [p, q] });
  }
}
