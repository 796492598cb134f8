import type { Failure } from '../domain/index.js';
import { newId } from '../domain/index.js';
import { assessSafety, observeFailure } from '../discovery/index.js';
import type { ObserveOptions } from '../discovery/index.js';
import type { Job } from '../store/index.js';
import { crashPoint } from './crash-points.js';
import type { PipelineDeps } from './deps.js';
import type { EvolutionOutcome } from './evolution.js';
import { considerEvolution } from './evolution.js';
import type { GenerationStep } from './generation-step.js';
import type { GeneratePayload } from './jobs.js';
import { DEFAULT_MAX_ATTEMPTS, DEMONSTRATE_JOB, GENERATE_JOB, isOutage, LeaseLost } from './jobs.js';

/** Signatures whose observation a database outage cut short, kept for a retry (oldest dropped beyond). */
const MAX_UNOBSERVED = 1000;

/**
 * How long a failure waits before it is folded into its pattern (default of `PipelineDeps.observeDelayMs`).
 * Failures that fold into the same pattern meanwhile are folded once, with the newest: the fold recounts
 * the pattern from the store (up to 500 of its failures read and assessed), so a burst of one missing
 * feature costs one fold per window instead of one per failure, and the fold runs after the answers of the
 * requests that recorded them rather than between a request and its client's read (issue 20, the cost of
 * being a service). Learning waits this much longer: nothing next to generating and verifying a capability.
 */
export const DEFAULT_OBSERVE_DELAY_MS = 100;

/**
 * Failures that fold into the same pattern get the same key: by frame signature and whether the request is
 * blocked (a blocked request has a pattern of its own), or by the very words for a partly understood one
 * (clustered by text: only the same words are sure to land in the same cluster). The category keeps a
 * failure discovery does not learn from apart from one it does.
 */
function foldKey(f: Failure): string {
  if (f.category === 'low_confidence') return `${f.category}\0${f.command}`;
  const blocked = assessSafety(f.frame).verdict === 'block';
  return `${f.category}\0${f.signature}\0${blocked ? 'blocked' : ''}`;
}

/** Failures of one fold key waiting for their fold. */
interface PendingFold {
  first: Failure;
  latest: Failure;
  /** Starts the fold now (its delay is over, or idle()/close() asked). */
  start: () => void;
}

/**
 * Learning as durable jobs. A failure is observed (pattern counts updated); a pattern over its thresholds
 * gets exactly one `generate` job (idempotency key = pattern + next version), so many nodes or retries
 * never generate twice. Workers claim jobs with a lease: a crashed worker's job is taken over when the lease
 * expires. Registration of a verified capability (code, reports, rollout, decision events) is one
 * transaction, so a crash never leaves a half-registered capability; that transaction also marks the job
 * done under this worker's lease (a fence), so a worker whose lease ran out cannot register anything.
 * A job claimed more than `maxAttempts` times is given up. On `start()`, failures whose pattern update was
 * cut short by a crash are observed again (`recover`). This class is the job runner (observation, the worker
 * loop, leases, outages); a job's work is generation-step.ts, registration registration.ts, evolution
 * evolution.ts.
 */
export class Pipeline {
  private readonly inFlight = new Set<Promise<unknown>>();
  /** When this process last had learning work (see idleFor). */
  private busyAt = Date.now();
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
  /** Failures waiting for their fold, by fold key (see DEFAULT_OBSERVE_DELAY_MS). */
  private readonly pendingFolds = new Map<string, PendingFold>();

  /**
   * A job's work, loaded with the first job: it brings the families, the synthesis gate (esbuild, acorn) and
   * the LLM path, which a process that only observes failures (a CLI command) never needs (issue 20).
   */
  private generation: Promise<GenerationStep> | undefined;

  constructor(private readonly deps: PipelineDeps) {
    this.workerId = deps.workerId ?? newId('worker');
  }

  private generationStep(): Promise<GenerationStep> {
    this.generation ??= import('./generation-step.js').then(
      ({ GenerationStep }) => new GenerationStep(this.deps, this.workerId),
      (err: unknown) => {
        this.generation = undefined;
        throw err;
      },
    );
    return this.generation;
  }

