import type {
  DecisionEvent,
  DecisionKind,
  FailureCategory,
  RequestContext,
  Rollout,
  RolloutStage,
  VerificationDecision,
} from '../domain/index.js';
import { IroncliwError, newId } from '../domain/index.js';
import type { MetricDelta, ServedRequest, Store, StoredRolloutPolicy } from '../store/index.js';
import type { DecisionThresholds, Verdict, WindowStats } from './decision.js';
import { DEFAULT_THRESHOLDS, judge, windowStats } from './decision.js';
import { LATENCY_COUNTERS, latencyBucket } from './latency-buckets.js';
import type { RolloutPolicy, RolloutPolicyInput } from './policy.js';
import { DEFAULT_POLICY, parsePolicy } from './policy.js';
import type { RolloutGate } from './gate.js';
import { gateOf, LIMITED_GROUP, lowerStage, MANUAL_PROMOTION } from './gate.js';
import { JUDGED_STAGES, STAGE_PERCENTAGE } from './stages.js';
import type { Assignment, CompiledRollout, RoutingGroups } from './strategies.js';
import { assignVersion, compileRollout } from './strategies.js';

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

export type ThresholdOverrides = Partial<
  Omit<DecisionThresholds, 'minSamples' | 'dwellMs' | 'riskCaps'> & {
    minSamples: Partial<DecisionThresholds['minSamples']>;
    dwellMs: Partial<DecisionThresholds['dwellMs']>;
    riskCaps: Partial<DecisionThresholds['riskCaps']>;
  }
>;

export function resolveThresholds(o: ThresholdOverrides = {}): DecisionThresholds {
  const d = DEFAULT_THRESHOLDS;
  const t: DecisionThresholds = {
    ...d,
    ...o,
    minSamples: { ...d.minSamples, ...o.minSamples },
    dwellMs: { ...d.dwellMs, ...o.dwellMs },
    riskCaps: { ...d.riskCaps, ...o.riskCaps },
  } as DecisionThresholds;
  const rate = (name: string, x: number) => {
    if (!(x >= 0 && x <= 1))
      throw new IroncliwError('E_CONFIG_INVALID', `rollout threshold ${name} must be within 0..1, got ${x}`);
  };
  rate('minSuccessRate', t.minSuccessRate);
  rate('maxErrorRate', t.maxErrorRate);
  rate('minPositiveFeedback', t.minPositiveFeedback);
  for (const [name, x] of [
    ['maxP99Ms', t.maxP99Ms],
    ['minFeedback', t.minFeedback],
    ...Object.entries(t.minSamples).map(([k, v]) => [`minSamples.${k}`, v]),
    ...Object.entries(t.dwellMs).map(([k, v]) => [`dwellMs.${k}`, v]),
  ] as Array<[string, number]>) {
    if (!(x >= 0 && Number.isFinite(x)))
      throw new IroncliwError('E_CONFIG_INVALID', `rollout threshold ${name} must be a finite number ≥ 0`);
  }
  return Object.freeze(t);
}

/** What `assign` answers for a capability under rollout. */
export interface RolloutAssignment extends Assignment {
  capabilityId: string;
  rolloutId: string;
  stage: RolloutStage;
}

/** One execution of a capability version, as the runtime reports it (`ExecutionEvent` fits). */
export interface OutcomeInput {
  capabilityId: string;
  version: number;
  ok: boolean;
  category?: FailureCategory;
  latencyMs: number;
  userId?: string;
  /** With a request id, the request is remembered so feedback can find the version that served it. */
  requestId?: string;
}

export interface RolloutChange {
  capabilityId: string;
  /** Undefined when the rollout disappeared from the store. */
  rollout: Rollout | undefined;
  /** The transition this node made; undefined for a change seen on refresh (made by another node). */
  event?: DecisionEvent;
}

export interface Evaluation {
  capabilityId: string;
  version: number;
  stage: RolloutStage;
  verdict: Verdict;
  /** The transition made, if any (none when another node moved the rollout first). */
  event?: DecisionEvent;
}

export interface ManualOptions {
  reason?: string;
  actor?: 'user' | 'system';
  /** Who (a person's name or the API client), stored with the decision (`DecisionEvent.by`). */
  by?: string;
  /** Promote past the risk cap of the verification decision. */
  force?: boolean;
}

