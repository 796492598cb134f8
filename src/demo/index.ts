export { expectationProblem, parseTrace, readTrace, replay, TraceLineZ } from './replay.js';
export type { ReplayOptions, ReplayResult, ReplaySummary, TraceLine } from './replay.js';
export { DEMO_CONFIG, runDemo } from './demo.js';
export type { DemoOptions, DemoSummary } from './demo.js';
