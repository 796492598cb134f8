import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VisionImage, VisionPort } from '../capabilities/index.js';
import { CapabilityRegistry } from '../capabilities/index.js';
import type { CapabilityManifest, Permission } from '../domain/index.js';
import { createSandboxTier } from '../sandbox/index.js';
import type { SandboxTier } from '../sandbox/index.js';
import { createMemoryStore } from '../store/index.js';
import { synthesize } from '../synthesis/index.js';
import { generatedCount } from '../../test/support/verification-capabilities.js';
import { createVisionPort, screenLoader } from '../vision-port.js';
import { countScene, renderScene } from '../vision/index.js';
import type { RuntimeDeps } from './index.js';
import { processCommand } from './index.js';

/**
 * Issue 16.4: host work done for a run is bounded like the run. The hostile module passes the synthesis gate
 * and makes 990 `findShapes` calls with distinct `minArea` values (each a fresh scan of the screen); under
 * no bound it kept the host busy ~14 s. The vision port is the real one, wrapped only to measure how much
 * host time its calls took and when they ran.
 */

const PERMISSIONS: Permission[] = ['screen.capture', 'vision.analyze'];

const SEQUENTIAL = `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  let total = 0;
  for (let i = 0; i < 990; i++) {
    const items = await sdk.vision.findShapes(screen, { minArea: 1 + i / 20 });
    total = total + items.length;
  }
  return { answer: 'found ' + total, data: { count: total } };
}
`;

/** All 990 asked for at once: they are pending on the host when the deadline comes. */
const BURST = `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const asks = [];
  for (let i = 0; i < 990; i++) asks.push(sdk.vision.findShapes(screen, { minArea: 1 + i / 20 }));
  const all = await Promise.all(asks);
  return { answer: 'found ' + all.length, data: { count: all.length } };
}
`;

const CHATTY = `export default async function run(input, sdk) {
  let t = 0;
  for (let i = 0; i < 500; i++) t = sdk.clock.now();
  for (let i = 0; i < 500; i++) t = await sdk.clock.now();
  return { answer: 'time ' + t, data: { count: 0 } };
}
`;

const IN_REGION = `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const area = input.region ? await sdk.vision.region(screen, input.region) : screen;
  const items = await sdk.vision.findShapes(area, { color: input.color, shape: input.shape });
  return { answer: 'found ' + items.length, data: { count: items.length } };
}
`;

const READS = `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const read = await sdk.vision.readText(screen);
  return { answer: read.text, data: { count: 0 } };
}
`;

interface Measured {
  port: VisionPort;
  calls: number;
  hostMs: number;
  /** performance.now() when each call ended. */
  endedAt: number[];
}

function measuredVision(): Measured {
  const real = createVisionPort();
  const m: Measured = { port: real, calls: 0, hostMs: 0, endedAt: [] };
  m.port = {
    ...real,
    findShapes: async (img, opts) => {
      const t0 = performance.now();
      try {
        return await real.findShapes(img, opts);
      } finally {
        m.calls++;
        m.hostMs += performance.now() - t0;
        m.endedAt.push(performance.now());
      }
    },
  };
  return m;
}

function manifestFor(
  id: string,
  timeoutMs: number,
  parameters: string[] = ['color', 'shape'],
): CapabilityManifest {
  const base = generatedCount(parameters).manifest;
  return {
    ...base,
    id,
    permissions: PERMISSIONS,
    limits: { timeoutMs, memoryMb: 128 },
    origin: { kind: 'generated', generator: 'test/hostile', failureIds: [] },
    outputSchema: { type: 'object' },
  };
}

let sandbox: SandboxTier;
let screen: VisionImage;
let screenPng: Buffer;

beforeAll(async () => {
  sandbox = await createSandboxTier('process', { poolSize: 1 });
  screenPng = (
    await renderScene(countScene({ color: 'red', shape: 'circle', region: 'content', count: 4, seed: 2 }))
  ).png;
  screen = await screenLoader(40_000_000).decode(screenPng);
  // Load OpenCV once, outside any measured run.
  await createVisionPort().findShapes(screen, {});
}, 120_000);

afterAll(async () => {
  await sandbox?.close();
});

function depsFor(
  code: string,
  vision: VisionPort,
  budget: { maxCalls: number; maxHostMs: number },
  timeoutMs: number,
  permissions: Permission[] = PERMISSIONS,
  parameters?: string[],
): RuntimeDeps {
  const gate = synthesize(code, { permissions });
  // The module is one the gate lets through: the bound must come from the host, not from the analysis.
  expect(gate.report.safe, JSON.stringify(gate.report.violations)).toBe(true);
  const registry = new CapabilityRegistry({ internalGroup: 'internal', betaGroup: 'beta' });
  registry.replace([
    { manifest: { ...manifestFor('hostile-scan', timeoutMs, parameters), permissions }, code: gate.code },
  ]);
  return {
    store: createMemoryStore(),
    registry,
    vision,
    screens: screenLoader(40_000_000),
    sandbox,
    maxCommandLength: 2000,
    minConfidence: 0.6,
    sandboxDefaults: { timeoutMs, memoryMb: 128 },
    hostBudget: budget,
  };
}

