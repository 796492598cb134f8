import type {
  Capability,
  DecisionEvent,
  Failure,
  Pattern,
  SynthesisReport,
  VerificationReport,
} from '../domain/index.js';
import { newId } from '../domain/index.js';
import type { DiscoveryThresholds } from '../discovery/index.js';
import { observeFailure } from '../discovery/index.js';
import type { GeneratorFamily } from '../generation/index.js';
import { familyFor } from '../generation/index.js';
import { synthesize } from '../synthesis/index.js';
import type { Job, Store } from '../store/index.js';

/** What the pipeline needs from verification: a decision backed by evidence, plus the synthesis report. */
export interface CandidateVerifier {
  verify(
    capability: Capability,
    pattern: Pattern,
  ): Promise<{
    synthesis: SynthesisReport;
    verification: VerificationReport;
    sandboxReports: unknown[];
    /** Benchmark runs made while verifying (production level), stored with the capability. */
    benchmarkReports?: unknown[];
  }>;
}

export interface PipelineHooks {
  onFailure?(failure: Failure): void;
  onCandidate?(capability: Capability): void;
  onVerified?(capability: Capability, report: VerificationReport): void;
  onRolloutChange?(event: DecisionEvent): void;
  /** Each stage of a generation job with its wall time (for /metrics and dashboards). */
  onStage?(stage: PipelineStage, ms: number, outcome: 'ok' | 'rejected' | 'error'): void;
}

export type PipelineStage = 'generate' | 'verify' | 'register';

export interface PipelineDeps {
  store: Store;
  thresholds: DiscoveryThresholds;
  families: readonly GeneratorFamily[];
  verifier: CandidateVerifier;
  /** Called after a capability was registered so routing tables reload. */
  onRegistered(): Promise<void>;
  hooks?: PipelineHooks;
  workerId?: string;
  concurrency?: number;
  leaseMs?: number;
  now?: () => Date;
  log?: (msg: string, data?: Record<string, unknown>) => void;
}

export const GENERATE_JOB = 'generate';

/**
 * Learning as durable jobs. A failure is observed (pattern counts updated); a pattern over its thresholds
 * gets exactly one `generate` job (idempotency key = pattern + next version), so many nodes or retries
 * never generate twice. Workers claim jobs with a lease: a crashed worker's job is taken over when the lease
 * expires. Registration of a verified capability (code, reports, rollout, decision events) is one
 * transaction, so a crash never leaves a half-registered capability.
 */
export class Pipeline {
  private readonly inFlight = new Set<Promise<unknown>>();
  private draining = false;
  private closed = false;
  private readonly workerId: string;
  private wake: (() => void) | undefined;
  private loops: Promise<void>[] = [];

  constructor(private readonly deps: PipelineDeps) {
    this.workerId = deps.workerId ?? newId('worker');
  }

  /** Non-blocking: folds the failure into its pattern in the background. */
  observe(failure: Failure): void {
    this.deps.hooks?.onFailure?.(failure);
    this.track(this.observeNow(failure));
  }

  async observeNow(failure: Failure): Promise<Job | undefined> {
    const now = this.deps.now?.() ?? new Date();
    const obs = await observeFailure(this.deps.store, failure, this.deps.thresholds, now);
    if (!obs?.ready) return undefined;
    const versions = obs.pattern.capabilityId
      ? await this.deps.store.capabilities.versions(obs.pattern.capabilityId)
      : [];
    const version = versions.length + 1;
    const { job, created } = await this.deps.store.jobs.enqueue({
      id: newId('job'),
      kind: GENERATE_JOB,
      key: `${GENERATE_JOB}:${obs.pattern.id}:v${version}`,
      payload: { patternId: obs.pattern.id, version },
    });
    if (created) {
      await this.deps.store.patterns.setStatus(
        obs.pattern.id,
        'queued',
        `${obs.pattern.count} failures from ${obs.pattern.distinctUsers} users`,
      );
      this.deps.log?.('pattern queued for generation', {
        patternId: obs.pattern.id,
        signature: obs.pattern.signature,
        jobId: job.id,
      });
    }
    this.kick();
    return job;
  }

