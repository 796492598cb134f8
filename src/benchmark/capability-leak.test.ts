import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxTier } from '../sandbox/index.js';
import { createSandboxTier } from '../sandbox/index.js';
import { benchmarkCapability } from './index.js';
import { CLEAN_NOISY, LEAKING, capability } from '../../test/support/benchmark-capabilities.js';

let tier: SandboxTier;
beforeAll(async () => {
  tier = await createSandboxTier('process', { poolSize: 2 });
});
afterAll(async () => {
  await tier?.close();
});

/** Leak detection on capabilities run through the real process sandbox. */
describe('leak detection through the process sandbox', () => {
  it('flags a leaking capability and reports its slope', async () => {
    const r = await benchmarkCapability({
      capability: capability('leaks', LEAKING),
      tier,
      warmup: 3,
      iterations: 30,
      inputFor: (i) => ({ history: i }),
    });
    expect(r.errorRate).toBe(0);
    expect(r.leak.suspected).toBe(true);
    // 200 entries × ~90 bytes per request ≈ 20 KB/iteration.
    expect(r.leak.slopeKbPerIter).toBeGreaterThan(10);
    expect(r.leak.slopeKbPerIter).toBeLessThan(60);
    expect(r.memorySeriesKb.length).toBe(30);
  });

  it('does not flag a clean capability with noisy memory, across 20 runs', async () => {
    const alarms: string[] = [];
    let spread = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const r = await benchmarkCapability({
        capability: capability('clean', CLEAN_NOISY),
        tier,
        warmup: 1,
        iterations: 25,
        seed,
      });
      expect(r.errorRate).toBe(0);
      spread = Math.max(spread, Math.max(...r.memorySeriesKb) - Math.min(...r.memorySeriesKb));
      if (r.leak.suspected) alarms.push(`seed ${seed}: ${r.leak.reason}`);
    }
    // The memory really varies (the detector is not looking at a flat line)…
    expect(spread).toBeGreaterThan(200);
    // …and no run raised an alarm.
    expect(alarms).toEqual([]);
  });
});