describe('host work per run is bounded', () => {
  it('stops 990 distinct-minArea scans at the host-time budget (+10%)', async () => {
    const m = measuredVision();
    const maxHostMs = 1000;
    const deps = depsFor(SEQUENTIAL, m.port, { maxCalls: 10_000, maxHostMs }, 60_000);
    const r = await processCommand(
      deps,
      'count the red circles',
      { user: 'ana' },
      { screen: { image: screen } },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.failure.category).toBe('error');
    expect(r.failure.message).toContain('host-budget');
    expect(r.failure.message).toContain(`more than ${maxHostMs} ms of host time`);
    console.info(
      `host budget: ${m.calls} scans, ${m.hostMs.toFixed(0)} ms of host time (budget ${maxHostMs} ms)`,
    );
    expect(m.calls).toBeLessThan(990);
    expect(m.hostMs).toBeLessThanOrEqual(maxHostMs * 1.1);
  }, 120_000);

  it('cancels the calls still pending when the run hits its deadline', async () => {
    const m = measuredVision();
    const deps = depsFor(BURST, m.port, { maxCalls: 10_000, maxHostMs: 600_000 }, 500);
    // A screen of its own: scans are cached per screen object, and the test above scanned the shared one
    // with the same minArea values, so its cached answers would let the burst finish before the deadline.
    const fresh = await screenLoader(40_000_000).decode(screenPng);
    const r = await processCommand(
      deps,
      'count the red circles',
      { user: 'ana' },
      { screen: { image: fresh } },
    );
    const returnedAt = performance.now();
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.failure.category).toBe('timeout');
    const atReturn = m.calls;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // At most the one scan in progress at the deadline finishes afterwards; nothing queued starts.
    expect(m.calls - atReturn).toBeLessThanOrEqual(1);
    expect(m.endedAt.filter((t) => t > returnedAt).length).toBeLessThanOrEqual(1);
    expect(m.calls).toBeLessThan(990);
  }, 120_000);

  it('stops a run at its sdk call budget', async () => {
    const m = measuredVision();
    const deps = depsFor(CHATTY, m.port, { maxCalls: 50, maxHostMs: 600_000 }, 30_000);
    const r = await processCommand(
      deps,
      'count the red circles',
      { user: 'ana' },
      { screen: { image: screen } },
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.failure.message).toContain('more than 50 sdk calls');
  }, 60_000);

  it("does not charge a run for starting the OCR pool: it is warmed up before the run's clock starts", async () => {
    // As the real pool behaves: the first read after the pool ended (memory.ocrIdleMs) waits for a worker
    // to start; here that start takes 2 s, longer than the run's 1.5 s timeout and 1 s of host time.
    const startUpMs = 2000;
    const events: string[] = [];
    let started: Promise<void> | undefined;
    const start = () =>
      (started ??= new Promise<void>((resolve) => setTimeout(resolve, startUpMs)).then(() => {
        events.push('pool started');
      }));
    const port: VisionPort = {
      ...createVisionPort(),
      prepare: async (needs) => {
        events.push(`prepare ocr=${needs.ocr}`);
        if (needs.ocr) await start();
      },
      readText: async () => {
        await start();
        events.push('read');
        return { text: 'Ready', words: [] };
      },
    };
    const deps = depsFor(READS, port, { maxCalls: 100, maxHostMs: 1000 }, 1500, [...PERMISSIONS, 'ocr.read']);
    const r = await processCommand(
      deps,
      'count the red circles',
      { user: 'ana' },
      { screen: { image: screen } },
    );
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (r.ok) expect(r.result.answer).toBe('Ready');
    expect(events).toEqual(['prepare ocr=true', 'pool started', 'read']);

    // A run that reads no text does not start the pool.
    events.length = 0;
    const plain = depsFor(SEQUENTIAL.replace('990', '2'), port, { maxCalls: 100, maxHostMs: 60_000 }, 30_000);
    await processCommand(plain, 'count the red circles', { user: 'ana' }, { screen: { image: screen } });
    expect(events).toEqual([]);
  }, 60_000);

  it("starts the screen's shape scan, and resolves the region its input names, as a run that asks for them starts; for no other run", async () => {
    const events: string[] = [];
    const real = createVisionPort();
    const port: VisionPort = {
      ...real,
      prescan: (img) => events.push(img === screen ? 'prescan the screen' : 'prescan another image'),
      findShapes: async (img, opts) => {
        events.push('findShapes');
        return real.findShapes(img, opts);
      },
      resolveRegion: (img, region) => {
        events.push(`resolveRegion ${String(region)}`);
        return real.resolveRegion(img, region);
      },
      readText: async () => {
        events.push('read');
        return { text: 'Ready', words: [] };
      },
    };
    const budget = { maxCalls: 100, maxHostMs: 60_000 };
    const scans = depsFor(SEQUENTIAL.replace('990', '2'), port, budget, 30_000);
    const r = await processCommand(
      scans,
      'count the red circles',
      { user: 'ana' },
      { screen: { image: screen } },
    );
    expect(r.ok, JSON.stringify(r)).toBe(true);
    // Once, before the run's first scan; the run's own calls still reach the port (and its budget).
    expect(events).toEqual(['prescan the screen', 'findShapes', 'findShapes']);

    // A run whose input names a region it asks for: the region is resolved (the layout detected) as it starts.
    events.length = 0;
    const regional = depsFor(IN_REGION, port, budget, 30_000, PERMISSIONS, ['color', 'shape', 'region']);
    const inToolbar = await processCommand(
      regional,
      'count the red circles in the toolbar',
      { user: 'ana' },
      { screen: { image: screen } },
    );
    expect(inToolbar.ok, JSON.stringify(inToolbar)).toBe(true);
    expect(events).toEqual([
      'prescan the screen',
      'resolveRegion toolbar',
      'resolveRegion toolbar',
      'findShapes',
    ]);

    events.length = 0;
    const reads = depsFor(READS, port, budget, 30_000, [...PERMISSIONS, 'ocr.read']);
    expect(
      (await processCommand(reads, 'count the red circles', { user: 'ana' }, { screen: { image: screen } }))
        .ok,
    ).toBe(true);
    expect(events).toEqual(['read']);
  }, 60_000);
});