export interface RolloutStatus {
  rollout: Rollout;
  policy: RolloutPolicy;
  stableVersion: number | undefined;
  riskCap: { stage: RolloutStage; decision: VerificationDecision | 'unverified' };
  /**
   * What the engine may not do without a person: verification's conditions (and whether a person lifted
   * them), the group the version is limited to, its stage cap, and whether it replaces a version a person
   * rolled back. `gate.needsPerson` is the one line to show.
   */
  gate: RolloutGate;
  /** The open window of the rollout's version. */
  window: WindowStats & { stage: RolloutStage; windowStart: string };
  /** What the engine would do now. */
  verdict: Verdict | undefined;
  events: DecisionEvent[];
}

type Step = { stage: RolloutStage; percentage: number };

/** The stage (and percentage) after the current one, or undefined at production or off the ladder. */
export function nextStep(rollout: Rollout, policy: RolloutPolicy = DEFAULT_POLICY): Step | undefined {
  switch (rollout.stage) {
    case 'development':
      return { stage: 'canary', percentage: STAGE_PERCENTAGE.canary };
    case 'canary':
      return { stage: 'beta', percentage: STAGE_PERCENTAGE.beta };
    case 'beta':
      return { stage: 'gradual', percentage: policy.steps[0]! };
    case 'gradual': {
      const step = policy.steps.find((s) => s > rollout.percentage);
      return step === undefined
        ? { stage: 'production', percentage: STAGE_PERCENTAGE.production }
        : { stage: 'gradual', percentage: step };
    }
    default:
      return undefined;
  }
}

const LADDER: RolloutStage[] = ['development', 'canary', 'beta', 'gradual', 'production'];
const isAbove = (a: RolloutStage, b: RolloutStage) => LADDER.indexOf(a) > LADDER.indexOf(b);

interface PendingWindow extends MetricDelta {
  counts: Record<string, number>;
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
  readonly #store: Store;
  readonly #now: () => number;
  readonly #opts: RolloutEngineOptions;
  #states = new Map<string, CompiledRollout>();
  #policyStamps = new Map<string, string>();
  /** Stable version per rollout id: depends only on older versions' history, so it never changes. */
  #stableByRolloutId = new Map<string, number | undefined>();
  #riskCaps = new Map<string, { decision: VerificationDecision; conditions?: string[] }>();
  /** Gate per rollout row (id + updatedAt): a person's promotion changes the row, so the gate is re-derived. */
  #gates = new Map<string, RolloutGate>();
  /** Hold decisions already stored, per stage window (their ids are deterministic, so nodes store one). */
  #held = new Set<string>();
  #pending = new Map<string, PendingWindow>();
  #windowCache = new WeakMap<CompiledRollout, Map<number, PendingWindow>>();
  #isoMs = Number.NaN;
  #iso = '';
  #served: Array<Omit<ServedRequest, 'feedback'>> = [];
  #droppedServed = 0;
  #listeners = new Set<(change: RolloutChange) => void>();
  #flushing: Promise<void> = Promise.resolve();
  #timers: NodeJS.Timeout[] = [];
  #busy = new Set<Promise<unknown>>();
  #lastPrune = 0;
  #closed = false;
  // LISTEN/NOTIFY (issue 11): refreshes are serialised and coalesced (see `refresh`), and a store change
  // feed, where the store has one, triggers them as soon as another node commits a rollout change.
  #refreshing: Promise<void> = Promise.resolve();
  #refreshQueued: Promise<void> | undefined;
  #feed: Promise<(() => void) | undefined> | undefined;

  constructor(options: RolloutEngineOptions) {
    this.#store = options.store;
    this.#opts = options;
    this.#now = options.now ?? Date.now;
    this.groups = options.groups ?? { internalGroup: 'internal', betaGroup: 'beta' };
    this.thresholds = resolveThresholds(options.thresholds);
  }

  // ---- routing -------------------------------------------------------------------------------------

  /**
   * Which version of a capability this request gets. Undefined when the capability has no rollout (e.g.
   * a built-in): serve it as usual. A `stable` assignment with `version` undefined means there is no
   * earlier version to fall back to: answer with a clean failure.
   */
  assign(capabilityId: string, context: RequestContext | undefined): RolloutAssignment | undefined {
    const c = this.#states.get(capabilityId);
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
    return this.#states;
  }

  get(capabilityId: string): Rollout | undefined {
    return this.#states.get(capabilityId)?.rollout;
  }

  // ---- metrics -------------------------------------------------------------------------------------

  /**
   * Counts one execution into the open window of its version (in memory; `flush` writes it). Outcomes of
   * the stable version go to a `stable` window beside the rollout's, as a baseline. Returns false when the
   * capability has no rollout (nothing to count for).
   */
  recordOutcome(o: OutcomeInput): boolean {
    const c = this.#states.get(o.capabilityId);
    if (!c) return false;
    this.#count(c, o.version, o.userId, o.requestId, o.ok, o.category, o.latencyMs);
    return true;
  }

