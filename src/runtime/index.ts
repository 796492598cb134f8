export { processCommand } from './process-command.js';
export type {
  CommandFailure,
  CommandResponse,
  CommandSuccess,
  ExecutionEvent,
  ProcessOptions,
  RuntimeDeps,
  ScreenInput,
  ScreenLoader,
} from './process-command.js';
