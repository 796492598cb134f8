import type { DataOp, IntentFrame, PartFrame, Rect } from '../domain/index.js';
import type { TruthElement } from './case-types.js';

// The oracle: what a frame means on a screen with known content.

const key = (o: unknown) => JSON.stringify(o);
export type Data = Record<string, unknown>;
const W = 1280;
const H = 800;
const LAYOUT = ['titlebar', 'toolbar', 'sidebar', 'statusbar', 'content'];

const centre = (r: Rect) => ({ x: r.x + r.width / 2, y: r.y + r.height / 2 });
const inside = (p: { x: number; y: number }, r: Rect, pad = 2) =>
  p.x >= r.x - pad && p.x <= r.x + r.width + pad && p.y >= r.y - pad && p.y <= r.y + r.height + pad;

function inRegion(el: TruthElement, region: unknown): boolean {
  if (region === undefined) return true;
  if (LAYOUT.includes(region as string)) return el.region === region;
  const name = String(region);
  const c = centre(el.bbox);
  const col = name.endsWith('left') ? 0 : name.endsWith('right') ? 2 : 1;
  const row = name.startsWith('top') ? 0 : name.startsWith('bottom') ? 2 : 1;
  return Math.floor((c.x * 3) / W) === col && Math.floor((c.y * 3) / H) === row;
}

function shapesOf(truth: TruthElement[], f: PartFrame): TruthElement[] {
  return truth.filter(
    (el) =>
      el.kind === 'shape' &&
      (!f.target.color || el.color === f.target.color) &&
      (!f.target.shape || el.shape === f.target.shape) &&
      inRegion(el, f.region),
  );
}

export const norm = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

function textsOf(truth: TruthElement[], f: PartFrame): TruthElement[] {
  const q = norm(String(f.target.label ?? f.target.text ?? ''));
  return truth.filter((el) => el.text && inRegion(el, f.region) && ` ${norm(el.text)} `.includes(` ${q} `));
}

function measure(r: Rect, by: string): number {
  if (by === 'width') return r.width;
  if (by === 'height') return r.height;
  if (by === 'area') return r.width * r.height;
  if (by === 'x') return centre(r).x;
  if (by === 'y') return centre(r).y;
  return Math.max(r.width, r.height);
}

function itemsOf(data: Data): Array<{ bbox: Rect }> {
  return Array.isArray(data.items) ? (data.items as Array<{ bbox: Rect }>) : [];
}

function sameItems(data: Data, expected: TruthElement[]): string | null {
  const items = itemsOf(data);
  if (items.length !== expected.length) return `expected ${expected.length} items, got ${items.length}`;
  for (const el of expected)
    if (!items.some((it) => inside(centre(it.bbox), el.bbox) && inside(centre(el.bbox), it.bbox)))
      return `no item for the ${el.color ?? ''} ${el.shape ?? el.kind} at ${key(el.bbox)}`;
  return null;
}

function opsList(f: object): DataOp[] {
  const ops = (f as { ops?: unknown }).ops;
  return Array.isArray(ops) ? (ops as DataOp[]) : [];
}

/** Reading order: rows top to bottom (centres within half a height), left to right in a row. */
function readingOrder(els: TruthElement[]): TruthElement[] {
  const cy = (e: TruthElement) => centre(e.bbox).y;
  const byY = [...els].sort((a, b) => cy(a) - cy(b));
  const keyed: Array<{ el: TruthElement; row: number }> = [];
  let row = -1;
  let cy0 = 0;
  let h0 = 0;
  for (const el of byY) {
    if (row < 0 || Math.abs(cy(el) - cy0) > Math.max(h0, el.bbox.height) / 2) {
      row++;
      cy0 = cy(el);
      h0 = el.bbox.height;
    }
    keyed.push({ el, row });
  }
  return keyed.sort((a, b) => a.row - b.row || a.el.bbox.x - b.el.bbox.x).map((k) => k.el);
}

