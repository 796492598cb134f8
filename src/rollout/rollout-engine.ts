import type { DecisionEvent, RequestContext, Rollout, RolloutStage } from '../domain/index.js';
import type { ServedRequest, Store } from '../store/index.js';
import type { RolloutChange } from './change-feed.js';
import { RolloutChangeFeed } from './change-feed.js';
import type { DecisionThresholds } from './decision.js';
import type { EngineParts } from './engine-parts.js';
import type { Evaluation } from './evaluation.js';
import { Evaluator } from './evaluation.js';
import { recordFeedback } from './feedback.js';
import type { ManualOptions } from './manual-moves.js';
import { pause, promote, resume, rollback } from './manual-moves.js';
import type { OutcomeInput } from './metric-buffer.js';
import { MetricBuffer } from './metric-buffer.js';
import type { RolloutPolicy, RolloutPolicyInput } from './policy.js';
import type { RolloutStatus } from './rollout-status.js';
import { readStatus } from './rollout-status.js';
import { RoutingTable } from './routing-table.js';
import { policyOf, savePolicy } from './stored-policy.js';
import type { Assignment, CompiledRollout, RoutingGroups } from './strategies.js';
import { assignVersion } from './strategies.js';
import type { ThresholdOverrides } from './thresholds.js';
import { resolveThresholds } from './thresholds.js';
import { Timers } from './timers.js';
import { Transitions } from './transitions.js';
import { VersionFacts } from './version-facts.js';

export interface RolloutEngineOptions {
  store: Store;
  /** Default `{internalGroup: 'internal', betaGroup: 'beta'}` (config `rollout.internalGroup/betaGroup`). */
  groups?: RoutingGroups;
  /** Overrides of the decision matrix; nested records are merged key by key. */
  thresholds?: ThresholdOverrides;
  /** Injected clock (ms since the epoch), so tests replay decisions. */
  now?: () => number;
  /** How often `start()` writes buffered metrics to the store. Default 1000 ms. */
  flushIntervalMs?: number;
  /** How often `start()` re-reads rollouts and policies (changes by other nodes). Default 1000 ms. */
  refreshIntervalMs?: number;
  /** How often `start()` judges every active window. Default 5000 ms. */
  evaluateIntervalMs?: number;
  /** Served-request rows (for feedback) older than this are pruned. Default 7 days. */
  servedRetentionMs?: number;
  /** Most served-request rows buffered while the store is unreachable; older ones are dropped. Default 100,000. */
  maxBufferedServed?: number;
  /**
   * Called after each timed evaluation with its results (the runtime judges capability evolution there).
   * Not called for `evaluate()` calls made by hand: their caller has the results.
   */
  onEvaluated?: (evaluations: Evaluation[]) => Promise<void> | void;
  log?: (msg: string, data?: Record<string, unknown>) => void;
}

/** What `assign` answers for a capability under rollout. */
export interface RolloutAssignment extends Assignment {
  capabilityId: string;
  rolloutId: string;
  stage: RolloutStage;
}

/**
 * Decides who gets which capability version, keeps the live numbers of every stage window, and moves
 * rollouts: automatically (`evaluate`, on a timer after `start()`) or by hand (`promote`, `pause`, `resume`,
 * `rollback`). Every transition is a compare-and-set on the rollout row plus a DecisionEvent in one
 * transaction, so nodes judging the same window concurrently move it once.
 *
 * Routing (`assign`) and recording (`recordOutcome`) are synchronous and in memory; metrics reach the store
 * in batches of counter increments that the store adds atomically, so the numbers of all nodes merge.
 *
 * The engine wires its parts and delegates: routing table (routing-table.ts), metric buffer
 * (metric-buffer.ts), feedback (feedback.ts), change feed (change-feed.ts), policies (stored-policy.ts),
 * judgement (rollout-judgement.ts, pure; verdict-reader.ts reads its inputs), automatic moves
 * (evaluation.ts), manual moves (manual-moves.ts), transitions (transitions.ts) and timers (timers.ts).
 *
 * @example
 * const engine = await createRolloutEngine({ store, groups: { internalGroup: 'internal', betaGroup: 'beta' } });
 * engine.start();
 * const a = engine.assign('count-red-circles', { user: 'ana' }); // { variant: 'canary', version: 2, reason: 'bucket', … }
 * engine.recordOutcome({ capabilityId: 'count-red-circles', version: 2, ok: true, latencyMs: 4, userId: 'ana', requestId });
 * await engine.close();
 */
