import type { Action, IntentSpec, Pattern, Permission, TargetKind } from '../domain/index.js';
import { SDK_METHODS } from '../domain/index.js';
import type { DataOpName, PartFrame, PartsMode } from '../understanding/index.js';
import { compositionOf, opsOf, WIDGET_KINDS } from '../understanding/index.js';

export type Slot = IntentSpec['slots'][number];

/** What one step does with the SDK; each kind maps to one fixed code template (see emit.ts). */
export type StepKind = 'shapes' | 'text' | 'read' | 'words' | 'describe' | 'type' | 'press' | 'elements';

export interface StepPlan {
  kind: StepKind;
  action: Action;
  targetKind: TargetKind;
  /** Frame fields the step receives through its input (values never appear in code). */
  slots: Slot[];
  /** Data ops applied, in order, to the step's items; parameters arrive in `input.ops`. */
  ops: DataOpName[];
}

/** A small DAG of SDK calls: one step, or steps combined in sequence, in parallel or under a condition. */
export interface Plan {
  mode: 'single' | PartsMode | 'conditional';
  steps: StepPlan[];
  /** Data ops over the combined result (compare over parallel counts). */
  ops: DataOpName[];
  action: Action;
  targetKind: TargetKind;
}

const SHAPE_ACTIONS: ReadonlySet<Action> = new Set([
  'count',
  'find',
  'locate',
  'check',
  'list',
  'click',
  'describe',
  'double-click',
  'right-click',
  'hover',
]);
const TEXT_ACTIONS: ReadonlySet<Action> = new Set([
  'find',
  'locate',
  'check',
  'click',
  'count',
  'double-click',
  'right-click',
  'hover',
]);
/** What a step on UI elements can do: look, or act with `sdk.actions.click` / `hover` / `type` / `press`. */
const ELEMENT_ACTIONS: ReadonlySet<Action> = new Set([
  'count',
  'find',
  'locate',
  'check',
  'list',
  'read',
  'click',
  'double-click',
  'right-click',
  'hover',
  'select',
  'toggle',
  'expand',
  'collapse',
  'close',
  'focus',
  'type',
]);
/** Actions no template plans yet, and why. */
const UNSUPPORTED_ACTIONS: Readonly<Partial<Record<Action, string>>> = {
  // The SDK drags (sdk.actions.drag), but a pattern does not yet carry the destination as a slot.
  drag: 'drag is not planned yet: sdk.actions.drag exists, no template finds the destination',
};
/**
 * Actions that point at one found item: `sdk.actions.click` (right-click: `{button: 'right'}`) or
 * `sdk.actions.hover`, all under the `actions.click` permission; their result is `{clicked, actions, items}`.
 */
export const POINTER_ACTIONS: ReadonlySet<Action> = new Set([
  'click',
  'double-click',
  'right-click',
  'hover',
]);
const ITEM_OPS: ReadonlySet<DataOpName> = new Set([
  'exclude',
  'relative',
  'sort',
  'filter',
  'pick',
  'aggregate',
  'convert',
  'attribute',
  'repeat',
]);
/** The order ops must come in (the parser's canonical order). */
const OP_ORDER: readonly DataOpName[] = [
  'exclude',
  'relative',
  'filter',
  'sort',
  'pick',
  'aggregate',
  'convert',
  'attribute',
  'group',
  'repeat',
];

/**
 * Whether the SDK offers `sdk.vision.elements` (the UI-element detector): widget frames are planned only then,
 * so a build whose host does not provide it never generates code that would call it.
 */
export function hasElements(): boolean {
  return Object.prototype.hasOwnProperty.call(SDK_METHODS, 'vision.elements');
}

/** Why a frame cannot be planned, for the pattern's status reason. */
export class PlanError extends Error {}

function slotsFrom(parameters: readonly string[], prefix: string): Slot[] {
  const out: Slot[] = [];
  for (const p of parameters) {
    if (!p.startsWith(prefix)) continue;
    const name = p.slice(prefix.length);
    if (name === 'ops') continue;
    if (!['shape', 'color', 'region', 'text', 'label', 'quantity', 'size', 'state'].includes(name))
      throw new PlanError(`unknown parameter ${p}`);
    out.push(name as Slot);
  }
  return out.sort();
}

