/**
 * synthesis/transform/: the rewrite of a checked module into the one that runs (transform.ts), in steps of their
 * own: taking the module apart (module-parts.ts), removing credentials, making time and randomness replayable,
 * guarding run-time-key reads, and the safety wrapper around it all.
 */

export { ownCode, transform } from './transform.js';
export type { TransformResult } from './transform.js';
export type { CredentialSanitisation } from './credentials.js';
