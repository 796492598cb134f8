export { createHostSdk, readsText, RecordingActuator, regionAhead, scansShapes } from './host-sdk.js';
export { seededRandom } from '../domain/index.js';
export type {
  Actuator,
  HostSdk,
  HostSdkOptions,
  HostBudget,
  PerformedAction,
  VisionImage,
  VisionPort,
} from './host-sdk.js';
export { CapabilityRegistry } from './registry.js';
export type { RegisteredCapability, RouteDecision } from './registry.js';
export {
  BUILTIN_CAPABILITIES,
  helpCapability,
  listCapabilitiesCapability,
  describeScreenCapability,
} from './builtins.js';
export type { BuiltinCapability, BuiltinContext } from './builtins.js';
export { validateManifest, schemaProblem, ManifestSchema } from './manifest.js';
