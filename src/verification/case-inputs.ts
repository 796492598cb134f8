import type { DataOp, IntentFrame, IntentSpec, NamedRegion, PartFrame } from '../domain/index.js';
import { targetsOf } from './expected-data.js';
import { ALT_SHAPES, BUTTONS, KEYS, NAV, TEST_COLORS, TYPED } from './ground-truth-scene.js';
import type { Color, ShapeName, TruthElement } from './case-types.js';

// Inputs ↔ frames: what a capability input means, and inputs drawn from what is on a screen.

const key = (o: unknown) => JSON.stringify(o);
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
export function inputFor(
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