/** "a large 5", "the small squares": split at the middle of the sizes when they differ by more than 25%. */
function bySize(els: TruthElement[], size: string | undefined): TruthElement[] {
  if (size !== 'large' && size !== 'small') return els;
  const sizes = els.map((e) => Math.max(e.bbox.width, e.bbox.height));
  const lo = Math.min(...sizes);
  const hi = Math.max(...sizes);
  if (!(hi > lo * 1.25)) return els;
  const mid = (lo + hi) / 2;
  return els.filter((_, i) => (size === 'large' ? sizes[i]! >= mid : sizes[i]! < mid));
}

function applyItemOps(els: TruthElement[], ops: DataOp[]): TruthElement[] {
  let out = els;
  for (const op of ops) {
    if (op.op === 'filter')
      out = out.filter((e) =>
        op.cmp === 'lt' ? measure(e.bbox, op.by) < op.value : measure(e.bbox, op.by) > op.value,
      );
    else if (op.op === 'exclude')
      out = out.filter((e) =>
        op.by === 'region'
          ? !inRegion(e, op.value)
          : op.by === 'color'
            ? e.color !== op.value
            : op.by === 'shape'
              ? e.shape !== op.value
              : op.by === 'label'
                ? (e.text ?? '').toLowerCase() !== op.value.toLowerCase()
                : e.kind !== op.value,
      );
    else if (op.op === 'pick') {
      const sorted =
        op.by === 'reading'
          ? readingOrder(out)
          : [...out].sort((a, b) => measure(a.bbox, op.by) - measure(b.bbox, op.by));
      if (op.order === 'desc') sorted.reverse();
      out = sorted.slice(op.index - 1, op.index - 1 + op.count);
    }
  }
  return out;
}

export function targetsOf(f: PartFrame, truth: TruthElement[]): TruthElement[] {
  return f.target.kind === 'shape'
    ? applyItemOps(bySize(shapesOf(truth, f), f.target.size), opsList(f))
    : applyItemOps(textsOf(truth, f), opsList(f));
}

/** The action a pointer frame must perform: a (left) click, a right click or a hover; all land on a target. */
function pointerWant(f: PartFrame): { type: string; button?: string; noun: string } {
  if (f.action === 'hover') return { type: 'hover', noun: 'hover' };
  if (f.action === 'right-click') return { type: 'click', button: 'right', noun: 'right click' };
  return { type: 'click', noun: 'click' };
}

function checkClick(data: Data, targets: TruthElement[], times: number, f: PartFrame): string | null {
  const actions = (Array.isArray(data.actions) ? data.actions : []) as Array<{
    type: string;
    x: number;
    y: number;
    button?: string;
  }>;
  const want = pointerWant(f);
  if (targets.length === 0) return actions.length === 0 ? null : `${want.noun} although there is no target`;
  // A left click carries no button (or "left"); a right click must say so, or it would open no menu.
  const wrong = (a: (typeof actions)[number]) =>
    a.type !== want.type || (want.button ?? 'left') !== (a.button ?? 'left');
  if (actions.length !== times || actions.some(wrong))
    return `expected ${times} ${want.noun}${times === 1 ? '' : 's'}, got ${key(actions)}`;
  if (actions.some((a) => a.x !== actions[0]!.x || a.y !== actions[0]!.y))
    return `repeated clicks landed apart: ${key(actions)}`;
  return targets.some((t) => inside(actions[0]!, t.bbox))
    ? null
    : `${want.noun} ${key(actions[0])} misses the target`;
}

/** How many clicks a click frame means: "twice", "3 times", a double-click. */
function clickTimes(f: PartFrame): number {
  const rep = opsList(f).find((o) => o.op === 'repeat');
  const n = rep && rep.op === 'repeat' ? Math.min(10, Math.max(1, Math.floor(rep.times))) : 1;
  return f.action === 'double-click' ? 2 * n : n;
}

