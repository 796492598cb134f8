import type { Rollout } from '../domain/index.js';
import type { Store, StoredRolloutPolicy } from '../store/index.js';
import type { RolloutChange } from './change-feed.js';
import type { RolloutPolicy } from './policy.js';
import { DEFAULT_POLICY } from './policy.js';
import type { CompiledRollout } from './strategies.js';
import { compileRollout } from './strategies.js';
import type { VersionFacts } from './version-facts.js';

export interface RoutingTableOptions {
  store: Store;
  facts: VersionFacts;
  policyOf: (stored: StoredRolloutPolicy | undefined) => RolloutPolicy;
  /** Hears of every rollout that changed on refresh. */
  emit: (change: RolloutChange) => void;
}

/**
 * The compiled rollouts this node routes by, one per capability. The map is replaced, never mutated, on
 * change, so a reader holding it sees one consistent state.
 */
export class RoutingTable {
  readonly #opts: RoutingTableOptions;
  #states = new Map<string, CompiledRollout>();
  #policyStamps = new Map<string, string>();
  // Refreshes are serialised and coalesced (see `refresh`), so a store change feed may trigger them freely.
  #refreshing: Promise<void> = Promise.resolve();
  #refreshQueued: Promise<void> | undefined;

  constructor(options: RoutingTableOptions) {
    this.#opts = options;
  }

  get states(): ReadonlyMap<string, CompiledRollout> {
    return this.#states;
  }

  get(capabilityId: string): CompiledRollout | undefined {
    return this.#states.get(capabilityId);
  }

  /** The policy this node routes a capability by. */
  policy(capabilityId: string): RolloutPolicy {
    return this.#states.get(capabilityId)?.policy ?? DEFAULT_POLICY;
  }

  /**
   * Re-reads rollouts and policies from the store; listeners hear of every rollout that changed.
   * Refreshes run one at a time (an older read can never overwrite a newer one); a call made while one
   * is waiting to start joins it, since that one will read after the call anyway.
   */
  refresh(): Promise<void> {
    if (this.#refreshQueued) return this.#refreshQueued;
    const run = this.#refreshing.then(() => {
      this.#refreshQueued = undefined;
      return this.#refreshNow();
    });
    this.#refreshQueued = run;
    this.#refreshing = run.catch(() => {});
    return run;
  }

  async #refreshNow(): Promise<void> {
    const { store, facts } = this.#opts;
    const [rollouts, policies] = await Promise.all([store.rollouts.list(), store.rolloutPolicies.list()]);
    const policyById = new Map(policies.map((p) => [p.capabilityId, p]));
    const next = new Map<string, CompiledRollout>();
    const changed: RolloutChange[] = [];
    for (const r of rollouts) {
      const stored = policyById.get(r.capabilityId);
      const prev = this.#states.get(r.capabilityId);
      const stamp = stored?.updatedAt ?? '';
      if (
        prev &&
        prev.rollout.updatedAt === r.updatedAt &&
        this.#policyStamps.get(r.capabilityId) === stamp
      ) {
        next.set(r.capabilityId, prev);
        continue;
      }
      const gate = await facts.gate(r);
      next.set(
        r.capabilityId,
        compileRollout(r, this.#opts.policyOf(stored), await facts.stableVersion(r), gate.limitedGroup),
      );
      this.#policyStamps.set(r.capabilityId, stamp);
      changed.push({ capabilityId: r.capabilityId, rollout: r });
    }
    for (const id of this.#states.keys())
      if (!next.has(id)) changed.push({ capabilityId: id, rollout: undefined });
    this.#states = next;
    for (const c of changed) this.#opts.emit(c);
  }

  /** Routes by a row this node just moved, at once (other nodes follow on refresh). */
  async moved(next: Rollout): Promise<void> {
    const { facts } = this.#opts;
    const prev = this.#states.get(next.capabilityId);
    const compiled = compileRollout(
      next,
      prev?.policy ?? DEFAULT_POLICY,
      await facts.stableVersion(next),
      (await facts.gate(next)).limitedGroup,
    );
    this.#states = new Map(this.#states).set(next.capabilityId, compiled);
  }
}
