import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VisionImage } from './capabilities/index.js';
import { offloadVision } from './vision-offload.js';
import { createVisionPort, screenLoader } from './vision-port.js';
import { countScene, renderScene } from './vision/index.js';

/** Issue 16.4: screen scans for requests run off the serving event loop (`serve` sets offloadVision). */
describe('offloaded vision', () => {
  const off = offloadVision(createVisionPort());
  let screen: VisionImage;
  let truth: number;
  beforeAll(async () => {
    const scene = await renderScene(
      countScene({ color: 'green', shape: 'square', region: 'content', count: 4, seed: 7 }),
    );
    screen = await screenLoader(40_000_000).decode(scene.png);
    truth = scene.truth.filter((t) => t.shape === 'square' && t.color === 'green').length;
  });
  afterAll(async () => {
    await off.close();
  });

  it('finds what was drawn, on the worker thread, while the event loop keeps turning', async () => {
    const scan = off.port.findShapes(screen, { color: 'green', shape: 'square' });
    let turns = 0;
    let settled = false;
    void scan.finally(() => (settled = true));
    // A scan on this thread would finish inside the current microtask drain, before any turn.
    while (!settled) {
      await new Promise((r) => setImmediate(r));
      turns++;
    }
    const items = await scan;
    expect(items).toHaveLength(truth);
    expect(turns).toBeGreaterThan(0);
    expect(off.stats.workerCalls).toBe(1);
    // The same answer as the scan on this thread, for distinct minArea values (a new scan each).
    const local = createVisionPort();
    for (const minArea of [1.5, 7.25, 60, 400]) {
      expect(await off.port.findShapes(screen, { minArea })).toEqual(
        await local.findShapes(screen, { minArea }),
      );
    }
    expect(off.stats.workerCalls).toBe(5);
  }, 120_000);

  it('carries typed errors back', async () => {
    await expect(off.port.findShapes(screen, { minArea: -1 })).rejects.toMatchObject({
      code: 'E_INPUT_INVALID',
    });
  }, 60_000);
});
