import type {
  Capability,
  COLORS,
  DataOp,
  IntentFrame,
  IntentSpec,
  NamedRegion,
  PartFrame,
  Pattern,
  Rect,
  SHAPES,
} from '../domain/index.js';
import type { VisionImage } from '../capabilities/index.js';
import { schemaProblem, seededRandom } from '../capabilities/index.js';
import { matchCapability } from '../understanding/index.js';

type Color = (typeof COLORS)[number];
type ShapeName = (typeof SHAPES)[number];

/** Ground truth for one thing drawn on a test screen, in screen coordinates (vision's SceneElement). */
export interface TruthElement {
  kind: 'shape' | 'button' | 'text';
  shape?: string;
  color?: string;
  text?: string;
  /** The layout region holding the element's centre. */
  region: string;
  bbox: Rect;
}

/** A rendered screen and what is on it. */
export interface RenderedTestScene {
  image: VisionImage;
  truth: TruthElement[];
}

/** Renders screens with known content (ground truth) for capability tests. */
export interface TestScenePort {
  /**
   * A desktop-like screen holding exactly `count` shapes matching (color, shape) inside `region` (or anywhere
   * when no region), plus distractors that must not be counted: other colours/shapes, and matching shapes
   * outside the region.
   */
  countScene(spec: {
    color?: Color;
    shape?: ShapeName;
    region?: NamedRegion;
    count: number;
    seed: number;
    theme?: 'light' | 'dark';
  }): Promise<VisionImage>;
  /** A screen with the standard layout and no shapes at all. */
  emptyScene(seed: number): Promise<VisionImage>;
  /**
   * Renders a scene in vision's JSON scene format (docs/scenes.md) and returns its ground truth. Optional:
   * without it only counting capabilities get test cases; with it every family the generator emits does.
   */
  render?(spec: unknown): Promise<RenderedTestScene>;
}

export interface CapabilityTestCase {
  name: string;
  input: Record<string, unknown>;
  screen: VisionImage;
  /** Returns a problem description, or null when the output is right. */
  check(output: unknown): string | null;
}

/**
 * An expectation a user stated for a command on a screen (`ironcliw teach`): the `data` fields listed must
 * equal the capability's output (objects compared field by field, arrays element by element). The input is
 * what routing gives the capability for the command's frame.
 */
export interface TaughtExample {
  /** The taught command's frame (its input is derived by routing it to the capability). */
  frame: Omit<IntentFrame, 'raw'>;
  screen: VisionImage;
  expect: Record<string, unknown>;
  name?: string;
}

function countIs(expected: number) {
  return (output: unknown): string | null => {
    const data = (output as { data?: { count?: unknown; items?: unknown } } | undefined)?.data;
    if (!data || typeof data.count !== 'number') return 'output has no data.count';
    if (data.count !== expected) return `expected count ${expected}, got ${data.count}`;
    if (!Array.isArray(data.items) || data.items.length !== expected)
      return `expected ${expected} items, got ${Array.isArray(data.items) ? data.items.length : 'none'}`;
    return null;
  };
}

const ALT_COLORS: Color[] = ['red', 'green', 'blue', 'yellow', 'purple', 'orange'];
const ALT_SHAPES: ShapeName[] = ['circle', 'square', 'triangle'];
const ALT_REGIONS: NamedRegion[] = ['toolbar', 'sidebar', 'content', 'statusbar'];
const key = (o: unknown) => JSON.stringify(o);

/**
 * Test cases for a generated capability, built from ground-truth screens. With a port that renders scenes
 * (`scenes.render`) every family gets cases: inputs seen in the failures, inputs drawn from what is on the
 * screen (so a capability that hard-coded the failing example fails), one whose target is absent, and a screen
 * without shapes; the expected `data` is stated from the renderer's truth by {@link expectedDataProblem},
 * never from the vision code under test. Without `render`, counting capabilities get count scenes.
 */
export async function buildTestCases(
  capability: Capability,
  /** Its `count` varies the inputs tried between candidates of the same pattern. */
  pattern: Pick<Pattern, 'count'>,
  scenes: TestScenePort,
  seenInputs: Array<Record<string, unknown>>,
  /** Expectations users taught for the pattern's commands; each becomes a case on its own screen. */
  taught: TaughtExample[] = [],
): Promise<CapabilityTestCase[]> {
  const intent = capability.manifest.intents[0];
  if (!intent) return [];
  const cases = scenes.render
    ? await groundTruthCases(capability, intent, pattern.count, scenes, seenInputs)
    : await countCases(intent, pattern, scenes, seenInputs);
  return [...cases, ...taughtCases(capability, taught)];
}

