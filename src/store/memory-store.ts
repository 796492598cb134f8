import type { DecisionEvent, Failure, Pattern, Rollout } from '../domain/index.js';
import { IroncliwError, isVerifiedUser } from '../domain/index.js';
import {
  conflict,
  DEFAULT_LIMITS,
  isoTime,
  leaseUntil,
  listLimit,
  metricRows,
  truncateError,
  viaJson,
} from './store-rules.js';
import type {
  ChangeFeed,
  FailureQuery,
  Job,
  MetricWindow,
  SignatureCount,
  StoreChange,
  ServedRequest,
  Store,
  StoredCapability,
  StoredReport,
  StoredRolloutPolicy,
} from './store.js';

interface Data {
  failures: Failure[];
  patterns: Pattern[];
  capabilities: StoredCapability[];
  reports: StoredReport[];
  rollouts: Map<string, Rollout>;
  /** In append order, like the SQL `seq` column. */
  events: DecisionEvent[];
  jobs: Job[];
  /** Keyed by JSON [capabilityId, version, windowStart, stage]. */
  counters: Map<string, MetricWindow>;
  served: Map<string, ServedRequest>;
  policies: Map<string, StoredRolloutPolicy>;
}

const emptyData = (): Data => ({
  counters: new Map(),
  served: new Map(),
  policies: new Map(),
  failures: [],
  patterns: [],
  capabilities: [],
  reports: [],
  rollouts: new Map(),
  events: [],
  jobs: [],
});

