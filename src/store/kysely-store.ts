import type { Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { CapabilityManifest, DecisionEvent, Failure, Pattern, Rollout } from '../domain/index.js';
import { ANONYMOUS_USER, IroncliwError, isIroncliwError, UNVERIFIED_USER_PREFIX } from '../domain/index.js';
import type { SqlFlavor } from './sql-flavor.js';
import type {
  CapabilityRow,
  Database,
  EventRow,
  FailureRow,
  JobRow,
  PatternRow,
  ReportRow,
  RolloutPolicyRow,
  RolloutRow,
  ServedRequestRow,
} from './sql-schema.js';
import {
  conflict,
  DEFAULT_LIMITS,
  isoTime,
  leaseUntil,
  listLimit,
  metricRows,
  toJsonText,
  truncateError,
} from './store-rules.js';
import type {
  CapabilityRepository,
  ChangeFeed,
  EventRepository,
  FailureQuery,
  FailureRepository,
  Job,
  JobRepository,
  MetricWindow,
  PatternRepository,
  ReportRepository,
  RolloutMetricsRepository,
  RolloutPolicyRepository,
  RolloutRepository,
  ServedRequest,
  ServedRequestRepository,
  Store,
  StoredCapability,
  StoredReport,
  StoredRolloutPolicy,
} from './store.js';

type Repositories = Omit<Store, 'transaction' | 'close' | 'ping' | 'dialect'>;

/** PostgreSQL returns COUNT(*) (bigint) as a string. */
const num = (v: unknown): number => Number(v ?? 0);

/** Optional columns come back as NULL; the API leaves such fields out rather than setting them undefined. */
function opt<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return (value === null || value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function repositories(db: Kysely<Database>, flavor: SqlFlavor): Repositories {
  const json = <T>(v: unknown): T => flavor.decodeJson(v) as T;

  /** Inserts; a duplicate key becomes E_STATE_CONFLICT naming `what`. */
  async function insertOnce(what: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (err) {
      if (flavor.isUniqueViolation(err)) throw conflict(what, err);
      throw err;
    }
  }

  const toFailure = (r: Selectable<FailureRow>): Failure => ({
    id: r.id,
    at: r.at,
    userId: r.user_id,
    command: r.command,
    frame: json(r.frame),
    category: r.category as Failure['category'],
    message: r.message,
    signature: r.signature,
    ...opt('capabilityId', r.capability_id),
    ...opt('screenRef', r.screen_ref),
    ...opt('expectation', r.expectation === null ? null : json<Failure['expectation']>(r.expectation)),
  });

  const toPattern = (r: Selectable<PatternRow>): Pattern => ({
    id: r.id,
    signature: r.signature,
    frame: json(r.frame),
    parameters: json(r.parameters),
    count: num(r.count),
    distinctUsers: num(r.distinct_users),
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    status: r.status as Pattern['status'],
    ...opt('statusReason', r.status_reason),
    ...opt('capabilityId', r.capability_id),
  });

  const toCapability = (r: Selectable<CapabilityRow>): StoredCapability => ({
    manifest: json(r.manifest),
    code: r.code,
    createdAt: r.created_at,
  });

  const toReport = (r: Selectable<ReportRow>): StoredReport => ({
    id: r.id,
    capabilityId: r.capability_id,
    version: num(r.version),
    kind: r.kind as StoredReport['kind'],
    at: r.at,
    report: json(r.report),
  });

  const toRollout = (r: Selectable<RolloutRow>): Rollout => ({
    id: r.id,
    capabilityId: r.capability_id,
    version: num(r.version),
    stage: r.stage as Rollout['stage'],
    percentage: num(r.percentage),
    ...opt('pausedFrom', r.paused_from as Rollout['stage'] | null),
    rolloutKey: r.rollout_key,
    stageEnteredAt: r.stage_entered_at,
    updatedAt: r.updated_at,
  });

  const toEvent = (r: Selectable<EventRow>): DecisionEvent => ({
    id: r.id,
    at: r.at,
    capabilityId: r.capability_id,
    version: num(r.version),
    kind: r.kind as DecisionEvent['kind'],
    ...opt('fromStage', r.from_stage as DecisionEvent['fromStage'] | null),
    ...opt('toStage', r.to_stage as DecisionEvent['toStage'] | null),
    reason: r.reason,
    numbers: json(r.numbers),
    actor: r.actor as DecisionEvent['actor'],
    ...opt('by', r.decided_by),
  });

  const toJob = (r: Selectable<JobRow>): Job => ({
    id: r.id,
    kind: r.kind,
    key: r.key,
    payload: json(r.payload),
    status: r.status as Job['status'],
    attempts: num(r.attempts),
    ...opt('result', r.result === null ? null : json(r.result)),
    ...opt('error', r.error),
    ...opt('lockedBy', r.locked_by),
    ...opt('lockedUntil', r.locked_until),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });

  const failureFilter = (q: Omit<FailureQuery, 'limit'>) => {
    let query = db.selectFrom('failures');
    if (q.signature !== undefined) query = query.where('signature', '=', q.signature);
    if (q.userId !== undefined) query = query.where('user_id', '=', q.userId);
    if (q.capabilityId !== undefined) query = query.where('capability_id', '=', q.capabilityId);
    if (q.category !== undefined) query = query.where('category', '=', q.category);
    if (q.since !== undefined) query = query.where('at', '>=', isoTime(q.since, 'since'));
    return query;
  };

  const failures: FailureRepository = {
    async record(f) {
      const row = {
        id: f.id,
        at: isoTime(f.at, 'failure.at'),
        user_id: f.userId,
        command: f.command,
        frame: toJsonText(f.frame),
        category: f.category,
        message: f.message,
        capability_id: f.capabilityId ?? null,
        screen_ref: f.screenRef ?? null,
        signature: f.signature,
        expectation: f.expectation === undefined ? null : toJsonText(f.expectation),
      };
      await insertOnce(`failure ${f.id}`, () => db.insertInto('failures').values(row).execute());
    },
    async get(id) {
      const r = await db.selectFrom('failures').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toFailure(r) : undefined;
    },
    async list(q = {}) {
      const limit = listLimit(q.limit, DEFAULT_LIMITS.failures);
      const rows = await failureFilter(q)
        .selectAll()
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toFailure);
    },
    async count(q = {}) {
      const r = await failureFilter(q)
        .select((eb) => eb.fn.countAll().as('c'))
        .executeTakeFirst();
      return num(r?.c);
    },
    async distinctUsers(signature, since) {
      // Anonymous and unverified ids (docs/security.md) are not distinct users.
      const r = await failureFilter({ signature, ...(since === undefined ? {} : { since }) })
        .where('user_id', '!=', ANONYMOUS_USER)
        .where('user_id', 'not like', `${UNVERIFIED_USER_PREFIX}%`)
        .select((eb) => eb.fn.count('user_id').distinct().as('c'))
        .executeTakeFirst();
      return num(r?.c);
    },
    async signatures(q = {}) {
      const limit = listLimit(q.limit, DEFAULT_LIMITS.signatures);
      const rows = await failureFilter(q.since === undefined ? {} : { since: q.since })
        .select((eb) => ['signature', eb.fn.countAll().as('c'), eb.fn.max('at').as('last_at')])
        .groupBy('signature')
        .orderBy('last_at', 'desc')
        .orderBy('signature')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ signature: r.signature, count: num(r.c), lastAt: String(r.last_at) }));
    },
  };

  const patterns: PatternRepository = {
    async upsert(pt) {
      const row = {
        id: pt.id,
        signature: pt.signature,
        frame: toJsonText(pt.frame),
        parameters: toJsonText(pt.parameters),
        count: pt.count,
        distinct_users: pt.distinctUsers,
        first_seen: isoTime(pt.firstSeen, 'pattern.firstSeen'),
        last_seen: isoTime(pt.lastSeen, 'pattern.lastSeen'),
        status: pt.status,
        status_reason: pt.statusReason ?? null,
        capability_id: pt.capabilityId ?? null,
      };
      let stored: Selectable<PatternRow> | undefined;
      // The conflict target is the signature only: an id clash under another signature is a caller bug
      // and surfaces as E_STATE_CONFLICT instead of silently merging two patterns.
      await insertOnce(`pattern ${pt.id}`, async () => {
        stored = await db
          .insertInto('patterns')
          .values(row)
          .onConflict((oc) =>
            oc.column('signature').doUpdateSet((eb) => ({
              // A newer observation (by lastSeen) sets the numbers; an older one, finishing late on another
              // node, may only raise them — it must not put back a count that missed later failures.
              count: sql<number>`case when ${eb.ref('excluded.last_seen')} > ${eb.ref('patterns.last_seen')}
                or ${eb.ref('excluded.count')} > ${eb.ref('patterns.count')}
                then ${eb.ref('excluded.count')} else ${eb.ref('patterns.count')} end`,
              distinct_users: sql<number>`case when ${eb.ref('excluded.last_seen')} > ${eb.ref('patterns.last_seen')}
                or ${eb.ref('excluded.distinct_users')} > ${eb.ref('patterns.distinct_users')}
                then ${eb.ref('excluded.distinct_users')} else ${eb.ref('patterns.distinct_users')} end`,
              parameters: eb.ref('excluded.parameters'),
              // Observers on several nodes may finish out of order; lastSeen must not move back.
              last_seen: sql<string>`case when ${eb.ref('excluded.last_seen')} > ${eb.ref('patterns.last_seen')}
                then ${eb.ref('excluded.last_seen')} else ${eb.ref('patterns.last_seen')} end`,
            })),
          )
          .returningAll()
          .executeTakeFirstOrThrow();
      });
      return toPattern(stored!);
    },
    async get(id) {
      const r = await db.selectFrom('patterns').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toPattern(r) : undefined;
    },
    async getBySignature(signature) {
      const r = await db
        .selectFrom('patterns')
        .selectAll()
        .where('signature', '=', signature)
        .executeTakeFirst();
      return r ? toPattern(r) : undefined;
    },
    async list(q = {}) {
      const limit = listLimit(q.limit, DEFAULT_LIMITS.patterns);
      let query = db.selectFrom('patterns').selectAll();
      if (q.status !== undefined) query = query.where('status', '=', q.status);
      const rows = await query.orderBy('last_seen', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map(toPattern);
    },
    async setStatus(id, status, reason, capabilityId) {
      await db
        .updateTable('patterns')
        .set({
          status,
          status_reason: reason ?? null,
          ...(capabilityId === undefined ? {} : { capability_id: capabilityId }),
        })
        .where('id', '=', id)
        .execute();
    },
  };

  const capabilities: CapabilityRepository = {
    async put(cap) {
      const { id, version } = cap.manifest;
      if (!Number.isSafeInteger(version)) {
        throw new IroncliwError(
          'E_CAPABILITY_INVALID',
          `capability ${id} has a non-integer version ${version}`,
        );
      }
      const row = {
        id,
        version,
        manifest: toJsonText(cap.manifest),
        code: cap.code,
        created_at: new Date().toISOString(),
      };
      await insertOnce(`capability ${id} v${version}`, () =>
        db.insertInto('capabilities').values(row).execute(),
      );
    },
    async get(id, version) {
      let q = db.selectFrom('capabilities').selectAll().where('id', '=', id);
      q = version === undefined ? q.orderBy('version', 'desc').limit(1) : q.where('version', '=', version);
      const r = await q.executeTakeFirst();
      return r ? toCapability(r) : undefined;
    },
    async list() {
      const rows = await db
        .selectFrom('capabilities as c')
        .selectAll('c')
        .where(({ eb, selectFrom }) =>
          eb(
            'c.version',
            '=',
            selectFrom('capabilities as c2')
              .select((e) => e.fn.max('c2.version').as('v'))
              .whereRef('c2.id', '=', 'c.id'),
          ),
        )
        .orderBy('c.id')
        .execute();
      return rows.map(toCapability);
    },
    async versions(id) {
      const rows = await db
        .selectFrom('capabilities')
        .select('manifest')
        .where('id', '=', id)
        .orderBy('version')
        .execute();
      return rows.map((r) => json<CapabilityManifest>(r.manifest));
    },
  };

  const reports: ReportRepository = {
    async add(r) {
      const row = {
        id: r.id,
        capability_id: r.capabilityId,
        version: r.version,
        kind: r.kind,
        at: isoTime(r.at, 'report.at'),
        report: toJsonText(r.report),
      };
      await insertOnce(`report ${r.id}`, () => db.insertInto('reports').values(row).execute());
    },
    async list(capabilityId, version, kind) {
      let q = db.selectFrom('reports').selectAll().where('capability_id', '=', capabilityId);
      if (version !== undefined) q = q.where('version', '=', version);
      if (kind !== undefined) q = q.where('kind', '=', kind);
      const rows = await q.orderBy('at').orderBy('id').execute();
      return rows.map(toReport);
    },
  };

  const rollouts: RolloutRepository = {
    async save(r) {
      const values = {
        id: r.id,
        version: r.version,
        stage: r.stage,
        percentage: r.percentage,
        paused_from: r.pausedFrom ?? null,
        rollout_key: r.rolloutKey,
        stage_entered_at: isoTime(r.stageEnteredAt, 'rollout.stageEnteredAt'),
        updated_at: isoTime(r.updatedAt, 'rollout.updatedAt'),
      };
      await db
        .insertInto('rollouts')
        .values({ capability_id: r.capabilityId, ...values })
        .onConflict((oc) => oc.column('capability_id').doUpdateSet(values))
        .execute();
    },
    async get(capabilityId) {
      const r = await db
        .selectFrom('rollouts')
        .selectAll()
        .where('capability_id', '=', capabilityId)
        .executeTakeFirst();
      return r ? toRollout(r) : undefined;
    },
    async list(q = {}) {
      let query = db.selectFrom('rollouts').selectAll();
      if (q.stage !== undefined) query = query.where('stage', '=', q.stage);
      return (await query.orderBy('capability_id').execute()).map(toRollout);
    },
    async replaceIf(r, expectedUpdatedAt) {
      const expected = isoTime(expectedUpdatedAt, 'expectedUpdatedAt');
      // One UPDATE … WHERE updated_at = expected: the check and the write are a single atomic statement.
      const result = await db
        .updateTable('rollouts')
        .set({
          id: r.id,
          version: r.version,
          stage: r.stage,
          percentage: r.percentage,
          paused_from: r.pausedFrom ?? null,
          rollout_key: r.rolloutKey,
          stage_entered_at: isoTime(r.stageEnteredAt, 'rollout.stageEnteredAt'),
          updated_at: isoTime(r.updatedAt, 'rollout.updatedAt'),
        })
        .where('capability_id', '=', r.capabilityId)
        .where('updated_at', '=', expected)
        .executeTakeFirst();
      return num(result.numUpdatedRows) > 0;
    },
  };

  const events: EventRepository = {
    async append(e) {
      const row = {
        id: e.id,
        at: isoTime(e.at, 'event.at'),
        capability_id: e.capabilityId,
        version: e.version,
        kind: e.kind,
        from_stage: e.fromStage ?? null,
        to_stage: e.toStage ?? null,
        reason: e.reason,
        numbers: toJsonText(e.numbers),
        actor: e.actor,
        decided_by: e.by ?? null,
      };
      await insertOnce(`event ${e.id}`, () => db.insertInto('events').values(row).execute());
    },
    async list(q = {}) {
      const limit = listLimit(q.limit, DEFAULT_LIMITS.events);
      let query = db.selectFrom('events').selectAll();
      if (q.capabilityId !== undefined) query = query.where('capability_id', '=', q.capabilityId);
      return (await query.orderBy('seq').limit(limit).execute()).map(toEvent);
    },
  };

  /**
   * Ends a job only while `owner` holds it: one UPDATE … WHERE status = 'running' AND locked_by = owner, so
   * the check and the write are atomic (and, in a transaction on PostgreSQL, the row stays locked until
   * commit, so no claimer can take the job between the fence and the commit).
   */
  async function finish(
    id: string,
    owner: string,
    set: { status: 'done' | 'failed'; result?: string | null; error?: string },
  ): Promise<boolean> {
    const r = await db
      .updateTable('jobs')
      .set({ ...set, locked_by: null, locked_until: null, updated_at: new Date().toISOString() })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where('locked_by', '=', owner)
      .executeTakeFirst();
    return num(r.numUpdatedRows) > 0;
  }

  const jobs: JobRepository = {
    async enqueue(job) {
      const now = new Date().toISOString();
      // ON CONFLICT DO NOTHING rather than catching the violation: on PostgreSQL an error would abort an
      // enclosing transaction, and idempotent enqueue must be usable inside one.
      const inserted = await db
        .insertInto('jobs')
        .values({
          id: job.id,
          kind: job.kind,
          key: job.key,
          payload: toJsonText(job.payload),
          status: 'queued',
          attempts: 0,
          result: null,
          error: null,
          locked_by: null,
          locked_until: null,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) return { job: toJob(inserted), created: true };
      const existing = await db.selectFrom('jobs').selectAll().where('key', '=', job.key).executeTakeFirst();
      if (!existing) throw conflict(`job ${job.id} (under another key)`);
      return { job: toJob(existing), created: false };
    },
    async claim(workerId, leaseMs, kinds) {
      const at = Date.now();
      const until = leaseUntil(at, leaseMs);
      const row = await flavor.claimJob(db, { workerId, now: new Date(at).toISOString(), until, kinds });
      return row ? toJob(row) : undefined;
    },
    async renew(id, owner, leaseMs) {
      const until = leaseUntil(Date.now(), leaseMs);
      const r = await db
        .updateTable('jobs')
        .set({ locked_until: until })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .where('locked_by', '=', owner)
        .executeTakeFirst();
      return num(r.numUpdatedRows) > 0;
    },
    async complete(id, owner, result) {
      return finish(id, owner, {
        status: 'done',
        result: result === undefined || result === null ? null : toJsonText(result),
      });
    },
    async fail(id, owner, error) {
      return finish(id, owner, { status: 'failed', error: truncateError(error) });
    },
    async get(id) {
      const r = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toJob(r) : undefined;
    },
    async list(q = {}) {
      const limit = listLimit(q.limit, DEFAULT_LIMITS.jobs);
      let query = db.selectFrom('jobs').selectAll();
      if (q.status !== undefined) query = query.where('status', '=', q.status);
      return (await query.orderBy('created_at').orderBy('id').limit(limit).execute()).map(toJob);
    },
  };

  /** fn inside the caller's transaction if there is one, else in a new one. */
  const atomically = <T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> =>
    db.isTransaction ? fn(db) : flavor.transaction(db, fn);

  const rolloutMetrics: RolloutMetricsRepository = {
    async add(deltas) {
      // Merge duplicates (PostgreSQL refuses to touch one row twice in a statement) and sort, so concurrent
      // flushes from several nodes lock rows in the same order and cannot deadlock.
      const merged = new Map<string, ReturnType<typeof metricRows>[number]>();
      for (const row of metricRows(deltas)) {
        const key = JSON.stringify([row.capabilityId, row.version, row.windowStart, row.stage, row.metric]);
        const prev = merged.get(key);
        if (prev) prev.count += row.count;
        else merged.set(key, { ...row });
      }
      if (!merged.size) return;
      const rows = [...merged.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, r]) => ({
          capability_id: r.capabilityId,
          version: r.version,
          stage: r.stage,
          window_start: r.windowStart,
          metric: r.metric,
          count: r.count,
        }));
      // 500 rows × 6 parameters stays under every driver's bound-parameter limit. One statement is atomic
      // by itself; only a larger flush needs a transaction (which, on SQLite, takes the write lock early).
      const chunks = (fn: (trx: Kysely<Database>) => Promise<void>) =>
        rows.length <= 500 ? fn(db) : atomically(fn);
      await chunks(async (trx) => {
        for (let i = 0; i < rows.length; i += 500) {
          await trx
            .insertInto('rollout_counters')
            .values(rows.slice(i, i + 500))
            .onConflict((oc) =>
              oc
                .columns(['capability_id', 'version', 'window_start', 'stage', 'metric'])
                .doUpdateSet((eb) => ({
                  count: eb(eb.ref('rollout_counters.count'), '+', eb.ref('excluded.count')),
                })),
            )
            .execute();
        }
      });
    },
    async list(q) {
      let query = db.selectFrom('rollout_counters').selectAll().where('capability_id', '=', q.capabilityId);
      if (q.version !== undefined) query = query.where('version', '=', q.version);
      if (q.stage !== undefined) query = query.where('stage', '=', q.stage);
      if (q.windowStart !== undefined)
        query = query.where('window_start', '=', isoTime(q.windowStart, 'windowStart'));
      const rows = await query
        .orderBy('capability_id')
        .orderBy('version')
        .orderBy('window_start')
        .orderBy('stage')
        .orderBy('metric')
        .execute();
      const windows: MetricWindow[] = [];
      for (const r of rows) {
        let w = windows.at(-1);
        if (
          !w ||
          w.capabilityId !== r.capability_id ||
          w.version !== num(r.version) ||
          w.windowStart !== r.window_start ||
          w.stage !== r.stage
        ) {
          w = {
            capabilityId: r.capability_id,
            version: num(r.version),
            stage: r.stage,
            windowStart: r.window_start,
            counts: {},
          };
          windows.push(w);
        }
        w.counts[r.metric] = num(r.count);
      }
      return windows;
    },
  };

  const toServed = (r: Selectable<ServedRequestRow>): ServedRequest => ({
    requestId: r.request_id,
    capabilityId: r.capability_id,
    version: num(r.version),
    stage: r.stage,
    windowStart: r.window_start,
    userId: r.user_id,
    at: r.at,
    ...opt('feedback', r.feedback as ServedRequest['feedback'] | null),
  });

  const servedRequests: ServedRequestRepository = {
    async record(list) {
      if (!list.length) return;
      const rows = list.map((r) => ({
        request_id: r.requestId,
        capability_id: r.capabilityId,
        version: r.version,
        stage: r.stage,
        window_start: isoTime(r.windowStart, 'served.windowStart'),
        user_id: r.userId,
        at: isoTime(r.at, 'served.at'),
        feedback: null,
      }));
      const insert = async (trx: Kysely<Database>) => {
        for (let i = 0; i < rows.length; i += 500)
          await trx
            .insertInto('served_requests')
            .values(rows.slice(i, i + 500))
            .execute();
      };
      await insertOnce(`served request ${list.length === 1 ? list[0]!.requestId : '(batch)'}`, () =>
        rows.length <= 500 ? insert(db) : atomically(insert),
      );
    },
    async get(requestId) {
      const r = await db
        .selectFrom('served_requests')
        .selectAll()
        .where('request_id', '=', requestId)
        .executeTakeFirst();
      return r ? toServed(r) : undefined;
    },
    async setFeedback(requestId, feedback) {
      // `feedback is null` in the same statement: two concurrent calls cannot both count.
      const r = await db
        .updateTable('served_requests')
        .set({ feedback })
        .where('request_id', '=', requestId)
        .where('feedback', 'is', null)
        .executeTakeFirst();
      return num(r.numUpdatedRows) > 0;
    },
    async prune(before) {
      const r = await db
        .deleteFrom('served_requests')
        .where('at', '<', isoTime(before, 'before'))
        .executeTakeFirst();
      return num(r.numDeletedRows);
    },
  };

  const toPolicy = (r: Selectable<RolloutPolicyRow>): StoredRolloutPolicy => ({
    capabilityId: r.capability_id,
    policy: json(r.policy),
    updatedAt: r.updated_at,
  });

  const rolloutPolicies: RolloutPolicyRepository = {
    async save(p) {
      const values = {
        policy: toJsonText(p.policy),
        updated_at: isoTime(p.updatedAt, 'policy.updatedAt'),
      };
      await db
        .insertInto('rollout_policies')
        .values({ capability_id: p.capabilityId, ...values })
        .onConflict((oc) => oc.column('capability_id').doUpdateSet(values))
        .execute();
    },
    async get(capabilityId) {
      const r = await db
        .selectFrom('rollout_policies')
        .selectAll()
        .where('capability_id', '=', capabilityId)
        .executeTakeFirst();
      return r ? toPolicy(r) : undefined;
    },
    async list() {
      return (await db.selectFrom('rollout_policies').selectAll().orderBy('capability_id').execute()).map(
        toPolicy,
      );
    },
  };

  return {
    failures,
    patterns,
    capabilities,
    reports,
    rollouts,
    events,
    jobs,
    rolloutMetrics,
    servedRequests,
    rolloutPolicies,
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
  return {
    failures: wrap(repos.failures),
    patterns: wrap(repos.patterns),
    capabilities: wrap(repos.capabilities),
    reports: wrap(repos.reports),
    rollouts: wrap(repos.rollouts),
    events: wrap(repos.events),
    jobs: wrap(repos.jobs),
    rolloutMetrics: wrap(repos.rolloutMetrics),
    servedRequests: wrap(repos.servedRequests),
    rolloutPolicies: wrap(repos.rolloutPolicies),
  };
}

