import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createIroncliw } from '../ironcliw.js';
import { buildServer } from './server.js';

/**
 * Issue 16.5: eight concurrent small requests carrying 6300×6300 PNGs pushed a server from 367 MB to 1.75 GB.
 * Decodes are admitted by the pixels they hold (config hostWork.decodePixelsInFlight, default 48 MP ≈ 192 MB
 * of RGBA), so the same burst is decoded one after another and RSS stays under the bound docs/security.md
 * states: growth ≤ 480 MB over the idle server.
 */
const SIDE = 6300;
/**
 * One 6300² decode at a time holds its 159 MB RGBA buffer plus libvips' working copy (≈ 330 MB measured);
 * unadmitted, two decodes at once on this 2-core machine already reach ≈ 680 MB (more cores, more).
 */
const RSS_GROWTH_BOUND_MB = 480;

async function hugePng(seed: number): Promise<string> {
  const png = await sharp({
    create: { width: SIDE, height: SIDE, channels: 3, background: { r: seed * 20, g: 90, b: 200 } },
  })
    .png({ compressionLevel: 9 })
    .toBuffer();
  return png.toString('base64');
}

describe('a burst of huge-dimension small PNGs', () => {
  it('is decoded within the pixel budget and RSS stays bounded', async () => {
    const ironcliw = await createIroncliw(
      { db: 'memory:', hostWork: { decodeQueue: 8, decodeWaitMs: 120_000 } },
      { startWorkers: false },
    );
    const app = await buildServer(ironcliw);
    try {
      const bodies = await Promise.all(Array.from({ length: 8 }, (_, i) => hugePng(i)));
      console.info(`PNG of ${SIDE}×${SIDE}: ${Math.round(bodies[0]!.length / 1024)} KB base64`);
      const send = (b64: string) =>
        app.inject({
          method: 'POST',
          url: '/v1/commands',
          payload: { command: 'count the purple triangles in the sidebar', screen: { pngBase64: b64 } },
        });
      global.gc?.();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 10);
      const answers = await Promise.all(bodies.map(send));
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      const growthMb = (peak - baseline) / 2 ** 20;
      console.info(
        `decode burst: RSS ${Math.round(baseline / 2 ** 20)} MB → peak ${Math.round(peak / 2 ** 20)} MB (+${growthMb.toFixed(0)} MB, bound ${RSS_GROWTH_BOUND_MB} MB)`,
      );
      expect(answers.map((a) => a.statusCode)).toEqual(Array(8).fill(200));
      expect(
        answers.every((a) => a.json().ok === false && a.json().failure.category === 'missing_handler'),
      ).toBe(true);
      expect(growthMb).toBeLessThanOrEqual(RSS_GROWTH_BOUND_MB);
    } finally {
      await app.close();
      await ironcliw.close();
    }
  }, 300_000);

  it('answers 503 E_BUSY with Retry-After beyond the queue bound, storing nothing', async () => {
    const ironcliw = await createIroncliw(
      { db: 'memory:', hostWork: { decodeQueue: 1, decodeWaitMs: 120_000 } },
      { startWorkers: false },
    );
    const app = await buildServer(ironcliw);
    try {
      const b64 = await hugePng(1);
      const answers = await Promise.all(
        Array.from({ length: 4 }, () =>
          app.inject({
            method: 'POST',
            url: '/v1/commands',
            payload: { command: 'count the purple triangles in the sidebar', screen: { pngBase64: b64 } },
          }),
        ),
      );
      // One decoding, one waiting, two refused at once.
      expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 503, 503]);
      for (const busy of answers.filter((a) => a.statusCode === 503)) {
        expect(busy.json().error.code).toBe('E_BUSY');
        expect(Number(busy.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
      expect(await ironcliw.store.failures.count()).toBe(2);
    } finally {
      await app.close();
      await ironcliw.close();
    }
  }, 300_000);
});
