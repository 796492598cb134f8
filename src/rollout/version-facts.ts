import type { Rollout, RolloutStage, VerificationDecision } from '../domain/index.js';
import type { Store } from '../store/index.js';
import type { DecisionThresholds } from './decision.js';
import type { RolloutGate } from './gate.js';
import { gateOf } from './gate.js';

/** The highest stage a version may reach by its verification decision. */
export interface RiskCap {
  stage: RolloutStage;
  decision: VerificationDecision | 'unverified';
}

type StoredVerification = { decision: VerificationDecision; conditions?: string[] };

export interface VersionFactsOptions {
  store: Store;
  riskCaps: DecisionThresholds['riskCaps'];
  internalGroup: string;
}

/**
 * What the store says about a rollout's version, read once and cached: the stable version it falls back
 * to, its verification decision (and so its risk cap), and its gate.
 */
export class VersionFacts {
  readonly #store: Store;
  readonly #riskCaps: DecisionThresholds['riskCaps'];
  readonly #internalGroup: string;
  /** Stable version per rollout id: depends only on older versions' history, so it never changes. */
  #stableByRolloutId = new Map<string, number | undefined>();
  #verifications = new Map<string, StoredVerification>();
  /** Gate per rollout row (id + updatedAt): a person's promotion changes the row, so the gate is re-derived. */
  #gates = new Map<string, RolloutGate>();

  constructor(options: VersionFactsOptions) {
    this.#store = options.store;
    this.#riskCaps = options.riskCaps;
    this.#internalGroup = options.internalGroup;
  }

  /** The highest earlier version that reached production and was not rolled back since. */
  async stableVersion(r: Rollout): Promise<number | undefined> {
    if (this.#stableByRolloutId.has(r.id)) return this.#stableByRolloutId.get(r.id);
    const reached = new Set<number>();
    for (const e of await this.#store.events.list({ capabilityId: r.capabilityId })) {
      if (e.kind === 'promote' && e.toStage === 'production') reached.add(e.version);
      if (e.kind === 'rollback') reached.delete(e.version);
    }
    const stable = Math.max(...[...reached].filter((v) => v < r.version));
    const result = Number.isFinite(stable) ? stable : undefined;
    this.#stableByRolloutId.set(r.id, result);
    return result;
  }

  async verification(r: Rollout): Promise<StoredVerification | undefined> {
    const key = `${r.capabilityId}@${r.version}`;
    let v = this.#verifications.get(key);
    if (!v) {
      const reports = await this.#store.reports.list(r.capabilityId, r.version, 'verification');
      const last = reports.at(-1)?.report as
        { decision?: VerificationDecision; conditions?: unknown } | undefined;
      if (!last?.decision) return undefined;
      const conditions = Array.isArray(last.conditions)
        ? last.conditions.filter((c): c is string => typeof c === 'string')
        : undefined;
      v = { decision: last.decision, ...(conditions ? { conditions } : {}) };
      this.#verifications.set(key, v);
    }
    return v;
  }

  async riskCap(r: Rollout): Promise<RiskCap> {
    const decision = (await this.verification(r))?.decision ?? 'unverified';
    return { stage: this.#riskCaps[decision], decision };
  }

  /** The rollout gate of this row's version (see gate.ts), derived from its verification and the events. */
  async gate(r: Rollout): Promise<RolloutGate> {
    const key = `${r.id}@${r.updatedAt}`;
    const cached = this.#gates.get(key);
    if (cached) return cached;
    const [verification, events] = await Promise.all([
      this.verification(r),
      this.#store.events.list({ capabilityId: r.capabilityId }),
    ]);
    const gate = gateOf({
      version: r.version,
      verification,
      events,
      internalGroup: this.#internalGroup,
    });
    if (this.#gates.size > 10_000) this.#gates.clear();
    this.#gates.set(key, gate);
    return gate;
  }
}