/** Count scenes only (ports without `render`). */
async function countCases(
  intent: IntentSpec,
  pattern: Pick<Pattern, 'count'>,
  scenes: TestScenePort,
  seenInputs: Array<Record<string, unknown>>,
): Promise<CapabilityTestCase[]> {
  if (intent.action !== 'count' || intent.targetKind !== 'shape' || intent.parts || intent.ops?.length)
    return [];
  const slots = new Set(intent.slots);
  const pick = (i: number) => {
    const input: Record<string, unknown> = {};
    if (slots.has('color')) input.color = ALT_COLORS[i % ALT_COLORS.length];
    if (slots.has('shape')) input.shape = ALT_SHAPES[i % ALT_SHAPES.length];
    if (slots.has('region')) input.region = ALT_REGIONS[i % ALT_REGIONS.length];
    return input;
  };
  const inputs: Array<Record<string, unknown>> = [];
  for (const seen of seenInputs.slice(0, 2)) if (!inputs.some((i) => key(i) === key(seen))) inputs.push(seen);
  for (let i = 0; inputs.length < 4 && i < 12; i++) {
    const next = pick(i + pattern.count);
    if (!inputs.some((x) => key(x) === key(next))) inputs.push(next);
  }
  // Screens are rendered concurrently (decoding runs on libuv's pool); the order of cases stays fixed.
  const target = (input: Record<string, unknown>) => ({
    ...(input.color ? { color: input.color as Color } : {}),
    ...(input.shape ? { shape: input.shape as ShapeName } : {}),
    ...(input.region ? { region: input.region as NamedRegion } : {}),
  });
  const first = inputs[0] ?? {};
  const counted = inputs.map((input, i) => {
    const seed = i + 1;
    const count = 1 + (seed % 3);
    return {
      input,
      count,
      screen: scenes.countScene({ ...target(input), count, seed, theme: seed % 2 ? 'light' : 'dark' }),
    };
  });
  const none = scenes.countScene({ ...target(first), count: 0, seed: 99 });
  const empty = scenes.emptyScene(7);
  const cases: CapabilityTestCase[] = [];
  for (const c of counted)
    cases.push({
      name: `counts ${c.count} for ${key(c.input)}`,
      input: c.input,
      screen: await c.screen,
      check: countIs(c.count),
    });
  cases.push({ name: `no matches for ${key(first)}`, input: first, screen: await none, check: countIs(0) });
  cases.push({ name: 'empty screen', input: first, screen: await empty, check: countIs(0) });
  return cases;
}

// ── ground-truth screens ───────────────────────────────────────────────────────────────────────────────

/** Colours the test screens draw shapes in (hues vision names reliably). */
export const TEST_COLORS: Color[] = ['red', 'green', 'blue', 'yellow', 'purple', 'orange'];
const TITLES = ['Quarterly report', 'Meeting notes', 'Invoice overview', 'Project plan'];
// No status word is one edit away from a button label or a sidebar word ("Saved" would match "Save").
const STATUS = ['Ready', 'Offline', 'Synced', 'Idle'];
const BUTTONS = ['Save', 'Open', 'Export', 'Print', 'Help'];
const NAV = ['Inbox', 'Drafts', 'Archive', 'Photos'];
const TYPED = ['hello world', 'Meeting at noon', 'abc'];
const KEYS = ['enter', 'ctrl+s', 'escape'];

/**
 * A desktop-like 1280×800 scene (vision's JSON scene format): buttons in the toolbar (Save/Open/Export always,
 * in varying order), words in the sidebar, a title and a status text, and shapes on a grid (never
 * overlapping) with sizes away from 40 px so size filters have one right answer. `shapes: false` leaves the
 * layout and text but no shapes.
 */
