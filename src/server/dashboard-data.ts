import type { FastifyInstance } from 'fastify';
import type { DecisionEvent, DecisionKind, Failure, Pattern, RolloutStage } from '../domain/index.js';
import { IroncliwError } from '../domain/index.js';
import type { Ironcliw } from '../ironcliw.js';
import type { RolloutStatus, ThresholdOverrides } from '../rollout/index.js';
import { measuredNumber, resolveThresholds } from '../rollout/index.js';
import { errorResponse } from './schemas.js';

/**
 * The series behind the dashboard's pictures, computed here so that the page only draws (and an API client
 * gets the same numbers): a rollout's served share over time with every decision, the success rate and p99 of
 * each stage window, and failures per pattern over time. Pure functions over stored data plus the two routes.
 */

/** One decision on a rollout's timeline. `servedPercent` is the share of users served after it (0–100). */
interface TimelinePoint {
  at: string;
  kind: DecisionKind;
  actor: 'system' | 'user';
  /** Who, for a person's decision (the name given, the OS user or the API client). */
  by: string | null;
  reason: string;
  version: number;
  fromStage: RolloutStage | null;
  toStage: RolloutStage | null;
  /** Share of users served before and after, in percent; null when the decision did not move the rollout. */
  fromPercent: number | null;
  toPercent: number | null;
}

/** One stage window: the numbers a decision was made from, or (open) the live numbers of the current one. */
interface StageWindow {
  stage: RolloutStage;
  /** Share of users served during the window, in percent (development: 0, the internal group only). */
  percent: number;
  version: number;
  from: string;
  to: string | null;
  open: boolean;
  requests: number;
  /** null: no requests in the window (no data). */
  successRate: number | null;
  p99Ms: number | null;
  /** The decision that closed the window, with its reason (none for the open one). */
  closedBy: { kind: DecisionKind; reason: string } | null;
}

interface RolloutTimeline {
  capabilityId: string;
  now: string;
  points: TimelinePoint[];
  windows: StageWindow[];
  /** The bounds the windows are judged against (config rollout.decision), to draw beside them. */
  thresholds: { minSuccessRate: number; maxP99Ms: number };
  /** Why a person must act before the engine moves this rollout again (the rollout gate), or null. */
  needsPerson: string | null;
}

/** Share of users a stage serves when the event does not say (`register` names no percentage). */
const IMPLIED_PERCENT: Partial<Record<RolloutStage, number>> = {
  development: 0,
  rolled_back: 0,
  production: 100,
};

const percentOf = (bp: number | undefined, stage: RolloutStage | undefined): number | null => {
  if (bp !== undefined && Number.isFinite(bp) && bp >= 0) return bp / 100;
  return stage ? (IMPLIED_PERCENT[stage] ?? null) : null;
};

export function rolloutTimeline(
  status: Pick<RolloutStatus, 'rollout' | 'window'> & { gate?: Pick<RolloutStatus['gate'], 'needsPerson'> },
  events: readonly DecisionEvent[],
  thresholds: RolloutTimeline['thresholds'],
  now: Date,
): RolloutTimeline {
  const points: TimelinePoint[] = events.map((e) => ({
    at: e.at,
    kind: e.kind,
    actor: e.actor,
    by: e.by ?? null,
    reason: e.reason,
    version: e.version,
    fromStage: e.fromStage ?? null,
    toStage: e.toStage ?? null,
    fromPercent: e.fromStage ? percentOf(e.numbers['fromPercentage'], e.fromStage) : null,
    toPercent: e.toStage ? percentOf(e.numbers['toPercentage'], e.toStage) : null,
  }));

  // A window opens with each move to a stage and closes with the next move; the closing decision carries
  // the numbers it was judged on (requests, successRate, p99Ms), when it was judged at all.
  const windows: StageWindow[] = [];
  let open: { stage: RolloutStage; percent: number; version: number; from: string } | undefined;
  for (const e of events) {
    if (!e.toStage) continue;
    if (open) {
      const judged = e.numbers['requests'] !== undefined;
      windows.push({
        ...open,
        to: e.at,
        open: false,
        requests: judged ? e.numbers['requests']! : 0,
        successRate: judged ? measuredNumber(e.numbers, 'successRate') : null,
        p99Ms: judged ? measuredNumber(e.numbers, 'p99Ms') : null,
        closedBy: { kind: e.kind, reason: e.reason },
      });
    }
    open = {
      stage: e.toStage,
      percent: percentOf(e.numbers['toPercentage'], e.toStage) ?? open?.percent ?? 0,
      version: e.version,
      from: e.at,
    };
  }
  const w = status.window;
  const r = status.rollout;
  windows.push({
    stage: r.stage,
    percent: r.percentage / 100,
    version: r.version,
    from: w.windowStart,
    to: null,
    open: true,
    requests: w.requests,
    successRate: w.requests > 0 && Number.isFinite(w.successRate) ? w.successRate : null,
    p99Ms: w.requests > 0 && Number.isFinite(w.p99Ms) ? w.p99Ms : null,
    closedBy: null,
  });
  return {
    capabilityId: r.capabilityId,
    now: now.toISOString(),
    points,
    windows,
    thresholds,
    needsPerson: status.gate?.needsPerson ?? null,
  };
}