  /**
   * Non-blocking: folds the (recorded) failure into its pattern in the background, `observeDelayMs` later,
   * together with the failures of the same pattern recorded meanwhile (see DEFAULT_OBSERVE_DELAY_MS). On
   * SQLite the store's statements run on the calling thread: started at once, the pattern's reads and
   * writes would run between the request's own last steps and its answer, for learning's sake. `idle()`
   * and `close()` fold what is waiting at once.
   */
  observe(failure: Failure): void {
    this.deps.hooks?.onFailure?.(failure);
    const key = foldKey(failure);
    const waiting = this.pendingFolds.get(key);
    if (waiting) {
      waiting.latest = failure;
      return;
    }
    let start!: () => void;
    const due = new Promise<void>((resolve) => (start = resolve));
    const fold: PendingFold = { first: failure, latest: failure, start };
    this.pendingFolds.set(key, fold);
    const timer = setTimeout(start, this.deps.observeDelayMs ?? DEFAULT_OBSERVE_DELAY_MS);
    this.track(
      due
        .then(() => {
          clearTimeout(timer);
          if (this.pendingFolds.get(key) === fold) this.pendingFolds.delete(key);
          // The newest stands for the others: the fold recounts the pattern's failures from the store.
          return this.observeNow(fold.latest, { firstSeen: fold.first.at });
        })
        .catch((err: unknown) => {
          // The failure is stored; only folding it into its pattern failed. Retry once the store is back
          // (workers do), rather than wait for the next failure of the pattern or the next restart.
          if (isOutage(err)) this.remember(fold.latest);
          throw err;
        }),
    );
  }

  /** Starts every fold still waiting for its delay (idle(), close()). */
  private foldNow(): void {
    for (const fold of this.pendingFolds.values()) fold.start();
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

  async observeNow(failure: Failure, options: ObserveOptions = {}): Promise<Job | undefined> {
    await crashPoint('observe:start');
    const now = this.deps.now?.() ?? new Date();
    const obs = await observeFailure(this.deps.store, failure, this.deps.thresholds, now, options);
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
    this.queued(job);
    return job;
  }

  /** Capability evolution (see `considerEvolution` in evolution.ts). Call it after each rollout evaluation, or when a failure names a capability. */
  considerEvolution(capabilityId: string): Promise<EvolutionOutcome> {
    return considerEvolution(this.deps, capabilityId, (job) => this.queued(job));
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

  /** `recover()` in the background (close() waits for it), for a node that observes but runs no workers. */
  recoverInBackground(): void {
    if (!this.closed) this.track(this.recover());
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

  /** A job this process enqueued: wakes a worker here, and tells whoever runs workers elsewhere (serve). */
  private queued(job: Job): void {
    if (job.status === 'queued') {
      try {
        this.deps.hooks?.onJobQueued?.(job);
      } catch (err) {
        this.deps.log?.('onJobQueued hook failed', { jobId: job.id, error: String(err) });
      }
    }
    this.kick();
  }

  /**
   * How long this process has had no learning work (no job running, none interrupted by an outage, no
   * observation in flight), in ms; 0 while it has some. A learner started on demand exits once it is over
   * config memory.learnerIdleMs (commands/learn.ts).
   */
  idleFor(now = Date.now()): number {
    if (this.inFlight.size || this.interrupted.size || this.unobserved.size) {
      this.busyAt = now;
      return 0;
    }
    return Math.max(0, now - this.busyAt);
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
      .finally(() => {
        this.inFlight.delete(tracked);
        this.busyAt = Date.now();
      });
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
      const step = await this.generationStep();
      const outcome = await step.run(payload.patternId, version, job, payload.evolution);
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
      this.queued(job);
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

  /** Resolves when no learning task started by this process is in flight and no claimable job is left. */
  async idle(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      while (this.inFlight.size) {
        this.foldNow();
        await Promise.allSettled([...this.inFlight]);
      }
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
    // Failures are recorded before they are observed: what waits for its fold is folded before closing.
    this.foldNow();
    (await this.unsubscribe)?.();
    this.kick();
    await Promise.allSettled(this.loops);
    await Promise.allSettled([...this.inFlight]);
  }
}
