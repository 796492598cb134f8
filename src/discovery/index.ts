export { observeFailure, generaliseFrame, safetyConcern } from './pattern-detector.js';
export type { DiscoveryThresholds, Observation } from './pattern-detector.js';
