import sharp from 'sharp';
import type { CapabilityManifest } from '../src/domain/index.js';
import type { Ironcliw } from '../src/ironcliw.js';
import { createIroncliw } from '../src/ironcliw.js';
import { buildServer } from '../src/server/index.js';
import { synthesize } from '../src/synthesis/index.js';
import { countScene, renderScene } from '../src/vision/index.js';
import type { Figure } from './harness.js';

/**
 * Issue 16.4/16.5 figures: the host-work and decode limits holding with the default config. A module that
 * passes the synthesis gate asks for 990 screen scans (distinct minArea values defeat the scan cache);
 * meanwhile a client sends built-in commands, whose latency says whether the serving loop was starved.
 * Then eight concurrent requests carry 6300×6300 PNGs of ~170 KB each.
 */

const HOSTILE = `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  let total = 0;
  for (let i = 0; i < 990; i++) {
    const items = await sdk.vision.findShapes(screen, { minArea: 1 + i / 20 });
    total = total + items.length;
  }
  return { answer: 'found ' + total, data: { count: total } };
}
`;

const ID = 'bench-hostile-scan';

async function install(ironcliw: Ironcliw): Promise<void> {
  const gate = synthesize(HOSTILE, { permissions: ['screen.capture', 'vision.analyze'] });
  if (!gate.report.safe)
    throw new Error('the hostile module must pass the gate for this bench to mean anything');
  const manifest: CapabilityManifest = {
    id: ID,
    name: 'Hostile scan',
    version: 1,
    description: 'asks the host for 990 full-screen scans',
    intents: [
      {
        action: 'count',
        targetKind: 'shape',
        slots: ['color', 'shape'],
        examples: ['count the red circles'],
      },
    ],
    permissions: ['screen.capture', 'vision.analyze'],
    inputSchema: { type: 'object' },
    outputSchema: { type: 'object' },
    limits: { timeoutMs: 60_000, memoryMb: 128 },
    origin: { kind: 'generated', generator: 'bench/hostile', failureIds: [] },
  };
  const at = new Date().toISOString();
  await ironcliw.store.capabilities.put({ manifest, code: gate.code });
  await ironcliw.store.rollouts.save({
    id: 'rol_bench_hostile',
    capabilityId: ID,
    version: 1,
    stage: 'production',
    percentage: 10_000,
    rolloutKey: `${ID}:v1`,
    stageEnteredAt: at,
    updatedAt: at,
  });
  await ironcliw.refresh();
}

const p99 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]!;

async function helpLatencies(ironcliw: Ironcliw, until: () => boolean, min: number): Promise<number[]> {
  const out: number[] = [];
  while (!until() || out.length < min) {
    const t = performance.now();
    await ironcliw.processCommand('what can you do', { user: 'bench' });
    out.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 5));
  }
  return out;
}

async function hostWorkFigures(): Promise<Figure[]> {
  // As `serve` runs it: scans on the vision worker thread.
  const ironcliw = await createIroncliw(
    { db: 'memory:', sandbox: { timeoutMs: 60_000 } },
    { startWorkers: false, offloadVision: true },
  );
  try {
    await install(ironcliw);
    const budget = ironcliw.config.hostWork.maxHostMs;
    const png = (
      await renderScene(countScene({ color: 'red', shape: 'circle', region: 'content', count: 4, seed: 2 }))
    ).png;
    // Warm: OpenCV loaded, the sandbox pool started, the help path compiled.
    await ironcliw.processCommand('what can you do', { user: 'bench' }, { screen: { bytes: png } });
    const idle = await helpLatencies(ironcliw, () => true, 60);
    let done = false;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const hostile = ironcliw
      .processCommand('count the red circles', { user: 'ana' }, { screen: { bytes: png } })
      .finally(() => (done = true));
    const during = await helpLatencies(ironcliw, () => done, 20);
    const r = await hostile;
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const stopped = !r.ok && r.failure.message.includes('host-budget');
    return [
      {
        // CPU of this process (the host: the sandbox child is another process), help requests included.
        name: 'hostile 990-scan run: host CPU until stopped',
        value: stopped ? Math.round((cpu.user + cpu.system) / 1000) : Number.POSITIVE_INFINITY,
        unit: 'ms',
        budget: { max: Math.round(budget * 1.1), unit: 'ms' },
        note: `hostWork.maxHostMs ${budget} ms + 10%; ${stopped ? 'stopped by the host budget' : `NOT stopped: ${JSON.stringify(r).slice(0, 200)}`}; wall ${Math.round(wallMs)} ms (sandbox and a busy machine included); unbounded it used ~14.5 s CPU`,
      },
      {
        name: 'built-in command p99 while a hostile run scans',
        value: Math.round(p99(during) * 10) / 10,
        unit: 'ms',
        budget: { max: 100, unit: 'ms' },
        peer: { name: 'idle p99', value: Math.round(p99(idle) * 10) / 10 },
        note: `${during.length} requests during the run; scans run on the vision worker thread, a run's sdk calls one at a time`,
      },
    ];
  } finally {
    await ironcliw.close();
  }
}

async function decodeFigures(): Promise<Figure[]> {
  const ironcliw = await createIroncliw({ db: 'memory:' }, { startWorkers: false });
  const app = await buildServer(ironcliw);
  try {
    const side = 6300;
    const bodies = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        sharp({
          create: { width: side, height: side, channels: 3, background: { r: i * 20, g: 90, b: 200 } },
        })
          .png({ compressionLevel: 9 })
          .toBuffer()
          .then((b) => b.toString('base64')),
      ),
    );
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const t0 = performance.now();
    const answers = await Promise.all(
      bodies.map((b64) =>
        app.inject({
          method: 'POST',
          url: '/v1/commands',
          payload: { command: 'count the purple triangles in the sidebar', screen: { pngBase64: b64 } },
        }),
      ),
    );
    clearInterval(sampler);
    const budgetMp = ironcliw.config.hostWork.decodePixelsInFlight / 1e6;
    return [
      {
        name: `8 concurrent ${side}×${side} PNG requests (${Math.round(bodies[0]!.length / 1024)} KB each): RSS growth`,
        value: Math.round((peak - baseline) / 2 ** 20),
        unit: 'MB',
        budget: { max: 480, unit: 'MB' },
        note: `hostWork.decodePixelsInFlight ${budgetMp} MP; statuses ${answers.map((a) => a.statusCode).join(',')}; ${Math.round(performance.now() - t0)} ms for all; the reported unbounded case reached +1.4 GB`,
      },
    ];
  } finally {
    await app.close();
    await ironcliw.close();
  }
}

export async function hostWorkBenchFigures(): Promise<Figure[]> {
  return [...(await hostWorkFigures()), ...(await decodeFigures())];
}
