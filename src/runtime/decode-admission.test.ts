import { describe, expect, it } from 'vitest';
import { DecodeAdmission } from './decode-admission.js';

describe('DecodeAdmission', () => {
  it('admits within the pixel budget, queues FIFO, and refuses beyond the queue bound', async () => {
    const a = new DecodeAdmission({ pixelsInFlight: 100, maxQueued: 2, maxWaitMs: 60_000 });
    const r1 = await a.admit(60);
    const order: string[] = [];
    const p2 = a.admit(60).then((r) => (order.push('second'), r));
    const p3 = a.admit(10).then((r) => (order.push('third'), r));
    // The small one does not overtake the big one waiting at the head of the queue.
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]);
    expect(a.state).toEqual({ pixelsInFlight: 60, requests: 1, queued: 2 });
    await expect(a.admit(1)).rejects.toMatchObject({ code: 'E_BUSY', details: { retryAfterSeconds: 15 } });
    r1();
    r1(); // releasing twice is harmless
    const [r2, r3] = await Promise.all([p2, p3]);
    expect(order).toEqual(['second', 'third']);
    expect(a.state.pixelsInFlight).toBe(70);
    r2();
    r3();
    expect(a.state).toEqual({ pixelsInFlight: 0, requests: 0, queued: 0 });
    expect(a.peakPixels).toBe(70);
  });

  it('admits an image larger than the whole budget only alone, and times waiters out', async () => {
    const a = new DecodeAdmission({ pixelsInFlight: 100, maxQueued: 5, maxWaitMs: 20 });
    const big = await a.admit(500);
    await expect(a.admit(1)).rejects.toMatchObject({ code: 'E_BUSY' });
    expect(a.state.queued).toBe(0);
    big();
    const small = await a.admit(1);
    small();
  });
});
