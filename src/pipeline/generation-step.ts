import type { Capability, SynthesisReport, VerificationReport } from '../domain/index.js';
import { familyFor } from '../generation/index.js';
import { synthesize } from '../synthesis/index.js';
import type { DemonstrationCandidate } from '../demonstration/index.js';
import type { Job } from '../store/index.js';
import { crashPoint } from './crash-points.js';
import type { PipelineDeps } from './deps.js';
import { identicalVersion, recordUnchanged } from './identical-version.js';
import type { GeneratePayload, Outcome } from './jobs.js';
import { completeUnderLease, demonstratedCapabilityId } from './jobs.js';
import type { Produced, Verified } from './llm-candidate.js';
import { llmCandidate } from './llm-candidate.js';
import { registerCapability, rejectCandidate, replacesHumanRollback } from './registration.js';

type Learned = Extract<DemonstrationCandidate, { ok: true }>;

/**
 * One `generate` or `demonstrate` job's work on a pattern: a candidate from its demonstrations, the LLM
 * provider or a template family; safe synthesis; a check that it changes something; verification; then
 * registration or rejection. Every outcome is stored in one transaction behind this worker's lease fence.
 */
export class GenerationStep {
  constructor(
    private readonly deps: PipelineDeps,
    private readonly workerId: string,
  ) {}

  private now(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }

  async run(
    patternId: string,
    version: number,
    job: Job,
    evolution?: GeneratePayload['evolution'],
  ): Promise<Outcome> {
    const { store } = this.deps;
    const pattern = await store.patterns.get(patternId);
    if (!pattern) throw new Error(`pattern ${patternId} not found`);
    // A crash after registration but before `complete` must not register twice.
    if (pattern.status === 'generated' && pattern.capabilityId) {
      const existing = await store.capabilities.get(pattern.capabilityId, version);
      if (existing)
        return {
          result: { capabilityId: existing.manifest.id, version, resumed: true },
          completed: false,
        };
    }
    await store.patterns.setStatus(patternId, 'generating', `job ${job.id}`);
    await crashPoint('job:generating');
    const family = familyFor(pattern, this.deps.families);
    const demonstrated = (await this.deps.demonstrations?.has(patternId)) ?? false;
    const failures = await store.failures.list({ signature: pattern.signature, limit: 50 });
    // A pattern's capability keeps its id across versions, whichever generator wrote each one.
    const keepId = (c: Capability): Capability =>
      pattern.capabilityId && c.manifest.id !== pattern.capabilityId
        ? { ...c, manifest: { ...c.manifest, id: pattern.capabilityId } }
        : c;

    let produced: Produced | undefined;
    // The template path compares before verifying (cheap); the LLM's module is compared once it is accepted.
    let fromLlm = false;
    if (this.deps.llm && (!family || evolution) && !demonstrated) {
      const r = await llmCandidate(this.deps, pattern, version, failures, evolution, keepId);
      if (r.ok) {
        produced = r.produced;
        fromLlm = true;
      } else if (!family) {
        const reason = `no template family handles ${pattern.signature}; the LLM provider gave up: ${r.reason}`;
        const result = { rejected: 'llm', attempts: r.attempts.map((a) => a.outcome) };
        await store.transaction(async (tx) => {
          await completeUnderLease(tx, job, this.workerId, result);
          await tx.patterns.setStatus(patternId, 'rejected', reason.slice(0, 500));
        });
        return { result, completed: true };
      } else
        this.deps.log?.('LLM provider gave up; the template family generates', {
          patternId,
          version,
          reason: r.reason,
        });
    }
    let learned: Learned | undefined;
    if (!produced && demonstrated) {
      const t0 = performance.now();
      const r = await this.deps.demonstrations!.candidate(pattern, {
        id: pattern.capabilityId ?? demonstratedCapabilityId(pattern.signature),
        version,
        failureIds: failures.map((f) => f.id),
      });
      if (!r.ok) {
        this.deps.hooks?.onStage?.('generate', performance.now() - t0, 'rejected');
        // Not a rejection of the pattern: another demonstration (or a template, for what demonstrations
        // cannot say) may still teach it, so it goes back to collecting with the reason.
        const result = {
          demonstration: r.status,
          reason: r.reason,
          demonstrations: r.demonstrations,
          ...(r.programs ? { programs: r.programs } : {}),
        };
        const why =
          r.status === 'ambiguous'
            ? `needs another demonstration: ${r.reason}`
            : `cannot learn from the demonstrations: ${r.reason}`;
        await store.transaction(async (tx) => {
          await completeUnderLease(tx, job, this.workerId, result);
          await tx.patterns.setStatus(patternId, 'collecting', why.slice(0, 500));
        });
        return { result, completed: true };
      }
      learned = r;
    }
    if (!produced) {
      if (!family && !learned) {
        await store.patterns.setStatus(
          patternId,
          'rejected',
          `no generator family handles ${pattern.signature} yet`,
        );
        return { result: { rejected: 'no_family' }, completed: false };
      }
      const t0 = performance.now();
      const candidate = keepId(
        learned
          ? learned.capability
          : family!.emit(
              pattern,
              version,
              failures.map((f) => f.id),
            ),
      );
      const generationMs = learned ? learned.synthesisMs + learned.detectionMs : performance.now() - t0;
      this.deps.hooks?.onStage?.('generate', generationMs, 'ok');
      this.deps.hooks?.onCandidate?.(candidate);

      // Safe synthesis: the static gate plus transforms (seeded randomness, frozen clock, credentials out).
      // What is stored, tested and served is the transformed module, never the raw candidate.
      const synthesized = synthesize(candidate.code, {
        permissions: candidate.manifest.permissions,
        inputSchema: candidate.manifest.inputSchema,
        outputSchema: candidate.manifest.outputSchema,
      });
      const capability: Capability = { ...candidate, code: synthesized.code };
      if (!synthesized.report.safe) {
        const rules = [...new Set(synthesized.report.violations.map((v) => v.rule))];
        const result = { rejected: 'synthesis', rules };
        await this.reject(job, result, capability, synthesized.report, undefined, {
          reason: `the static gate refused the candidate: ${rules.join(', ')}`,
          numbers: {
            safetyScore: synthesized.report.score,
            violations: synthesized.report.violations.length,
            generationMs: Math.round(generationMs * 1000) / 1000,
          },
        });
        return { result, completed: true };
      }

      const same = await identicalVersion(store, capability);
      if (same)
        return recordUnchanged(
          this.context(),
          job,
          patternId,
          capability,
          same,
          learned ? `the ${learned.demonstrations} demonstration(s)` : `the template family ${family!.id}`,
        );

      const t1 = performance.now();
      let verified: Verified;
      try {
        verified = await this.deps.verifier.verify(capability, pattern);
      } catch (err) {
        this.deps.hooks?.onStage?.('verify', performance.now() - t1, 'error');
        throw err;
      }
      this.deps.hooks?.onStage?.(
        'verify',
        performance.now() - t1,
        verified.verification.decision === 'reject' ? 'rejected' : 'ok',
      );
      produced = { capability, verified, generationMs };
    }
    if (fromLlm) {
      const same = await identicalVersion(store, produced.capability);
      if (same)
        return recordUnchanged(
          this.context(),
          job,
          patternId,
          produced.capability,
          same,
          'the LLM generator',
        );
    }
    return this.decide(job, patternId, version, produced, learned);
  }

