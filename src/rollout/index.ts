/**
 * Gradual rollout: who gets which capability version (stages, stable MurmurHash3 buckets, targeting,
 * exclusions, feature flag, A/B), live numbers per stage window, and the decision engine that promotes,
 * pauses or rolls back — with an OpenFeature provider over it.
 *
 * @example
 * const engine = await createRolloutEngine({ store });
 * engine.start();
 * const a = engine.assign(capabilityId, { user: 'ana', groups: ['beta'] });
 */
export { bucketOf, BUCKETS } from './bucketing.js';
export { servesUser, STAGE_PERCENTAGE, STAGE_ORDER, JUDGED_STAGES } from './stages.js';
export type { ServeReason } from './stages.js';
export { assignVersion, compileRollout, ANONYMOUS_USER, EXPERIMENT_SEED } from './strategies.js';
export type { Assignment, AssignReason, CompiledRollout, RoutingGroups, Variant } from './strategies.js';
export { DEFAULT_GRADUAL_STEPS, DEFAULT_POLICY, parsePolicy, RolloutPolicySchema } from './policy.js';
export type { RolloutPolicy, RolloutPolicyInput } from './policy.js';
export { DEFAULT_THRESHOLDS, judge, windowStats } from './decision.js';
export type { DecisionThresholds, Verdict, VerdictAction, VerdictStatus, WindowStats } from './decision.js';
export { LATENCY_BOUNDS_MS, latencyBucket, latencyQuantile } from './latency-buckets.js';
export { createRolloutEngine, RolloutEngine } from './rollout-engine.js';
export type { RolloutAssignment, RolloutEngineOptions } from './rollout-engine.js';
export { nextStep } from './ladder.js';
export { resolveThresholds } from './thresholds.js';
export type { ThresholdOverrides } from './thresholds.js';
export type { Evaluation } from './evaluation.js';
export type { ManualOptions } from './manual-moves.js';
export type { OutcomeInput } from './metric-buffer.js';
export type { RolloutChange } from './change-feed.js';
export type { RolloutStatus } from './rollout-status.js';
export { IroncliwFlagProvider } from './openfeature-provider.js';
export {
  measuredNumber,
  MEASURED_NUMBER_KEYS,
  readDecisionEvent,
  readEventNumbers,
  readRolloutStatus,
} from './event-numbers.js';
export type { ReadableDecisionEvent, ReadableRolloutStatus } from './event-numbers.js';
export { gateOf, LIMITED_GROUP, MANUAL_PROMOTION, MAX_STAGE } from './gate.js';
export type { GateCondition, GateInput, RolloutGate } from './gate.js';
