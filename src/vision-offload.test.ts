import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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

  it('describes on the worker thread too; reads text on this one (see OFFLOADED)', async () => {
    const scene = await renderScene({
      width: 800,
      height: 500,
      titlebar: { title: 'Invoice Editor' },
      statusbar: { text: 'Ready' },
      elements: [{ type: 'shape', shape: 'circle', color: 'red', region: 'content', x: 40, y: 40, size: 30 }],
    });
    const img = await screenLoader(40_000_000).decode(scene.png);
    const before = off.stats.workerCalls;
    const described = await off.port.describe(img);
    expect(off.stats.workerCalls - before).toBe(1);
    expect(described).toEqual(await createVisionPort().describe(img));
    expect(JSON.stringify(described)).toMatch(/red circle/);
    expect((await off.port.readText!(img)).text).toMatch(/Invoice Editor/);
    expect(off.stats.workerCalls - before).toBe(1);
  }, 180_000);

  it("scans a screen ahead of a run (prescan), whose findShapes then reads that scan's result", async () => {
    const scene = await renderScene(
      countScene({ color: 'blue', shape: 'triangle', region: 'content', count: 3, seed: 5 }),
    );
    const img = await screenLoader(40_000_000).decode(scene.png);
    const before = { ...off.stats };
    off.port.prescan!(img);
    const local = createVisionPort();
    for (const opts of [{ color: 'blue' as const, shape: 'triangle' as const }, {}, { minArea: 900 }])
      expect(await off.port.findShapes(img, opts)).toEqual(await local.findShapes(img, opts));
    expect(off.stats.prescans - before.prescans).toBe(1);
    // A prescan is not a call: the three calls are.
    expect(off.stats.workerCalls - before.workerCalls).toBe(3);
  }, 60_000);

  it('carries typed errors back', async () => {
    await expect(off.port.findShapes(screen, { minArea: -1 })).rejects.toMatchObject({
      code: 'E_INPUT_INVALID',
    });
  }, 60_000);
});

/** Issue 20: the worker thread holds its own OpenCV; an idle server gives it back and starts it again. */
describe('offloaded vision with an idle period', () => {
  it('ends the worker thread once unused for idleMs, and the next scan starts a new one', async () => {
    const off = offloadVision(createVisionPort(), { idleMs: 200 });
    try {
      const scene = await renderScene(
        countScene({ color: 'red', shape: 'circle', region: 'content', count: 3, seed: 11 }),
      );
      const screen = await screenLoader(40_000_000).decode(scene.png);
      const truth = scene.truth.filter((t) => t.shape === 'circle' && t.color === 'red').length;
      expect(off.running()).toBe(false);
      expect(await off.port.findShapes(screen, { color: 'red', shape: 'circle' })).toHaveLength(truth);
      expect(off.running()).toBe(true);
      await vi.waitFor(() => expect(off.running()).toBe(false), { timeout: 10_000, interval: 25 });
      // The screen was sent to the thread that ended: the new one is sent it again.
      expect(await off.port.findShapes(screen, { color: 'red', shape: 'circle' })).toHaveLength(truth);
      expect(off.stats.workerCalls).toBe(2);
    } finally {
      await off.close();
    }
    expect(off.running()).toBe(false);
  }, 120_000);
});

/** Screens are shared with the worker in reused buffers: a buffer is refilled only once its screen is gone. */
describe('offloaded vision with many screens', () => {
  it('answers every new screen from its own pixels, in buffers reused once their screens were collected', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const off = offloadVision(createVisionPort());
    const local = createVisionPort();
    const loader = screenLoader(40_000_000);
    try {
      const pngs = await Promise.all(
        [3, 1, 4, 2, 5, 0].map(async (count, seed) => ({
          png: (
            await renderScene(countScene({ color: 'blue', shape: 'circle', region: 'content', count, seed }))
          ).png,
        })),
      );
      // The screens differ in what a scan finds, so an answer from a stale buffer would be seen.
      const expected: number[] = [];
      for (let round = 0; round < 3; round++) {
        for (const [i, { png }] of pngs.entries()) {
          // Each screen is decoded afresh and dropped after its scans, as a request's screen is.
          const screen = await loader.decode(png);
          const items = await off.port.findShapes(screen, { color: 'blue', shape: 'circle' });
          expect(items).toEqual(await local.findShapes(screen, { color: 'blue', shape: 'circle' }));
          expected[i] ??= items.length;
          expect(items).toHaveLength(expected[i]!);
        }
        gc();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(new Set(expected).size).toBe(pngs.length);
      expect(off.stats.buffersReused).toBeGreaterThan(0);
    } finally {
      await off.close();
    }
  }, 180_000);
});
