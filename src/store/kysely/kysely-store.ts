import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { IroncliwError, isIroncliwError } from '../../domain/index.js';
import type { SqlFlavor } from '../sql-flavor.js';
import type { Database } from '../sql-schema.js';
import type { ChangeFeed, Store } from '../store.js';
import { capabilityRepository } from './capabilities.js';
import { demonstrationRepository } from './demonstrations.js';
import { eventRepository } from './events.js';
import { failureRepository } from './failures.js';
import { jobRepository } from './jobs.js';
import { patternRepository } from './patterns.js';
import { reportRepository } from './reports.js';
import { rolloutMetricsRepository } from './rollout-metrics.js';
import { rolloutPolicyRepository } from './rollout-policies.js';
import { rolloutRepository } from './rollouts.js';
import { screenRepository } from './screens.js';
import { servedRequestRepository } from './served-requests.js';
import { sqlRepositoryKit } from './sql-repository.js';

type Repositories = Omit<Store, 'transaction' | 'close' | 'ping' | 'dialect' | 'changes'>;

/** Every repository over one handle: the store's own, or a transaction's. */
function repositories(db: Kysely<Database>, flavor: SqlFlavor): Repositories {
  const kit = sqlRepositoryKit(db, flavor);
  return {
    failures: failureRepository(kit),
    patterns: patternRepository(kit),
    capabilities: capabilityRepository(kit),
    reports: reportRepository(kit),
    rollouts: rolloutRepository(kit),
    events: eventRepository(kit),
    jobs: jobRepository(kit),
    rolloutMetrics: rolloutMetricsRepository(kit),
    servedRequests: servedRequestRepository(kit),
    rolloutPolicies: rolloutPolicyRepository(kit),
    demonstrations: demonstrationRepository(kit),
    screens: screenRepository(kit),
  };
}

/**
 * An outage is E_DB_UNAVAILABLE (HTTP 503, "retry"), whatever the driver threw: callers (the runtime, the
 * pipeline, the rollout engine) tell "the database is away for now" from a bug by the code alone.
 */
function outageError(flavor: SqlFlavor): (err: unknown) => unknown {
  return (err) => {
    if (isIroncliwError(err)) return err;
    const why = flavor.unreachable(err);
    return why === undefined
      ? err
      : new IroncliwError('E_DB_UNAVAILABLE', `the database is unreachable (${why})`, { cause: err });
  };
}

/** The same repositories, with every rejection passed through `translate`. */
function guarded(repos: Repositories, translate: (err: unknown) => unknown): Repositories {
  const wrap = <T extends object>(repo: T): T => {
    const out: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(repo)) {
      if (typeof fn !== 'function') {
        out[name] = fn;
        continue;
      }
      out[name] = (...args: unknown[]) => {
        try {
          return (fn as (...a: unknown[]) => Promise<unknown>).apply(repo, args).catch((err: unknown) => {
            throw translate(err);
          });
        } catch (err) {
          return Promise.reject(translate(err));
        }
      };
    }
    return out as T;
  };
  return Object.fromEntries(Object.entries(repos).map(([name, repo]) => [name, wrap(repo)])) as Repositories;
}

/** A Store over Kysely: the flavor decides SQLite or PostgreSQL, the queries are shared. */
export function createKyselyStore(
  db: Kysely<Database>,
  flavor: SqlFlavor,
  feed?: ChangeFeed & { close(): Promise<void> },
): Store {
  const dialect = flavor.dialect;
  const translate = outageError(flavor);
  let closing: Promise<void> | undefined;
  return {
    dialect,
    ...guarded(repositories(db, flavor), translate),
    ...(feed ? { changes: feed } : {}),

    transaction: (fn) =>
      flavor
        .transaction(db, (trx) => fn({ dialect, ...guarded(repositories(trx, flavor), translate) }))
        .catch((err: unknown) => {
          throw translate(err);
        }),

    async ping() {
      if (closing) throw new IroncliwError('E_DB_UNAVAILABLE', 'the store is closed');
      try {
        await sql`select 1`.execute(db);
      } catch (err) {
        throw translate(err);
      }
    },

    /** Idempotent: a second close waits for the first. */
    close() {
      closing ??= (async () => {
        await feed?.close();
        await db.destroy();
      })();
      return closing;
    },
  };
}
