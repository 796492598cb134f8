import type {
  Capability,
  CapabilityManifest,
  DecisionEvent,
  Demonstration,
  Failure,
  FailureCategory,
  Pattern,
  PatternStatus,
  Rollout,
  RolloutStage,
} from '../domain/index.js';

/**
 * The persistence boundary. One implementation (Kysely) serves SQLite and PostgreSQL; an in-memory one
 * backs fast unit tests behind the same interface. All methods are async.
 *
 * Rules every backend keeps (the integration suite checks them on each):
 * - Timestamps are ISO-8601 strings. They are normalised on write to UTC (`Date#toISOString()`), so what
 *   comes back may differ in form (not in instant) from what went in; an unparsable one is E_INPUT_INVALID.
 * - JSON values (frames, manifests, reports, payloads) round-trip through JSON: `undefined` members vanish,
 *   non-finite numbers become null.
 * - Inserting a row whose id already exists is E_STATE_CONFLICT; updates of an unknown id are no-ops.
 * - A `limit` must be a non-negative integer (E_INPUT_INVALID otherwise).
 *
 * Opening: see `openStore` in `open-store.ts`.
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres' | 'memory';
  readonly failures: FailureRepository;
  readonly patterns: PatternRepository;
  readonly capabilities: CapabilityRepository;
  readonly reports: ReportRepository;
  readonly rollouts: RolloutRepository;
  readonly events: EventRepository;
  readonly jobs: JobRepository;
  readonly rolloutMetrics: RolloutMetricsRepository;
  readonly servedRequests: ServedRequestRepository;
  readonly rolloutPolicies: RolloutPolicyRepository;
  readonly demonstrations: DemonstrationRepository;
  readonly screens: ScreenRepository;
  /**
   * Committed changes made by any process on this database, pushed as they happen: PostgreSQL
   * (LISTEN/NOTIFY) and the in-memory store have one; SQLite has none (nodes sharing a file poll instead).
   * A change is a hint to re-read, never data: readers must still re-read the store, and must keep a
   * polling fallback, since notifications sent while a listener reconnects are lost (it then hears `*`).
   */
  readonly changes?: ChangeFeed;
  /**
   * Runs fn in one transaction (the repositories passed to fn use it); a throw rolls everything back.
   * Use only `tx` inside fn: on SQLite the store has one connection, so the outer store waits for the end.
   */
  transaction<T>(fn: (tx: Omit<Store, 'transaction' | 'close' | 'ping'>) => Promise<T>): Promise<T>;
  /**
   * The cheapest round trip to the database (`select 1`), for health checks; rejects with E_DB_UNAVAILABLE
   * when it is unreachable or the store is closed.
   */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What changed: the table and the row's key (capability id for rollouts and policies, job id for jobs). */
export interface StoreChange {
  /**
   * `rollouts` and `rollout_policies` on insert, update and delete; `jobs` on insert (a job to claim);
   * `*` when changes may have been missed (the listener reconnected): re-read everything.
   */
  table: 'rollouts' | 'rollout_policies' | 'jobs' | '*';
  key?: string;
}

export interface ChangeFeed {
  /**
   * Calls listener for every change committed after the returned promise resolves (a listener that throws
   * is ignored). Resolves to the unsubscribe function; rejects with E_DB_UNAVAILABLE if it cannot listen.
   */
  subscribe(listener: (change: StoreChange) => void): Promise<() => void>;
}

export interface FailureQuery {
  limit?: number;
  signature?: string;
  userId?: string;
  /** Only failures of this capability (its timeouts, errors and wrong answers). */
  capabilityId?: string;
  category?: FailureCategory;
  /** ISO timestamp; only failures at or after it. */
  since?: string;
}

export interface FailureRepository {
  record(failure: Failure): Promise<void>;
  get(id: string): Promise<Failure | undefined>;
  /** Newest first (by `at`, then id); at most 100 unless `limit` says otherwise. */
  list(query?: FailureQuery): Promise<Failure[]>;
  count(query?: Omit<FailureQuery, 'limit'>): Promise<number>;
  /** Number of distinct userIds among failures with this signature (optionally since a time). */
  distinctUsers(signature: string, since?: string): Promise<number>;
  /**
   * Every signature with failures (optionally since a time), with how many and the newest one's time;
   * most recently seen first (then by signature); at most 1000 unless `limit` says otherwise. Crash
   * recovery uses it to find failures whose pattern was never updated.
   */
  signatures(query?: { since?: string; limit?: number }): Promise<SignatureCount[]>;
}

export interface SignatureCount {
  signature: string;
  count: number;
  lastAt: string;
}

