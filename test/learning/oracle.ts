import type { Rect } from '../../src/domain/index.js';
import type { DataOp, ExtendedFrameShape, PartFrame } from '../../src/understanding/index.js';
import { compositionOf, opsOf } from '../../src/understanding/index.js';
import type { SceneElement } from '../../src/vision/index.js';

/**
 * An independent statement of what each command means on a screen with known content: the expected `data`
 * is computed from the renderer's ground truth, never from the vision code under test. Returns a problem or
 * null.
 */

type Data = Record<string, unknown>;
const W = 1280;
const H = 800;

const centre = (r: Rect) => ({ x: r.x + r.width / 2, y: r.y + r.height / 2 });
const inside = (p: { x: number; y: number }, r: Rect, pad = 2) =>
  p.x >= r.x - pad && p.x <= r.x + r.width + pad && p.y >= r.y - pad && p.y <= r.y + r.height + pad;
const size = (r: Rect) => Math.max(r.width, r.height);

function inRegion(el: SceneElement, region: unknown): boolean {
  if (region === undefined) return true;
  if (['titlebar', 'toolbar', 'sidebar', 'statusbar', 'content'].includes(region as string))
    return el.region === region;
  const name = String(region);
  const c = centre(el.bbox);
  const col = name.endsWith('left') ? 0 : name.endsWith('right') ? 2 : 1;
  const row = name.startsWith('top') ? 0 : name.startsWith('bottom') ? 2 : 1;
  return Math.floor((c.x * 3) / W) === col && Math.floor((c.y * 3) / H) === row;
}

function shapesOf(truth: SceneElement[], f: PartFrame): SceneElement[] {
  return truth.filter(
    (el) =>
      el.kind === 'shape' &&
      (!f.target.color || el.color === f.target.color) &&
      (!f.target.shape || el.shape === f.target.shape) &&
      inRegion(el, f.region),
  );
}

const norm = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

function textsOf(truth: SceneElement[], f: PartFrame): SceneElement[] {
  const q = norm(String(f.target.label ?? f.target.text ?? ''));
  return truth.filter((el) => el.text && inRegion(el, f.region) && ` ${norm(el.text)} `.includes(` ${q} `));
}

function measure(r: Rect, by: string): number {
  if (by === 'width') return r.width;
  if (by === 'height') return r.height;
  if (by === 'area') return r.width * r.height;
  if (by === 'x') return centre(r).x;
  if (by === 'y') return centre(r).y;
  return size(r);
}

function itemsOf(data: Data): Array<{ bbox: Rect }> {
  return Array.isArray(data.items) ? (data.items as Array<{ bbox: Rect }>) : [];
}

/** Every item is one expected element and every expected element is found. */
function sameItems(data: Data, expected: SceneElement[]): string | null {
  const items = itemsOf(data);
  if (items.length !== expected.length) return `expected ${expected.length} items, got ${items.length}`;
  for (const el of expected)
    if (!items.some((it) => inside(centre(it.bbox), el.bbox) && inside(centre(el.bbox), it.bbox)))
      return `no item for the ${el.color} ${el.shape ?? el.kind} at ${JSON.stringify(el.bbox)}`;
  return null;
}

function applyItemOps(els: SceneElement[], ops: DataOp[]): SceneElement[] {
  let out = els;
  for (const op of ops) {
    if (op.op === 'filter')
      out = out.filter((e) =>
        op.cmp === 'lt' ? measure(e.bbox, op.by) < op.value : measure(e.bbox, op.by) > op.value,
      );
  }
  return out;
}

function checkClick(data: Data, targets: SceneElement[]): string | null {
  const actions = (data.actions ?? []) as Array<{ type: string; x: number; y: number }>;
  if (targets.length === 0) return actions.length === 0 ? null : 'clicked although there is no target';
  if (actions.length !== 1 || actions[0]!.type !== 'click')
    return `expected one click, got ${JSON.stringify(actions)}`;
  return targets.some((t) => inside(actions[0]!, t.bbox))
    ? null
    : `click ${JSON.stringify(actions[0])} misses the target`;
}

