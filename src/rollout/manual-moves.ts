import type { DecisionEvent, Rollout } from '../domain/index.js';
import { IroncliwError } from '../domain/index.js';
import type { Store } from '../store/index.js';
import type { EngineParts } from './engine-parts.js';
import { LIMITED_GROUP, MANUAL_PROMOTION } from './gate.js';
import { isAbove, lowerStage, nextStep } from './ladder.js';
import { JUDGED_STAGES } from './stages.js';
import type { Destination } from './transitions.js';
import { readVerdict } from './verdict-reader.js';

export interface ManualOptions {
  reason?: string;
  actor?: 'user' | 'system';
  /** Who (a person's name or the API client), stored with the decision (`DecisionEvent.by`). */
  by?: string;
  /** Promote past the risk cap of the verification decision. */
  force?: boolean;
}

/** The stored rollout of a capability, or E_NOT_FOUND. */
export async function loadRollout(store: Store, capabilityId: string): Promise<Rollout> {
  const r = await store.rollouts.get(capabilityId);
  if (!r)
    throw new IroncliwError('E_NOT_FOUND', `no rollout for capability ${capabilityId}`, {
      hint: 'List rollouts with `ironcliw rollout list`.',
    });
  return r;
}

/** The numbers a manual move records: the open window as judged now, with this node's numbers in. */
async function manualNumbers(parts: EngineParts, r: Rollout): Promise<Record<string, number>> {
  await parts.metrics.flush().catch(() => {});
  return (await readVerdict(parts, r))?.numbers ?? {};
}

/** A move a person (or the system, by hand) makes: recorded with the window's numbers and who and why. */
async function byHand(
  parts: EngineParts,
  r: Rollout,
  to: Destination,
  kind: 'pause' | 'resume' | 'rollback',
  defaultReason: string,
  o: ManualOptions,
): Promise<DecisionEvent> {
  const numbers = await manualNumbers(parts, r);
  return parts.transitions.apply(r, to, kind, o.reason ?? defaultReason, numbers, o.actor ?? 'user', o.by);
}

/**
 * Moves a rollout one step up by hand. Minimum sample and dwell are the person's call; the stage cap (risk
 * cap of the verification decision, or a `max-stage` condition) is not, without `force`. A person's
 * promotion lifts the version's `limited-group` conditions and the hold of a replaced human rollback; the
 * event records who (`by`) and why (`reason`) and names what it lifted. `actor: 'system'` cannot promote a
 * version whose gate needs a person.
 */
export async function promote(
  parts: EngineParts,
  capabilityId: string,
  o: ManualOptions = {},
): Promise<DecisionEvent> {
  const { store, facts } = parts;
  const r = await loadRollout(store, capabilityId);
  const policy = parts.policyOf(await store.rolloutPolicies.get(capabilityId));
  const step = JUDGED_STAGES.has(r.stage) ? nextStep(r, policy) : undefined;
  if (!step)
    throw new IroncliwError('E_STATE_CONFLICT', `cannot promote ${capabilityId} from ${r.stage}`, {
      hint:
        r.stage === 'paused'
          ? 'Resume it first.'
          : 'Only development, canary, beta and gradual rollouts can be promoted.',
    });
  const [risk, gate] = await Promise.all([facts.riskCap(r), facts.gate(r)]);
  const actor = o.actor ?? 'user';
  if (actor !== 'user' && gate.needsPerson)
    throw new IroncliwError('E_STATE_CONFLICT', `${capabilityId}: ${gate.needsPerson}`, {
      hint: `A person promotes it: ironcliw rollout promote ${capabilityId} --reason "…"`,
    });
  const cap = lowerStage(risk.stage, gate.maxStage);
  if (isAbove(step.stage, cap) && !o.force)
    throw new IroncliwError(
      'E_STATE_CONFLICT',
      cap === risk.stage
        ? `${capabilityId} v${r.version} is capped at ${cap} (verification decision ${risk.decision})`
        : `${capabilityId} v${r.version} is capped at ${cap} (verification condition max-stage:${cap})`,
      { hint: 'Re-verify the capability, or pass --force to override the cap.' },
    );
  const lifts =
    actor === 'user'
      ? gate.conditions
          .filter(
            (c) => !c.lifted && (c.condition.startsWith(LIMITED_GROUP) || c.source === 'human-rollback'),
          )
          .map((c) => c.condition)
      : [];
  if (actor === 'user' && gate.conditions.some((c) => !c.lifted && c.condition === MANUAL_PROMOTION))
    lifts.push(MANUAL_PROMOTION);
  const passes = isAbove(step.stage, cap) ? [`stage cap ${cap} (forced)`] : [];
  const why = o.reason ?? 'promoted by hand';
  const notes = [...new Set([...lifts, ...passes])];
  const reason = notes.length ? `${why} [by a person: ${notes.join(', ')}]` : why;
  const numbers = await manualNumbers(parts, r);
  return parts.transitions.apply(r, step, 'promote', reason, numbers, actor, o.by);
}

/** Freezes a rollout: the users it serves keep the version, nobody new gets it, nothing is judged. */
export async function pause(
  parts: EngineParts,
  capabilityId: string,
  o: ManualOptions = {},
): Promise<DecisionEvent> {
  const r = await loadRollout(parts.store, capabilityId);
  if (!JUDGED_STAGES.has(r.stage))
    throw new IroncliwError('E_STATE_CONFLICT', `cannot pause ${capabilityId} in ${r.stage}`);
  return byHand(
    parts,
    r,
    { stage: 'paused', percentage: r.percentage, pausedFrom: r.stage },
    'pause',
    'paused by hand',
    o,
  );
}

/** Back to the stage a pause froze, with a fresh window (the numbers that caused the pause are not re-judged). */
export async function resume(
  parts: EngineParts,
  capabilityId: string,
  o: ManualOptions = {},
): Promise<DecisionEvent> {
  const r = await loadRollout(parts.store, capabilityId);
  if (r.stage !== 'paused')
    throw new IroncliwError(
      'E_STATE_CONFLICT',
      `cannot resume ${capabilityId}: it is ${r.stage}, not paused`,
    );
  return byHand(
    parts,
    r,
    { stage: r.pausedFrom ?? 'development', percentage: r.percentage },
    'resume',
    'resumed by hand',
    o,
  );
}

/** Immediately routes everyone back to the stable version (or a clean failure) and records an incident. */
export async function rollback(
  parts: EngineParts,
  capabilityId: string,
  o: ManualOptions = {},
): Promise<DecisionEvent> {
  const r = await loadRollout(parts.store, capabilityId);
  if (r.stage === 'rolled_back' || r.stage === 'retired')
    throw new IroncliwError('E_STATE_CONFLICT', `cannot roll back ${capabilityId}: it is ${r.stage}`);
  return byHand(parts, r, { stage: 'rolled_back', percentage: 0 }, 'rollback', 'rolled back by hand', o);
}
