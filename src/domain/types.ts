/**
 * The shared vocabulary of Ironcliw (DESIGN.md "Contracts"). Pure types: no I/O, no imports of ours.
 * JSON shapes are camelCase and binding between stages. One file per topic; this one gathers them because the
 * package exports exactly these (`export type * from './domain/types.js'` in src/index.ts).
 */
export * from './intent-frame.js';
export * from './request.js';
export * from './failure.js';
export * from './capability.js';
export * from './report.js';
export * from './rollout.js';
export * from './ui-element.js';
export * from './demonstration.js';
