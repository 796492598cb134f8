import type { Capability, Pattern } from '../domain/index.js';
import type { GeneratorFamily } from './family.js';
import { capabilityIdFor, emitCapability } from './emit.js';
import type { Plan, StepKind } from './plan.js';
import { PlanError, planPattern, POINTER_ACTIONS } from './plan.js';

function tryPlan(pattern: Pattern): Plan | undefined {
  try {
    return planPattern(pattern);
  } catch (err) {
    if (err instanceof PlanError) return undefined;
    throw err;
  }
}

/** A family over the planner: it accepts patterns whose plan satisfies `fits`, and emits plan → module. */
function planFamily(id: string, fits: (plan: Plan) => boolean): GeneratorFamily {
  return {
    id,
    accepts(pattern) {
      const plan = tryPlan(pattern);
      return plan !== undefined && fits(plan);
    },
    emit(pattern, version, failureIds): Capability {
      const plan = planPattern(pattern);
      const combines =
        plan.mode === 'single'
          ? undefined
          : plan.steps.map((s) =>
              capabilityIdFor({
                mode: 'single',
                steps: [s],
                ops: [],
                action: s.action,
                targetKind: s.targetKind,
              }),
            );
      return emitCapability(plan, {
        generator: id,
        version,
        failureIds,
        pattern,
        ...(combines ? { combines } : {}),
      });
    },
  };
}

const VISION: ReadonlySet<StepKind> = new Set(['shapes', 'text', 'read', 'words', 'describe']);
const CLICKS = (p: Plan) => POINTER_ACTIONS.has(step(p).action);
const single = (p: Plan) => p.mode === 'single' && p.ops.length === 0;
const step = (p: Plan) => p.steps[0]!;

/** count / find / locate / check / list over shapes and text, read text, describe a region. */
export const visionFamily = planFamily(
  'template/vision',
  (p) => single(p) && VISION.has(step(p).kind) && step(p).ops.length === 0 && !CLICKS(p),
);

/** click, right-click or hover (a shape, a button, a text), type, press — the `actions.*` permissions. */
export const actionFamily = planFamily(
  'template/actions',
  (p) =>
    single(p) &&
    step(p).ops.length === 0 &&
    step(p).kind !== 'elements' &&
    (CLICKS(p) || step(p).kind === 'type' || step(p).kind === 'press'),
);

/**
 * Buttons, links, fields, checkboxes, tabs, dialogs…: found with `sdk.vision.elements`, acted on with
 * `sdk.actions.*`. The planner only plans these when the SDK declares `vision.elements`.
 */
export const elementsFamily = planFamily(
  'template/elements',
  (p) => single(p) && step(p).kind === 'elements',
);

/** sort, filter, aggregate, unit conversion over the items a vision step returns. */
export const dataFamily = planFamily(
  'template/data',
  (p) => single(p) && step(p).ops.length > 0 && step(p).kind !== 'elements',
);

/** sequence, parallel (with compare) and conditional combinations of the single-step templates. */
export const composeFamily = planFamily('template/compose', (p) => p.mode !== 'single');