export interface PatternRepository {
  /**
   * Insert, or update count/distinctUsers/parameters of the pattern with the same signature (lastSeen only
   * moves forward; id, firstSeen and status are kept). Returns the stored row. Observers on several nodes
   * finish out of order, so an observation older than the stored one (by lastSeen) may only raise
   * count and distinctUsers, never lower them: the stored numbers never go back to a stale count.
   */
  upsert(pattern: Pattern): Promise<Pattern>;
  get(id: string): Promise<Pattern | undefined>;
  getBySignature(signature: string): Promise<Pattern | undefined>;
  /** Most recently seen first; at most 1000 unless `limit` says otherwise. */
  list(query?: { status?: PatternStatus; limit?: number }): Promise<Pattern[]>;
  /** `reason` undefined clears the reason; `capabilityId` undefined keeps the current one. */
  setStatus(id: string, status: PatternStatus, reason?: string, capabilityId?: string): Promise<void>;
}

export interface StoredCapability extends Capability {
  createdAt: string;
}

export interface CapabilityRepository {
  /** Stores a new version. Fails with E_STATE_CONFLICT if (id, version) exists. */
  put(capability: Capability): Promise<void>;
  get(id: string, version?: number): Promise<StoredCapability | undefined>;
  /** Latest version of every capability, ordered by id. */
  list(): Promise<StoredCapability[]>;
  /** Every stored version's manifest, oldest version first. */
  versions(id: string): Promise<CapabilityManifest[]>;
}

/** `incident`: what a rollback saw (its window's numbers), kept beside the capability's other reports. */
export type ReportKind = 'synthesis' | 'sandbox' | 'verification' | 'benchmark' | 'incident';

export interface StoredReport {
  id: string;
  capabilityId: string;
  version: number;
  kind: ReportKind;
  at: string;
  report: unknown;
}

export interface ReportRepository {
  add(report: StoredReport): Promise<void>;
  /** Oldest first (by `at`, then id). */
  list(capabilityId: string, version?: number, kind?: ReportKind): Promise<StoredReport[]>;
}

export interface RolloutRepository {
  /** Insert or replace the rollout of a capability (one active rollout per capability id). */
  save(rollout: Rollout): Promise<void>;
  get(capabilityId: string): Promise<Rollout | undefined>;
  /** Ordered by capability id. */
  list(query?: { stage?: RolloutStage }): Promise<Rollout[]>;
  /**
   * Compare-and-set: replaces the rollout only if the stored one still has `expectedUpdatedAt` (compared as
   * instants), so two nodes judging the same window cannot both move it. True if it was replaced; false if
   * it changed meanwhile or does not exist.
   */
  replaceIf(rollout: Rollout, expectedUpdatedAt: string): Promise<boolean>;
}

