export { loadConfig, parseConfig, ConfigSchema } from './config.js';
export type { IroncliwConfig, IroncliwConfigInput, LoadConfigOptions } from './config.js';
