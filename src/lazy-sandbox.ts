import type { SandboxResult } from './domain/index.js';
import type { SandboxRequest, SandboxTier, TierAvailability } from './sandbox/index.js';

/**
 * A sandbox tier started on first use (issue 20): a CLI command answered by a built-in never runs anything in
 * the sandbox, so it should not wait for the launcher and `poolSize` children to boot (nor for them to be
 * killed at exit). The first `run`, `availability()` or `capabilities()` starts the real tier; `close()` of a
 * tier never started does nothing. A tier that cannot start (E_SANDBOX_UNAVAILABLE) answers `run` with status
 * `error` and `availability()` with the reason, as a pool whose children fail to start does.
 */
export function lazySandbox(
  name: SandboxTier['name'],
  start: () => Promise<SandboxTier>,
): SandboxTier & { started(): boolean } {
  let starting: Promise<SandboxTier> | undefined;
  let closed = false;
  const tier = (): Promise<SandboxTier> => {
    if (closed) return Promise.reject(new Error('the tier is closed'));
    return (starting ??= start());
  };
  const close = async (): Promise<void> => {
    closed = true;
    if (!starting) return;
    const t = await starting.catch(() => undefined);
    await t?.close();
  };
  return {
    name,
    started: () => starting !== undefined,
    async availability(): Promise<TierAvailability> {
      if (closed) return { available: false, reason: 'the tier is closed' };
      try {
        return await (await tier()).availability();
      } catch (err) {
        return { available: false, reason: (err as Error).message };
      }
    },
    async capabilities() {
      const t = await tier();
      return (await t.capabilities?.()) ?? { tier: name, layers: [] };
    },
    async run(request: SandboxRequest): Promise<SandboxResult> {
      let t: SandboxTier;
      try {
        t = await tier();
      } catch (err) {
        return {
          status: 'error',
          error: `sandbox unavailable: ${(err as Error).message}`,
          violations: [],
          resources: { wallMs: 0, cpuMs: 0, peakMemoryMb: 0 },
          hostCalls: [],
        };
      }
      return t.run(request);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
