import { isIroncliwError } from '../domain/index.js';
import type { Job, Store } from '../store/index.js';

export const GENERATE_JOB = 'generate';
/** Learn a pattern again from its demonstrations (one job per demonstration count: `demonstrate:<id>:d<n>`). */
export const DEMONSTRATE_JOB = 'demonstrate';

/** Claims of one job before it is given up: enough for a few crashes or restarts, few enough to stop a crash loop. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/** The id of a capability learned from demonstrations for a pattern that had none: stable per signature. */
export function demonstratedCapabilityId(signature: string): string {
  const slug = signature
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `demo-${slug || 'pattern'}`;
}

/** What a generate job carries; `evolution` when a live version is being replaced (see considerEvolution). */
export interface GeneratePayload {
  patternId: string;
  /** Absent on `demonstrate` jobs: the next version when the job runs. */
  version?: number;
  /** On `demonstrate` jobs: how many demonstrations the pattern had when it was queued. */
  demonstrations?: number;
  evolution?: { fromVersion: number; reason: string };
}

/** What running a job produced. */
export interface Outcome {
  result: Record<string, unknown>;
  /** The job was already marked done inside the transaction that stored the outcome. */
  completed: boolean;
}

/** The repositories of one store transaction. */
export type StoreTx = Parameters<Parameters<Store['transaction']>[0]>[0];

/** The job's lease went to another worker while this one worked: its writes must not land. */
export class LeaseLost extends Error {
  constructor(jobId: string) {
    super(`job ${jobId}: lease lost to another worker; its result was discarded`);
  }
}

/**
 * The lease fence, first in a transaction that stores a job's outcome: marks the job done while `workerId`
 * still holds it, else throws {@link LeaseLost} so nothing of the transaction lands. On PostgreSQL it row-locks
 * the job until commit, on SQLite the transaction holds the write lock; either way no other worker can take
 * the job over between this check and the commit.
 */
export async function completeUnderLease(
  tx: StoreTx,
  job: Job,
  workerId: string,
  result: Record<string, unknown>,
): Promise<void> {
  if (!(await tx.jobs.complete(job.id, workerId, result))) throw new LeaseLost(job.id);
}

/** The store said the database is away for now (E_DB_UNAVAILABLE), here or in what caused the error. */
export function isOutage(err: unknown, depth = 0): boolean {
  if (depth > 3 || !err || typeof err !== 'object') return false;
  if (isIroncliwError(err) && err.code === 'E_DB_UNAVAILABLE') return true;
  return isOutage((err as { cause?: unknown }).cause, depth + 1);
}

/**
 * Whether a learning job is waiting for a worker: one queued, or one running under a lease that ran out (its
 * worker died), as `claim` would take it. For a node that starts its learner only when there is work (serve).
 */
export async function hasClaimableJob(store: Store, now = new Date()): Promise<boolean> {
  const kinds = new Set([GENERATE_JOB, DEMONSTRATE_JOB]);
  if ((await store.jobs.list({ status: 'queued', limit: 100 })).some((j) => kinds.has(j.kind))) return true;
  const at = now.toISOString();
  return (await store.jobs.list({ status: 'running' })).some(
    (j) => kinds.has(j.kind) && (j.lockedUntil === undefined || j.lockedUntil < at),
  );
}
