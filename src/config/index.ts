export { ConfigSchema } from './schema.js';
export type { IroncliwConfig, IroncliwConfigInput } from './schema.js';
export { loadConfig, parseConfig } from './load.js';
export type { LoadConfigOptions } from './load.js';
