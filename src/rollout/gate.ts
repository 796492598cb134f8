import type { DecisionEvent, RolloutStage, VerificationDecision } from '../domain/index.js';
import { lowerStage } from './ladder.js';
import { STAGE_ORDER } from './stages.js';

/**
 * The rollout gate: what verification (and the capability's history) allow the rollout to do without a
 * person. Conditions are the stable strings verification attaches to a `conditional` decision
 * (`src/verification/risk.ts`):
 * - `manual-promotion` — no automatic promotion; every promotion is a person's;
 * - `limited-group:<group>` — served to members of that group only, whatever the stage, until a person
 *   promotes the version (that promotion lifts it);
 * - `max-stage:<stage>` — no automatic promotion past that stage (a person may, with `force`).
 * A version registered while the version it replaces stood rolled back by a person gets
 * `manual-promotion` and `limited-group:<internal group>` too (issue 15 item 4): a rolled-back capability is
 * never replaced automatically. Both are lifted by the first promotion a person makes.
 */
export const MANUAL_PROMOTION = 'manual-promotion';
export const LIMITED_GROUP = 'limited-group:';
export const MAX_STAGE = 'max-stage:';

export interface GateCondition {
  condition: string;
  /** Where it comes from: the version's verification report, or the rollback of the version it replaces. */
  source: 'verification' | 'human-rollback';
  /** Lifted by a person's promotion (recorded in that promote event, with who and why). */
  lifted: boolean;
}

/** What the engine and `rollout show` / `GET /v1/rollouts/:id` (field `gate`) know about one version. */
export interface RolloutGate {
  verification: VerificationDecision | 'unverified';
  conditions: GateCondition[];
  /** Automatic promotion is refused (a condition in force needs a person). */
  manualPromotion: boolean;
  /** Served only to this group (a `limited-group` condition not lifted yet). */
  limitedGroup: string | undefined;
  /** The lowest `max-stage` condition, if any. */
  maxStage: RolloutStage | undefined;
  /** Set when the version replaces one a person rolled back. */
  replacesHumanRollback: { version: number; by?: string; at: string; reason: string } | undefined;
  /** One line for people: why a person must act, or undefined when the engine may move it on its own. */
  needsPerson: string | undefined;
}

export interface GateInput {
  version: number;
  verification: { decision: VerificationDecision; conditions?: readonly string[] } | undefined;
  /** Every decision event of the capability, in order. */
  events: readonly DecisionEvent[];
  internalGroup: string;
}

const isStage = (s: string): s is RolloutStage => (STAGE_ORDER as readonly string[]).includes(s);

const LIFECYCLE: ReadonlySet<string> = new Set([
  'register',
  'promote',
  'pause',
  'resume',
  'rollback',
  'retire',
]);

/**
 * The version a registration replaced was rolled back by a person: the last lifecycle event of the highest
 * earlier version, up to this version's registration, is a `rollback` whose actor is `user`.
 */
function humanRollbackBefore(
  version: number,
  events: readonly DecisionEvent[],
): RolloutGate['replacesHumanRollback'] {
  // Events are in append order: what happened before this version was registered.
  const at = events.findIndex((e) => e.version === version && e.kind === 'register');
  const before = (at < 0 ? events : events.slice(0, at)).filter((e) => e.version < version);
  const previous = Math.max(...before.filter((e) => e.kind === 'register').map((e) => e.version));
  if (!Number.isFinite(previous)) return undefined;
  const last = before.filter((e) => e.version === previous && LIFECYCLE.has(e.kind)).at(-1);
  if (!last || last.kind !== 'rollback' || last.actor !== 'user') return undefined;
  return { version: previous, ...(last.by ? { by: last.by } : {}), at: last.at, reason: last.reason };
}

/**
 * Derives the gate of one version from its verification report and the stored decision events, so every node
 * computes the same gate from the store. A `conditional` decision stored without conditions (reports written
 * before conditions existed) is held by the risk cap alone (`rollout.decision.riskCaps.conditional`, canary):
 * verification has written conditions with every `conditional` decision since they were introduced.
 */
export function gateOf(input: GateInput): RolloutGate {
  const { version, events } = input;
  const decision = input.verification?.decision ?? 'unverified';
  const fromVerification = [...(input.verification?.conditions ?? [])];
  const personPromoted = events.some(
    (e) => e.version === version && e.kind === 'promote' && e.actor === 'user',
  );
  const replaces = humanRollbackBefore(version, events);
  const conditions: GateCondition[] = fromVerification.map((condition) => ({
    condition,
    source: 'verification',
    // A person's promotion lifts a group limit; `manual-promotion` binds every promotion; a stage cap is
    // passed only by a person's forced promotion (the stage itself then shows it).
    lifted: condition.startsWith(LIMITED_GROUP) && personPromoted,
  }));
  if (replaces)
    for (const condition of [MANUAL_PROMOTION, `${LIMITED_GROUP}${input.internalGroup}`])
      conditions.push({ condition, source: 'human-rollback', lifted: personPromoted });
  const active = conditions.filter((c) => !c.lifted).map((c) => c.condition);
  const manualPromotion =
    active.includes(MANUAL_PROMOTION) || active.some((c) => c.startsWith(LIMITED_GROUP));
  const limitedGroup = active.find((c) => c.startsWith(LIMITED_GROUP))?.slice(LIMITED_GROUP.length);
  let maxStage: RolloutStage | undefined;
  for (const c of active) {
    const s = c.startsWith(MAX_STAGE) ? c.slice(MAX_STAGE.length) : '';
    if (isStage(s)) maxStage = lowerStage(s, maxStage);
  }
  let needsPerson: string | undefined;
  if (manualPromotion) {
    const why = replaces
      ? `v${version} replaces v${replaces.version}, which ${replaces.by ?? 'a person'} rolled back ("${replaces.reason.slice(0, 120)}")`
      : `verification ${decision} requires it (${active.join(', ')})`;
    needsPerson = `a person must promote v${version}: ${why}${limitedGroup ? `; served to group "${limitedGroup}" only until then` : ''}`;
  }
  return {
    verification: decision,
    conditions,
    manualPromotion,
    limitedGroup,
    maxStage,
    replacesHumanRollback: replaces,
    needsPerson,
  };
}
