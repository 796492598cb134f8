export { checkHealth, HEALTH_CHECK_TIMEOUT_MS, sandboxLayers } from './health.js';
export type { HealthCheck, HealthReport } from './health.js';
export { processCommand } from './process-command.js';
export type {
  CommandFailure,
  CommandResponse,
  CommandSuccess,
  ExecutionEvent,
  HandleOptions,
  ProcessOptions,
  RuntimeDeps,
  ScreenInput,
  ScreenKeeper,
  ScreenLoader,
} from './command-types.js';
export { DecodeAdmission } from './decode-admission.js';
export type { DecodeAdmissionOptions } from './decode-admission.js';
export { capabilitiesStatus } from './status.js';
export type { AutonomousCapabilitiesStatus } from './status.js';
