import Fastify from 'fastify';
import { PerformanceObserver } from 'node:perf_hooks';
import type { CommandResponse } from '../src/runtime/index.js';
import { decodeImage, renderScene } from '../src/vision/index.js';
import { startService } from './busy-vs-idle.js';
import { LOAD_CLIENT_KEY } from './load-generator.js';

/**
 * A diagnostic of the http-cost suite's unhandled command (not a suite; docs/performance.md, "Third pass"):
 * `node --import tsx bench/service-cost-probe.ts [pairs]`.
 * 1. The HTTP shell alone: a bare Fastify route and our server with `processCommand` answering a constant,
 *    same body, back to back, then with an in-process decode of the screen before each request.
 * 2. Three sides alternating (the side that goes first rotating): the floor (the decode in-process), a bare
 *    Fastify route that decodes the screen from the body, and our server answering "close the settings
 *    dialog" (its failure recorded); with the GC time that fell in each side's windows.
 */
const N = Number(process.argv[2] ?? 100);
const WARMUP = 5;
const { png } = await renderScene({
  width: 1920,
  height: 1080,
  titlebar: { height: 32, title: 'Project - Editor' },
  toolbar: { height: 48 },
  statusbar: { height: 28, text: 'Ready: 3 files saved to the project folder' },
  elements: [
    { type: 'shape', shape: 'circle', color: 'red', region: 'toolbar', x: 40, y: 8, size: 30 },
    { type: 'shape', shape: 'triangle', color: 'blue', region: 'content', x: 700, y: 500, size: 80 },
  ],
});
const payload = JSON.stringify({
  command: 'close the settings dialog',
  context: { user: 'ana' },
  screen: { pngBase64: png.toString('base64') },
});
const canned = {
  ok: false,
  requestId: 'req_probe',
  failure: { id: 'fail_probe', category: 'missing_handler', message: 'no capability handles it' },
  latencyMs: 1,
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const post = async (url: string) => {
  const res = await fetch(`${url}/v1/commands`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': LOAD_CLIENT_KEY },
    body: payload,
  });
  await res.json();
};

const bareConstant = Fastify();
bareConstant.post('/v1/commands', async () => canned);
const bareDecoding = Fastify();
bareDecoding.post('/v1/commands', async (req) => {
  const { screen } = req.body as { screen: { pngBase64: string } };
  await decodeImage(Buffer.from(screen.pngBase64, 'base64'));
  return canned;
});
const constantUrl = await bareConstant.listen({ port: 0, host: '127.0.0.1' });
const decodingUrl = await bareDecoding.listen({ port: 0, host: '127.0.0.1' });
const stubbed = await startService(false);
(stubbed.ironcliw as unknown as { processCommand: () => Promise<CommandResponse> }).processCommand =
  async () => canned as CommandResponse;
const real = await startService(false);
try {
  for (const decodeFirst of [false, true]) {
    const t = { bare: [] as number[], ours: [] as number[] };
    for (let i = 0; i < WARMUP + 3 * N; i++)
      for (const [side, url] of [
        ['bare', constantUrl],
        ['ours', stubbed.url],
      ] as const) {
        if (decodeFirst) await decodeImage(png);
        const t0 = performance.now();
        await post(url);
        if (i >= WARMUP) t[side].push(performance.now() - t0);
      }
    process.stdout.write(
      `HTTP shell${decodeFirst ? ', a decode before each request' : ', back to back'}: bare route ${median(t.bare).toFixed(3)} ms, ours (processCommand stubbed) ${median(t.ours).toFixed(3)} ms\n`,
    );
  }

  const gcs: { start: number; ms: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ start: e.startTime, ms: e.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  const sides = ['floor', 'bare', 'ours'] as const;
  const times = { floor: [] as number[], bare: [] as number[], ours: [] as number[] };
  const windows: { side: (typeof sides)[number]; from: number; to: number }[] = [];
  for (let i = 0; i < WARMUP + N; i++)
    for (let j = 0; j < 3; j++) {
      const side = sides[(i + j) % 3]!;
      const t0 = performance.now();
      if (side === 'floor') await decodeImage(png);
      else await post(side === 'bare' ? decodingUrl : real.url);
      const t1 = performance.now();
      if (i >= WARMUP) {
        times[side].push(t1 - t0);
        windows.push({ side, from: t0, to: t1 });
      }
    }
  await new Promise((resolve) => setTimeout(resolve, 100));
  observer.disconnect();
  const gc = { floor: 0, bare: 0, ours: 0 };
  for (const g of gcs) {
    const w = windows.find((x) => g.start >= x.from && g.start < x.to);
    if (w) gc[w.side] += g.ms;
  }
  const floor = median(times.floor);
  for (const side of sides)
    process.stdout.write(
      `${side.padEnd(5)} p50 ${median(times[side]).toFixed(2)} ms (${(median(times[side]) / floor).toFixed(2)}× the floor), GC ${(gc[side] / N).toFixed(2)} ms a request\n`,
    );
} finally {
  await Promise.all([bareConstant.close(), bareDecoding.close()]);
  await stubbed.close();
  await real.close();
}
