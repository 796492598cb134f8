import type { DecisionEvent, DecisionKind, Rollout, RolloutStage } from '../domain/index.js';
import { IroncliwError, newId } from '../domain/index.js';
import type { Store } from '../store/index.js';
import type { RolloutChange } from './change-feed.js';
import type { Verdict } from './decision.js';
import type { Step } from './ladder.js';
import { stageLabel } from './ladder.js';
import type { RoutingTable } from './routing-table.js';
import type { VersionFacts } from './version-facts.js';

/** Where a transition takes a rollout; a pause remembers the stage it froze. */
export type Destination = Step & { pausedFrom?: RolloutStage };

export interface TransitionsOptions {
  store: Store;
  now: () => number;
  facts: VersionFacts;
  table: RoutingTable;
  emit: (change: RolloutChange) => void;
  log?: ((msg: string, data?: Record<string, unknown>) => void) | undefined;
}

/**
 * Writes decisions. Every transition is a compare-and-set on the rollout row plus a DecisionEvent in one
 * transaction, so nodes judging the same window concurrently move it once; a refused automatic promotion
 * is stored once per window as a `hold`.
 */
export class Transitions {
  readonly #opts: TransitionsOptions;
  /** Hold decisions already stored, per stage window (their ids are deterministic, so nodes store one). */
  #held = new Set<string>();

  constructor(options: TransitionsOptions) {
    this.#opts = options;
  }

  /** Moves a rollout; E_STATE_CONFLICT when its row changed since `current` was read. */
  async apply(
    current: Rollout,
    to: Destination,
    kind: DecisionKind,
    reason: string,
    numbers: Record<string, number>,
    actor: 'system' | 'user',
    by?: string,
  ): Promise<DecisionEvent> {
    const { store, facts } = this.#opts;
    // updatedAt is the compare-and-set token: it must move forward even within one millisecond.
    const at = new Date(Math.max(this.#opts.now(), Date.parse(current.updatedAt) + 1)).toISOString();
    const next: Rollout = {
      id: current.id,
      capabilityId: current.capabilityId,
      version: current.version,
      stage: to.stage,
      percentage: to.percentage,
      ...(to.pausedFrom ? { pausedFrom: to.pausedFrom } : {}),
      rolloutKey: current.rolloutKey,
      stageEnteredAt: at,
      updatedAt: at,
    };
    const event: DecisionEvent = {
      id: newId('evt'),
      at,
      capabilityId: current.capabilityId,
      version: current.version,
      kind,
      fromStage: current.stage,
      toStage: to.stage,
      reason,
      numbers: { ...numbers, fromPercentage: current.percentage, toPercentage: to.percentage },
      actor,
      ...(by && actor === 'user' ? { by: by.slice(0, 200) } : {}),
    };
    // Read before the transaction: on SQLite the store's one connection is the transaction's.
    const stable = kind === 'rollback' ? await facts.stableVersion(current) : undefined;
    await store.transaction(async (tx) => {
      if (!(await tx.rollouts.replaceIf(next, current.updatedAt)))
        throw new IroncliwError(
          'E_STATE_CONFLICT',
          `the rollout of ${current.capabilityId} changed meanwhile (another node or person moved it)`,
        );
      await tx.events.append(event);
      if (kind === 'rollback') {
        await tx.reports.add({
          id: newId('rep'),
          capabilityId: current.capabilityId,
          version: current.version,
          kind: 'incident',
          at,
          report: {
            reason,
            actor,
            stage: current.stage,
            percentage: current.percentage,
            windowStart: current.stageEnteredAt,
            numbers,
            routedTo: stable === undefined ? 'clean failure (no earlier version)' : `version ${stable}`,
          },
        });
      }
    });
    await this.#opts.table.moved(next);
    this.#opts.log?.('rollout transition', {
      capabilityId: current.capabilityId,
      kind,
      from: current.stage,
      to: to.stage,
      reason,
    });
    this.#opts.emit({ capabilityId: current.capabilityId, rollout: next, event });
    return event;
  }

  /**
   * Stores a refused automatic promotion as a `hold` decision, once per stage window: its id is derived from
   * the rollout and the window, so every node (and every later evaluation) finds it already stored.
   * `toPercentage` is the share of users the refused step would have served.
   */
  async hold(r: Rollout, verdict: Verdict, toPercentage?: number): Promise<DecisionEvent | undefined> {
    const id = `evt_hold_${r.id}_${Date.parse(r.stageEnteredAt)}`;
    if (this.#held.has(id) || !verdict.held) return undefined;
    const move = `${stageLabel(r.stage, r.percentage)} → ${stageLabel(verdict.held.to, toPercentage)}`;
    const event: DecisionEvent = {
      id,
      at: new Date(this.#opts.now()).toISOString(),
      capabilityId: r.capabilityId,
      version: r.version,
      kind: 'hold',
      fromStage: r.stage,
      reason: `automatic promotion ${move} refused: ${verdict.held.reason}`,
      numbers: { ...verdict.numbers, fromPercentage: r.percentage },
      actor: 'system',
    };
    try {
      await this.#opts.store.events.append(event);
    } catch (err) {
      if (err instanceof IroncliwError && err.code === 'E_STATE_CONFLICT') {
        this.#held.add(id); // another node (or an earlier run of this one) stored it
        return undefined;
      }
      throw err;
    }
    if (this.#held.size > 10_000) this.#held.clear();
    this.#held.add(id);
    this.#opts.log?.('rollout hold', { capabilityId: r.capabilityId, reason: event.reason });
    this.#opts.emit({ capabilityId: r.capabilityId, rollout: r, event });
    return event;
  }
}
