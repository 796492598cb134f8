import type {
  Capability,
  DecisionEvent,
  Failure,
  Pattern,
  SynthesisReport,
  VerificationReport,
} from '../domain/index.js';
import { isIroncliwError, newId } from '../domain/index.js';
import type { DiscoveryThresholds, EvolutionDecision, EvolutionThresholds } from '../discovery/index.js';
import { EVOLUTION_DEFAULTS, observeFailure, shouldEvolve } from '../discovery/index.js';
import type { GeneratorFamily, LlmProvider, SandboxTests, StaticGate } from '../generation/index.js';
import { familyFor } from '../generation/index.js';
import { analyze, synthesize } from '../synthesis/index.js';
import type { DemonstrationCandidate } from '../demonstration/index.js';
import type { Job, Store } from '../store/index.js';
import { crashPoint } from './crash-points.js';

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
  /** How long a claimed job is this worker's; renewed every third of it while the job runs. Default 60 s. */
  leaseMs?: number;
  /**
   * Most times a job is claimed before it is given up (config-shaped; default `DEFAULT_MAX_ATTEMPTS`).
   * A job that keeps crashing its worker (or losing its lease) would otherwise be retried forever; over the
   * cap it is marked failed and its pattern rejected, both with the reason.
   */
  maxAttempts?: number;
  now?: () => Date;
  log?: (msg: string, data?: Record<string, unknown>) => void;
  /** When a live version earns a successor (`considerEvolution`); default `EVOLUTION_DEFAULTS`. */
  evolution?: EvolutionThresholds;
  /**
   * Optional language-model generator (config `llm`, off by default). Used when no template family accepts
   * a pattern, and first for an evolution (the template would write v(n)'s code again). Its repair loop's
   * tests are this pipeline's static gate, synthesis and verifier; what it returns goes through the same
   * registration as template code.
   */
  llm?: LlmProvider;
  /**
   * Most versions one capability may register within `windowMs` (config `pipeline.maxVersionsPerWindow`,
   * `pipeline.versionWindowMs`; default {@link DEFAULT_VERSION_LIMIT}). Beyond it `considerEvolution` queues
   * nothing and says so on the pattern: a stream of complaints cannot churn out versions faster than people
   * can look at them.
   */
  versionLimit?: { max: number; windowMs: number };
  /**
   * Learning from demonstrations (src/demonstration/). A pattern that has demonstrations is learned from them
   * (program synthesis) instead of a template or the LLM, by `generate` and `demonstrate` jobs alike.
   */
  demonstrations?: {
    has(patternId: string): Promise<boolean>;
    candidate(
      pattern: Pattern,
      o: { id: string; version: number; failureIds: string[] },
    ): Promise<DemonstrationCandidate>;
  };
}

/** Three versions per capability per hour. */
export const DEFAULT_VERSION_LIMIT: Readonly<{ max: number; windowMs: number }> = Object.freeze({
  max: 3,
  windowMs: 3_600_000,
});

/** What would help a pattern whose generator can only write what it already wrote. */
const WHAT_HELPS =
  'a demonstration of what should happen (`ironcliw teach "<command>" --screen s.png --demo …` or --expect) ' +
  'or an LLM generator (config llm.enabled) could write a different version';

/** The parts of a capability that change what it does: its code and what its manifest routes and allows. */
function behaviourOf(c: Capability): string {
  const m = c.manifest;
  return JSON.stringify([
    c.code,
    m.intents,
    m.permissions,
    m.inputSchema,
    m.outputSchema,
    m.limits,
    m.combines ?? null,
  ]);
}

/** What a generate job carries; `evolution` when a live version is being replaced (see considerEvolution). */
interface GeneratePayload {
  patternId: string;
  /** Absent on `demonstrate` jobs: the next version when the job runs. */
  version?: number;
  /** On `demonstrate` jobs: how many demonstrations the pattern had when it was queued. */
  demonstrations?: number;
  evolution?: { fromVersion: number; reason: string };
}

