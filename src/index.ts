// The package's face (`import { createIroncliw } from 'ironcliw'`): the library of DESIGN.md "Interfaces a
// user touches", the HTTP service for embedding, the sandbox for running code you do not trust, and the
// error and domain types their answers are made of. Everything else is internal to its stage folder.

export { createIroncliw } from './ironcliw.js';
export type {
  AutonomousCapabilitiesStatus,
  CreateOptions,
  ImportOutcome,
  Ironcliw,
  IroncliwEvents,
} from './ironcliw.js';
export { loadConfig, parseConfig } from './config/index.js';
export type { IroncliwConfig, IroncliwConfigInput, LoadConfigOptions } from './config/index.js';
export type {
  CommandFailure,
  CommandResponse,
  CommandSuccess,
  ExecutionEvent,
  HealthCheck,
  HealthReport,
  ProcessOptions,
  ScreenInput,
} from './runtime/index.js';
export { buildServer } from './server/index.js';
export type { ServerOptions } from './server/index.js';
export { createSandbox, createSandboxTier, SANDBOX_DEFAULTS } from './sandbox/index.js';
export type {
  SandboxLimits,
  SandboxOptions,
  SandboxRequest,
  SandboxTier,
  SandboxTierName,
} from './sandbox/index.js';
export { ERROR_CODES, IroncliwError, isIroncliwError } from './domain/index.js';
export type * from './domain/types.js';
export type { ErrorCode } from './domain/index.js';
