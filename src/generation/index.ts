import type { Pattern } from '../domain/index.js';
import { countShapesFamily } from './count-shapes-family.js';
import { elementFamily } from './element-family.js';
import type { GeneratorFamily } from './family.js';
import { hasElements } from './plan.js';
import {
  actionFamily,
  composeFamily,
  dataFamily,
  elementsFamily,
  visionFamily,
} from './template-families.js';

export type { GeneratorFamily } from './family.js';
export { COUNT_SHAPES_MODULE, countShapesFamily } from './count-shapes-family.js';
export { elementFamily, ELEMENT_MODULES } from './element-family.js';
export {
  actionFamily,
  composeFamily,
  dataFamily,
  elementsFamily,
  visionFamily,
} from './template-families.js';
export { planPattern, planStep, planPermissions, PlanError, hasElements, POINTER_ACTIONS } from './plan.js';
export type { Plan, StepPlan, StepKind, Slot } from './plan.js';
export { emitCapability, emitModule, capabilityIdFor } from './emit.js';
export type { EmitOptions } from './emit.js';

/**
 * Families in order of preference; the first that accepts a pattern generates for it. The UI-element family
 * is there only when the SDK declares `vision.elements` (its code calls it).
 */
export const FAMILIES: readonly GeneratorFamily[] = [
  // Controls by their own label first: "click the Submit button" is the button, never the OCR template's click
  // on the words "Submit" wherever they appear (a sentence quoting the label; issue 18).
  ...(hasElements() ? [elementFamily] : []),
  countShapesFamily,
  visionFamily,
  actionFamily,
  dataFamily,
  ...(hasElements() ? [elementsFamily] : []),
  composeFamily,
];

export function familyFor(
  pattern: Pattern,
  families: readonly GeneratorFamily[] = FAMILIES,
): GeneratorFamily | undefined {
  return families.find((f) => f.accepts(pattern));
}
export { createLlmProvider, extractCode, LLM_DEFAULTS, SDK_DECLARATIONS } from './llm-provider.js';
export type {
  LlmAttempt,
  LlmPreviousVersion,
  LlmProvider,
  LlmProviderOptions,
  LlmResult,
  SandboxTests,
  StaticGate,
} from './llm-provider.js';
export { SLOT_SCHEMAS } from './manifest-schemas.js';