/** The outcome of `considerEvolution`: the decision and its numbers, and the job when one was queued. */
export interface EvolutionOutcome {
  capabilityId: string;
  /** The live version judged. */
  version?: number;
  /** Why nothing was judged (no rollout, not generated from a pattern, a newer version exists…). */
  skipped?: string;
  decision?: EvolutionDecision;
  job?: Job;
  /** True when this call queued the job (false when it existed already: the key is idempotent). */
  created: boolean;
}

/** Failures read per kind when judging a version (the newest; enough for the thresholds' shares). */
const EVOLUTION_FAILURE_SAMPLE = 500;

export const GENERATE_JOB = 'generate';
/** Learn a pattern again from its demonstrations (one job per demonstration count: `demonstrate:<id>:d<n>`). */
export const DEMONSTRATE_JOB = 'demonstrate';

/** Claims of one job before it is given up: enough for a few crashes or restarts, few enough to stop a crash loop. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/** The job's lease went to another worker while this one worked: its writes must not land. */
class LeaseLost extends Error {
  constructor(jobId: string) {
    super(`job ${jobId}: lease lost to another worker; its result was discarded`);
  }
}

/** Signatures whose observation a database outage cut short, kept for a retry (oldest dropped beyond). */
const MAX_UNOBSERVED = 1000;

/** The store said the database is away for now (E_DB_UNAVAILABLE), here or in what caused the error. */
function isOutage(err: unknown, depth = 0): boolean {
  if (depth > 3 || !err || typeof err !== 'object') return false;
  if (isIroncliwError(err) && err.code === 'E_DB_UNAVAILABLE') return true;
  return isOutage((err as { cause?: unknown }).cause, depth + 1);
}

type Verified = Awaited<ReturnType<CandidateVerifier['verify']>>;

/** A candidate ready to register or reject: synthesized code and its verification. */
interface Produced {
  capability: Capability;
  verified: Verified;
  generationMs: number;
}

interface Outcome {
  result: Record<string, unknown>;
  /** The job was already marked done inside the transaction that stored the outcome. */
  completed: boolean;
}

/**
 * Learning as durable jobs. A failure is observed (pattern counts updated); a pattern over its thresholds
 * gets exactly one `generate` job (idempotency key = pattern + next version), so many nodes or retries
 * never generate twice. Workers claim jobs with a lease: a crashed worker's job is taken over when the lease
 * expires. Registration of a verified capability (code, reports, rollout, decision events) is one
 * transaction, so a crash never leaves a half-registered capability; that transaction also marks the job
 * done under this worker's lease (a fence), so a worker whose lease ran out cannot register anything.
 * A job claimed more than `maxAttempts` times is given up. On `start()`, failures whose pattern update was
 * cut short by a crash are observed again (`recover`).
 */
export class Pipeline {
  private readonly inFlight = new Set<Promise<unknown>>();
  private draining = false;
  private closed = false;
  private readonly workerId: string;
  private wake: (() => void) | undefined;
  private loops: Promise<void>[] = [];
  private unsubscribe: Promise<(() => void) | undefined> | undefined;
  /** Observations a database outage interrupted, by signature (observing the newest one recounts all). */
  private readonly unobserved = new Map<string, Failure>();
  /** Jobs this worker held when the database went away; resumed under the same lease if still held. */
  private readonly interrupted = new Map<string, Job>();
  private observeRetry: NodeJS.Timeout | undefined;

  constructor(private readonly deps: PipelineDeps) {
    this.workerId = deps.workerId ?? newId('worker');
  }

  /** Non-blocking: folds the failure into its pattern in the background. */
  observe(failure: Failure): void {
    this.deps.hooks?.onFailure?.(failure);
    this.track(
      this.observeNow(failure).catch((err: unknown) => {
        // The failure is stored; only folding it into its pattern failed. Retry once the store is back
        // (workers do), rather than wait for the next failure of the pattern or the next restart.
        if (isOutage(err)) this.remember(failure);
        throw err;
      }),
    );
  }