export class RolloutEngine {
  readonly thresholds: DecisionThresholds;
  readonly groups: RoutingGroups;
  readonly #opts: RolloutEngineOptions;
  readonly #parts: EngineParts;
  readonly #table: RoutingTable;
  readonly #metrics: MetricBuffer;
  readonly #changes: RolloutChangeFeed;
  readonly #evaluator: Evaluator;
  readonly #timers: Timers;
  #closed = false;

  constructor(options: RolloutEngineOptions) {
    const { store, log } = options;
    const now = options.now ?? Date.now;
    this.#opts = options;
    this.groups = options.groups ?? { internalGroup: 'internal', betaGroup: 'beta' };
    this.thresholds = resolveThresholds(options.thresholds);
    const changes = (this.#changes = new RolloutChangeFeed(log));
    const emit = (change: RolloutChange) => changes.emit(change);
    const facts = new VersionFacts({
      store,
      riskCaps: this.thresholds.riskCaps,
      internalGroup: this.groups.internalGroup,
    });
    const policyOfRow: EngineParts['policyOf'] = (stored) => policyOf(stored, log);
    const table = (this.#table = new RoutingTable({ store, facts, policyOf: policyOfRow, emit }));
    const metrics = (this.#metrics = new MetricBuffer({
      store,
      now,
      maxBufferedServed: options.maxBufferedServed,
    }));
    const transitions = new Transitions({ store, now, facts, table, emit, log });
    this.#parts = {
      store,
      now,
      thresholds: this.thresholds,
      table,
      facts,
      metrics,
      transitions,
      policyOf: policyOfRow,
    };
    this.#evaluator = new Evaluator(this.#parts, options.servedRetentionMs);
    this.#timers = new Timers(log);
  }

  // ---- routing -------------------------------------------------------------------------------------

  /**
   * Which version of a capability this request gets. Undefined when the capability has no rollout (e.g.
   * a built-in): serve it as usual. A `stable` assignment with `version` undefined means there is no
   * earlier version to fall back to: answer with a clean failure.
   */
  assign(capabilityId: string, context: RequestContext | undefined): RolloutAssignment | undefined {
    const c = this.#table.get(capabilityId);
    if (!c) return undefined;
    const a = assignVersion(c, context, this.groups);
    return {
      variant: a.variant,
      version: a.version,
      reason: a.reason,
      capabilityId,
      rolloutId: c.rollout.id,
      stage: c.rollout.stage,
    };
  }

  /** The compiled rollouts this node routes by (read-only). */
  get compiled(): ReadonlyMap<string, CompiledRollout> {
    return this.#table.states;
  }

  get(capabilityId: string): Rollout | undefined {
    return this.#table.get(capabilityId)?.rollout;
  }

  // ---- metrics and feedback ------------------------------------------------------------------------

  /**
   * Counts one execution into the open window of its version (in memory; `flush` writes it). Outcomes of
   * the stable version go to a `stable` window beside the rollout's, as a baseline. Returns false when the
   * capability has no rollout (nothing to count for).
   */
  recordOutcome(o: OutcomeInput): boolean {
    const c = this.#table.get(o.capabilityId);
    if (!c) return false;
    this.#metrics.count(c, o.version, o.userId, o.requestId, o.ok, o.category, o.latencyMs);
    return true;
  }

  /**
   * Feedback on one served request, counted into the window that served it — once: E_NOT_FOUND for a
   * request id no node recorded (or pruned), E_STATE_CONFLICT when it already has feedback.
   */
  async recordFeedback(input: { requestId: string; positive: boolean }): Promise<ServedRequest> {
    await this.flush();
    return recordFeedback(this.#opts.store, input);
  }

  /** Writes buffered counters and served requests; on failure they stay buffered for the next flush. */
  flush(): Promise<void> {
    return this.#metrics.flush();
  }

  /** Served-request rows dropped because the store was unreachable for long (see maxBufferedServed). */
  get droppedServed(): number {
    return this.#metrics.droppedServed;
  }

  // ---- state and policies --------------------------------------------------------------------------

  /**
   * Re-reads rollouts and policies from the store; listeners hear of every rollout that changed.
   * Refreshes run one at a time (an older read can never overwrite a newer one); a call made while one
   * is waiting to start joins it, since that one will read after the call anyway.
   */
  refresh(): Promise<void> {
    return this.#table.refresh();
  }

  /**
   * Resolves once this node hears rollout changes pushed by the store (true), or knows it cannot and
   * relies on the refresh timer alone (false: no change feed, not started, or listening failed).
   */
  listening(): Promise<boolean> {
    return this.#changes.listening();
  }

  /** Subscribes to rollout changes (this node's transitions and others' seen on refresh). */
  onChange(listener: (change: RolloutChange) => void): () => void {
    return this.#changes.onChange(listener);
  }

  /** Sets a capability's policy (validated); routing on this node follows at once, other nodes on refresh. */
  async setPolicy(capabilityId: string, input: RolloutPolicyInput): Promise<RolloutPolicy> {
    const policy = await savePolicy(this.#opts.store, capabilityId, input, this.#parts.now);
    await this.refresh();
    return policy;
  }

  // ---- decisions -----------------------------------------------------------------------------------

  /**
   * Judges every active window (after flushing this node's numbers) and acts on the verdicts: roll back,
   * pause or promote. Returns one evaluation per judged rollout.
   */
  evaluate(): Promise<Evaluation[]> {
    return this.#evaluator.evaluate();
  }

  /**
   * Moves a rollout one step up by hand. Minimum sample and dwell are the person's call; the stage cap (risk
   * cap of the verification decision, or a `max-stage` condition) is not, without `force`. A person's
   * promotion lifts the version's `limited-group` conditions and the hold of a replaced human rollback; the
   * event records who (`by`) and why (`reason`) and names what it lifted. `actor: 'system'` cannot promote a
   * version whose gate needs a person.
   */
  promote(capabilityId: string, o: ManualOptions = {}): Promise<DecisionEvent> {
    return promote(this.#parts, capabilityId, o);
  }

  /** Freezes a rollout: the users it serves keep the version, nobody new gets it, nothing is judged. */
  pause(capabilityId: string, o: ManualOptions = {}): Promise<DecisionEvent> {
    return pause(this.#parts, capabilityId, o);
  }

  /** Back to the stage a pause froze, with a fresh window (the numbers that caused the pause are not re-judged). */
  resume(capabilityId: string, o: ManualOptions = {}): Promise<DecisionEvent> {
    return resume(this.#parts, capabilityId, o);
  }

  /** Immediately routes everyone back to the stable version (or a clean failure) and records an incident. */
  rollback(capabilityId: string, o: ManualOptions = {}): Promise<DecisionEvent> {
    return rollback(this.#parts, capabilityId, o);
  }

  /** Everything about one rollout: state, policy, open window, what the engine would do, and its history. */
  status(capabilityId: string): Promise<RolloutStatus> {
    return readStatus(this.#parts, capabilityId);
  }

  // ---- lifetime ------------------------------------------------------------------------------------

  /** Starts the flush, refresh and evaluation timers (unref'd: they never keep a process alive). */
  start(): void {
    if (this.#timers.started || this.#closed) return;
    const o = this.#opts;
    this.#timers.every(o.flushIntervalMs ?? 1000, 'flush', () => this.flush());
    this.#timers.every(o.refreshIntervalMs ?? 1000, 'refresh', () => this.refresh());
    // Push, with the timer above as the fallback.
    this.#changes.listen(o.store, () => {
      if (this.#closed) return;
      this.refresh().catch((err: unknown) => o.log?.('rollout refresh failed', { error: String(err) }));
    });
    this.#timers.every(o.evaluateIntervalMs ?? 5000, 'evaluation', async () => {
      const evaluations = await this.evaluate();
      await o.onEvaluated?.(evaluations);
    });
  }

  /** Stops the timers, waits for work in flight and writes what is buffered. The store stays open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#changes.stop();
    await this.#timers.stop();
    await this.flush();
    this.#changes.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** An engine with its routing table loaded from the store. */
export async function createRolloutEngine(options: RolloutEngineOptions): Promise<RolloutEngine> {
  const engine = new RolloutEngine(options);
  await engine.refresh();
  return engine;
}