function checkStep(f: PartFrame, data: Data, truth: TruthElement[]): string | null {
  const ops = opsList(f);
  if (f.action === 'type' || f.action === 'press') {
    const want =
      f.action === 'type'
        ? [{ type: 'type', text: f.target.text }]
        : [{ type: 'press', keys: f.target.text }];
    return key(data.actions ?? []) === key(want) ? null : `${f.action}: got ${key(data.actions ?? [])}`;
  }
  if (f.action === 'read') {
    const want = truth.filter((el) => el.kind === 'text' && inRegion(el, f.region));
    const got = norm(String(data.text ?? ''));
    for (const el of want)
      if (!got.includes(norm(el.text!))) return `read "${String(data.text)}", missing "${el.text}"`;
    return null;
  }
  if (f.action === 'count' && f.target.kind === 'text' && !f.target.text && !f.target.label) {
    // Words (or lines) of text: the rendered texts' words, read by OCR, so ±1 word per text is tolerated.
    const texts = truth.filter((el) => el.kind !== 'shape' && el.text && inRegion(el, f.region));
    const lines = opsList(f).some((o) => o.op === 'group');
    const want = lines
      ? new Set(texts.map((el) => Math.round(centre(el.bbox).y / 8))).size
      : texts.reduce((n, el) => n + el.text!.split(/\s+/).filter(Boolean).length, 0);
    const got = Number(data.count);
    return Math.abs(got - want) <= (lines ? 1 : Math.max(1, Math.ceil(texts.length / 2)))
      ? null
      : `${lines ? 'lines' : 'words'} ${got}, expected ≈ ${want}`;
  }
  const attribute = ops.find((o) => o.op === 'attribute');
  if (attribute && attribute.op === 'attribute') {
    const targets = targetsOf(f, truth);
    const want = [...new Set(targets.map((t) => (attribute.of === 'shape' ? t.shape : t.color)))].sort();
    const got = [...new Set((Array.isArray(data.values) ? data.values : []).map((v) => String(v)))].sort();
    return key(want) === key(got) ? null : `${attribute.of} ${key(got)}, expected ${key(want)}`;
  }
  if (f.action === 'describe' && f.target.kind !== 'shape') {
    const want = new Map<string, number>();
    for (const el of shapesOf(truth, { ...f, target: { kind: 'shape' } }))
      want.set(`${el.color} ${el.shape}`, (want.get(`${el.color} ${el.shape}`) ?? 0) + 1);
    const got = new Map<string, number>();
    for (const s of (Array.isArray(data.shapes) ? data.shapes : []) as Array<{
      color: string;
      shape: string;
      count: number;
    }>)
      got.set(`${s.color} ${s.shape}`, s.count);
    return key([...want].sort()) === key([...got].sort())
      ? null
      : `described ${key([...got])}, expected ${key([...want])}`;
  }
  const targets = targetsOf(f, truth);
  if (['click', 'double-click', 'right-click', 'hover'].includes(f.action))
    return checkClick(data, targets, clickTimes(f), f);
  const agg = ops.find((o) => o.op === 'aggregate');
  if (agg && agg.op === 'aggregate') {
    const values = targets.map((t) => measure(t.bbox, agg.by));
    if (!values.length) return data.value === null ? null : `expected no value, got ${String(data.value)}`;
    let want =
      agg.fn === 'max'
        ? Math.max(...values)
        : agg.fn === 'min'
          ? Math.min(...values)
          : values.reduce((a, b) => a + b, 0) / (agg.fn === 'mean' ? values.length : 1);
    const conv = ops.find((o) => o.op === 'convert');
    if (conv && conv.op === 'convert') want = (want / 96) * { in: 1, cm: 2.54, mm: 25.4, pt: 72 }[conv.unit];
    const got = Number(data.value);
    return Math.abs(got - want) <= Math.max(0.06 * want, conv ? 0.05 : 3)
      ? null
      : `value ${got}, expected ≈ ${want.toFixed(2)}`;
  }
  if (f.action === 'check')
    return data.present === targets.length > 0
      ? null
      : `present=${String(data.present)}, expected ${targets.length > 0}`;
  if (f.action === 'count' && data.count !== targets.length)
    return `count ${String(data.count)}, expected ${targets.length}`;
  if (f.target.kind !== 'shape') {
    const items = itemsOf(data);
    if (items.length < Math.min(1, targets.length)) return 'found nothing';
    if (targets.length === 0 && items.length > 0) return `found ${items.length} items of an absent text`;
    return items.every((it) => targets.some((t) => inside(centre(it.bbox), t.bbox)))
      ? null
      : 'an item is not the text asked for';
  }
  const same = sameItems(data, targets);
  if (same) return same;
  const sort = ops.find((o) => o.op === 'sort');
  if (sort && sort.op === 'sort') {
    const keys = itemsOf(data).map((it) => measure(it.bbox, sort.by));
    for (let i = 1; i < keys.length; i++)
      if (sort.order === 'asc' ? keys[i]! < keys[i - 1]! - 1 : keys[i]! > keys[i - 1]! + 1)
        return `not sorted by ${sort.by} ${sort.order}: ${keys.join(',')}`;
  }
  return null;
}