  private remember(failure: Failure): void {
    this.unobserved.delete(failure.signature);
    this.unobserved.set(failure.signature, failure);
    if (this.unobserved.size > MAX_UNOBSERVED)
      this.unobserved.delete(this.unobserved.keys().next().value as string);
    this.scheduleObserveRetry();
  }

  /**
   * Observes again, every second until the store answers, what an outage interrupted. A timer of its own:
   * a serve-only node (learning in another process) observes failures but runs no worker loop.
   */
  private scheduleObserveRetry(): void {
    if (this.observeRetry || this.closed) return;
    this.observeRetry = setTimeout(() => {
      this.track(
        this.observeAgain().finally(() => {
          this.observeRetry = undefined;
          if (this.unobserved.size) this.scheduleObserveRetry();
        }),
      );
    }, 1000);
    this.observeRetry.unref();
  }

  private async observeAgain(): Promise<void> {
    for (const [signature, failure] of [...this.unobserved]) {
      try {
        await this.observeNow(failure);
      } catch (err) {
        if (isOutage(err)) return; // still away: the next round tries again
        this.deps.log?.('observing a failure again failed', { failureId: failure.id, error: String(err) });
      }
      // A newer failure of the signature may have been remembered meanwhile: that one stays.
      if (this.unobserved.get(signature) === failure) this.unobserved.delete(signature);
    }
  }

  /**
   * After a database outage: resumes this worker's interrupted jobs, still under its lease (a job whose
   * lease another worker took meanwhile is theirs). An outage error stops it: the next round tries again.
   */
  private async resumeAfterOutage(): Promise<void> {
    for (const [id, job] of [...this.interrupted]) {
      // Taken off first: with several worker loops, only one resumes it.
      if (!this.interrupted.delete(id)) continue;
      let held: boolean;
      try {
        held = await this.deps.store.jobs.renew(id, this.workerId, this.leaseMs);
      } catch (err) {
        this.interrupted.set(id, job);
        throw err;
      }
      if (!held) continue;
      this.deps.log?.('resuming a job the database outage interrupted', { jobId: id });
      const p = this.runJob(job);
      this.track(p);
      await p;
    }
  }

