import { IroncliwError } from '../domain/index.js';
import type { ServedRequest, Store } from '../store/index.js';

/**
 * Feedback on one served request, counted into the window that served it — once: E_NOT_FOUND for a
 * request id no node recorded (or pruned), E_STATE_CONFLICT when it already has feedback. The caller
 * flushes this node's served requests first, so a request it just served is found.
 */
export function recordFeedback(
  store: Store,
  input: { requestId: string; positive: boolean },
): Promise<ServedRequest> {
  const feedback = input.positive ? 'positive' : 'negative';
  return store.transaction(async (tx) => {
    const served = await tx.servedRequests.get(input.requestId);
    if (!served)
      throw new IroncliwError('E_NOT_FOUND', `no served request ${input.requestId}`, {
        hint: 'Feedback needs the requestId of a command a learned capability answered (kept 7 days).',
      });
    if (!(await tx.servedRequests.setFeedback(input.requestId, feedback)))
      throw new IroncliwError('E_STATE_CONFLICT', `request ${input.requestId} already has feedback`);
    await tx.rolloutMetrics.add([
      {
        capabilityId: served.capabilityId,
        version: served.version,
        stage: served.stage,
        windowStart: served.windowStart,
        counts: { [`feedback:${feedback}`]: 1 },
      },
    ]);
    return { ...served, feedback };
  });
}