interface FailureSeries {
  signature: string;
  patternId: string | null;
  status: Pattern['status'] | null;
  capabilityId: string | null;
  total: number;
  /** Failures in each bucket, oldest first. */
  counts: number[];
}

interface FailureTimeline {
  from: string;
  to: string;
  bucketMs: number;
  /** The newest `limit` failures were counted; older ones are not in the picture. */
  truncated: boolean;
  series: FailureSeries[];
}

/** Failures bucketed per signature between the oldest one given and now; most failures first. */
export function failureTimeline(
  failures: readonly Pick<Failure, 'at' | 'signature'>[],
  patterns: readonly Pattern[],
  options: { now: Date; buckets: number; truncated: boolean },
): FailureTimeline {
  const to = options.now.getTime();
  const times = failures.map((f) => Date.parse(f.at)).filter(Number.isFinite);
  const oldest = times.length ? Math.min(...times) : to;
  // At least one second per bucket, so a burst of failures is not spread over a zero-length axis.
  const bucketMs = Math.max(1000, Math.ceil((to - oldest + 1) / options.buckets));
  const from = to - bucketMs * options.buckets;
  const bySignature = new Map<string, number[]>();
  for (const f of failures) {
    const t = Date.parse(f.at);
    if (!Number.isFinite(t)) continue;
    const i = Math.min(options.buckets - 1, Math.max(0, Math.floor((t - from) / bucketMs)));
    const counts = bySignature.get(f.signature) ?? new Array<number>(options.buckets).fill(0);
    counts[i]!++;
    bySignature.set(f.signature, counts);
  }
  const patternOf = new Map(patterns.map((p) => [p.signature, p]));
  const series = [...bySignature].map(([signature, counts]) => {
    const p = patternOf.get(signature);
    return {
      signature,
      patternId: p?.id ?? null,
      status: p?.status ?? null,
      capabilityId: p?.capabilityId ?? null,
      total: counts.reduce((a, b) => a + b, 0),
      counts,
    };
  });
  series.sort((a, b) => b.total - a.total || a.signature.localeCompare(b.signature));
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    bucketMs,
    truncated: options.truncated,
    series,
  };
}

/** Failures the picture counts at most: the newest ones; bounded so the route's cost does not grow with the store. */
const FAILURE_TIMELINE_LIMIT = 5000;

