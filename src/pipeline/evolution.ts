import { newId } from '../domain/index.js';
import type { EvolutionDecision } from '../discovery/index.js';
import { EVOLUTION_DEFAULTS, shouldEvolve } from '../discovery/index.js';
import type { Job } from '../store/index.js';
import type { PipelineDeps } from './deps.js';
import { DEFAULT_VERSION_LIMIT } from './deps.js';
import { WHAT_HELPS } from './identical-version.js';
import type { GeneratePayload } from './jobs.js';
import { GENERATE_JOB } from './jobs.js';

/** The outcome of `considerEvolution`: the decision and its numbers, and the job when one was queued. */
export interface EvolutionOutcome {
  capabilityId: string;
  /** The live version judged. */
  version?: number;
  /** Why nothing was judged (no rollout, not generated from a pattern, a newer version exists…). */
  skipped?: string;
  decision?: EvolutionDecision;
  job?: Job;
  /** True when this call queued the job (false when it existed already: the key is idempotent). */
  created: boolean;
}

/** Failures read per kind when judging a version (the newest; enough for the thresholds' shares). */
const EVOLUTION_FAILURE_SAMPLE = 500;

/**
 * Capability evolution: judges the version a capability's rollout serves with discovery's `shouldEvolve`
 * and, when it has earned a successor, queues `generate:<patternId>:v<n+1>` (the same idempotent key any
 * node computes, so a fleet queues it once). The evidence, all from the store: the version's executions
 * and feedback over all its metric windows, the capability's own failures since the version was
 * registered (timeouts, errors, invalid outputs — including wrong answers users taught), and the
 * `low_confidence` failures since then that match its intent (near misses). The version being rolled out
 * stays as it is; the new one is registered in development and the rollout engine takes it from there
 * (the highest earlier version that reached production stays the stable one for everyone else).
 * `queued` is called with the job when one was queued (to wake a worker). Cheap when nothing changed.
 */
export async function considerEvolution(
  deps: PipelineDeps,
  capabilityId: string,
  queued: (job: Job) => void,
): Promise<EvolutionOutcome> {
  const { store } = deps;
  const skip = (skipped: string, version?: number): EvolutionOutcome => ({
    capabilityId,
    ...(version === undefined ? {} : { version }),
    skipped,
    created: false,
  });
  const rollout = await store.rollouts.get(capabilityId);
  if (!rollout) return skip('no rollout');
  if (rollout.stage === 'retired') return skip('retired', rollout.version);
  const live = await store.capabilities.get(capabilityId, rollout.version);
  if (!live) return skip(`v${rollout.version} is not stored`, rollout.version);
  const patternId = live.manifest.origin.patternId;
  if (live.manifest.origin.kind !== 'generated' || !patternId)
    return skip('not generated from a pattern', rollout.version);
  const versions = await store.capabilities.versions(capabilityId);
  const latest = Math.max(...versions.map((m) => m.version));
  if (latest > rollout.version) return skip(`v${latest} exists already`, rollout.version);

  const windows = await store.rolloutMetrics.list({ capabilityId, version: rollout.version });
  const sum = (metric: string) => windows.reduce((n, w) => n + (w.counts[metric] ?? 0), 0);
  const since = live.createdAt;
  const [own, nearMisses] = await Promise.all([
    store.failures.list({ capabilityId, since, limit: EVOLUTION_FAILURE_SAMPLE }),
    store.failures.list({ category: 'low_confidence', since, limit: EVOLUTION_FAILURE_SAMPLE }),
  ]);
  const decision = shouldEvolve(
    {
      manifest: live.manifest,
      executions: sum('requests'),
      failures: [...own, ...nearMisses],
      feedback: { positive: sum('feedback:positive'), negative: sum('feedback:negative') },
    },
    deps.evolution ?? EVOLUTION_DEFAULTS,
  );
  const base = { capabilityId, version: rollout.version, decision };
  if (!decision.evolve) return { ...base, created: false };
  const version = Math.max(decision.nextVersion, latest + 1);
  const limited = await rateLimited(deps, capabilityId, patternId, version);
  if (limited) return { ...base, skipped: limited, created: false };
  const payload: GeneratePayload = {
    patternId,
    version,
    evolution: { fromVersion: rollout.version, reason: decision.reason },
  };
  const { job, created } = await store.jobs.enqueue({
    id: newId('job'),
    kind: GENERATE_JOB,
    key: `${GENERATE_JOB}:${patternId}:v${version}`,
    payload,
  });
  const result = job.result as { rejected?: string; identicalTo?: number } | undefined;
  if (!created && job.status === 'done' && result?.rejected === 'identical')
    return {
      ...base,
      job,
      created,
      skipped: `v${version} would change nothing (identical to v${result.identicalTo}): ${WHAT_HELPS}`,
    };
  if (created) {
    await store.patterns.setStatus(patternId, 'queued', decision.reason.slice(0, 500));
    deps.log?.('capability queued for a new version', {
      capabilityId,
      fromVersion: rollout.version,
      version,
      reason: decision.reason,
      jobId: job.id,
    });
    queued(job);
  }
  return { ...base, job, created };
}

/**
 * The version rate limit (see `versionLimit`): the reason, stored on the pattern, when `capabilityId` has
 * registered `max` versions within the window; undefined when another may be generated.
 */
async function rateLimited(
  deps: PipelineDeps,
  capabilityId: string,
  patternId: string,
  version: number,
): Promise<string | undefined> {
  const { store } = deps;
  const limit = deps.versionLimit ?? DEFAULT_VERSION_LIMIT;
  const now = (deps.now?.() ?? new Date()).getTime();
  const since = now - limit.windowMs;
  const registered = (await store.events.list({ capabilityId }))
    .filter((e) => e.kind === 'register' && Date.parse(e.at) >= since)
    .map((e) => Date.parse(e.at))
    .sort((a, b) => a - b);
  if (registered.length < limit.max) return undefined;
  const next = new Date(registered[registered.length - limit.max]! + limit.windowMs).toISOString();
  const reason =
    `v${version} not generated yet: ${registered.length} versions registered in the last ` +
    `${Math.round(limit.windowMs / 60_000)} min (limit pipeline.maxVersionsPerWindow ${limit.max}); ` +
    `next possible after ${next}`;
  const pattern = await store.patterns.get(patternId);
  // Written once per limit period (the reason names its end), not on every evaluation.
  if (pattern && pattern.statusReason !== reason)
    await store.patterns.setStatus(patternId, pattern.status, reason, pattern.capabilityId);
  return reason;
}
