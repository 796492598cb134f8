export { expectationProblem, parseTrace, readTrace, replay, TraceLineZ } from './replay.js';
export type { ReplayOptions, ReplayResult, ReplaySummary, TraceLine } from './replay.js';