const nullableNumber = { anyOf: [{ type: 'number' }, { type: 'null' }] };
const nullableString = { anyOf: [{ type: 'string' }, { type: 'null' }] };
const stageWindowSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['stage', 'percent', 'version', 'from', 'to', 'open', 'requests', 'successRate', 'p99Ms'],
  properties: {
    stage: { type: 'string' },
    percent: { type: 'number' },
    version: { type: 'integer' },
    from: { type: 'string' },
    to: nullableString,
    open: { type: 'boolean' },
    requests: { type: 'integer' },
    successRate: nullableNumber,
    p99Ms: nullableNumber,
    closedBy: {
      anyOf: [
        {
          type: 'object',
          additionalProperties: false,
          properties: { kind: { type: 'string' }, reason: { type: 'string' } },
          required: ['kind', 'reason'],
        },
        { type: 'null' },
      ],
    },
  },
};
const timelinePointSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'at',
    'kind',
    'actor',
    'by',
    'reason',
    'version',
    'fromStage',
    'toStage',
    'fromPercent',
    'toPercent',
  ],
  properties: {
    at: { type: 'string' },
    kind: { type: 'string' },
    actor: { type: 'string' },
    by: nullableString,
    reason: { type: 'string' },
    version: { type: 'integer' },
    fromStage: nullableString,
    toStage: nullableString,
    fromPercent: nullableNumber,
    toPercent: nullableNumber,
  },
};

export function registerDashboardData(app: FastifyInstance, ironcliw: Ironcliw): void {
  const thresholds = resolveThresholds(ironcliw.config.rollout.decision as ThresholdOverrides);

  app.get(
    '/v1/rollouts/:id/timeline',
    {
      schema: {
        summary:
          "A rollout's served share over time with every decision and its reason, and the success rate and " +
          'p99 of each stage window (null: no requests in it), with the bounds they are judged against',
        params: {
          type: 'object',
          additionalProperties: false,
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['capabilityId', 'now', 'points', 'windows', 'thresholds', 'needsPerson'],
            properties: {
              capabilityId: { type: 'string' },
              now: { type: 'string' },
              points: { type: 'array', items: timelinePointSchema },
              windows: { type: 'array', items: stageWindowSchema },
              thresholds: {
                type: 'object',
                additionalProperties: false,
                required: ['minSuccessRate', 'maxP99Ms'],
                properties: { minSuccessRate: { type: 'number' }, maxP99Ms: { type: 'number' } },
              },
              needsPerson: nullableString,
            },
          },
          '4xx': errorResponse,
          '5xx': errorResponse,
        },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const rollout = await ironcliw.rollouts.get(id);
      if (!rollout) throw new IroncliwError('E_NOT_FOUND', `no rollout for "${id.slice(0, 80)}"`);
      const [status, events] = await Promise.all([
        ironcliw.rollouts.status(id),
        ironcliw.store.events.list({ capabilityId: id }),
      ]);
      return rolloutTimeline(
        status,
        events,
        { minSuccessRate: thresholds.minSuccessRate, maxP99Ms: thresholds.maxP99Ms },
        new Date(),
      );
    },
  );

  app.get(
    '/v1/failures/timeline',
    {
      schema: {
        summary: `Failures per pattern over time: the newest ${FAILURE_TIMELINE_LIMIT} failures in equal buckets up to now`,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { buckets: { type: 'string', pattern: '^(?:[2-9]|[1-9][0-9])$' } },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['from', 'to', 'bucketMs', 'truncated', 'series'],
            properties: {
              from: { type: 'string' },
              to: { type: 'string' },
              bucketMs: { type: 'integer' },
              truncated: { type: 'boolean' },
              series: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['signature', 'patternId', 'status', 'capabilityId', 'total', 'counts'],
                  properties: {
                    signature: { type: 'string' },
                    patternId: nullableString,
                    status: nullableString,
                    capabilityId: nullableString,
                    total: { type: 'integer' },
                    counts: { type: 'array', items: { type: 'integer' } },
                  },
                },
              },
            },
          },
          '4xx': errorResponse,
          '5xx': errorResponse,
        },
      },
    },
    async (req) => {
      const buckets = Number((req.query as { buckets?: string }).buckets ?? 24);
      const [failures, patterns] = await Promise.all([
        ironcliw.store.failures.list({ limit: FAILURE_TIMELINE_LIMIT }),
        ironcliw.patterns(),
      ]);
      return failureTimeline(failures, patterns, {
        now: new Date(),
        buckets,
        truncated: failures.length >= FAILURE_TIMELINE_LIMIT,
      });
    },
  );
}
