import type { Permission, SandboxResult } from '../domain/index.js';

/**
 * The host side of the SDK for one run. The sandbox forwards every `sdk.*` call made by guest code here,
 * *after* checking the method's permission (domain SDK_METHODS) against `SandboxRequest.permissions`.
 * Arguments and return values are JSON data (images are opaque handles `{ $image, width, height }`).
 */
export interface HostApi {
  call(method: string, args: unknown[]): Promise<unknown>;
}

export interface SandboxLimits {
  /** Wall-clock deadline for the whole run. */
  timeoutMs: number;
  /** Memory ceiling of the guest. */
  memoryMb: number;
  /** Max bytes of JSON output accepted from the guest (default 1 MiB). */
  maxOutputBytes?: number;
}

export interface SandboxRequest {
  /** A module whose default export is `async function run(input, sdk)`, or a plain script (kind 'script'). */
  code: string;
  kind?: 'module' | 'script';
  input: unknown;
  permissions: Permission[];
  limits: SandboxLimits;
  /** Host SDK implementation; when absent every sdk call fails as a violation. */
  host?: HostApi;
  /** Origin of the code; the inline tier refuses anything but 'builtin'. */
  origin?: 'builtin' | 'generated' | 'imported';
}

export interface TierAvailability {
  available: boolean;
  reason?: string;
}

/** One isolation layer of a tier and whether this machine provides it (reported, never faked). */
export interface SandboxLayerInfo {
  name: string;
  active: boolean;
  detail: string;
}

export interface SandboxTier extends AsyncDisposable {
  readonly name: 'process' | 'container' | 'inline';
  availability(): Promise<TierAvailability>;
  /** The tier's isolation layers on this machine, active or not and why. */
  capabilities?(): Promise<{ tier: string; layers: SandboxLayerInfo[] }>;
  run(request: SandboxRequest): Promise<SandboxResult>;
  close(): Promise<void>;
}
