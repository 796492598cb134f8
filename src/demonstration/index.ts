export type {
  AnswerSpec,
  Demonstration,
  DemoAction,
  DslValue,
  ListRef,
  Locator,
  Program,
  Step,
  SynthesisExample,
  SynthesisOutcome,
} from './types.js';
export { centre, locate, norm, select } from './locate.js';
export {
  clickTarget,
  describeLocator,
  describeProgram,
  MAX_LIST_ITEMS,
  synthesizeProgram,
  SYNTHESIS_DEFAULTS,
} from './synthesize.js';
export type { SynthesisOptions } from './synthesize.js';
export { commandParams, DEMONSTRATION_GENERATOR, emitDemonstrated, emitModule, unservable } from './emit.js';
export type { DemonstrationEmitOptions } from './emit.js';
export { parseDemoActions } from './parse-actions.js';
export { createDemonstrationLearner, demonstrationProblem, listSignature, namesList } from './learner.js';
export type {
  DemonstrationCandidate,
  DemonstrationCase,
  DemonstrationLearner,
  DemonstrationLearnerDeps,
} from './learner.js';