/** A Store over Kysely: the flavor decides SQLite or PostgreSQL, the queries are shared. */
export class KyselyStore implements Store {
  readonly dialect: 'sqlite' | 'postgres';
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
  readonly changes?: ChangeFeed;
  readonly #feed: (ChangeFeed & { close(): Promise<void> }) | undefined;
  #closing: Promise<void> | undefined;
  readonly #translate: (err: unknown) => unknown;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly flavor: SqlFlavor,
    feed?: ChangeFeed & { close(): Promise<void> },
  ) {
    this.dialect = flavor.dialect;
    this.#feed = feed;
    if (feed) this.changes = feed;
    this.#translate = outageError(flavor);
    const repos = guarded(repositories(db, flavor), this.#translate);
    this.failures = repos.failures;
    this.patterns = repos.patterns;
    this.capabilities = repos.capabilities;
    this.reports = repos.reports;
    this.rollouts = repos.rollouts;
    this.events = repos.events;
    this.jobs = repos.jobs;
    this.rolloutMetrics = repos.rolloutMetrics;
    this.servedRequests = repos.servedRequests;
    this.rolloutPolicies = repos.rolloutPolicies;
  }

  transaction<T>(fn: (tx: Omit<Store, 'transaction' | 'close' | 'ping'>) => Promise<T>): Promise<T> {
    return this.flavor
      .transaction(this.db, (trx) =>
        fn({ dialect: this.dialect, ...guarded(repositories(trx, this.flavor), this.#translate) }),
      )
      .catch((err: unknown) => {
        throw this.#translate(err);
      });
  }

  async ping(): Promise<void> {
    if (this.#closing) throw new IroncliwError('E_DB_UNAVAILABLE', 'the store is closed');
    try {
      await sql`select 1`.execute(this.db);
    } catch (err) {
      throw this.#translate(err);
    }
  }

  /** Idempotent: a second close waits for the first. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#feed?.close();
      await this.db.destroy();
    })();
    return this.#closing;
  }
}
