import type { CandidateVerifier, Capability, Failure, Pattern } from '../domain/index.js';
import type { LlmProvider, SandboxTests, StaticGate } from '../generation/index.js';
import { analyze, synthesize } from '../synthesis/index.js';
import type { PipelineDeps } from './deps.js';
import type { GeneratePayload } from './jobs.js';

export type Verified = Awaited<ReturnType<CandidateVerifier['verify']>>;

/** A candidate ready to register or reject: synthesized code and its verification. */
export interface Produced {
  capability: Capability;
  verified: Verified;
  generationMs: number;
}

/**
 * Asks the LLM provider for the pattern's module. Its repair loop's tests are the real thing: synthesis
 * (gate + transforms) and this pipeline's verifier; their findings go back to the model. The accepted
 * attempt's synthesized module and verification are returned for registration, so it is not verified
 * twice. For an evolution the prompt carries the previous version's code and what went wrong with it.
 */
export async function llmCandidate(
  deps: PipelineDeps,
  pattern: Pattern,
  version: number,
  failures: Failure[],
  evolution: GeneratePayload['evolution'],
  keepId: (c: Capability) => Capability,
): Promise<
  { ok: true; produced: Produced } | { ok: false; reason: string; attempts: Array<{ outcome: string }> }
> {
  const { store, verifier } = deps;
  const llm = deps.llm!;
  const accepted = new WeakMap<Capability, Produced>();
  const t0 = performance.now();
  const gate: StaticGate = (code, permissions) => analyze(code, { permissions });
  const tests: SandboxTests = async (raw) => {
    const synthesized = synthesize(raw.code, {
      permissions: raw.manifest.permissions,
      inputSchema: raw.manifest.inputSchema,
      outputSchema: raw.manifest.outputSchema,
    });
    if (!synthesized.report.safe)
      return synthesized.report.violations.map((v) => `${v.rule} at ${v.line}:${v.column}: ${v.message}`);
    const capability = keepId({ manifest: raw.manifest, code: synthesized.code });
    deps.hooks?.onCandidate?.(capability);
    const verified = await verifier.verify(capability, pattern);
    if (verified.verification.decision === 'reject')
      return verified.verification.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`);
    accepted.set(raw, { capability, verified, generationMs: 0 });
    return [];
  };
  let previous: Parameters<LlmProvider['generate']>[0]['previous'];
  if (evolution && pattern.capabilityId) {
    const prior = await store.capabilities.get(pattern.capabilityId, evolution.fromVersion);
    const wrong = await store.failures.list({ capabilityId: pattern.capabilityId, limit: 10 });
    if (prior)
      previous = {
        version: prior.manifest.version,
        code: prior.code,
        reason: evolution.reason,
        failures: wrong.map((f) => ({ command: f.command, category: f.category, message: f.message })),
      };
  }
  let r: Awaited<ReturnType<LlmProvider['generate']>>;
  try {
    r = await llm.generate({
      pattern,
      version,
      failureIds: failures.map((f) => f.id),
      examples: [...new Set(failures.map((f) => f.command))],
      gate,
      tests,
      ...(previous ? { previous } : {}),
    });
  } catch (err) {
    // An unreachable or misbehaving endpoint is the provider's failure, not the job's.
    deps.hooks?.onStage?.('generate', performance.now() - t0, 'error');
    return { ok: false, reason: String(err instanceof Error ? err.message : err), attempts: [] };
  }
  const generationMs = performance.now() - t0;
  const produced = r.ok ? accepted.get(r.capability) : undefined;
  deps.hooks?.onStage?.('generate', generationMs, produced ? 'ok' : 'rejected');
  if (!r.ok || !produced)
    return {
      ok: false,
      reason: r.ok ? 'the accepted module was not verified' : r.reason,
      attempts: r.attempts,
    };
  deps.log?.('LLM provider wrote the candidate', {
    patternId: pattern.id,
    version,
    attempts: r.attempts.length,
  });
  return { ok: true, produced: { ...produced, generationMs } };
}
