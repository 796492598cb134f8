import type { DecisionEvent, Rollout, RolloutStage, VerificationDecision } from '../domain/index.js';
import type { Verdict, WindowStats } from './decision.js';
import type { EngineParts } from './engine-parts.js';
import type { RolloutGate } from './gate.js';
import { loadRollout } from './manual-moves.js';
import type { RolloutPolicy } from './policy.js';
import { readVerdict, readWindow } from './verdict-reader.js';

export interface RolloutStatus {
  rollout: Rollout;
  policy: RolloutPolicy;
  stableVersion: number | undefined;
  riskCap: { stage: RolloutStage; decision: VerificationDecision | 'unverified' };
  /**
   * What the engine may not do without a person: verification's conditions (and whether a person lifted
   * them), the group the version is limited to, its stage cap, and whether it replaces a version a person
   * rolled back. `gate.needsPerson` is the one line to show.
   */
  gate: RolloutGate;
  /** The open window of the rollout's version. */
  window: WindowStats & { stage: RolloutStage; windowStart: string };
  /** What the engine would do now. */
  verdict: Verdict | undefined;
  events: DecisionEvent[];
}

/** Everything about one rollout: state, policy, open window, what the engine would do, and its history. */
export async function readStatus(parts: EngineParts, capabilityId: string): Promise<RolloutStatus> {
  const { store, facts } = parts;
  await parts.metrics.flush().catch(() => {});
  const r = await loadRollout(store, capabilityId);
  const [policy, stableVersion, riskCap, gate, stats, verdict, events] = await Promise.all([
    store.rolloutPolicies.get(capabilityId).then((p) => parts.policyOf(p)),
    facts.stableVersion(r),
    facts.riskCap(r),
    facts.gate(r),
    readWindow(store, r, parts.thresholds),
    readVerdict(parts, r),
    store.events.list({ capabilityId }),
  ]);
  return {
    rollout: r,
    policy,
    stableVersion,
    riskCap,
    gate,
    window: { ...stats, stage: r.stage, windowStart: r.stageEnteredAt },
    verdict,
    events,
  };
}
