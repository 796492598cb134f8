export {
  Pipeline,
  GENERATE_JOB,
  DEMONSTRATE_JOB,
  DEFAULT_MAX_ATTEMPTS,
  demonstratedCapabilityId,
} from './pipeline.js';
export type {
  CandidateVerifier,
  EvolutionOutcome,
  PipelineDeps,
  PipelineHooks,
  PipelineStage,
} from './pipeline.js';
export { CRASH_POINTS, crashPoint } from './crash-points.js';
export type { CrashPoint } from './crash-points.js';