function compositionOf(frame: Omit<IntentFrame, 'raw'>): { mode: string; frames: PartFrame[] } | undefined {
  if (frame.condition) {
    const { condition, ...then } = frame;
    return { mode: 'conditional', frames: [condition.frame as PartFrame, then as PartFrame] };
  }
  return frame.parts?.frames.length ? frame.parts : undefined;
}

/**
 * What a frame's `data` must be on a screen with known content: null when it is right, else the problem.
 * Counts, items (by position), presence, clicks on the target, typed text and keys, texts read, shape
 * summaries, measured values (±6% or 3 px), sort order, comparisons and every part of a combination.
 */
export function expectedDataProblem(
  frame: Omit<IntentFrame, 'raw'>,
  data: Data,
  truth: TruthElement[],
): string | null {
  const comp = compositionOf(frame);
  if (!comp) return checkStep(frame, data, truth);
  if (comp.mode === 'conditional') {
    const holds = targetsOf(comp.frames[0]!, truth).length > 0;
    if (data.present !== holds) return `condition ${String(data.present)}, expected ${holds}`;
    if (!holds)
      return Array.isArray(data.actions) && data.actions.length === 0
        ? null
        : 'acted although the condition is false';
    return checkStep(comp.frames[1]!, { ...(data.result as Data), actions: data.actions }, truth);
  }
  const ops = opsList(frame);
  if (ops[0]?.op === 'compare') {
    const [a, b] = comp.frames.map((f) => shapesOf(truth, f).length) as [number, number];
    const want = ops[0].relation === 'fewer' ? a < b : ops[0].relation === 'same' ? a === b : a > b;
    if (key(data.counts) !== key([a, b])) return `counts ${key(data.counts)}, expected [${a},${b}]`;
    return data.result === want ? null : `result ${String(data.result)}, expected ${want}`;
  }
  const parts = (Array.isArray(data.parts) ? data.parts : []) as Data[];
  for (let i = 0; i < comp.frames.length; i++) {
    const p = checkStep(comp.frames[i]!, parts[i] ?? {}, truth);
    if (p) return `part ${i}: ${p}`;
  }
  return null;
}

/** Whether every target the frame names is on the screen (reads, descriptions and typing always are). */
export function targetPresent(frame: Omit<IntentFrame, 'raw'>, truth: TruthElement[]): boolean {
  const comp = compositionOf(frame);
  const frames = comp ? comp.frames : [frame as PartFrame];
  return frames.every(
    (f) => ['type', 'press', 'read', 'describe'].includes(f.action) || targetsOf(f, truth).length > 0,
  );
}
