import { describe, expect, it, vi } from 'vitest';
import { exposeGc, idleCollector } from './idle-gc.js';

describe('idle collector', () => {
  it('collects every idleMs while idle, at most 4 times a spell, and again after new work', async () => {
    let t = 0;
    const gc = vi.fn();
    const c = idleCollector({ idleMs: 100, gc, now: () => t });
    try {
      const tick = async (ms: number) => {
        t += ms;
        await new Promise((r) => setTimeout(r, 120));
      };
      await tick(50);
      expect(gc).not.toHaveBeenCalled();
      await tick(60); // 110 ms idle
      expect(gc).toHaveBeenCalledTimes(1);
      for (let i = 0; i < 6; i++) await tick(100);
      expect(gc).toHaveBeenCalledTimes(4);
      c.touch();
      await tick(20);
      expect(gc).toHaveBeenCalledTimes(4);
      await tick(100);
      expect(gc).toHaveBeenCalledTimes(5);
      expect(c.collections).toBe(5);
    } finally {
      c.stop();
    }
  });

  it('frees what only a collection frees: an unreachable buffer is collected', async () => {
    const gc = exposeGc();
    expect(gc).toBeTypeOf('function');
    // Made in a function of its own, so nothing on this frame holds it.
    const ref = ((): WeakRef<ArrayBuffer> => new WeakRef(new ArrayBuffer(8 << 20)))();
    await new Promise((r) => setTimeout(r, 0));
    gc!();
    expect(ref.deref()).toBeUndefined();
  });
});
