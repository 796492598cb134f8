/**
 * synthesis/: the static safety gate every candidate capability passes before anything runs it, the safety
 * score, and the code transforms. Rules are documented in docs/synthesis.md.
 */
export { analyze } from './analyze.js';
export type { SynthesisAnalysis } from './analyze.js';
export { synthesize } from './synthesize.js';
export type { SynthesisOutcome, SynthesizeOptions } from './synthesize.js';
export { ownCode, transform } from './transform/index.js';
export type { CredentialSanitisation, TransformResult } from './transform/index.js';
export { redactSecrets, redactText, REDACTED } from '../domain/index.js';
export { RULES, RULE_IDS } from './rules.js';
export type { RuleId, RuleSpec } from './rules.js';
export { DEFAULT_SYNTHESIS_CONFIG } from './config.js';
export type { AnalyzeOptions, SynthesisConfig } from './config.js';
export { ALLOWED_GLOBALS, ALLOWED_NODE_TYPES, OBJECT_STATICS } from './policy/index.js';
export { safetyScore, isSafe } from './safety-score.js';
