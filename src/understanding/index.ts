export { parseCommand, normalizeCommand } from './parser.js';
export { frameSignature, frameFields, matchIntent } from './intent-match.js';
export type { IntentMatch } from './intent-match.js';