export function groundTruthScene(seed: number, options: { shapes?: boolean } = {}): Record<string, unknown> {
  const rand = seededRandom(seed * 104729 + 7);
  const withShapes = options.shapes !== false;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const elements: Array<Record<string, unknown>> = [];
  const buttons = [...BUTTONS].sort(() => rand() - 0.5).slice(0, 4);
  for (const must of ['Save', 'Open', 'Export'])
    if (!buttons.includes(must)) buttons[buttons.length - 1] = must;
  let x = 10;
  for (const label of [...new Set(buttons)]) {
    elements.push({ type: 'button', label, region: 'toolbar', x, y: 12, height: 28 });
    x += label.length * 9 + 40;
  }
  let tx = 480 + Math.floor(rand() * 40);
  for (let i = Math.floor(rand() * 4); i > 0; i--) {
    const size = pick([22, 30]);
    const shape = pick(['circle', 'square', 'triangle'] as const);
    const color = pick(TEST_COLORS);
    if (withShapes)
      elements.push({ type: 'shape', shape, color, region: 'toolbar', x: tx, y: (52 - size) >> 1, size });
    tx += 70;
  }
  const nav = [...NAV].sort(() => rand() - 0.5).slice(0, 2 + Math.floor(rand() * 3));
  nav.forEach((text, i) =>
    elements.push({ type: 'text', text, region: 'sidebar', x: 20, y: 14 + i * 30, size: 14 }),
  );
  const sideCells = [0, 1, 2, 3, 4, 5].sort(() => rand() - 0.5).slice(0, 1 + Math.floor(rand() * 3));
  for (const c of sideCells) {
    const size = pick([22, 30, 52]);
    const shape = pick(['circle', 'square', 'triangle'] as const);
    const color = pick(TEST_COLORS);
    if (withShapes)
      elements.push({
        type: 'shape',
        shape,
        color,
        region: 'sidebar',
        x: 20 + (c % 2) * 100,
        y: 150 + Math.floor(c / 2) * 110,
        size,
      });
  }
  elements.push({
    type: 'text',
    text: `${pick(TITLES)} no. ${seed}`,
    region: 'content',
    x: 30,
    y: 16,
    size: 18,
  });
  for (let cell = 0; cell < 36; cell++) {
    if (rand() > 0.36) continue;
    const shape = pick(['circle', 'square', 'triangle', 'rectangle'] as const);
    const size = pick([22, 30, 52, 64]);
    const color = pick(TEST_COLORS);
    const w = shape === 'rectangle' ? Math.round(size * 1.6) : size;
    const base = {
      type: 'shape',
      shape,
      color,
      region: 'content',
      x: 20 + (cell % 9) * 115 + ((110 - w) >> 1),
      y: 70 + Math.floor(cell / 9) * 140 + ((110 - size) >> 1),
      size,
    };
    if (withShapes) elements.push(shape === 'rectangle' ? { ...base, width: w, height: size } : base);
  }
  return {
    width: 1280,
    height: 800,
    theme: seed % 2 ? 'light' : 'dark',
    titlebar: { height: 32, title: `${pick(TITLES)} — Editor` },
    toolbar: { height: 52 },
    sidebar: { width: 220 },
    statusbar: { height: 30, text: pick(STATUS) },
    elements,
  };
}

// ── the oracle: what a frame means on a screen with known content ──────────────────────────────────────

type Data = Record<string, unknown>;
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

const norm = (s: string) =>
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

function targetsOf(f: PartFrame, truth: TruthElement[]): TruthElement[] {
  return f.target.kind === 'shape'
    ? applyItemOps(bySize(shapesOf(truth, f), f.target.size), opsList(f))
    : applyItemOps(textsOf(truth, f), opsList(f));
}

