import type {
  Capability,
  CapabilityManifest,
  DecisionEvent,
  Failure,
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
  /**
   * Runs fn in one transaction (the repositories passed to fn use it); a throw rolls everything back.
   * Use only `tx` inside fn: on SQLite the store has one connection, so the outer store waits for the end.
   */
  transaction<T>(fn: (tx: Omit<Store, 'transaction' | 'close'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface FailureQuery {
  limit?: number;
  signature?: string;
  userId?: string;
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
}

export interface PatternRepository {
  /**
   * Insert, or update count/distinctUsers/parameters of the pattern with the same signature (lastSeen only
   * moves forward; id, firstSeen and status are kept). Returns the stored row.
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

export type ReportKind = 'synthesis' | 'sandbox' | 'verification' | 'benchmark';

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
  /** Marks the job done and drops its lease. */
  complete(id: string, result: unknown): Promise<void>;
  /** Marks the job failed (error text kept up to 4000 characters) and drops its lease. */
  fail(id: string, error: string): Promise<void>;
  get(id: string): Promise<Job | undefined>;
  /** Oldest first (by createdAt, then id); at most 1000 unless `limit` says otherwise. */
  list(query?: { status?: JobStatus; limit?: number }): Promise<Job[]>;
}
