import type { FailureCategory } from '../domain/index.js';
import { IroncliwError, newId } from '../domain/index.js';
import type { MetricDelta, ServedRequest, Store } from '../store/index.js';
import { LATENCY_COUNTERS, latencyBucket } from './latency-buckets.js';
import type { CompiledRollout } from './strategies.js';

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

export interface MetricBufferOptions {
  store: Store;
  now: () => number;
  /** Most served-request rows buffered while the store is unreachable; older ones are dropped. Default 100,000. */
  maxBufferedServed?: number | undefined;
}

interface PendingWindow extends MetricDelta {
  counts: Record<string, number>;
}

const windowKey = (capabilityId: string, version: number, stage: string, windowStart: string) =>
  `${capabilityId}\u0000${version}\u0000${stage}\u0000${windowStart}`;

/**
 * This node's live numbers: every execution counted in memory into the open window of its version, and
 * the served requests feedback will look up. `flush` writes them as counter increments that the store
 * adds atomically, so the numbers of all nodes merge.
 */
export class MetricBuffer {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #maxServed: number;
  #pending = new Map<string, PendingWindow>();
  #windowCache = new WeakMap<CompiledRollout, Map<number, PendingWindow>>();
  #isoMs = Number.NaN;
  #iso = '';
  #served: Array<Omit<ServedRequest, 'feedback'>> = [];
  #droppedServed = 0;
  #flushing: Promise<void> = Promise.resolve();
  /** The counter batch whose add failed: retried as is (same id) before anything newer. */
  #unacked: { id: string; deltas: PendingWindow[] } | undefined;

  constructor(options: MetricBufferOptions) {
    this.#store = options.store;
    this.#now = options.now;
    this.#maxServed = options.maxBufferedServed ?? 100_000;
  }

  /**
   * Counts one execution into the open window of its version. Outcomes of the stable version go to a
   * `stable` window beside the rollout's, as a baseline. The hot part of recording: no options object.
   */
  count(
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
      const key = windowKey(r.capabilityId, version, stage, r.stageEnteredAt);
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
      const max = this.#maxServed;
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
   * Writes buffered counters and served requests; on failure they stay buffered for the next flush.
   * Counters go out as batches with an id; a batch that failed is retried as it was, under the same id,
   * before anything newer — so a batch whose commit succeeded but whose acknowledgement was lost is not
   * counted twice (the store adds an id once).
   */
  flush(): Promise<void> {
    const run = async () => {
      if (this.#unacked) {
        await this.#store.rolloutMetrics.add(this.#unacked.deltas, { batchId: this.#unacked.id });
        this.#unacked = undefined;
      }
      const deltas = [...this.#pending.values()];
      const served = this.#served;
      this.#pending = new Map();
      this.#windowCache = new WeakMap();
      this.#served = [];
      if (deltas.length) {
        const batch = { id: newId('mb'), deltas };
        try {
          await this.#store.rolloutMetrics.add(deltas, { batchId: batch.id });
        } catch (err) {
          this.#unacked = batch;
          this.#served = served.concat(this.#served);
          throw err;
        }
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

  /** Served-request rows dropped because the store was unreachable for long (see maxBufferedServed). */
  get droppedServed(): number {
    return this.#droppedServed;
  }
}