  /** The hot part of recording, without an options object (recordOutcome calls it on every request). */
  #count(
    c: CompiledRollout,
    version: number,
    userId: string | undefined,
    requestId: string | undefined,
    ok: boolean,
    category: FailureCategory | undefined,
    latencyMs: number,
  ): void {
    const r = c.rollout;
    // Windows of this compiled state by version, reset by every flush: no key string per request.
    let byVersion = this.#windowCache.get(c);
    if (!byVersion) this.#windowCache.set(c, (byVersion = new Map()));
    let w = byVersion.get(version);
    if (!w) {
      const inRollout = version === r.version || version === c.policy.experiment?.control;
      const stage = inRollout ? r.stage : 'stable';
      const key = `${r.capabilityId}\u0000${version}\u0000${stage}\u0000${r.stageEnteredAt}`;
      w = this.#pending.get(key);
      if (!w) {
        w = { capabilityId: r.capabilityId, version, stage, windowStart: r.stageEnteredAt, counts: {} };
        this.#pending.set(key, w);
      }
      byVersion.set(version, w);
    }
    const counts = w.counts;
    counts.requests = (counts.requests ?? 0) + 1;
    if (ok) counts.ok = (counts.ok ?? 0) + 1;
    else {
      const name = `fail:${category ?? 'error'}`;
      counts[name] = (counts[name] ?? 0) + 1;
    }
    const lat = LATENCY_COUNTERS[latencyBucket(latencyMs)]!;
    counts[lat] = (counts[lat] ?? 0) + 1;
    if (requestId !== undefined) {
      const max = this.#opts.maxBufferedServed ?? 100_000;
      if (this.#served.length >= max) {
        // Drop the oldest tenth at once: one splice instead of an O(n) shift per request.
        const drop = Math.max(1, Math.ceil(max / 10));
        this.#served.splice(0, drop);
        this.#droppedServed += drop;
      }
      const nowMs = this.#now();
      if (nowMs !== this.#isoMs) {
        this.#isoMs = nowMs;
        this.#iso = new Date(nowMs).toISOString();
      }
      this.#served.push({
        requestId,
        capabilityId: r.capabilityId,
        version,
        stage: w.stage,
        windowStart: r.stageEnteredAt,
        userId: userId ?? '',
        at: this.#iso,
      });
    }
  }

  /**
   * Feedback on one served request, counted into the window that served it — once: E_NOT_FOUND for a
   * request id no node recorded (or pruned), E_STATE_CONFLICT when it already has feedback.
   */
  async recordFeedback(input: { requestId: string; positive: boolean }): Promise<ServedRequest> {
    await this.flush();
    const feedback = input.positive ? 'positive' : 'negative';
    return this.#store.transaction(async (tx) => {
      const served = await tx.servedRequests.get(input.requestId);
      if (!served)
        throw new IroncliwError('E_NOT_FOUND', `no served request ${input.requestId}`, {
          hint: 'Feedback needs the requestId of a command a learned capability answered (kept 7 days).',
        });
      if (!(await tx.servedRequests.setFeedback(input.requestId, feedback)))
        throw new IroncliwError('E_STATE_CONFLICT', `request ${input.requestId} already has feedback`);
      await tx.rolloutMetrics.add([
        {
          capabilityId: served.capabilityId,
          version: served.version,
          stage: served.stage,
          windowStart: served.windowStart,
          counts: { [`feedback:${feedback}`]: 1 },
        },
      ]);
      return { ...served, feedback };
    });
  }

  /** Writes buffered counters and served requests; on failure they stay buffered for the next flush. */
  flush(): Promise<void> {
    const run = async () => {
      const deltas = [...this.#pending.values()];
      const served = this.#served;
      this.#pending = new Map();
      this.#windowCache = new WeakMap();
      this.#served = [];
      try {
        if (deltas.length) await this.#store.rolloutMetrics.add(deltas);
      } catch (err) {
        this.#restore(deltas);
        this.#served = served.concat(this.#served);
        throw err;
      }
      try {
        if (served.length) await this.#store.servedRequests.record(served);
      } catch (err) {
        // A duplicate request id would fail the whole batch forever: fall back to one by one.
        if (err instanceof IroncliwError && err.code === 'E_STATE_CONFLICT') {
          for (const s of served) await this.#store.servedRequests.record([s]).catch(() => {});
        } else {
          this.#served = served.concat(this.#served);
          throw err;
        }
      }
    };
    const p = this.#flushing.then(run, run);
    this.#flushing = p.catch(() => {});
    return p;
  }

  #restore(deltas: PendingWindow[]) {
    this.#windowCache = new WeakMap();
    for (const d of deltas) {
      const key = `${d.capabilityId}\u0000${d.version}\u0000${d.stage}\u0000${d.windowStart}`;
      const w = this.#pending.get(key);
      if (!w) this.#pending.set(key, d);
      else for (const [k, n] of Object.entries(d.counts)) w.counts[k] = (w.counts[k] ?? 0) + n;
    }
  }

  /** Served-request rows dropped because the store was unreachable for long (see maxBufferedServed). */
  get droppedServed(): number {
    return this.#droppedServed;
  }

  // ---- state ---------------------------------------------------------------------------------------

  /**
   * Re-reads rollouts and policies from the store; listeners hear of every rollout that changed.
   * Refreshes run one at a time (an older read can never overwrite a newer one); a call made while one
   * is waiting to start joins it, since that one will read after the call anyway.
   */
  refresh(): Promise<void> {
    if (this.#refreshQueued) return this.#refreshQueued;
    const run = this.#refreshing.then(() => {
      this.#refreshQueued = undefined;
      return this.#refreshNow();
    });
    this.#refreshQueued = run;
    this.#refreshing = run.catch(() => {});
    return run;
  }

  /**
   * Resolves once this node hears rollout changes pushed by the store (true), or knows it cannot and
   * relies on the refresh timer alone (false: no change feed, not started, or listening failed).
   */
  async listening(): Promise<boolean> {
    return (await this.#feed) !== undefined;
  }

  async #refreshNow(): Promise<void> {
    const [rollouts, policies] = await Promise.all([
      this.#store.rollouts.list(),
      this.#store.rolloutPolicies.list(),
    ]);
    const policyById = new Map(policies.map((p) => [p.capabilityId, p]));
    const next = new Map<string, CompiledRollout>();
    const changed: RolloutChange[] = [];
    for (const r of rollouts) {
      const stored = policyById.get(r.capabilityId);
      const prev = this.#states.get(r.capabilityId);
      const stamp = stored?.updatedAt ?? '';
      if (
        prev &&
        prev.rollout.updatedAt === r.updatedAt &&
        this.#policyStamps.get(r.capabilityId) === stamp
      ) {
        next.set(r.capabilityId, prev);
        continue;
      }
      const gate = await this.#gate(r);
      next.set(
        r.capabilityId,
        compileRollout(r, this.#policyOf(stored), await this.#stableVersion(r), gate.limitedGroup),
      );
      this.#policyStamps.set(r.capabilityId, stamp);
      changed.push({ capabilityId: r.capabilityId, rollout: r });
    }
    for (const id of this.#states.keys())
      if (!next.has(id)) changed.push({ capabilityId: id, rollout: undefined });
    this.#states = next;
    for (const c of changed) this.#emit(c);
  }

  #policyOf(stored: StoredRolloutPolicy | undefined): RolloutPolicy {
    if (!stored) return DEFAULT_POLICY;
    try {
      return parsePolicy(stored.policy);
    } catch (err) {
      // Only a hand-edited row can be invalid: withhold the new version rather than guess the intent.
      this.#opts.log?.('invalid rollout policy; new version withheld', {
        capabilityId: stored.capabilityId,
        error: (err as Error).message,
      });
      return { ...DEFAULT_POLICY, enabled: false };
    }
  }

  /** The highest earlier version that reached production and was not rolled back since. */
  async #stableVersion(r: Rollout): Promise<number | undefined> {
    if (this.#stableByRolloutId.has(r.id)) return this.#stableByRolloutId.get(r.id);
    const reached = new Set<number>();
    for (const e of await this.#store.events.list({ capabilityId: r.capabilityId })) {
      if (e.kind === 'promote' && e.toStage === 'production') reached.add(e.version);
      if (e.kind === 'rollback') reached.delete(e.version);
    }
    const stable = Math.max(...[...reached].filter((v) => v < r.version));
    const result = Number.isFinite(stable) ? stable : undefined;
    this.#stableByRolloutId.set(r.id, result);
    return result;
  }

  async #verification(
    r: Rollout,
  ): Promise<{ decision: VerificationDecision; conditions?: string[] } | undefined> {
    const key = `${r.capabilityId}@${r.version}`;
    let v = this.#riskCaps.get(key);
    if (!v) {
      const reports = await this.#store.reports.list(r.capabilityId, r.version, 'verification');
      const last = reports.at(-1)?.report as
        { decision?: VerificationDecision; conditions?: unknown } | undefined;
      if (!last?.decision) return undefined;
      const conditions = Array.isArray(last.conditions)
        ? last.conditions.filter((c): c is string => typeof c === 'string')
        : undefined;
      v = { decision: last.decision, ...(conditions ? { conditions } : {}) };
      this.#riskCaps.set(key, v);
    }
    return v;
  }

  async #riskCap(
    r: Rollout,
  ): Promise<{ stage: RolloutStage; decision: VerificationDecision | 'unverified' }> {
    const decision = (await this.#verification(r))?.decision ?? 'unverified';
    return { stage: this.thresholds.riskCaps[decision], decision };
  }

  /** The rollout gate of this row's version (see gate.ts), derived from its verification and the events. */
  async #gate(r: Rollout): Promise<RolloutGate> {
    const key = `${r.id}@${r.updatedAt}`;
    const cached = this.#gates.get(key);
    if (cached) return cached;
    const [verification, events] = await Promise.all([
      this.#verification(r),
      this.#store.events.list({ capabilityId: r.capabilityId }),
    ]);
    const gate = gateOf({
      version: r.version,
      verification,
      events,
      internalGroup: this.groups.internalGroup,
    });
    if (this.#gates.size > 10_000) this.#gates.clear();
    this.#gates.set(key, gate);
    return gate;
  }

  /** Subscribes to rollout changes (this node's transitions and others' seen on refresh). */
  onChange(listener: (change: RolloutChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(change: RolloutChange) {
    for (const l of this.#listeners) {
      try {
        l(change);
      } catch (err) {
        this.#opts.log?.('rollout listener failed', { error: (err as Error).message });
      }
    }
  }

  /** Sets a capability's policy (validated); routing on this node follows at once, other nodes on refresh. */
  async setPolicy(capabilityId: string, input: RolloutPolicyInput): Promise<RolloutPolicy> {
    const policy = parsePolicy(input);
    if (policy.experiment) {
      const versions = await this.#store.capabilities.versions(capabilityId);
      if (!versions.some((m) => m.version === policy.experiment!.control))
        throw new IroncliwError(
          'E_INPUT_INVALID',
          `experiment.control: ${capabilityId} has no version ${policy.experiment.control}`,
          { details: { field: 'experiment.control' } },
        );
    }
    const updatedAt = new Date(this.#now()).toISOString();
    await this.#store.rolloutPolicies.save({ capabilityId, policy, updatedAt });
    await this.refresh();
    return policy;
  }

  // ---- decisions -----------------------------------------------------------------------------------

  async #window(r: Rollout): Promise<WindowStats> {
    const [w] = await this.#store.rolloutMetrics.list({
      capabilityId: r.capabilityId,
      version: r.version,
      stage: r.stage,
      windowStart: r.stageEnteredAt,
    });
    return windowStats(w?.counts ?? {}, this.thresholds);
  }

  async #judge(r: Rollout): Promise<Verdict | undefined> {
    if (!JUDGED_STAGES.has(r.stage)) return undefined;
    const policy = this.#states.get(r.capabilityId)?.policy ?? DEFAULT_POLICY;
    const [cap, gate] = await Promise.all([this.#riskCap(r), this.#gate(r)]);
    const stage = lowerStage(cap.stage, gate.maxStage);
    return judge(
      {
        stage: r.stage,
        stats: await this.#window(r),
        openForMs: Math.max(0, this.#now() - Date.parse(r.stageEnteredAt)),
        next: nextStep(r, policy)?.stage,
        cap: stage,
        capReason:
          stage === cap.stage
            ? `verification decision ${cap.decision} caps this capability at ${cap.stage}`
            : `verification condition max-stage:${stage} caps this capability at ${stage}`,
        needsPerson: gate.needsPerson,
      },
      this.thresholds,
    );
  }

  /**
   * Judges every active window (after flushing this node's numbers) and acts on the verdicts: roll back,
   * pause or promote. Returns one evaluation per judged rollout.
   */
  async evaluate(): Promise<Evaluation[]> {
    await this.flush();
    const out: Evaluation[] = [];
    for (const r of await this.#store.rollouts.list()) {
      const verdict = await this.#judge(r);
      if (!verdict) continue;
      const e: Evaluation = { capabilityId: r.capabilityId, version: r.version, stage: r.stage, verdict };
      out.push(e);
      if (verdict.held) {
        const held = await this.#hold(r, verdict);
        if (held) e.event = held;
      }
      if (verdict.action === 'none') continue;
      try {
        const policy = this.#states.get(r.capabilityId)?.policy ?? DEFAULT_POLICY;
        const step =
          verdict.action === 'promote'
            ? nextStep(r, policy)!
            : verdict.action === 'pause'
              ? { stage: 'paused' as const, percentage: r.percentage, pausedFrom: r.stage }
              : { stage: 'rolled_back' as const, percentage: 0 };
        e.event = await this.#apply(r, step, verdict.action, verdict.reason, verdict.numbers, 'system');
      } catch (err) {
        if (err instanceof IroncliwError && err.code === 'E_STATE_CONFLICT') continue; // another node acted
        throw err;
      }
    }
    if (this.#now() - this.#lastPrune > 3600_000) {
      this.#lastPrune = this.#now();
      const retention = this.#opts.servedRetentionMs ?? 7 * 24 * 3600_000;
      await this.#store.servedRequests.prune(new Date(this.#now() - retention).toISOString());
    }
    return out;
  }

  /**
   * Stores a refused automatic promotion as a `hold` decision, once per stage window: its id is derived from
   * the rollout and the window, so every node (and every later evaluation) finds it already stored.
   */
  async #hold(r: Rollout, verdict: Verdict): Promise<DecisionEvent | undefined> {
    const id = `evt_hold_${r.id}_${Date.parse(r.stageEnteredAt)}`;
    if (this.#held.has(id) || !verdict.held) return undefined;
    const event: DecisionEvent = {
      id,
      at: new Date(this.#now()).toISOString(),
      capabilityId: r.capabilityId,
      version: r.version,
      kind: 'hold',
      fromStage: r.stage,
      reason: `automatic promotion ${r.stage} → ${verdict.held.to} refused: ${verdict.held.reason}`,
      numbers: { ...verdict.numbers, fromPercentage: r.percentage },
      actor: 'system',
    };
    try {
      await this.#store.events.append(event);
    } catch (err) {
      if (err instanceof IroncliwError && err.code === 'E_STATE_CONFLICT') {
        this.#held.add(id); // another node (or an earlier run of this one) stored it
        return undefined;
      }
      throw err;
    }
    if (this.#held.size > 10_000) this.#held.clear();
    this.#held.add(id);
    this.#opts.log?.('rollout hold', { capabilityId: r.capabilityId, reason: event.reason });
    this.#emit({ capabilityId: r.capabilityId, rollout: r, event });
    return event;
  }

  async #apply(
    current: Rollout,
    to: Step & { pausedFrom?: RolloutStage },
    kind: DecisionKind,
    reason: string,
    numbers: Record<string, number>,
    actor: 'system' | 'user',
    by?: string,
  ): Promise<DecisionEvent> {
    // updatedAt is the compare-and-set token: it must move forward even within one millisecond.
    const at = new Date(Math.max(this.#now(), Date.parse(current.updatedAt) + 1)).toISOString();
    const next: Rollout = {
      id: current.id,
      capabilityId: current.capabilityId,
      version: current.version,
      stage: to.stage,
      percentage: to.percentage,
      ...(to.pausedFrom ? { pausedFrom: to.pausedFrom } : {}),
      rolloutKey: current.rolloutKey,
      stageEnteredAt: at,
      updatedAt: at,
    };
    const event: DecisionEvent = {
      id: newId('evt'),
      at,
      capabilityId: current.capabilityId,
      version: current.version,
      kind,
      fromStage: current.stage,
      toStage: to.stage,
      reason,
      numbers: { ...numbers, fromPercentage: current.percentage, toPercentage: to.percentage },
      actor,
      ...(by && actor === 'user' ? { by: by.slice(0, 200) } : {}),
    };
    // Read before the transaction: on SQLite the store's one connection is the transaction's.
    const stable = kind === 'rollback' ? await this.#stableVersion(current) : undefined;
    await this.#store.transaction(async (tx) => {
      if (!(await tx.rollouts.replaceIf(next, current.updatedAt)))
        throw new IroncliwError(
          'E_STATE_CONFLICT',
          `the rollout of ${current.capabilityId} changed meanwhile (another node or person moved it)`,
        );
      await tx.events.append(event);
      if (kind === 'rollback') {
        await tx.reports.add({
          id: newId('rep'),
          capabilityId: current.capabilityId,
          version: current.version,
          kind: 'incident',
          at,
          report: {
            reason,
            actor,
            stage: current.stage,
            percentage: current.percentage,
            windowStart: current.stageEnteredAt,
            numbers,
            routedTo: stable === undefined ? 'clean failure (no earlier version)' : `version ${stable}`,
          },
        });
      }
    });
    const prev = this.#states.get(current.capabilityId);
    const compiled = compileRollout(
      next,
      prev?.policy ?? DEFAULT_POLICY,
      await this.#stableVersion(next),
      (await this.#gate(next)).limitedGroup,
    );
    this.#states = new Map(this.#states).set(current.capabilityId, compiled);
    this.#opts.log?.('rollout transition', {
      capabilityId: current.capabilityId,
      kind,
      from: current.stage,
      to: to.stage,
      reason,
    });
    this.#emit({ capabilityId: current.capabilityId, rollout: next, event });
    return event;
  }

  async #current(capabilityId: string): Promise<Rollout> {
    const r = await this.#store.rollouts.get(capabilityId);
    if (!r)
      throw new IroncliwError('E_NOT_FOUND', `no rollout for capability ${capabilityId}`, {
        hint: 'List rollouts with `ironcliw rollout list`.',
      });
    return r;
  }

  async #manualNumbers(r: Rollout): Promise<Record<string, number>> {
    await this.flush().catch(() => {});
    return (await this.#judge(r))?.numbers ?? {};
  }

  /**
   * Moves a rollout one step up by hand. Minimum sample and dwell are the person's call; the stage cap (risk
   * cap of the verification decision, or a `max-stage` condition) is not, without `force`. A person's
   * promotion lifts the version's `limited-group` conditions and the hold of a replaced human rollback; the
   * event records who (`by`) and why (`reason`) and names what it lifted. `actor: 'system'` cannot promote a
   * version whose gate needs a person.
   */
  async promote(capabilityId: string, o: ManualOptions = {}): Promise<DecisionEvent> {
    const r = await this.#current(capabilityId);
    const policy = this.#policyOf(await this.#store.rolloutPolicies.get(capabilityId));
    const step = JUDGED_STAGES.has(r.stage) ? nextStep(r, policy) : undefined;
    if (!step)
      throw new IroncliwError('E_STATE_CONFLICT', `cannot promote ${capabilityId} from ${r.stage}`, {
        hint:
          r.stage === 'paused'
            ? 'Resume it first.'
            : 'Only development, canary, beta and gradual rollouts can be promoted.',
      });
    const [risk, gate] = await Promise.all([this.#riskCap(r), this.#gate(r)]);
    const actor = o.actor ?? 'user';
    if (actor !== 'user' && gate.needsPerson)
      throw new IroncliwError('E_STATE_CONFLICT', `${capabilityId}: ${gate.needsPerson}`, {
        hint: `A person promotes it: ironcliw rollout promote ${capabilityId} --reason "…"`,
      });
    const cap = lowerStage(risk.stage, gate.maxStage);
    if (isAbove(step.stage, cap) && !o.force)
      throw new IroncliwError(
        'E_STATE_CONFLICT',
        cap === risk.stage
          ? `${capabilityId} v${r.version} is capped at ${cap} (verification decision ${risk.decision})`
          : `${capabilityId} v${r.version} is capped at ${cap} (verification condition max-stage:${cap})`,
        { hint: 'Re-verify the capability, or pass --force to override the cap.' },
      );
    const lifts =
      actor === 'user'
        ? gate.conditions
            .filter(
              (c) => !c.lifted && (c.condition.startsWith(LIMITED_GROUP) || c.source === 'human-rollback'),
            )
            .map((c) => c.condition)
        : [];
    if (actor === 'user' && gate.conditions.some((c) => !c.lifted && c.condition === MANUAL_PROMOTION))
      lifts.push(MANUAL_PROMOTION);
    const passes = isAbove(step.stage, cap) ? [`stage cap ${cap} (forced)`] : [];
    const why = o.reason ?? 'promoted by hand';
    const notes = [...new Set([...lifts, ...passes])];
    const reason = notes.length ? `${why} [by a person: ${notes.join(', ')}]` : why;
    const numbers = await this.#manualNumbers(r);
    return this.#apply(r, step, 'promote', reason, numbers, actor, o.by);
  }

  /** Freezes a rollout: the users it serves keep the version, nobody new gets it, nothing is judged. */
  async pause(capabilityId: string, o: ManualOptions = {}): Promise<DecisionEvent> {
    const r = await this.#current(capabilityId);
    if (!JUDGED_STAGES.has(r.stage))
      throw new IroncliwError('E_STATE_CONFLICT', `cannot pause ${capabilityId} in ${r.stage}`);
    const numbers = await this.#manualNumbers(r);
    return this.#apply(
      r,
      { stage: 'paused', percentage: r.percentage, pausedFrom: r.stage },
      'pause',
      o.reason ?? 'paused by hand',
      numbers,
      o.actor ?? 'user',
      o.by,
    );
  }

  /** Back to the stage a pause froze, with a fresh window (the numbers that caused the pause are not re-judged). */
  async resume(capabilityId: string, o: ManualOptions = {}): Promise<DecisionEvent> {
    const r = await this.#current(capabilityId);
    if (r.stage !== 'paused')
      throw new IroncliwError(
        'E_STATE_CONFLICT',
        `cannot resume ${capabilityId}: it is ${r.stage}, not paused`,
      );
    const numbers = await this.#manualNumbers(r);
    return this.#apply(
      r,
      { stage: r.pausedFrom ?? 'development', percentage: r.percentage },
      'resume',
      o.reason ?? 'resumed by hand',
      numbers,
      o.actor ?? 'user',
      o.by,
    );
  }

  /** Immediately routes everyone back to the stable version (or a clean failure) and records an incident. */
  async rollback(capabilityId: string, o: ManualOptions = {}): Promise<DecisionEvent> {
    const r = await this.#current(capabilityId);
    if (r.stage === 'rolled_back' || r.stage === 'retired')
      throw new IroncliwError('E_STATE_CONFLICT', `cannot roll back ${capabilityId}: it is ${r.stage}`);
    const numbers = await this.#manualNumbers(r);
    return this.#apply(
      r,
      { stage: 'rolled_back', percentage: 0 },
      'rollback',
      o.reason ?? 'rolled back by hand',
      numbers,
      o.actor ?? 'user',
      o.by,
    );
  }

  /** Everything about one rollout: state, policy, open window, what the engine would do, and its history. */
  async status(capabilityId: string): Promise<RolloutStatus> {
    await this.flush().catch(() => {});
    const r = await this.#current(capabilityId);
    const [policy, stableVersion, riskCap, gate, stats, verdict, events] = await Promise.all([
      this.#store.rolloutPolicies.get(capabilityId).then((p) => this.#policyOf(p)),
      this.#stableVersion(r),
      this.#riskCap(r),
      this.#gate(r),
      this.#window(r),
      this.#judge(r),
      this.#store.events.list({ capabilityId }),
    ]);
    return {
      rollout: r,
      policy,
      stableVersion,
      riskCap,
      gate,
      window: { ...stats, stage: r.stage, windowStart: r.stageEnteredAt },
      verdict,
      events,
    };
  }

  // ---- wrapper and lifetime ------------------------------------------------------------------------

  /** Starts the flush, refresh and evaluation timers (unref'd: they never keep a process alive). */
  start(): void {
    if (this.#timers.length || this.#closed) return;
    const every = (ms: number, what: string, fn: () => Promise<unknown>) => {
      let running = false;
      const t = setInterval(() => {
        if (running) return;
        running = true;
        const p = fn()
          .catch((err: unknown) => this.#opts.log?.(`rollout ${what} failed`, { error: String(err) }))
          .finally(() => {
            running = false;
            this.#busy.delete(p);
          });
        this.#busy.add(p);
      }, ms);
      t.unref();
      this.#timers.push(t);
    };
    every(this.#opts.flushIntervalMs ?? 1000, 'flush', () => this.flush());
    every(this.#opts.refreshIntervalMs ?? 1000, 'refresh', () => this.refresh());
    // Push, with the timer above as the fallback (SQLite has no feed; notifications sent while the feed
    // reconnects are lost, and it then says '*', which refreshes too).
    this.#feed = this.#store.changes
      ?.subscribe((change) => {
        if (change.table === 'jobs' || this.#closed) return;
        this.refresh().catch((err: unknown) =>
          this.#opts.log?.('rollout refresh failed', { error: String(err) }),
        );
      })
      .catch((err: unknown) => {
        this.#opts.log?.('cannot listen for rollout changes; polling only', { error: String(err) });
        return undefined;
      });
    every(this.#opts.evaluateIntervalMs ?? 5000, 'evaluation', async () => {
      const evaluations = await this.evaluate();
      await this.#opts.onEvaluated?.(evaluations);
    });
  }

  /** Stops the timers, waits for work in flight and writes what is buffered. The store stays open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    (await this.#feed)?.();
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    await Promise.allSettled([...this.#busy]);
    await this.flush();
    this.#listeners.clear();
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
