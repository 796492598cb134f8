/**
 * synthesis/policy/: the AST policy (docs/synthesis.md). walker.ts walks the module and dispatches; each other
 * file holds the rules of one concern (syntax, module shape, globals, sdk use, properties, members, member
 * writes, calls, regular expressions, literals, loops).
 */
export { checkPolicy } from './walker.js';
export type { PolicyInput, PolicyResult } from './walker.js';
export { ALLOWED_NODE_TYPES } from './syntax.js';
export { ALLOWED_GLOBALS, OBJECT_STATICS } from './globals.js';
export { isConcatRoot } from './literals.js';
