export { parseCommand, parseSimple, normalizeCommand } from './parser.js';
export { ParseCache, PARSE_CACHE_ENTRIES } from './parse-cache.js';
export { WIDGET_KINDS } from './lexicon.js';
export { frameSignature, frameFields, matchIntent, matchCapability, routingAction } from './intent-match.js';
export type { IntentMatch } from './intent-match.js';
export { DATA_OPS, OP_PARAMS, OP_VALUES, compositionOf, opsOf, partsOf } from './frame-ext.js';
export type {
  DataOp,
  DataOpName,
  ExtendedFrame,
  ExtendedFrameShape,
  FrameExtras,
  FrameParts,
  IntentSpecExt,
  PartFrame,
  PartsMode,
} from './frame-ext.js';
