import type { RolloutStatus } from '../rollout/index.js';
import { measuredNumber } from '../rollout/index.js';

/**
 * The live numbers a dashboard shows for a rollout: its open stage window, or — right after a transition,
 * when that window is still empty — the window the last decision was made from.
 */
export function liveNumbers(st: RolloutStatus) {
  const w = st.window;
  if (w.requests > 0)
    return {
      source: 'open window',
      stage: w.stage,
      requests: w.requests,
      successRate: w.successRate,
      p99Ms: w.p99Ms,
      positiveFeedbackShare: w.positive + w.negative ? w.positiveShare : null,
    };
  // Only windows of the version now rolled out: after a rollback and a new version, v1's numbers are not v2's.
  const judged = [...st.events]
    .reverse()
    .find((e) => e.version === st.rollout.version && (e.numbers['requests'] ?? 0) > 0);
  if (!judged)
    return {
      source: 'open window',
      stage: w.stage,
      requests: 0,
      successRate: null,
      p99Ms: null,
      positiveFeedbackShare: null,
    };
  const n = judged.numbers;
  return {
    source: 'last decision',
    stage: judged.fromStage ?? w.stage,
    requests: n['requests'] ?? 0,
    successRate: measuredNumber(n, 'successRate'),
    p99Ms: measuredNumber(n, 'p99Ms'),
    positiveFeedbackShare: measuredNumber(n, 'positiveShare'),
  };
}