function checkClick(data: Data, targets: TruthElement[], times = 1): string | null {
  const actions = (Array.isArray(data.actions) ? data.actions : []) as Array<{
    type: string;
    x: number;
    y: number;
  }>;
  if (targets.length === 0) return actions.length === 0 ? null : 'clicked although there is no target';
  if (actions.length !== times || actions.some((a) => a.type !== 'click'))
    return `expected ${times} click${times === 1 ? '' : 's'}, got ${key(actions)}`;
  if (actions.some((a) => a.x !== actions[0]!.x || a.y !== actions[0]!.y))
    return `repeated clicks landed apart: ${key(actions)}`;
  return targets.some((t) => inside(actions[0]!, t.bbox))
    ? null
    : `click ${key(actions[0])} misses the target`;
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
  if (f.action === 'click' || f.action === 'double-click') return checkClick(data, targets, clickTimes(f));
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

// ── inputs ↔ frames ────────────────────────────────────────────────────────────────────────────────────

function stepFrame(intent: IntentSpec, input: Record<string, unknown>): PartFrame {
  const target: PartFrame['target'] = { kind: intent.targetKind };
  const fixed = intent.fixed ?? {};
  const value = (k: 'color' | 'shape' | 'text' | 'label' | 'region') =>
    (input[k] as string | undefined) ?? fixed[k];
  if (value('color')) target.color = value('color') as Color;
  if (value('shape')) target.shape = value('shape') as ShapeName;
  if (value('text')) target.text = value('text')!;
  if (value('label')) target.label = value('label')!;
  if (typeof input.size === 'string') target.size = input.size as 'large' | 'small';
  const f: PartFrame = { action: intent.action, target };
  if (typeof input.state === 'string') f.state = input.state as 'on' | 'off';
  if (value('region')) f.region = value('region') as NamedRegion;
  if (intent.ops?.length && Array.isArray(input.ops)) f.ops = input.ops as DataOp[];
  return f;
}

/**
 * The frame a capability input stands for under an intent (the inverse of routing): slot values become
 * target fields and the region, `input.ops` the op parameters, `input.steps[i]` the parts.
 */
export function frameForInput(intent: IntentSpec, input: Record<string, unknown>): Omit<IntentFrame, 'raw'> {
  if (!intent.parts) return stepFrame(intent, input);
  const steps = (Array.isArray(input.steps) ? input.steps : []) as Array<Record<string, unknown>>;
  const frames = intent.parts.intents.map((pi, i) => stepFrame(pi, steps[i] ?? {}));
  if (intent.parts.mode === 'conditional') {
    const [cond, then] = frames as [PartFrame, PartFrame];
    return { ...then, condition: { frame: cond } };
  }
  const frame: Omit<IntentFrame, 'raw'> = {
    action: intent.action,
    target: { kind: intent.targetKind },
    parts: { mode: intent.parts.mode, frames },
  };
  if (intent.ops?.length && Array.isArray(input.ops)) frame.ops = input.ops as DataOp[];
  return frame;
}

function opInput(op: string, r: number): Record<string, unknown> {
  switch (op) {
    case 'sort':
      return { op, by: ['x', 'y', 'size'][r % 3], order: r % 2 ? 'desc' : 'asc' };
    case 'filter':
      // Shapes on test screens are 22, 30, 52 or 64 px: 40 splits them with no borderline case.
      return { op, by: 'size', cmp: r % 2 ? 'lt' : 'gt', value: 40 };
    case 'aggregate':
      return { op, fn: ['max', 'min', 'mean'][r % 3], by: ['size', 'width', 'height'][(r >> 1) % 3] };
    case 'convert':
      return { op, unit: ['cm', 'mm', 'in', 'pt'][r % 4] };
    case 'pick':
      return {
        op,
        by: ['reading', 'x', 'y', 'size'][r % 4],
        order: r % 2 ? 'desc' : 'asc',
        index: 1 + (r % 2),
        count: 1,
      };
    case 'exclude':
      return r % 2
        ? { op, by: 'region', value: SHAPE_REGIONS[r % SHAPE_REGIONS.length] }
        : { op, by: 'color', value: TEST_COLORS[r % TEST_COLORS.length] };
    case 'attribute':
      return { op, of: r % 2 ? 'shape' : 'color' };
    case 'repeat':
      return { op, times: 2 };
    case 'group':
      return { op, by: 'line' };
    default:
      return { op, relation: ['more', 'fewer', 'same'][r % 3] };
  }
}

const SHAPE_REGIONS = ['toolbar', 'sidebar', 'content'];

/**
 * Slot values for one step drawn from what is on the screen: `present` picks a target that is there,
 * otherwise one that is not (undefined when the slots cannot name an absent target).
 */
function stepInput(
  intent: IntentSpec,
  truth: TruthElement[],
  r: number,
  present: boolean,
): Record<string, unknown> | undefined {
  const slots = new Set(intent.slots);
  const input: Record<string, unknown> = {};
  if (intent.ops?.length) input.ops = intent.ops.map((op, i) => opInput(op, r + i));
  const pickFrom = <T>(list: T[]): T | undefined => {
    const distinct = [...new Map(list.map((x) => [key(x), x])).values()];
    return distinct.length ? distinct[r % distinct.length] : undefined;
  };
  const kind = intent.targetKind;
  // An anchor ("next to Cancel") needs a label on the screen: no generated inputs for it yet.
  if (intent.ops?.includes('relative')) return undefined;
  if (intent.action === 'count' && kind === 'text' && !slots.has('text') && !slots.has('label')) {
    if (slots.has('region')) input.region = pickFrom(['titlebar', 'statusbar', 'sidebar']);
    return input;
  }
  if (intent.action === 'type' || intent.action === 'press') {
    if (slots.has('text')) input.text = (intent.action === 'type' ? TYPED : KEYS)[r % 3];
    return input;
  }
  if (intent.action === 'read' || intent.action === 'describe') {
    if (slots.has('region'))
      input.region = pickFrom(intent.action === 'read' ? ['titlebar', 'statusbar'] : SHAPE_REGIONS);
    return input;
  }
  if (kind === 'shape') {
    const fill = (el: { color?: string; shape?: string; region?: string }) => {
      const out = { ...input };
      if (slots.has('color') && el.color) out.color = el.color;
      if (slots.has('shape') && el.shape) out.shape = el.shape;
      if (slots.has('region') && el.region) out.region = el.region;
      return out;
    };
    const has = (inp: Record<string, unknown>) => targetsOf(stepFrame(intent, inp), truth).length > 0;
    if (present) {
      const candidates = truth
        .filter((el) => el.kind === 'shape' && SHAPE_REGIONS.includes(el.region))
        .map(fill)
        .filter(has);
      return pickFrom(candidates);
    }
    const absent: Array<Record<string, unknown>> = [];
    for (const color of TEST_COLORS)
      for (const shape of ALT_SHAPES)
        for (const region of [...SHAPE_REGIONS, 'statusbar']) {
          const inp = fill({ color, shape, region });
          if (!has(inp) && !absent.some((a) => key(a) === key(inp))) absent.push(inp);
        }
    return pickFrom(absent);
  }
  const field = slots.has('label') ? 'label' : slots.has('text') ? 'text' : undefined;
  if (!field) return undefined;
  const words =
    kind === 'button' || kind === 'element'
      ? truth.filter((el) => el.kind === 'button').map((el) => el.text!)
      : truth.filter((el) => el.kind === 'text' && el.region === 'sidebar').map((el) => el.text!);
  const pool = kind === 'button' || kind === 'element' ? BUTTONS : NAV;
  const value = present ? pickFrom(words) : pickFrom(pool.filter((w) => !words.includes(w)));
  if (value === undefined) return undefined;
  input[field] = value;
  if (slots.has('region')) {
    const el = truth.find((e) => e.text === value);
    input.region = el?.region ?? (kind === 'text' ? 'sidebar' : 'toolbar');
  }
  return input;
}

/** A whole input for the intent: `present` = every target on the screen; false = the (first) target absent. */
function inputFor(
  intent: IntentSpec,
  truth: TruthElement[],
  r: number,
  present: boolean,
): Record<string, unknown> | undefined {
  if (!intent.parts) return stepInput(intent, truth, r, present);
  const steps: Array<Record<string, unknown>> = [];
  for (const [i, pi] of intent.parts.intents.entries()) {
    // A negative case makes the first part's target absent (for a condition: the condition fails).
    const s = stepInput(pi, truth, r + i, present || i > 0);
    if (!s) return undefined;
    steps.push(s);
  }
  // "click it": the action's target is the condition's target.
  if (intent.parts.mode === 'conditional') {
    const [cond, then] = intent.parts.intents as [IntentSpec, IntentSpec];
    if (then.targetKind === cond.targetKind && then.action === 'click') {
      const shared = Object.fromEntries(
        Object.entries(steps[0]!).filter(([k]) => then.slots.includes(k as never)),
      );
      steps[1] = { ...shared };
    }
  }
  const input: Record<string, unknown> = { steps };
  if (intent.ops?.length) input.ops = intent.ops.map((op, i) => opInput(op, r + i));
  return input;
}

/** Compares the fields a user stated with the output's data (numbers within 1%, strings case-insensitively). */
export function expectationProblem(
  expect: Record<string, unknown>,
  data: unknown,
  path = 'data',
): string | null {
  const d = (data ?? {}) as Record<string, unknown>;
  for (const [k, want] of Object.entries(expect)) {
    const got = d[k];
    const at = `${path}.${k}`;
    if (typeof want === 'number') {
      if (typeof got !== 'number' || Math.abs(got - want) > Math.max(0.01 * Math.abs(want), 1e-9))
        return `${at}: expected ${want}, got ${key(got)}`;
    } else if (typeof want === 'string') {
      if (typeof got !== 'string' || norm(got) !== norm(want))
        return `${at}: expected ${key(want)}, got ${key(got)}`;
    } else if (Array.isArray(want)) {
      if (!Array.isArray(got) || got.length !== want.length)
        return `${at}: expected ${want.length} elements, got ${Array.isArray(got) ? got.length : key(got)}`;
      for (let i = 0; i < want.length; i++) {
        const w = want[i];
        const p =
          w !== null && typeof w === 'object'
            ? expectationProblem(w as Record<string, unknown>, got[i], `${at}[${i}]`)
            : expectationProblem({ v: w }, { v: got[i] }, `${at}[${i}]`);
        if (p) return p;
      }
    } else if (want !== null && typeof want === 'object') {
      const p = expectationProblem(want as Record<string, unknown>, got, at);
      if (p) return p;
    } else if (got !== want) return `${at}: expected ${key(want)}, got ${key(got)}`;
  }
  return null;
}

/**
 * Test cases from what users taught (`ironcliw teach`): their screens and stated data, with the input routing
 * gives the capability for each taught frame. A taught frame the capability does not serve is left out.
 */
export function taughtCases(capability: Capability, taught: TaughtExample[]): CapabilityTestCase[] {
  const cases: CapabilityTestCase[] = [];
  for (const [i, t] of taught.entries()) {
    const m = matchCapability(t.frame, capability.manifest);
    if (!m) continue;
    cases.push({
      name: `taught: ${t.name ?? `#${i + 1}`} ${key(t.expect)}`,
      input: m.input,
      screen: t.screen,
      check: (output) => expectationProblem(t.expect, (output as { data?: unknown } | undefined)?.data),
    });
  }
  return cases;
}

/** How many ground-truth screens the cases are drawn from, and how many inputs of each sort. */
const SCREENS = 3;
const POSITIVE = 3;

async function groundTruthCases(
  capability: Capability,
  intent: IntentSpec,
  variant: number,
  scenes: TestScenePort,
  seenInputs: Array<Record<string, unknown>>,
): Promise<CapabilityTestCase[]> {
  const render = scenes.render!;
  const schema = capability.manifest.inputSchema;
  const base = 101 + (variant % 50) * SCREENS;
  const screens = await Promise.all(
    Array.from({ length: SCREENS }, (_, i) => render(groundTruthScene(base + i))),
  );
  const cases: CapabilityTestCase[] = [];
  const make = (name: string, input: Record<string, unknown>, screen: RenderedTestScene) => {
    const frame = frameForInput(intent, input);
    cases.push({
      name,
      input,
      screen: screen.image,
      check: (output) =>
        expectedDataProblem(
          frame,
          ((output as { data?: Data } | undefined)?.data ?? {}) as Data,
          screen.truth,
        ),
    });
  };
  // The same input on another screen is another case (another title to read, other shapes to count).
  const used = new Set<string>();
  // What users asked (when the input is valid for this capability), on a screen where it is present if any.
  for (const seen of seenInputs) {
    if (cases.length >= 2) break;
    if (used.has(key(seen)) || schemaProblem(schema, seen) !== undefined) continue;
    used.add(key(seen));
    const frame = frameForInput(intent, seen);
    const screen = screens.find((s) => targetPresent(frame, s.truth)) ?? screens[0]!;
    make(`seen ${key(seen)}`, seen, screen);
  }
  // Inputs drawn from each screen's truth: other values than the failing example.
  const wanted = cases.length + POSITIVE;
  for (let i = 0; cases.length < wanted && i < 12; i++) {
    const screen = screens[i % SCREENS]!;
    const input = inputFor(intent, screen.truth, variant + i, true);
    const id = `${key(input)}@${i % SCREENS}`;
    if (!input || used.has(key(input)) || used.has(id) || schemaProblem(schema, input) !== undefined)
      continue;
    used.add(id);
    make(`present ${key(input)} (screen ${base + (i % SCREENS)})`, input, screen);
  }
  // A target that is not there: nothing counted, found, clicked, or the condition does not hold.
  const absent = inputFor(intent, screens[0]!.truth, variant, false);
  if (absent && !used.has(key(absent)) && schemaProblem(schema, absent) === undefined)
    make(`no matches for ${key(absent)}`, absent, screens[0]!);
  // The same layout without a single shape.
  const stepIntents = intent.parts ? intent.parts.intents : [intent];
  const looksAtShapes = stepIntents.some((i) => i.targetKind === 'shape' || i.action === 'describe');
  if (looksAtShapes && cases[0]) {
    const empty = await render(groundTruthScene(base, { shapes: false }));
    make('empty screen', cases[0].input, empty);
  }
  return cases;
}
