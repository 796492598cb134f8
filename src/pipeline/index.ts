export { Pipeline, GENERATE_JOB } from './pipeline.js';
export type { CandidateVerifier, PipelineDeps, PipelineHooks, PipelineStage } from './pipeline.js';
