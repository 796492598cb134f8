export {
  BUNDLE_FORMAT,
  createBundle,
  keyIdOf,
  loadOrCreateSigningKey,
  loadTrustedKeys,
  openBundle,
  publicKeyPem,
} from './bundle.js';
export type { BundleReport, CapabilityBundle, KeyPaths, SigningKey } from './bundle.js';
export { importBundle } from './import.js';
export type { BundleImportDeps, ImportOutcome } from './import.js';