/** Ascending by the keys given, compared as strings (ISO timestamps and ids). */
const by =
  <T>(...keys: Array<(x: T) => string>) =>
  (a: T, b: T): number => {
    for (const key of keys) {
      const x = key(a);
      const y = key(b);
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
const desc =
  <T>(cmp: (a: T, b: T) => number) =>
  (a: T, b: T): number =>
    cmp(b, a);

/**
 * The in-memory twin of the SQL store, for fast unit tests and `memory:` URLs: same interface, same
 * ordering, conflict, normalisation and JSON rules (the shared integration suite runs on it). Values go in
 * and out through a JSON round trip, exactly as through a JSON column, so a caller can never mutate stored
 * state by accident. A transaction works on the live data and restores a snapshot if fn throws;
 * transactions are serialised with each other (not with calls outside them).
 */
export class MemoryStore implements Store {
  readonly dialect = 'memory' as const;
  #data: Data = emptyData();
  #txQueue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #listeners = new Set<(change: StoreChange) => void>();

  /**
   * In-process twin of PostgreSQL's LISTEN/NOTIFY feed. Changes are announced when written (a write inside
   * a transaction that then rolls back still announced itself: changes are hints to re-read, as documented).
   */
  readonly changes: ChangeFeed = {
    subscribe: async (listener) => {
      if (this.#closed) throw new IroncliwError('E_DB_UNAVAILABLE', 'the in-memory store is closed');
      this.#listeners.add(listener);
      return () => void this.#listeners.delete(listener);
    },
  };

  #announce(change: StoreChange): void {
    // After the current call stack, as a database notification arrives after the write returned.
    queueMicrotask(() => {
      for (const l of this.#listeners) {
        try {
          l(change);
        } catch {
          /* a listener's bug must not break the writer */
        }
      }
    });
  }

  private get d(): Data {
    if (this.#closed) throw new IroncliwError('E_DB_UNAVAILABLE', 'the in-memory store is closed');
    return this.#data;
  }

  readonly failures: Store['failures'] = {
    record: async (f) => {
      const stored = viaJson({ ...f, at: isoTime(f.at, 'failure.at') });
      if (this.d.failures.some((x) => x.id === f.id)) throw conflict(`failure ${f.id}`);
      this.d.failures.push(stored);
    },
    get: async (id) => viaJson(this.d.failures.find((f) => f.id === id)) ?? undefined,
    list: async (q = {}) => {
      const limit = listLimit(q.limit, DEFAULT_LIMITS.failures);
      const newestFirst = desc(
        by<Failure>(
          (f) => f.at,
          (f) => f.id,
        ),
      );
      return viaJson(this.filterFailures(q).sort(newestFirst).slice(0, limit));
    },
    count: async (q = {}) => this.filterFailures(q).length,
    distinctUsers: async (signature, since) =>
      new Set(
        this.filterFailures({ signature, ...(since === undefined ? {} : { since }) })
          .map((f) => f.userId)
          .filter(isVerifiedUser),
      ).size,
    signatures: async (q = {}) => {
      const limit = listLimit(q.limit, DEFAULT_LIMITS.signatures);
      const bySignature = new Map<string, SignatureCount>();
      for (const f of this.filterFailures(q.since === undefined ? {} : { since: q.since })) {
        const s = bySignature.get(f.signature);
        if (!s) bySignature.set(f.signature, { signature: f.signature, count: 1, lastAt: f.at });
        else {
          s.count++;
          if (f.at > s.lastAt) s.lastAt = f.at;
        }
      }
      // Newest first, then by signature ascending (as the SQL store orders them).
      return [...bySignature.values()]
        .sort((a, b) =>
          a.lastAt !== b.lastAt ? (a.lastAt < b.lastAt ? 1 : -1) : a.signature < b.signature ? -1 : 1,
        )
        .slice(0, limit);
    },
  };

  private filterFailures(q: Omit<FailureQuery, 'limit'>): Failure[] {
    const since = q.since === undefined ? undefined : isoTime(q.since, 'since');
    return this.d.failures.filter(
      (f) =>
        (q.signature === undefined || f.signature === q.signature) &&
        (q.userId === undefined || f.userId === q.userId) &&
        (q.capabilityId === undefined || f.capabilityId === q.capabilityId) &&
        (q.category === undefined || f.category === q.category) &&
        (since === undefined || f.at >= since),
    );
  }

  readonly patterns: Store['patterns'] = {
    upsert: async (pt) => {
      const incoming = viaJson({
        ...pt,
        firstSeen: isoTime(pt.firstSeen, 'pattern.firstSeen'),
        lastSeen: isoTime(pt.lastSeen, 'pattern.lastSeen'),
      });
      const existing = this.d.patterns.find((x) => x.signature === pt.signature);
      if (existing) {
        // See PatternRepository.upsert: an older observation may only raise the numbers.
        const newer = incoming.lastSeen > existing.lastSeen;
        existing.count = newer ? incoming.count : Math.max(existing.count, incoming.count);
        existing.distinctUsers = newer
          ? incoming.distinctUsers
          : Math.max(existing.distinctUsers, incoming.distinctUsers);
        existing.parameters = incoming.parameters;
        if (incoming.lastSeen > existing.lastSeen) existing.lastSeen = incoming.lastSeen;
        return viaJson(existing);
      }
      if (this.d.patterns.some((x) => x.id === pt.id)) throw conflict(`pattern ${pt.id}`);
      this.d.patterns.push(incoming);
      return viaJson(incoming);
    },
    get: async (id) => viaJson(this.d.patterns.find((x) => x.id === id)) ?? undefined,
    getBySignature: async (s) => viaJson(this.d.patterns.find((x) => x.signature === s)) ?? undefined,
    list: async (q = {}) => {
      const limit = listLimit(q.limit, DEFAULT_LIMITS.patterns);
      const recentFirst = desc(
        by<Pattern>(
          (p) => p.lastSeen,
          (p) => p.id,
        ),
      );
      return viaJson(
        this.d.patterns
          .filter((x) => q.status === undefined || x.status === q.status)
          .sort(recentFirst)
          .slice(0, limit),
      );
    },
    setStatus: async (id, status, reason, capabilityId) => {
      const pt = this.d.patterns.find((x) => x.id === id);
      if (!pt) return;
      pt.status = status;
      if (reason === undefined) delete pt.statusReason;
      else pt.statusReason = reason;
      if (capabilityId !== undefined) pt.capabilityId = capabilityId;
    },
  };

  readonly capabilities: Store['capabilities'] = {
    put: async (cap) => {
      const { id, version } = cap.manifest;
      if (!Number.isSafeInteger(version)) {
        throw new IroncliwError(
          'E_CAPABILITY_INVALID',
          `capability ${id} has a non-integer version ${version}`,
        );
      }
      if (this.d.capabilities.some((c) => c.manifest.id === id && c.manifest.version === version)) {
        throw conflict(`capability ${id} v${version}`);
      }
      this.d.capabilities.push(
        viaJson({ manifest: cap.manifest, code: cap.code, createdAt: new Date().toISOString() }),
      );
    },
    get: async (id, version) => {
      const matching = this.d.capabilities.filter(
        (c) => c.manifest.id === id && (version === undefined || c.manifest.version === version),
      );
      return viaJson(matching.sort((a, b) => b.manifest.version - a.manifest.version)[0]) ?? undefined;
    },
    list: async () => {
      const latest = new Map<string, StoredCapability>();
      for (const c of this.d.capabilities) {
        const prev = latest.get(c.manifest.id);
        if (!prev || prev.manifest.version < c.manifest.version) latest.set(c.manifest.id, c);
      }
      return viaJson([...latest.values()].sort(by((c) => c.manifest.id)));
    },
    versions: async (id) =>
      viaJson(
        this.d.capabilities
          .filter((c) => c.manifest.id === id)
          .map((c) => c.manifest)
          .sort((a, b) => a.version - b.version),
      ),
  };

  readonly reports: Store['reports'] = {
    add: async (r) => {
      const stored = viaJson({ ...r, at: isoTime(r.at, 'report.at') });
      if (this.d.reports.some((x) => x.id === r.id)) throw conflict(`report ${r.id}`);
      this.d.reports.push(stored);
    },
    list: async (id, version, kind) =>
      viaJson(
        this.d.reports
          .filter(
            (r) =>
              r.capabilityId === id &&
              (version === undefined || r.version === version) &&
              (kind === undefined || r.kind === kind),
          )
          .sort(
            by(
              (r) => r.at,
              (r) => r.id,
            ),
          ),
      ),
  };

  readonly rollouts: Store['rollouts'] = {
    save: async (r) => {
      const stored = viaJson({
        ...r,
        stageEnteredAt: isoTime(r.stageEnteredAt, 'rollout.stageEnteredAt'),
        updatedAt: isoTime(r.updatedAt, 'rollout.updatedAt'),
      });
      this.d.rollouts.set(r.capabilityId, stored);
      this.#announce({ table: 'rollouts', key: r.capabilityId });
    },
    get: async (id) => viaJson(this.d.rollouts.get(id)) ?? undefined,
    replaceIf: async (r, expectedUpdatedAt) => {
      const expected = isoTime(expectedUpdatedAt, 'expectedUpdatedAt');
      const current = this.d.rollouts.get(r.capabilityId);
      if (!current || current.updatedAt !== expected) return false;
      await this.rollouts.save(r);
      return true;
    },
    list: async (q = {}) =>
      viaJson(
        [...this.d.rollouts.values()]
          .filter((r) => q.stage === undefined || r.stage === q.stage)
          .sort(by((r) => r.capabilityId)),
      ),
  };

  readonly rolloutMetrics: Store['rolloutMetrics'] = {
    add: async (deltas) => {
      const rows = metricRows(deltas);
      const counters = this.d.counters;
      for (const r of rows) {
        const key = JSON.stringify([r.capabilityId, r.version, r.windowStart, r.stage]);
        let w = counters.get(key);
        if (!w) {
          w = {
            capabilityId: r.capabilityId,
            version: r.version,
            stage: r.stage,
            windowStart: r.windowStart,
            counts: {},
          };
          counters.set(key, w);
        }
        w.counts[r.metric] = (w.counts[r.metric] ?? 0) + r.count;
      }
    },
    list: async (q) => {
      const windowStart = q.windowStart === undefined ? undefined : isoTime(q.windowStart, 'windowStart');
      const found = [...this.d.counters.values()].filter(
        (w) =>
          w.capabilityId === q.capabilityId &&
          (q.version === undefined || w.version === q.version) &&
          (q.stage === undefined || w.stage === q.stage) &&
          (windowStart === undefined || w.windowStart === windowStart),
      );
      found.sort(
        (a, b) =>
          by<MetricWindow>((w) => w.capabilityId)(a, b) ||
          a.version - b.version ||
          by<MetricWindow>(
            (w) => w.windowStart,
            (w) => w.stage,
          )(a, b),
      );
      // Counter names in name order, as the SQL store returns them.
      return viaJson(
        found.map((w) => ({
          ...w,
          counts: Object.fromEntries(Object.entries(w.counts).sort(([x], [y]) => (x < y ? -1 : 1))),
        })),
      );
    },
  };

  readonly servedRequests: Store['servedRequests'] = {
    record: async (list) => {
      const rows = list.map((r) =>
        viaJson({
          requestId: r.requestId,
          capabilityId: r.capabilityId,
          version: r.version,
          stage: r.stage,
          windowStart: isoTime(r.windowStart, 'served.windowStart'),
          userId: r.userId,
          at: isoTime(r.at, 'served.at'),
        }),
      );
      const ids = new Set<string>();
      for (const r of rows) {
        if (this.d.served.has(r.requestId) || ids.has(r.requestId))
          throw conflict(`served request ${list.length === 1 ? r.requestId : '(batch)'}`);
        ids.add(r.requestId);
      }
      for (const r of rows) this.d.served.set(r.requestId, r);
    },
    get: async (id) => viaJson(this.d.served.get(id)) ?? undefined,
    setFeedback: async (id, feedback) => {
      const r = this.d.served.get(id);
      if (!r || r.feedback !== undefined) return false;
      r.feedback = feedback;
      return true;
    },
    prune: async (before) => {
      const limit = isoTime(before, 'before');
      let n = 0;
      for (const [id, r] of this.d.served)
        if (r.at < limit) {
          this.d.served.delete(id);
          n++;
        }
      return n;
    },
  };

  readonly rolloutPolicies: Store['rolloutPolicies'] = {
    save: async (p) => {
      this.d.policies.set(
        p.capabilityId,
        viaJson({ ...p, updatedAt: isoTime(p.updatedAt, 'policy.updatedAt') }),
      );
      this.#announce({ table: 'rollout_policies', key: p.capabilityId });
    },
    get: async (id) => viaJson(this.d.policies.get(id)) ?? undefined,
    list: async () => viaJson([...this.d.policies.values()].sort(by((p) => p.capabilityId))),
  };

  readonly events: Store['events'] = {
    append: async (e) => {
      const stored = viaJson({ ...e, at: isoTime(e.at, 'event.at') });
      if (this.d.events.some((x) => x.id === e.id)) throw conflict(`event ${e.id}`);
      this.d.events.push(stored);
    },
    list: async (q = {}) => {
      const limit = listLimit(q.limit, DEFAULT_LIMITS.events);
      return viaJson(
        this.d.events
          .filter((e) => q.capabilityId === undefined || e.capabilityId === q.capabilityId)
          .slice(0, limit),
      );
    },
  };

  readonly jobs: Store['jobs'] = {
    enqueue: async (job) => {
      const existing = this.d.jobs.find((x) => x.key === job.key);
      if (existing) return { job: viaJson(existing), created: false };
      if (this.d.jobs.some((x) => x.id === job.id)) throw conflict(`job ${job.id} (under another key)`);
      const now = new Date().toISOString();
      const created: Job = {
        id: job.id,
        kind: job.kind,
        key: job.key,
        payload: viaJson(job.payload),
        status: 'queued',
        attempts: 0,
        createdAt: now,
        updatedAt: now,
      };
      this.d.jobs.push(created);
      this.#announce({ table: 'jobs', key: created.id });
      return { job: viaJson(created), created: true };
    },
    claim: async (workerId, leaseMs, kinds) => {
      const at = Date.now();
      const until = leaseUntil(at, leaseMs);
      const now = new Date(at).toISOString();
      const job = this.d.jobs
        .filter(
          (x) =>
            (!kinds?.length || kinds.includes(x.kind)) &&
            (x.status === 'queued' ||
              (x.status === 'running' && x.lockedUntil !== undefined && x.lockedUntil < now)),
        )
        .sort(
          by(
            (x) => x.createdAt,
            (x) => x.id,
          ),
        )[0];
      if (!job) return undefined;
      Object.assign(job, {
        status: 'running',
        lockedBy: workerId,
        lockedUntil: until,
        attempts: job.attempts + 1,
        updatedAt: now,
      });
      return viaJson(job);
    },
    renew: async (id, owner, leaseMs) => {
      const until = leaseUntil(Date.now(), leaseMs);
      const job = this.held(id, owner);
      if (job) job.lockedUntil = until;
      return job !== undefined;
    },
    complete: async (id, owner, result) => {
      const job = this.finish(id, owner, 'done');
      if (!job) return false;
      if (result === undefined || result === null) delete job.result;
      else job.result = viaJson(result);
      return true;
    },
    fail: async (id, owner, error) => {
      const job = this.finish(id, owner, 'failed');
      if (job) job.error = truncateError(error);
      return job !== undefined;
    },
    get: async (id) => viaJson(this.d.jobs.find((x) => x.id === id)) ?? undefined,
    list: async (q = {}) => {
      const limit = listLimit(q.limit, DEFAULT_LIMITS.jobs);
      return viaJson(
        this.d.jobs
          .filter((x) => q.status === undefined || x.status === q.status)
          .sort(
            by(
              (x) => x.createdAt,
              (x) => x.id,
            ),
          )
          .slice(0, limit),
      );
    },
  };

  /** The job if it is running under `owner` (the lease fence of complete, fail and renew). */
  private held(id: string, owner: string): Job | undefined {
    return this.d.jobs.find((x) => x.id === id && x.status === 'running' && x.lockedBy === owner);
  }

  private finish(id: string, owner: string, status: 'done' | 'failed'): Job | undefined {
    const job = this.held(id, owner);
    if (!job) return undefined;
    job.status = status;
    job.updatedAt = new Date().toISOString();
    delete job.lockedBy;
    delete job.lockedUntil;
    return job;
  }

  async transaction<T>(fn: (tx: Omit<Store, 'transaction' | 'close' | 'ping'>) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const snapshot = structuredClone(this.d);
      try {
        return await fn(this);
      } catch (err) {
        this.#data = snapshot;
        throw err;
      }
    };
    const result = this.#txQueue.then(run, run);
    this.#txQueue = result.catch(() => {});
    return result;
  }

  async ping(): Promise<void> {
    if (this.#closed) throw new IroncliwError('E_DB_UNAVAILABLE', 'the in-memory store is closed');
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
  }
}

/** A fresh, empty in-memory store. */
export function createMemoryStore(): Store {
  return new MemoryStore();
}