function checkStep(f: PartFrame, data: Data, truth: SceneElement[]): string | null {
  const ops = opsOf(f) as DataOp[];
  const kind = f.target.kind;
  if (f.action === 'type') {
    const a = (data.actions ?? []) as unknown[];
    return JSON.stringify(a) === JSON.stringify([{ type: 'type', text: f.target.text }])
      ? null
      : `typed ${JSON.stringify(a)}`;
  }
  if (f.action === 'press') {
    const a = (data.actions ?? []) as unknown[];
    return JSON.stringify(a) === JSON.stringify([{ type: 'press', keys: f.target.text }])
      ? null
      : `pressed ${JSON.stringify(a)}`;
  }
  if (f.action === 'read') {
    const want = truth.filter((el) => el.kind === 'text' && inRegion(el, f.region));
    const got = norm(String(data.text ?? ''));
    for (const el of want)
      if (!got.includes(norm(el.text!))) return `read "${String(data.text)}", missing "${el.text}"`;
    return want.length ? null : 'no text expected (corpus error)';
  }
  if (f.action === 'describe') {
    const want = new Map<string, number>();
    for (const el of shapesOf(truth, { ...f, target: { kind: 'shape' } }))
      want.set(`${el.color} ${el.shape}`, (want.get(`${el.color} ${el.shape}`) ?? 0) + 1);
    const got = new Map<string, number>();
    for (const s of (data.shapes ?? []) as Array<{ color: string; shape: string; count: number }>)
      got.set(`${s.color} ${s.shape}`, s.count);
    return JSON.stringify([...want].sort()) === JSON.stringify([...got].sort())
      ? null
      : `described ${JSON.stringify([...got])}, expected ${JSON.stringify([...want])}`;
  }
  const targets = kind === 'shape' ? applyItemOps(shapesOf(truth, f), ops) : textsOf(truth, f);
  if (f.action === 'click') return checkClick(data, targets);
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
  if (f.action === 'check') {
    return data.present === targets.length > 0
      ? null
      : `present=${String(data.present)}, expected ${targets.length > 0}`;
  }
  if (f.action === 'count' && typeof data.count === 'number' && data.count !== targets.length)
    return `count ${data.count}, expected ${targets.length}`;
  if (kind !== 'shape') {
    const items = itemsOf(data);
    if (items.length < 1) return 'found nothing';
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

/** What the command should produce on this screen; null when `data` is right. */
export function checkData(frame: ExtendedFrameShape, data: Data, truth: SceneElement[]): string | null {
  const comp = compositionOf(frame);
  if (!comp) return checkStep(frame, data, truth);
  if (comp.mode === 'conditional') {
    const holds =
      comp.frames[0]!.target.kind === 'shape'
        ? shapesOf(truth, comp.frames[0]!).length > 0
        : textsOf(truth, comp.frames[0]!).length > 0;
    if (data.present !== holds) return `condition ${String(data.present)}, expected ${holds}`;
    if (!holds)
      return (data.actions as unknown[]).length === 0 ? null : 'acted although the condition is false';
    return checkStep(comp.frames[1]!, { ...(data.result as Data), actions: data.actions }, truth);
  }
  const ops = opsOf(frame) as DataOp[];
  if (ops[0]?.op === 'compare') {
    const [a, b] = comp.frames.map((f) => shapesOf(truth, f).length) as [number, number];
    const want = ops[0].relation === 'fewer' ? a < b : ops[0].relation === 'same' ? a === b : a > b;
    if (JSON.stringify(data.counts) !== JSON.stringify([a, b]))
      return `counts ${JSON.stringify(data.counts)}, expected [${a},${b}]`;
    return data.result === want ? null : `result ${String(data.result)}, expected ${want}`;
  }
  const parts = (data.parts ?? []) as Data[];
  for (let i = 0; i < comp.frames.length; i++) {
    const p = checkStep(comp.frames[i]!, parts[i] ?? {}, truth);
    if (p) return `part ${i}: ${p}`;
  }
  return null;
}

/** Whether the command's target exists on the screen (evaluation prefers screens where it does). */
export function targetPresent(frame: ExtendedFrameShape, truth: SceneElement[]): boolean {
  const comp = compositionOf(frame);
  const frames = comp ? comp.frames : [frame as PartFrame];
  return frames.every((f) => {
    if (f.action === 'type' || f.action === 'press' || f.action === 'read' || f.action === 'describe')
      return true;
    return f.target.kind === 'shape'
      ? applyItemOps(shapesOf(truth, f), opsOf(f) as DataOp[]).length > 0
      : textsOf(truth, f).length > 0;
  });
}
