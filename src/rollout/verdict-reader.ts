import type { Rollout } from '../domain/index.js';
import type { Store } from '../store/index.js';
import type { DecisionThresholds, Verdict, WindowStats } from './decision.js';
import { windowStats } from './decision.js';
import type { RoutingTable } from './routing-table.js';
import { judgeRollout } from './rollout-judgement.js';
import { JUDGED_STAGES } from './stages.js';
import type { VersionFacts } from './version-facts.js';

/** What reading a verdict needs: the store, this node's routing and facts, the clock and the matrix. */
export interface VerdictSources {
  store: Store;
  table: RoutingTable;
  facts: VersionFacts;
  now: () => number;
  thresholds: DecisionThresholds;
}

/** The stored numbers of a rollout's open window (all nodes' counters merged). */
export async function readWindow(
  store: Store,
  r: Rollout,
  thresholds: DecisionThresholds,
): Promise<WindowStats> {
  const [w] = await store.rolloutMetrics.list({
    capabilityId: r.capabilityId,
    version: r.version,
    stage: r.stage,
    windowStart: r.stageEnteredAt,
  });
  return windowStats(w?.counts ?? {}, thresholds);
}

/** Reads what the judgement of a rollout needs, then judges it (rollout-judgement.ts, pure). */
export async function readVerdict(s: VerdictSources, r: Rollout): Promise<Verdict | undefined> {
  if (!JUDGED_STAGES.has(r.stage)) return undefined;
  const policy = s.table.policy(r.capabilityId);
  const [riskCap, gate] = await Promise.all([s.facts.riskCap(r), s.facts.gate(r)]);
  const stats = await readWindow(s.store, r, s.thresholds);
  return judgeRollout({ rollout: r, stats, policy, riskCap, gate, nowMs: s.now() }, s.thresholds);
}
