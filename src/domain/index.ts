export * from './types.js';
export type * from './contracts.js';
export * from './errors.js';
export * from './ids.js';
export * from './random.js';
export * from './sdk.js';
export * from './secret-scan.js';
