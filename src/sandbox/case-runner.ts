import type { Permission, SandboxResult } from '../domain/index.js';
import type { HostApi, SandboxLimits, SandboxTier } from './types.js';

export interface HarnessCapability {
  code: string;
  permissions: Permission[];
  limits: SandboxLimits;
  origin?: 'builtin' | 'generated' | 'imported';
}

export interface HarnessCase {
  name: string;
  input: unknown;
  host: HostApi;
  /** Returns what is wrong with the output, or null when it is right. */
  expect: (output: unknown) => string | null;
}

export interface HarnessCaseResult {
  name: string;
  passed: boolean;
  /** Why it failed: the sandbox status and error, or what `expect` said. */
  problem: string | null;
  result: SandboxResult;
}

/**
 * Runs a capability against test cases in a sandbox tier, one after another (cases share nothing: each run
 * gets a fresh QuickJS context). A case passes when the run is 'ok' and `expect` returns null.
 *
 * @example
 * const results = await runTestCases(tier, { code, permissions: ['vision.analyze'], limits: { timeoutMs: 1000, memoryMb: 64 } },
 *   [{ name: 'two circles', input: {}, host, expect: (o) => ((o as any).data.count === 2 ? null : 'wrong count') }]);
 */
export async function runTestCases(
  tier: SandboxTier,
  capability: HarnessCapability,
  cases: readonly HarnessCase[],
): Promise<HarnessCaseResult[]> {
  const out: HarnessCaseResult[] = [];
  for (const c of cases) {
    const result = await tier.run({
      code: capability.code,
      input: c.input,
      permissions: capability.permissions,
      limits: capability.limits,
      host: c.host,
      origin: capability.origin ?? 'generated',
    });
    let problem: string | null;
    if (result.status !== 'ok')
      problem = `sandbox status ${result.status}: ${result.error ?? result.violations.join('; ')}`;
    else {
      try {
        problem = c.expect(result.output);
      } catch (err) {
        problem = `expect threw: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    out.push({ name: c.name, passed: problem === null, problem, result });
  }
  return out;
}
