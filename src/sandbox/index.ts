/**
 * Sandbox tiers for hostile (generated) code — DESIGN.md "Security model".
 *
 * - `process` (default): pooled child processes, each hosting QuickJS, behind Node's permission model, an
 *   empty environment, rlimits, a network namespace where the OS allows, and a SIGKILL watchdog.
 * - `container`: the same child under bubblewrap namespaces (reported unavailable when bwrap is missing).
 * - `inline`: QuickJS in-process, for trusted built-ins only.
 *
 * @example
 * await using sandbox = await createSandbox({ poolSize: 2 });
 * const r = await sandbox.run({ code, input: {}, permissions: ['vision.analyze'], limits: { timeoutMs: 1000, memoryMb: 64 }, host });
 */
import { IroncliwError } from '../domain/index.js';
import { createInlineTier } from './inline-tier.js';
import type { SandboxOptions } from './options.js';
import { createContainerTier, createProcessTier } from './process-tier.js';
import type { SandboxTier } from './types.js';

export type {
  HostApi,
  SandboxLayerInfo,
  SandboxLimits,
  SandboxRequest,
  SandboxTier,
  TierAvailability,
} from './types.js';
export type { SandboxOptions, ResolvedSandboxOptions } from './options.js';
export { SANDBOX_DEFAULTS, resolveOptions } from './options.js';
export { createProcessTier, createContainerTier, ProcessPoolTier } from './process-tier.js';
export type { ColdStartPhases } from './pool-child.js';
export { createInlineTier, InlineTier } from './inline-tier.js';
export { runTestCases } from './case-runner.js';
export type { HarnessCapability, HarnessCase, HarnessCaseResult } from './case-runner.js';
export { redactArgs } from './host-bridge.js';
export { findOnPath } from './host-facts.js';

export type SandboxTierName = 'process' | 'container' | 'inline';

/**
 * Creates a tier and waits until it can serve (warm children started). Throws `E_SANDBOX_UNAVAILABLE` when
 * this machine cannot provide it (e.g. no bubblewrap for 'container'), after releasing what it started.
 */
export async function createSandboxTier(
  name: SandboxTierName,
  options: SandboxOptions = {},
): Promise<SandboxTier> {
  const tier =
    name === 'container'
      ? createContainerTier(options)
      : name === 'inline'
        ? createInlineTier(options)
        : createProcessTier(options);
  const a = await tier.availability();
  if (!a.available) {
    await tier.close();
    throw new IroncliwError(
      'E_SANDBOX_UNAVAILABLE',
      `sandbox tier '${name}' is unavailable: ${a.reason ?? 'unknown'}`,
      {
        details: { tier: name },
      },
    );
  }
  return tier;
}

/** `createSandboxTier(options.tier ?? 'process', options)`. */
export function createSandbox(
  options: SandboxOptions & { tier?: SandboxTierName } = {},
): Promise<SandboxTier> {
  return createSandboxTier(options.tier ?? 'process', options);
}