  /** Starts background workers that claim jobs until close(). */
  start(): void {
    if (this.loops.length || this.closed) return;
    const n = this.deps.concurrency ?? 1;
    for (let i = 0; i < n; i++) this.loops.push(this.workLoop());
  }

  private kick(): void {
    this.wake?.();
  }

  private async workLoop(): Promise<void> {
    while (!this.closed) {
      const did = await this.runOnce().catch((err: unknown) => {
        this.deps.log?.('pipeline worker error', { error: String(err) });
        return false;
      });
      if (did || this.closed) continue;
      // Idle: wait for a kick or poll, so jobs enqueued by other nodes are picked up too.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1000);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Claims and runs one job; false when there was nothing to do. */
  async runOnce(): Promise<boolean> {
    const job = await this.deps.store.jobs.claim(this.workerId, this.deps.leaseMs ?? 60_000, [GENERATE_JOB]);
    if (!job) return false;
    const p = this.runJob(job);
    this.track(p);
    await p;
    return true;
  }

  private track(p: Promise<unknown>): void {
    const tracked = p
      .catch((err: unknown) => this.deps.log?.('background task failed', { error: String(err) }))
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async runJob(job: Job): Promise<void> {
    const { store } = this.deps;
    const payload = job.payload as { patternId: string; version: number };
    try {
      const outcome = await this.generate(payload.patternId, payload.version, job);
      await store.jobs.complete(job.id, outcome);
    } catch (err) {
      await store.jobs.fail(job.id, err instanceof Error ? err.message : String(err));
      await store.patterns.setStatus(payload.patternId, 'rejected', `generation failed: ${String(err)}`);
    }
  }

  private async generate(patternId: string, version: number, job: Job): Promise<Record<string, unknown>> {
    const { store } = this.deps;
    const now = () => (this.deps.now?.() ?? new Date()).toISOString();
    const pattern = await store.patterns.get(patternId);
    if (!pattern) throw new Error(`pattern ${patternId} not found`);
    // A crash after registration but before `complete` must not register twice.
    if (pattern.status === 'generated' && pattern.capabilityId) {
      const existing = await store.capabilities.get(pattern.capabilityId, version);
      if (existing) return { capabilityId: existing.manifest.id, version, resumed: true };
    }
    await store.patterns.setStatus(patternId, 'generating', `job ${job.id}`);
    const family = familyFor(pattern, this.deps.families);
    if (!family) {
      await store.patterns.setStatus(
        patternId,
        'rejected',
        `no generator family handles ${pattern.signature} yet`,
      );
      return { rejected: 'no_family' };
    }
    const failures = await store.failures.list({ signature: pattern.signature, limit: 50 });
    const t0 = performance.now();
    const candidate = family.emit(
      pattern,
      version,
      failures.map((f) => f.id),
    );
    const generationMs = performance.now() - t0;
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
      await this.reject(capability, synthesized.report, undefined, {
        reason: `the static gate refused the candidate: ${rules.join(', ')}`,
        numbers: {
          safetyScore: synthesized.report.score,
          violations: synthesized.report.violations.length,
          generationMs: Math.round(generationMs * 1000) / 1000,
        },
      });
      return { rejected: 'synthesis', rules };
    }

    const t1 = performance.now();
    let verified: Awaited<ReturnType<CandidateVerifier['verify']>>;
    try {
      verified = await this.deps.verifier.verify(capability, pattern);
    } catch (err) {
      this.deps.hooks?.onStage?.('verify', performance.now() - t1, 'error');
      throw err;
    }
    const { synthesis, verification, sandboxReports, benchmarkReports = [] } = verified;
    this.deps.hooks?.onStage?.(
      'verify',
      performance.now() - t1,
      verification.decision === 'reject' ? 'rejected' : 'ok',
    );
    const m = capability.manifest;
    const numbers = {
      safetyScore: synthesis.score,
      violations: synthesis.violations.length,
      riskScore: verification.riskScore,
      checksPassed: verification.checks.filter((c) => c.passed).length,
      checksTotal: verification.checks.length,
      generationMs: Math.round(generationMs * 1000) / 1000,
    };
    if (verification.decision === 'reject') {
      const failed = verification.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`);
      await this.reject(capability, synthesis, verification, {
        reason: `verification rejected the candidate: ${failed.join('; ').slice(0, 1000)}`,
        numbers,
      });
      return { rejected: 'verification', numbers };
    }
    this.deps.hooks?.onVerified?.(capability, verification);

    const t2 = performance.now();
    const at = now();
    const event: DecisionEvent = {
      id: newId('evt'),
      at,
      capabilityId: m.id,
      version,
      kind: 'register',
      toStage: 'development',
      reason: `verification ${verification.decision} at level ${verification.level}; registered in development (internal group only)`,
      numbers,
      actor: 'system',
    };
    await store.transaction(async (tx) => {
      await tx.capabilities.put(capability);
      await tx.reports.add({
        id: newId('rep'),
        capabilityId: m.id,
        version,
        kind: 'synthesis',
        at,
        report: synthesis,
      });
      for (const r of sandboxReports)
        await tx.reports.add({
          id: newId('rep'),
          capabilityId: m.id,
          version,
          kind: 'sandbox',
          at,
          report: r,
        });
      for (const r of benchmarkReports)
        await tx.reports.add({
          id: newId('rep'),
          capabilityId: m.id,
          version,
          kind: 'benchmark',
          at,
          report: r,
        });
      await tx.reports.add({
        id: newId('rep'),
        capabilityId: m.id,
        version,
        kind: 'verification',
        at,
        report: verification,
      });
      await tx.events.append({
        id: newId('evt'),
        at,
        capabilityId: m.id,
        version,
        kind: 'approve',
        reason: `decision ${verification.decision}: ${verification.checks.length} checks, risk ${verification.riskScore}`,
        numbers,
        actor: 'system',
      });
      await tx.events.append(event);
      await tx.rollouts.save({
        id: newId('rol'),
        capabilityId: m.id,
        version,
        stage: 'development',
        percentage: 0,
        rolloutKey: `${m.id}:v${version}`,
        stageEnteredAt: at,
        updatedAt: at,
      });
      await tx.patterns.setStatus(patternId, 'generated', `v${version} registered in development`, m.id);
    });
    this.deps.hooks?.onStage?.('register', performance.now() - t2, 'ok');
    // Listeners hear of the registration before anything onRegistered triggers (e.g. the move to canary).
    this.deps.hooks?.onRolloutChange?.(event);
    await this.deps.onRegistered();
    this.deps.log?.('capability registered', { capabilityId: m.id, version, stage: 'development' });
    return { capabilityId: m.id, version, numbers };
  }

  /** Stores a refused candidate's reports and the `reject` decision, and marks its pattern rejected. */
  private async reject(
    capability: Capability,
    synthesis: SynthesisReport,
    verification: VerificationReport | undefined,
    decision: { reason: string; numbers: Record<string, number> },
  ): Promise<void> {
    const m = capability.manifest;
    const at = (this.deps.now?.() ?? new Date()).toISOString();
    await this.deps.store.transaction(async (tx) => {
      await tx.reports.add({
        id: newId('rep'),
        capabilityId: m.id,
        version: m.version,
        kind: 'synthesis',
        at,
        report: synthesis,
      });
      if (verification)
        await tx.reports.add({
          id: newId('rep'),
          capabilityId: m.id,
          version: m.version,
          kind: 'verification',
          at,
          report: verification,
        });
      await tx.events.append({
        id: newId('evt'),
        at,
        capabilityId: m.id,
        version: m.version,
        kind: 'reject',
        reason: decision.reason,
        numbers: decision.numbers,
        actor: 'system',
      });
      if (m.origin.patternId)
        await tx.patterns.setStatus(m.origin.patternId, 'rejected', decision.reason.slice(0, 500));
    });
  }

  /** Resolves when no learning task started by this process is in flight and no claimable job is left. */
  async idle(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
      // Drain here too, so `run --wait` works without background workers.
      if (!this.draining) {
        this.draining = true;
        try {
          while (await this.runOnce()) {
            /* keep draining */
          }
        } finally {
          this.draining = false;
        }
      }
      if (!this.inFlight.size) return;
    }
    throw new Error(`learning did not finish within ${timeoutMs} ms`);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.kick();
    await Promise.allSettled(this.loops);
    await Promise.allSettled([...this.inFlight]);
  }
}