/**
 * Ops must form a valid pipeline: filters and sorts work on items, aggregate turns items into a value, convert
 * works on a value; compare only over parallel parts.
 */
function checkItemOps(ops: DataOpName[]): void {
  let value = false;
  let last = -1;
  for (const op of ops) {
    if (!ITEM_OPS.has(op)) throw new PlanError(`op ${op} does not apply to one step`);
    const at = OP_ORDER.indexOf(op);
    if (at < last) throw new PlanError(`op ${op} cannot come after ${OP_ORDER[last]}`);
    last = at;
    if (op === 'convert' && !value) throw new PlanError('convert needs a measured value (aggregate first)');
    if ((op === 'sort' || op === 'filter' || op === 'aggregate' || op === 'pick') && value)
      throw new PlanError(`${op} after aggregate has no items to work on`);
    if (op === 'aggregate') value = true;
  }
}

export function planStep(frame: PartFrame, slots: Slot[]): StepPlan {
  const ops = opsOf(frame).map((o) => o.op);
  const base = { action: frame.action, targetKind: frame.target.kind, slots, ops };
  const missing = UNSUPPORTED_ACTIONS[frame.action];
  if (missing) throw new PlanError(missing);
  const has = (s: Slot) => slots.includes(s);
  const kind = frame.target.kind;
  const widget = WIDGET_KINDS.has(kind);
  let step: StepPlan | undefined;
  if (kind === 'shape' && SHAPE_ACTIONS.has(frame.action) && !has('text') && !has('label') && !has('state'))
    step = { ...base, kind: 'shapes' };
  else if (
    // A labelled button, link or tab is found by its text (OCR); other widgets need the element detector.
    (kind === 'button' || kind === 'element' || kind === 'link' || kind === 'tab') &&
    has('label') &&
    !has('text') &&
    !has('size') &&
    TEXT_ACTIONS.has(frame.action)
  )
    step = { ...base, kind: 'text' };
  else if (kind === 'text' && has('text') && !has('label') && TEXT_ACTIONS.has(frame.action))
    step = { ...base, kind: 'text' };
  else if (kind === 'text' && frame.action === 'read' && !has('text') && !has('label'))
    step = { ...base, kind: 'read' };
  else if (kind === 'text' && frame.action === 'count' && !has('text') && !has('label'))
    step = { ...base, kind: 'words' };
  else if (kind === 'screen' && frame.action === 'describe' && slots.every((s) => s === 'region'))
    step = { ...base, kind: 'describe' };
  else if (kind === 'text' && frame.action === 'type' && has('text') && slots.length === 1)
    step = { ...base, kind: 'type' };
  else if (kind === 'text' && frame.action === 'press' && has('text') && slots.length === 1)
    step = { ...base, kind: 'press' };
  else if (widget && ELEMENT_ACTIONS.has(frame.action) && (frame.action !== 'type' || has('text'))) {
    if (!hasElements())
      throw new PlanError(
        `${frame.action} ${kind} needs sdk.vision.elements (the UI-element detector), which this build's SDK does not offer yet`,
      );
    step = { ...base, kind: 'elements' };
  }
  if (!step) throw new PlanError(`no template for ${frame.action} ${kind} with [${slots.join(', ')}]`);
  if (has('quantity') && !(step.kind === 'elements' && step.action === 'select'))
    throw new PlanError('quantities are only supported for selecting several elements');
  if (
    ops.length &&
    step.kind !== 'shapes' &&
    step.kind !== 'text' &&
    step.kind !== 'elements' &&
    step.kind !== 'words'
  )
    throw new PlanError(`data ops need items, not ${step.kind}`);
  if (step.kind === 'words') {
    if (ops.some((o) => o !== 'group')) throw new PlanError('counting words takes no data ops but "lines"');
  } else checkItemOps(ops);
  if (step.kind === 'text' && ops.some((o) => o !== 'pick' && o !== 'relative' && o !== 'repeat'))
    throw new PlanError('text matches take only ordinals, relations and repetitions');
  if (ops.includes('repeat') && !['click', 'double-click'].includes(step.action))
    throw new PlanError(`${step.action} cannot be repeated`);
  if (ops.includes('attribute') && step.action !== 'describe')
    throw new PlanError('an attribute is asked with "what colour/shape is"');
  // A measured value answers a question ("how big is…"); counting, checking or clicking it means nothing.
  if (ops.includes('aggregate') && !['find', 'list', 'locate'].includes(step.action))
    throw new PlanError(`${step.action} does not take a measured value`);
  return step;
}

