import { boxRect, centreOf, colourDistance, inside, toRect } from './geometry.js';
import type { Box, Layout, Phrase } from './layout.js';
import { isSmall, kidsOf, phrasesIn } from './layout.js';

/**
 * Lists, decided per container before its boxes are taken as controls: rows stacked in a larger box, and
 * boxes of one width stacked edge to edge. Rows and their containers are taken (not controls); a row of
 * another colour than the others is selected.
 */
export function findLists(l: Layout, dialogs: Set<Box>): void {
  framedLists(l, dialogs);
  stackedLists(l);
}

/** A larger box whose content is rows of one phrase each, stacked, left-aligned, nothing else inside. */
function framedLists(l: Layout, dialogs: Set<Box>): void {
  const { u, boxes, toggles, push, taken } = l;
  for (const c of boxes) {
    if (taken.has(c) || dialogs.has(c) || c.width < 2.5 * u) continue;
    const more = continuation(l, c);
    if (isSmall(l, c) && !more.length) continue;
    const rows: Array<{ y0: number; y1: number; p?: Phrase; box?: Box }> = [];
    const own = phrasesIn(l, c);
    // A piece of a split list holding one row is that row (the selected one, as often as not).
    if (more.length && own.length === 1 && isSmall(l, c))
      rows.push({ y0: c.y, y1: c.y + c.height, box: c, p: own[0]! });
    else for (const p of own) rows.push({ y0: p.y0, y1: p.y1, p });
    let ok = true;
    for (const k of kidsOf(l, c)) {
      const ps = phrasesIn(l, k);
      if (!isSmall(l, k) || k.width < 0.8 * c.width || ps.length > 1) ok = false;
      else rows.push({ y0: k.y, y1: k.y + k.height, box: k, ...(ps[0] ? { p: ps[0] } : {}) });
    }
    for (const b of more) {
      const ps = phrasesIn(l, b);
      if (ps.length === 1) rows.push({ y0: b.y, y1: b.y + b.height, box: b, p: ps[0]! });
      else for (const p of ps) rows.push({ y0: p.y0, y1: p.y1, p });
    }
    const whole = [c, ...more];
    if (!ok || rows.length < 2 || toggles.some((t) => whole.some((b) => inside(centreOf(t.blob), b))))
      continue;
    rows.sort((p, q) => p.y0 - q.y0);
    const lefts = rows.map((r) => r.p?.x0 ?? 0).filter((x) => x);
    if (Math.max(...lefts) - Math.min(...lefts) > 0.7 * u) continue;
    if (rows.some((r, i) => i > 0 && r.y0 < rows[i - 1]!.y1 - 2)) continue;
    const pitch = (rows.at(-1)!.y1 - rows[0]!.y0) / rows.length;
    if (pitch > 2.3 * u) continue;
    if (wrapped(rows, c)) continue;
    // The list's own fill: its largest flat area's (a selected row is another colour).
    const base = whole.reduce((p, q) => (q.width * q.height > p.width * p.height ? q : p));
    for (const r of rows) {
      const cy = r.box ? r.box.y + r.box.height / 2 : (r.p!.y0 + r.p!.y1) / 2;
      const half = r.box ? r.box.height / 2 : pitch / 2;
      const f = push({
        kind: 'list-item',
        text: '',
        bbox: toRect({ x0: c.x + 2, y0: cy - half, x1: c.x + c.width - 2, y1: cy + half }),
        phrases: r.p ? [r.p] : [],
      });
      if (r.p) r.p.used = true;
      if (r.box) {
        taken.add(r.box);
        if (colourDistance(r.box.fill, base.fill) > 30) f.state.push('selected');
      }
    }
    for (const b of whole) taken.add(b);
  }
}

/**
 * Boxes continuing a list above or below it: the same column, edge to edge, each holding phrases one per
 * line. A selected row's fill splits a list's inside in two or three flat areas: the rows above it, the row,
 * the rows below.
 */
function continuation(l: Layout, c: Box): Box[] {
  const { u, boxes, taken } = l;
  const out: Box[] = [];
  let top = c.y;
  let bottom = c.y + c.height;
  const near = Math.max(3, 0.3 * u);
  for (let grown = true; grown;) {
    grown = false;
    for (const b of boxes) {
      if (b === c || out.includes(b) || taken.has(b) || kidsOf(l, b).length) continue;
      if (Math.abs(b.x - c.x) > 3 || Math.abs(b.width - c.width) > 4) continue;
      const below = Math.abs(b.y - bottom) <= near;
      const above = Math.abs(b.y + b.height - top) <= near;
      if (!below && !above) continue;
      const ps = phrasesIn(l, b);
      if (
        !ps.length ||
        ps.some((p) => ps.some((q) => q !== p && Math.min(p.y1, q.y1) > Math.max(p.y0, q.y0)))
      )
        continue;
      out.push(b);
      grown = true;
      if (below) bottom = b.y + b.height;
      else top = b.y;
    }
  }
  return out;
}

/**
 * A sentence wrapped in a box (a task's instruction in its band) is no list: every line but the last stops
 * where the next line's text would no longer have fitted (closer to the box's right edge than the width of the
 * next line). List rows are short and stop anywhere.
 */
function wrapped(rows: Array<{ p?: Phrase; box?: Box }>, c: Box): boolean {
  if (rows.some((r) => r.box || !r.p)) return false;
  const right = c.face.x1;
  return rows.every((r, i) => {
    const next = rows[i + 1]?.p;
    return !next || right - r.p!.x1 < next.x1 - next.x0;
  });
}

/**
 * Lists without a frame of their own: three or more boxes of one width, stacked edge to edge, each holding at
 * most one left-aligned phrase (rows separated by lines).
 */
function stackedLists(l: Layout): void {
  const { u, boxes, push, taken } = l;
  const stacks = boxes
    .filter((b) => !taken.has(b) && isSmall(l, b) && b.width >= 3 * u)
    .sort((p, q) => p.x - q.x || p.y - q.y);
  for (let i = 0; i < stacks.length;) {
    const run = [stacks[i]!];
    let j = i + 1;
    for (; j < stacks.length; j++) {
      const prev = run.at(-1)!;
      const b = stacks[j]!;
      if (Math.abs(b.x - prev.x) > 2 || Math.abs(b.width - prev.width) > 3) break;
      if (b.y - (prev.y + prev.height) > 0.3 * u || b.y < prev.y + prev.height - 4) break;
      run.push(b);
    }
    i = j;
    if (run.length < 3) continue;
    const rows = run.map((b) => ({ b, ps: phrasesIn(l, b) }));
    if (rows.some((r) => r.ps.length > 1 || (r.ps[0] && r.ps[0].x0 - r.b.face.x0 > 0.35 * r.b.width)))
      continue;
    const fills = rows.map((r) => r.b.fill);
    for (const r of rows) {
      const odd = fills.filter((f) => colourDistance(f, r.b.fill) > 30).length >= fills.length / 2;
      push({
        kind: 'list-item',
        text: '',
        bbox: boxRect(r.b),
        state: odd ? ['selected'] : [],
        phrases: r.ps,
      });
      for (const p of r.ps) p.used = true;
      taken.add(r.b);
    }
  }
}
