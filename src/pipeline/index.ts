export { Pipeline } from './pipeline.js';
export { GENERATE_JOB, DEMONSTRATE_JOB, DEFAULT_MAX_ATTEMPTS } from './jobs.js';
export { demonstratedCapabilityId } from './generation-step.js';
export { registerCapability, rejectCandidate } from './registration.js';
export type { Registration, Rejection } from './registration.js';
export type { CandidateVerifier, PipelineDeps, PipelineHooks, PipelineStage } from './deps.js';
export type { EvolutionOutcome } from './evolution.js';
export { CRASH_POINTS, crashPoint } from './crash-points.js';
export type { CrashPoint } from './crash-points.js';
