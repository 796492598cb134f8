import type { Action, IntentSpec, Pattern, Permission, TargetKind } from '../domain/index.js';
import type { DataOpName, PartFrame, PartsMode } from '../understanding/index.js';
import { compositionOf, opsOf } from '../understanding/index.js';

export type Slot = IntentSpec['slots'][number];

/** What one step does with the SDK; each kind maps to one fixed code template (see emit.ts). */
export type StepKind = 'shapes' | 'text' | 'read' | 'describe' | 'type' | 'press';

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

const SHAPE_ACTIONS: ReadonlySet<Action> = new Set(['count', 'find', 'locate', 'check', 'list', 'click']);
const TEXT_ACTIONS: ReadonlySet<Action> = new Set(['find', 'locate', 'check', 'click', 'count']);
const ITEM_OPS: ReadonlySet<DataOpName> = new Set(['sort', 'filter', 'aggregate', 'convert']);

/** Why a frame cannot be planned, for the pattern's status reason. */
export class PlanError extends Error {}

function slotsFrom(parameters: readonly string[], prefix: string): Slot[] {
  const out: Slot[] = [];
  for (const p of parameters) {
    if (!p.startsWith(prefix)) continue;
    const name = p.slice(prefix.length);
    if (name === 'ops') continue;
    if (!['shape', 'color', 'region', 'text', 'label', 'quantity'].includes(name))
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
  for (const op of ops) {
    if (!ITEM_OPS.has(op)) throw new PlanError(`op ${op} does not apply to one step`);
    if (op === 'convert' && !value) throw new PlanError('convert needs a measured value (aggregate first)');
    if ((op === 'sort' || op === 'filter' || op === 'aggregate') && value)
      throw new PlanError(`${op} after aggregate has no items to work on`);
    if (op === 'aggregate') value = true;
  }
}

export function planStep(frame: PartFrame, slots: Slot[]): StepPlan {
  const ops = opsOf(frame).map((o) => o.op);
  const base = { action: frame.action, targetKind: frame.target.kind, slots, ops };
  if (slots.includes('quantity'))
    throw new PlanError('quantities are not supported by the template generator');
  const has = (s: Slot) => slots.includes(s);
  const kind = frame.target.kind;
  let step: StepPlan | undefined;
  if (kind === 'shape' && SHAPE_ACTIONS.has(frame.action) && !has('text') && !has('label'))
    step = { ...base, kind: 'shapes' };
  else if (
    (kind === 'button' || kind === 'element') &&
    has('label') &&
    !has('text') &&
    TEXT_ACTIONS.has(frame.action)
  )
    step = { ...base, kind: 'text' };
  else if (kind === 'text' && has('text') && !has('label') && TEXT_ACTIONS.has(frame.action))
    step = { ...base, kind: 'text' };
  else if (kind === 'text' && frame.action === 'read' && !has('text') && !has('label'))
    step = { ...base, kind: 'read' };
  else if (kind === 'screen' && frame.action === 'describe' && slots.every((s) => s === 'region'))
    step = { ...base, kind: 'describe' };
  else if (kind === 'text' && frame.action === 'type' && has('text') && slots.length === 1)
    step = { ...base, kind: 'type' };
  else if (kind === 'text' && frame.action === 'press' && has('text') && slots.length === 1)
    step = { ...base, kind: 'press' };
  if (!step) throw new PlanError(`no template for ${frame.action} ${kind} with [${slots.join(', ')}]`);
  if (ops.length && step.kind !== 'shapes')
    throw new PlanError(`data ops need shape items, not ${step.kind}`);
  checkItemOps(ops);
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
  if (comp.frames.length < 2 || comp.frames.length > 4) throw new PlanError('2..4 parts are supported');
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

const STEP_PERMISSIONS: Record<StepKind, Permission[]> = {
  shapes: ['screen.capture', 'vision.analyze'],
  text: ['screen.capture', 'ocr.read'],
  read: ['screen.capture', 'ocr.read'],
  describe: ['screen.capture', 'vision.analyze'],
  type: ['actions.type'],
  press: ['actions.type'],
};

/** Least privilege: exactly the permissions the plan's SDK calls need. */
export function planPermissions(plan: Plan): Permission[] {
  const set = new Set<Permission>();
  for (const s of plan.steps) {
    for (const p of STEP_PERMISSIONS[s.kind]) set.add(p);
    // Cropping to a region is a vision call, even for OCR steps.
    if (s.slots.includes('region')) set.add('vision.analyze');
    if (s.action === 'click') set.add('actions.click');
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
