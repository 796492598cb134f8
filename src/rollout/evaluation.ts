import type { DecisionEvent, RolloutStage } from '../domain/index.js';
import { IroncliwError } from '../domain/index.js';
import type { Verdict } from './decision.js';
import type { EngineParts } from './engine-parts.js';
import type { Destination } from './transitions.js';
import { nextStep } from './ladder.js';
import { readVerdict } from './verdict-reader.js';

export interface Evaluation {
  capabilityId: string;
  version: number;
  stage: RolloutStage;
  verdict: Verdict;
  /** The transition made, if any (none when another node moved the rollout first). */
  event?: DecisionEvent;
}

/** Automatic moves: judges every active window and acts on the verdicts; prunes old served requests. */
export class Evaluator {
  readonly #parts: EngineParts;
  readonly #servedRetentionMs: number;
  #lastPrune = 0;

  constructor(parts: EngineParts, servedRetentionMs: number | undefined) {
    this.#parts = parts;
    this.#servedRetentionMs = servedRetentionMs ?? 7 * 24 * 3600_000;
  }

  /**
   * Judges every active window (after flushing this node's numbers) and acts on the verdicts: roll back,
   * pause or promote. Returns one evaluation per judged rollout.
   */
  async evaluate(): Promise<Evaluation[]> {
    const { store, metrics, transitions, table, now } = this.#parts;
    await metrics.flush();
    const out: Evaluation[] = [];
    for (const r of await store.rollouts.list()) {
      const verdict = await readVerdict(this.#parts, r);
      if (!verdict) continue;
      const e: Evaluation = { capabilityId: r.capabilityId, version: r.version, stage: r.stage, verdict };
      out.push(e);
      if (verdict.held) {
        const to = nextStep(r, table.policy(r.capabilityId))?.percentage;
        const held = await transitions.hold(r, verdict, to);
        if (held) e.event = held;
      }
      if (verdict.action === 'none') continue;
      try {
        const step: Destination =
          verdict.action === 'promote'
            ? nextStep(r, table.policy(r.capabilityId))!
            : verdict.action === 'pause'
              ? { stage: 'paused', percentage: r.percentage, pausedFrom: r.stage }
              : { stage: 'rolled_back', percentage: 0 };
        e.event = await transitions.apply(r, step, verdict.action, verdict.reason, verdict.numbers, 'system');
      } catch (err) {
        if (err instanceof IroncliwError && err.code === 'E_STATE_CONFLICT') continue; // another node acted
        throw err;
      }
    }
    if (now() - this.#lastPrune > 3600_000) {
      this.#lastPrune = now();
      await store.servedRequests.prune(new Date(now() - this.#servedRetentionMs).toISOString());
    }
    return out;
  }
}
