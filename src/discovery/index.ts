/**
 * discovery/: failure analysis and pattern detection — failures cluster by frame signature (or, when the
 * parser only partly understood them, by text similarity); safety concerns of the request block generation
 * or lower its priority; live capabilities that keep failing are flagged for a new version.
 */
export {
  observeFailure,
  patternOf,
  isLearnable,
  generaliseFrame,
  safetyConcern,
  raisedThresholds,
  BLOCKED_SIGNATURE_PREFIX,
  TEXT_SIGNATURE_PREFIX,
  TEXT_SIMILARITY_DEFAULT,
} from './pattern-detector.js';
export type { DiscoveryThresholds, Observation, ObserveOptions } from './pattern-detector.js';
export { assessSafety, describeConcerns } from './safety.js';
export type { ConcernKind, SafetyAssessment, SafetyConcern } from './safety.js';
export { contentWords, textKey, textSimilarity } from './text-similarity.js';
export { EVOLUTION_DEFAULTS, shouldEvolve } from './evolution.js';
export type { EvolutionDecision, EvolutionEvidence, EvolutionThresholds } from './evolution.js';
export { TAUGHT_PREFIX, expectationOf, parseExpectation, taughtFailure, taughtSignature } from './taught.js';