export interface EventRepository {
  append(event: DecisionEvent): Promise<void>;
  /** Oldest first (in the order appended); at most 10,000 unless `limit` says otherwise. */
  list(query?: { capabilityId?: string; limit?: number }): Promise<DecisionEvent[]>;
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface Job {
  id: string;
  kind: string;
  /** Idempotency key: at most one job per key ever exists (e.g. `generate:<patternId>:v1`). */
  key: string;
  payload: unknown;
  status: JobStatus;
  attempts: number;
  result?: unknown;
  error?: string;
  lockedBy?: string;
  lockedUntil?: string;
  createdAt: string;
  updatedAt: string;
}

export interface JobRepository {
  /**
   * Creates the job unless one with the same key exists; returns the existing or new job and whether it was
   * created. A different key under an existing id is E_STATE_CONFLICT.
   */
  enqueue(job: {
    id: string;
    kind: string;
    key: string;
    payload: unknown;
  }): Promise<{ job: Job; created: boolean }>;
  /**
   * Claims one job that is queued, or running with an expired lease (a crashed worker), setting
   * lockedBy/lockedUntil and incrementing attempts. Safe under concurrency (SKIP LOCKED on PostgreSQL).
   * Oldest job first (by createdAt, then id). Leases compare the clocks of the nodes, so keep leaseMs well
   * above the clock skew between them.
   */
  claim(workerId: string, leaseMs: number, kinds?: string[]): Promise<Job | undefined>;
  /**
   * Extends the lease of a running job held by `owner` to now + leaseMs (a heartbeat for long jobs).
   * False when the job is not running under that owner any more (its lease ran out and another took it).
   */
  renew(id: string, owner: string, leaseMs: number): Promise<boolean>;
  /**
   * Marks the job done and drops its lease — only while it is running under `owner`: a worker whose lease
   * ran out (and whose job another worker took over) cannot finish it. True if it was marked now. Inside a
   * transaction this is the fence that makes the transaction's other writes the lease holder's only.
   */
  complete(id: string, owner: string, result: unknown): Promise<boolean>;
  /**
   * Marks the job failed (error text kept up to 4000 characters) and drops its lease, under the same rule
   * as `complete`. True if it was marked now.
   */
  fail(id: string, owner: string, error: string): Promise<boolean>;
  get(id: string): Promise<Job | undefined>;
  /** Oldest first (by createdAt, then id); at most 1000 unless `limit` says otherwise. */
  list(query?: { status?: JobStatus; limit?: number }): Promise<Job[]>;
}

/**
 * One stage window of one capability version: the counters every node adds to. `stage` is a rollout stage,
 * or `stable` for the outcomes of the version served to users outside the rollout during the same window.
 * `windowStart` is the rollout's `stageEnteredAt` when the window opened.
 */
export interface MetricWindowKey {
  capabilityId: string;
  version: number;
  stage: string;
  windowStart: string;
}

/** Counter increments for one window, e.g. `{requests: 3, ok: 2, 'error:timeout': 1, 'latency:7': 3}`. */
export interface MetricDelta extends MetricWindowKey {
  counts: Record<string, number>;
}

export interface MetricWindow extends MetricWindowKey {
  counts: Record<string, number>;
}

/**
 * Rollout metrics as plain counters that only ever grow, added atomically in the database
 * (`count = count + n`): nodes flush their increments independently and the sums are the fleet's numbers.
 */
export interface RolloutMetricsRepository {
  /**
   * Adds every delta in one transaction. Counter names are at most 100 characters; increments are
   * non-negative safe integers (E_INPUT_INVALID otherwise); zero increments are skipped.
   *
   * With a `batchId`, the add happens at most once per id: a retry of a flush whose commit succeeded but
   * whose acknowledgement was lost (a connection cut at the wrong moment) adds nothing and returns false.
   * Ids are remembered for `BATCH_ID_RETENTION_MS`. Returns whether the deltas were added.
   */
  add(deltas: readonly MetricDelta[], options?: { batchId?: string }): Promise<boolean>;
  /**
   * The windows matching the filter, each with all its counters; ordered by capability id, version,
   * window start, stage.
   */
  list(query: {
    capabilityId: string;
    version?: number;
    stage?: string;
    windowStart?: string;
  }): Promise<MetricWindow[]>;
}

/** Which capability version served a request: what `feedback <requestId>` needs to find. */
export interface ServedRequest {
  requestId: string;
  capabilityId: string;
  version: number;
  stage: string;
  windowStart: string;
  userId: string;
  at: string;
  /** Set once by `setFeedback`. */
  feedback?: 'positive' | 'negative';
}

export interface ServedRequestRepository {
  /** Inserts the rows in one transaction; a request id already recorded is E_STATE_CONFLICT (nothing kept). */
  record(rows: readonly Omit<ServedRequest, 'feedback'>[]): Promise<void>;
  get(requestId: string): Promise<ServedRequest | undefined>;
  /**
   * Records the feedback of a request once: true if it was set now, false if the request is unknown or
   * already has feedback (feedback is never counted twice).
   */
  setFeedback(requestId: string, feedback: 'positive' | 'negative'): Promise<boolean>;
  /** Deletes requests served before `before`; returns how many. */
  prune(before: string): Promise<number>;
}

/** A capability's rollout policy (strategies, steps) as a JSON document; `rollout/` owns its shape. */
export interface StoredRolloutPolicy {
  capabilityId: string;
  policy: Record<string, unknown>;
  updatedAt: string;
}

export interface RolloutPolicyRepository {
  /** Insert or replace. */
  save(policy: StoredRolloutPolicy): Promise<void>;
  get(capabilityId: string): Promise<StoredRolloutPolicy | undefined>;
  /** Ordered by capability id. */
  list(): Promise<StoredRolloutPolicy[]>;
}

export interface DemonstrationRepository {
  /** Inserts; an id that exists is E_STATE_CONFLICT. */
  add(demonstration: Demonstration): Promise<void>;
  /** Oldest first (by `at`, then id); at most 100 unless `limit` says otherwise. */
  list(query: { patternId?: string; limit?: number }): Promise<Demonstration[]>;
  count(query: { patternId: string }): Promise<number>;
}

/**
 * A screen image kept in the store: the screen of a failed command (so it can be demonstrated on later, for
 * `demonstrations.screenRetentionMs`), or of a demonstration (kept as long as the demonstration: no expiry).
 */
export interface StoredScreen {
  id: string;
  at: string;
  /** When it may be purged; absent = kept. */
  expiresAt?: string;
  /** The encoded image (PNG or JPEG) as received. */
  bytes: Uint8Array;
}

export interface ScreenRepository {
  /** Inserts; an id that exists is E_STATE_CONFLICT. */
  put(screen: StoredScreen): Promise<void>;
  get(id: string): Promise<StoredScreen | undefined>;
  /** Keeps the screen for good (a demonstration was made on it). False when it is unknown. */
  keep(id: string): Promise<boolean>;
  /**
   * Deletes one screen (a failed command's upload kept while it decoded, which turned out unreadable). False
   * when it is unknown.
   */
  delete(id: string): Promise<boolean>;
  /** Deletes every screen whose `expiresAt` is before `now`; returns how many. */
  purge(now: string): Promise<number>;
}
