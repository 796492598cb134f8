export * from './types.js';
export * from './errors.js';
export * from './ids.js';
export * from './sdk.js';