  async observeNow(failure: Failure): Promise<Job | undefined> {
    await crashPoint('observe:start');
    const now = this.deps.now?.() ?? new Date();
    const obs = await observeFailure(this.deps.store, failure, this.deps.thresholds, now);
    if (!obs?.ready) return undefined;
    await crashPoint('observe:enqueue');
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
      await crashPoint('observe:queued');
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

  /**
   * Capability evolution: judges the version a capability's rollout serves with discovery's `shouldEvolve`
   * and, when it has earned a successor, queues `generate:<patternId>:v<n+1>` (the same idempotent key any
   * node computes, so a fleet queues it once). The evidence, all from the store: the version's executions
   * and feedback over all its metric windows, the capability's own failures since the version was
   * registered (timeouts, errors, invalid outputs — including wrong answers users taught), and the
   * `low_confidence` failures since then that match its intent (near misses). The version being rolled out
   * stays as it is; the new one is registered in development and the rollout engine takes it from there
   * (the highest earlier version that reached production stays the stable one for everyone else).
   * Call it after each rollout evaluation, or when a failure names a capability. Cheap when nothing changed.
   */
  async considerEvolution(capabilityId: string): Promise<EvolutionOutcome> {
    const { store } = this.deps;
    const skip = (skipped: string, version?: number): EvolutionOutcome => ({
      capabilityId,
      ...(version === undefined ? {} : { version }),
      skipped,
      created: false,
    });
    const rollout = await store.rollouts.get(capabilityId);
    if (!rollout) return skip('no rollout');
    if (rollout.stage === 'retired') return skip('retired', rollout.version);
    const live = await store.capabilities.get(capabilityId, rollout.version);
    if (!live) return skip(`v${rollout.version} is not stored`, rollout.version);
    const patternId = live.manifest.origin.patternId;
    if (live.manifest.origin.kind !== 'generated' || !patternId)
      return skip('not generated from a pattern', rollout.version);
    const versions = await store.capabilities.versions(capabilityId);
    const latest = Math.max(...versions.map((m) => m.version));
    if (latest > rollout.version) return skip(`v${latest} exists already`, rollout.version);

    const windows = await store.rolloutMetrics.list({ capabilityId, version: rollout.version });
    const sum = (metric: string) => windows.reduce((n, w) => n + (w.counts[metric] ?? 0), 0);
    const since = live.createdAt;
    const [own, nearMisses] = await Promise.all([
      store.failures.list({ capabilityId, since, limit: EVOLUTION_FAILURE_SAMPLE }),
      store.failures.list({ category: 'low_confidence', since, limit: EVOLUTION_FAILURE_SAMPLE }),
    ]);
    const decision = shouldEvolve(
      {
        manifest: live.manifest,
        executions: sum('requests'),
        failures: [...own, ...nearMisses],
        feedback: { positive: sum('feedback:positive'), negative: sum('feedback:negative') },
      },
      this.deps.evolution ?? EVOLUTION_DEFAULTS,
    );
    const base = { capabilityId, version: rollout.version, decision };
    if (!decision.evolve) return { ...base, created: false };
    const version = Math.max(decision.nextVersion, latest + 1);
    const limited = await this.rateLimited(capabilityId, patternId, version);
    if (limited) return { ...base, skipped: limited, created: false };
    const payload: GeneratePayload = {
      patternId,
      version,
      evolution: { fromVersion: rollout.version, reason: decision.reason },
    };
    const { job, created } = await store.jobs.enqueue({
      id: newId('job'),
      kind: GENERATE_JOB,
      key: `${GENERATE_JOB}:${patternId}:v${version}`,
      payload,
    });
    const result = job.result as { rejected?: string; identicalTo?: number } | undefined;
    if (!created && job.status === 'done' && result?.rejected === 'identical')
      return {
        ...base,
        job,
        created,
        skipped: `v${version} would change nothing (identical to v${result.identicalTo}): ${WHAT_HELPS}`,
      };
    if (created) {
      await store.patterns.setStatus(patternId, 'queued', decision.reason.slice(0, 500));
      this.deps.log?.('capability queued for a new version', {
        capabilityId,
        fromVersion: rollout.version,
        version,
        reason: decision.reason,
        jobId: job.id,
      });
      this.kick();
    }
    return { ...base, job, created };
  }

  /**
   * The version rate limit (see `versionLimit`): the reason, stored on the pattern, when `capabilityId` has
   * registered `max` versions within the window; undefined when another may be generated.
   */
  private async rateLimited(
    capabilityId: string,
    patternId: string,
    version: number,
  ): Promise<string | undefined> {
    const { store } = this.deps;
    const limit = this.deps.versionLimit ?? DEFAULT_VERSION_LIMIT;
    const now = (this.deps.now?.() ?? new Date()).getTime();
    const since = now - limit.windowMs;
    const registered = (await store.events.list({ capabilityId }))
      .filter((e) => e.kind === 'register' && Date.parse(e.at) >= since)
      .map((e) => Date.parse(e.at))
      .sort((a, b) => a - b);
    if (registered.length < limit.max) return undefined;
    const next = new Date(registered[registered.length - limit.max]! + limit.windowMs).toISOString();
    const reason =
      `v${version} not generated yet: ${registered.length} versions registered in the last ` +
      `${Math.round(limit.windowMs / 60_000)} min (limit pipeline.maxVersionsPerWindow ${limit.max}); ` +
      `next possible after ${next}`;
    const pattern = await store.patterns.get(patternId);
    // Written once per limit period (the reason names its end), not on every evaluation.
    if (pattern && pattern.statusReason !== reason)
      await store.patterns.setStatus(patternId, pattern.status, reason, pattern.capabilityId);
    return reason;
  }

  /**
   * A candidate that would change nothing: the stored version of the same capability whose code and
   * manifest behaviour (intents, permissions, schemas, limits) are identical, with what became of it.
   */
  private async identicalVersion(
    capability: Capability,
  ): Promise<{ version: number; stage: string } | undefined> {
    const { store } = this.deps;
    const id = capability.manifest.id;
    const versions = await store.capabilities.versions(id);
    if (!versions.length) return undefined;
    const rollout = await store.rollouts.get(id);
    const events = await store.events.list({ capabilityId: id });
    const target = behaviourOf(capability);
    for (const m of [...versions].sort((a, b) => b.version - a.version)) {
      if (m.version === capability.manifest.version) continue;
      const stored = await store.capabilities.get(id, m.version);
      if (!stored || behaviourOf({ manifest: stored.manifest, code: stored.code }) !== target) continue;
      const rolledBack = events.some((e) => e.version === m.version && e.kind === 'rollback');
      const stage =
        rollout?.version === m.version ? rollout.stage : rolledBack ? 'rolled_back' : 'superseded';
      return { version: m.version, stage };
    }
    return undefined;
  }

  /**
   * Issue 15 item 4: when the version a registration replaces stands rolled back by a person, the new one
   * waits for a person (the rollout gate derives the same from the events); this is the line that says so.
   */
  private async replacesHumanRollback(capabilityId: string): Promise<string | undefined> {
    const { store } = this.deps;
    const current = await store.rollouts.get(capabilityId);
    if (current?.stage !== 'rolled_back') return undefined;
    const rollback = (await store.events.list({ capabilityId }))
      .filter((e) => e.version === current.version && e.kind === 'rollback')
      .at(-1);
    if (rollback?.actor !== 'user') return undefined;
    return (
      `v${current.version} was rolled back by ${rollback.by ?? 'a person'}: this version is served to the ` +
      `internal group only and waits for a person's promotion`
    );
  }

  /**
   * Stores that an evolution produced nothing new: the job is done with that result, a `reject` decision
   * names the identical version, and the pattern says why and what would help. Nothing is registered.
   */
  private async unchanged(
    job: Job,
    patternId: string,
    capability: Capability,
    same: { version: number; stage: string },
    generator: string,
  ): Promise<Outcome> {
    const m = capability.manifest;
    const at = (this.deps.now?.() ?? new Date()).toISOString();
    const reason =
      `v${m.version} not registered: ${generator} wrote the same module and manifest as v${same.version} ` +
      `(${same.stage}); a version that changes nothing is not a version — ${WHAT_HELPS}`;
    const result = { rejected: 'identical', identicalTo: same.version };
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.jobs.complete(job.id, this.workerId, result))) throw new LeaseLost(job.id);
      await tx.events.append({
        id: newId('evt'),
        at,
        capabilityId: m.id,
        version: m.version,
        kind: 'reject',
        reason,
        numbers: { identicalTo: same.version },
        actor: 'system',
      });
      await tx.patterns.setStatus(patternId, 'generated', reason.slice(0, 500), m.id);
    });
    this.deps.log?.('evolution produced an identical candidate', {
      capabilityId: m.id,
      version: m.version,
      identicalTo: same.version,
    });
    return { result, completed: true };
  }

  /**
   * Starts background workers that claim jobs until close(), after re-observing failures a crash may have
   * left unobserved. With a store change feed (PostgreSQL), a job enqueued by another node wakes an idle
   * worker at once; the 1 s poll stays as the fallback.
   */
  start(): void {
    if (this.loops.length || this.closed) return;
    this.track(this.recover());
    this.unsubscribe = this.deps.store.changes
      ?.subscribe((change) => {
        if (change.table === 'jobs' || change.table === '*') this.kick();
      })
      .catch((err: unknown) => {
        this.deps.log?.('cannot listen for new jobs; polling', { error: String(err) });
        return undefined;
      });
    const n = this.deps.concurrency ?? 1;
    for (let i = 0; i < n; i++) this.loops.push(this.workLoop());
  }

  /**
   * Crash recovery for observation: a failure is recorded before its pattern is updated, so a crash in
   * between leaves the pattern short of it (and maybe short of its threshold, with no job). Re-observes
   * the newest failure of every recent signature whose pattern is missing, counts fewer failures than
   * the store holds, or is still collecting although over its thresholds. Observation is idempotent
   * (counts are recomputed from the failures), so doing it for a pattern that was fine changes nothing.
   * Returns how many signatures were observed again.
   */
  async recover(): Promise<number> {
    const { store, thresholds } = this.deps;
    const now = this.deps.now?.() ?? new Date();
    const since = new Date(now.getTime() - thresholds.windowMs).toISOString();
    let observed = 0;
    for (const s of await store.failures.signatures({ since })) {
      const p = await store.patterns.getBySignature(s.signature);
      const over =
        (p?.count ?? 0) >= thresholds.minOccurrences &&
        (p?.distinctUsers ?? 0) >= thresholds.minDistinctUsers;
      if (p && p.count >= s.count && !(p.status === 'collecting' && over)) continue;
      const [latest] = await store.failures.list({ signature: s.signature, limit: 1 });
      if (!latest) continue;
      await this.observeNow(latest);
      observed++;
    }
    if (observed) this.deps.log?.('re-observed failures after a restart', { signatures: observed });
    return observed;
  }

  private kick(): void {
    this.wake?.();
  }

  private async workLoop(): Promise<void> {
    while (!this.closed) {
      const did = await (
        this.interrupted.size ? this.resumeAfterOutage().then(() => this.runOnce()) : this.runOnce()
      ).catch((err: unknown) => {
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
    const job = await this.deps.store.jobs.claim(this.workerId, this.leaseMs, [
      GENERATE_JOB,
      DEMONSTRATE_JOB,
    ]);
    if (!job) return false;
    const p = this.runJob(job);
    this.track(p);
    await p;
    return true;
  }

  private get leaseMs(): number {
    return this.deps.leaseMs ?? 60_000;
  }

  private track(p: Promise<unknown>): void {
    const tracked = p
      .catch((err: unknown) => this.deps.log?.('background task failed', { error: String(err) }))
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async runJob(job: Job): Promise<void> {
    const { store } = this.deps;
    const payload = job.payload as GeneratePayload;
    const maxAttempts = this.deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (job.attempts > maxAttempts) {
      // Claimed again after maxAttempts claims that never finished: each crashed its worker or lost its
      // lease. Retrying forever would crash-loop the fleet; give up, saying why.
      const reason = `gave up after ${maxAttempts} attempts: the job never finished (its worker crashed or lost its lease each time)`;
      await this.giveUp(job, payload.patternId, reason);
      this.deps.log?.('job given up', {
        jobId: job.id,
        attempts: job.attempts,
        patternId: payload.patternId,
      });
      return;
    }
    // Heartbeat: a long verification keeps its lease, so only a dead worker's job is taken over.
    const heartbeat = setInterval(
      () => {
        store.jobs.renew(job.id, this.workerId, this.leaseMs).then(
          (held) => {
            if (!held) this.deps.log?.('job lease lost', { jobId: job.id });
          },
          () => {},
        );
      },
      Math.max(100, Math.floor(this.leaseMs / 3)),
    );
    heartbeat.unref();
    try {
      await crashPoint('job:claimed');
      const version = payload.version ?? (await this.nextVersion(payload.patternId));
      const outcome = await this.generate(payload.patternId, version, job, payload.evolution);
      if (!outcome.completed && !(await store.jobs.complete(job.id, this.workerId, outcome.result)))
        this.deps.log?.('job lease lost before completion', { jobId: job.id });
    } catch (err) {
      if (err instanceof LeaseLost) {
        this.deps.log?.('job lease lost; the new holder finishes it', { jobId: job.id });
        return;
      }
      if (isOutage(err)) {
        // The database went away mid-job: nothing is wrong with the pattern, so never reject it for
        // that. Registration is one transaction, so nothing half-written is left; the job resumes here
        // when the store is back (or, if this node dies meanwhile, on any node once its lease runs out).
        this.interrupted.set(job.id, job);
        this.deps.log?.('job interrupted by a database outage; resumed when it is back', {
          jobId: job.id,
          error: String(err),
        });
        return;
      }
      await this.giveUp(job, payload.patternId, `generation failed: ${String(err)}`, err);
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** The version a pattern's next capability gets (1 when it has none yet). */
  private async nextVersion(patternId: string): Promise<number> {
    const pattern = await this.deps.store.patterns.get(patternId);
    if (!pattern?.capabilityId) return 1;
    return (await this.deps.store.capabilities.versions(pattern.capabilityId)).length + 1;
  }

  /**
   * Queues learning from a pattern's demonstrations (after one was recorded): idempotent per demonstration
   * count, so a retried request queues it once. Returns the job.
   */
  async enqueueDemonstration(patternId: string, demonstrations: number): Promise<Job> {
    const payload: GeneratePayload = { patternId, demonstrations };
    const { job, created } = await this.deps.store.jobs.enqueue({
      id: newId('job'),
      kind: DEMONSTRATE_JOB,
      key: `${DEMONSTRATE_JOB}:${patternId}:d${demonstrations}`,
      payload,
    });
    if (created) {
      await this.deps.store.patterns.setStatus(
        patternId,
        'queued',
        `learning from ${demonstrations} demonstration(s) (job ${job.id})`,
      );
      this.kick();
    }
    return job;
  }

  /** Marks the job failed and its pattern rejected, in one transaction and only while this worker holds it. */
  private async giveUp(job: Job, patternId: string, reason: string, err?: unknown): Promise<void> {
    const error = err instanceof Error ? err.message : err === undefined ? reason : String(err);
    await this.deps.store.transaction(async (tx) => {
      if (await tx.jobs.fail(job.id, this.workerId, error))
        await tx.patterns.setStatus(patternId, 'rejected', reason.slice(0, 500));
    });
  }

  private async generate(
    patternId: string,
    version: number,
    job: Job,
    evolution?: GeneratePayload['evolution'],
  ): Promise<Outcome> {
    const { store } = this.deps;
    const now = () => (this.deps.now?.() ?? new Date()).toISOString();
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
      const r = await this.llmCandidate(pattern, version, failures, evolution, keepId);
      if (r.ok) {
        produced = r.produced;
        fromLlm = true;
      } else if (!family) {
        const reason = `no template family handles ${pattern.signature}; the LLM provider gave up: ${r.reason}`;
        const result = { rejected: 'llm', attempts: r.attempts.map((a) => a.outcome) };
        await store.transaction(async (tx) => {
          if (!(await tx.jobs.complete(job.id, this.workerId, result))) throw new LeaseLost(job.id);
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
    let learned: Extract<DemonstrationCandidate, { ok: true }> | undefined;
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
          if (!(await tx.jobs.complete(job.id, this.workerId, result))) throw new LeaseLost(job.id);
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

      const same = await this.identicalVersion(capability);
      if (same)
        return this.unchanged(
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
      const same = await this.identicalVersion(produced.capability);
      if (same) return this.unchanged(job, patternId, produced.capability, same, 'the LLM generator');
    }
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
    const at = now();
    const waits = await this.replacesHumanRollback(m.id);
    const event: DecisionEvent = {
      id: newId('evt'),
      at,
      capabilityId: m.id,
      version,
      kind: 'register',
      toStage: 'development',
      reason:
        `verification ${verification.decision} at level ${verification.level}; registered in development (internal group only)${waits ? `; ${waits}` : ''}` +
        (learned
          ? `; learned from ${learned.demonstrations} demonstration(s): ${learned.description}`.slice(0, 600)
          : ''),
      numbers,
      actor: 'system',
    };
    const result = { capabilityId: m.id, version, numbers };
    await store.transaction(async (tx) => {
      // The fence first: on PostgreSQL it row-locks the job until commit, on SQLite the transaction holds
      // the write lock; either way no other worker can take the job over between this check and the commit.
      if (!(await tx.jobs.complete(job.id, this.workerId, result))) throw new LeaseLost(job.id);
      await tx.capabilities.put(capability);
      await crashPoint('job:registering');
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
      await tx.patterns.setStatus(
        patternId,
        'generated',
        `v${version} registered in development${waits ? `; ${waits}` : ''}`.slice(0, 500),
        m.id,
      );
    });
    this.deps.hooks?.onStage?.('register', performance.now() - t2, 'ok');
    await crashPoint('job:registered');
    // Listeners hear of the registration before anything onRegistered triggers (e.g. the move to canary).
    this.deps.hooks?.onRolloutChange?.(event);
    await this.deps.onRegistered();
    this.deps.log?.('capability registered', { capabilityId: m.id, version, stage: 'development' });
    return { result, completed: true };
  }

  /**
   * Asks the LLM provider for the pattern's module. Its repair loop's tests are the real thing: synthesis
   * (gate + transforms) and this pipeline's verifier; their findings go back to the model. The accepted
   * attempt's synthesized module and verification are returned for registration, so it is not verified
   * twice. For an evolution the prompt carries the previous version's code and what went wrong with it.
   */
  private async llmCandidate(
    pattern: Pattern,
    version: number,
    failures: Failure[],
    evolution: GeneratePayload['evolution'],
    keepId: (c: Capability) => Capability,
  ): Promise<
    { ok: true; produced: Produced } | { ok: false; reason: string; attempts: Array<{ outcome: string }> }
  > {
    const { store, verifier } = this.deps;
    const llm = this.deps.llm!;
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
      this.deps.hooks?.onCandidate?.(capability);
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
      this.deps.hooks?.onStage?.('generate', performance.now() - t0, 'error');
      return { ok: false, reason: String(err instanceof Error ? err.message : err), attempts: [] };
    }
    const generationMs = performance.now() - t0;
    const produced = r.ok ? accepted.get(r.capability) : undefined;
    this.deps.hooks?.onStage?.('generate', generationMs, produced ? 'ok' : 'rejected');
    if (!r.ok || !produced)
      return {
        ok: false,
        reason: r.ok ? 'the accepted module was not verified' : r.reason,
        attempts: r.attempts,
      };
    this.deps.log?.('LLM provider wrote the candidate', {
      patternId: pattern.id,
      version,
      attempts: r.attempts.length,
    });
    return { ok: true, produced: { ...produced, generationMs } };
  }

  /** Stores a refused candidate's reports and the `reject` decision, and marks its pattern rejected. */
  private async reject(
    job: Job,
    result: Record<string, unknown>,
    capability: Capability,
    synthesis: SynthesisReport,
    verification: VerificationReport | undefined,
    decision: { reason: string; numbers: Record<string, number> },
  ): Promise<void> {
    const m = capability.manifest;
    const at = (this.deps.now?.() ?? new Date()).toISOString();
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.jobs.complete(job.id, this.workerId, result))) throw new LeaseLost(job.id);
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
    clearTimeout(this.observeRetry);
    (await this.unsubscribe)?.();
    this.kick();
    await Promise.allSettled(this.loops);
    await Promise.allSettled([...this.inFlight]);
  }
}

/** The id of a capability learned from demonstrations for a pattern that had none: stable per signature. */
export function demonstratedCapabilityId(signature: string): string {
  const slug = signature
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `demo-${slug || 'pattern'}`;
}