/** Pattern (generalised frame + parameter names) → plan; throws PlanError when no template fits. */
export function planPattern(pattern: Pick<Pattern, 'frame' | 'parameters'>): Plan {
  const frame = pattern.frame;
  const comp = compositionOf(frame);
  const topOps = opsOf(frame).map((o) => o.op);
  if (!comp) {
    const step = planStep(frame, slotsFrom(pattern.parameters, ''));
    return { mode: 'single', steps: [step], ops: [], action: frame.action, targetKind: frame.target.kind };
  }
  if (comp.frames.length < 2 || comp.frames.length > 8) throw new PlanError('2..8 parts are supported');
  const steps = comp.frames.map((f, i) => planStep(f, slotsFrom(pattern.parameters, `${i}.`)));
  if (topOps.length) {
    if (comp.mode !== 'parallel' || topOps.length !== 1 || topOps[0] !== 'compare' || steps.length !== 2)
      throw new PlanError('only compare applies to combined parts (two parallel counts)');
    if (!steps.every((s) => s.action === 'count' && s.ops.length === 0))
      throw new PlanError('compare needs two counts');
  }
  if (comp.mode === 'conditional' && steps[0]!.action !== 'check')
    throw new PlanError('a condition must be a presence check');
  return { mode: comp.mode, steps, ops: topOps, action: frame.action, targetKind: frame.target.kind };
}

/** The permission `sdk.vision.elements` needs, as the SDK declares it (vision.analyze until it says otherwise). */
function elementsPermission(): Permission {
  const p = (SDK_METHODS as Readonly<Record<string, Permission | null>>)['vision.elements'];
  return p ?? 'vision.analyze';
}

const STEP_PERMISSIONS: Record<Exclude<StepKind, 'elements'>, Permission[]> = {
  shapes: ['screen.capture', 'vision.analyze'],
  text: ['screen.capture', 'ocr.read'],
  read: ['screen.capture', 'ocr.read'],
  words: ['screen.capture', 'ocr.read'],
  describe: ['screen.capture', 'vision.analyze'],
  type: ['actions.type'],
  press: ['actions.type'],
};

/** Least privilege: exactly the permissions the plan's SDK calls need. */
export function planPermissions(plan: Plan): Permission[] {
  const set = new Set<Permission>();
  for (const s of plan.steps) {
    if (s.kind === 'elements') {
      set.add('screen.capture');
      set.add(elementsPermission());
      if (s.action === 'type') set.add('actions.type');
      if (s.action === 'close') set.add('actions.type'); // Escape when a dialog shows no close button
    } else for (const p of STEP_PERMISSIONS[s.kind]) set.add(p);
    // Cropping to a region is a vision call, even for OCR steps; so is excluding one.
    if (s.slots.includes('region') || s.ops.includes('exclude')) set.add('vision.analyze');
    // An anchor ("to the right of Cancel") is found by its text.
    if (s.ops.includes('relative')) set.add('ocr.read');
    if (
      s.kind === 'elements'
        ? !['count', 'find', 'locate', 'check', 'list', 'read'].includes(s.action)
        : POINTER_ACTIONS.has(s.action)
    )
      set.add('actions.click');
  }
  const order: Permission[] = [
    'screen.capture',
    'vision.analyze',
    'ocr.read',
    'actions.click',
    'actions.type',
  ];
  return order.filter((p) => set.has(p));
}