  /** Verification's decision on a produced candidate: stored as a rejection or registered in development. */
  private async decide(
    job: Job,
    patternId: string,
    version: number,
    produced: Produced,
    learned: Learned | undefined,
  ): Promise<Outcome> {
    const { store } = this.deps;
    const { capability, generationMs } = produced;
    const { synthesis, verification, sandboxReports, benchmarkReports = [] } = produced.verified;
    const m = capability.manifest;
    const numbers = {
      safetyScore: synthesis.score,
      violations: synthesis.violations.length,
      riskScore: verification.riskScore,
      checksPassed: verification.checks.filter((c) => c.passed).length,
      checksTotal: verification.checks.length,
      generationMs: Math.round(generationMs * 1000) / 1000,
      ...(learned ? { demonstrations: learned.demonstrations } : {}),
    };
    if (verification.decision === 'reject') {
      const failed = verification.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`);
      const result = { rejected: 'verification', numbers };
      await this.reject(job, result, capability, synthesis, verification, {
        reason: `verification rejected the candidate: ${failed.join('; ').slice(0, 1000)}`,
        numbers,
      });
      return { result, completed: true };
    }
    this.deps.hooks?.onVerified?.(capability, verification);
    await crashPoint('job:verified');

    const t2 = performance.now();
    const waits = await replacesHumanRollback(store, m.id);
    const result = { capabilityId: m.id, version, numbers };
    const event = await registerCapability(store, {
      capability,
      at: this.now(),
      synthesis,
      verification,
      sandboxReports,
      benchmarkReports,
      numbers,
      approveReason: `decision ${verification.decision}: ${verification.checks.length} checks, risk ${verification.riskScore}`,
      registerReason:
        `verification ${verification.decision} at level ${verification.level}; registered in development (internal group only)${waits ? `; ${waits}` : ''}` +
        (learned
          ? `; learned from ${learned.demonstrations} demonstration(s): ${learned.description}`.slice(0, 600)
          : ''),
      // The fence first: no other worker can take the job over between this check and the commit.
      first: (tx) => completeUnderLease(tx, job, this.workerId, result),
      afterCapability: () => crashPoint('job:registering'),
      last: (tx) =>
        tx.patterns.setStatus(
          patternId,
          'generated',
          `v${version} registered in development${waits ? `; ${waits}` : ''}`.slice(0, 500),
          m.id,
        ),
    });
    this.deps.hooks?.onStage?.('register', performance.now() - t2, 'ok');
    await crashPoint('job:registered');
    // Listeners hear of the registration before anything onRegistered triggers (e.g. the move to canary).
    this.deps.hooks?.onRolloutChange?.(event);
    await this.deps.onRegistered();
    this.deps.log?.('capability registered', { capabilityId: m.id, version, stage: 'development' });
    return { result, completed: true };
  }

  /** Stores a refused candidate's reports and the `reject` decision, and marks its pattern rejected. */
  private reject(
    job: Job,
    result: Record<string, unknown>,
    capability: Capability,
    synthesis: SynthesisReport,
    verification: VerificationReport | undefined,
    decision: { reason: string; numbers: Record<string, number> },
  ): Promise<void> {
    return rejectCandidate(this.deps.store, {
      capability,
      at: this.now(),
      synthesis,
      ...(verification ? { verification } : {}),
      ...decision,
      first: (tx) => completeUnderLease(tx, job, this.workerId, result),
    });
  }

  /** What storing an outcome needs: the store, this worker's lease, the time, the log. */
  private context() {
    const { store, log } = this.deps;
    return { store, workerId: this.workerId, at: this.now(), ...(log ? { log } : {}) };
  }
}
