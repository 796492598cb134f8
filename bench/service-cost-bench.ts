import type { Ironcliw } from '../src/ironcliw.js';
import { synthesize } from '../src/synthesis/index.js';
import type { RgbaImage } from '../src/vision/index.js';
import { decodeImage, findShapes, readText, renderScene, resolveRegion } from '../src/vision/index.js';
import type { Figure } from './harness.js';
import { generateCandidate } from './generation-bench.js';
import { startService } from './busy-vs-idle.js';
import { LOAD_CLIENT_KEY } from './load-generator.js';

/**
 * Issue 20 "HTTP": the cost of being a service over the work itself. `POST /v1/commands` with a 1920×1080
 * PNG screen, over loopback to a real server (store on SQLite, as `serve` runs it), against the floor: the
 * same decode and the same vision calls made directly in this process — no HTTP, JSON, store, understanding,
 * routing, rollout or sandbox. Served request and floor alternate, one at a time, so drift of the shared
 * machine hits both alike; the figure is p50(served) / p50(floor), budget ≤ 1.25×.
 *
 * Three commands:
 * - a generated capability in the sandbox: "count the red circles in the toolbar", code emitted by the
 *   template generator from a recorded failure, passed through the synthesis gate and installed at 100%;
 *   the floor decodes, resolves the toolbar and finds the red circles in it;
 * - an OCR command: "read the status bar", generated the same way; the floor decodes, resolves the status
 *   bar and reads its text;
 * - a command nothing handles ("close the settings dialog"): its failure is recorded durably in the store
 *   before the answer; the floor is the decode (the server decodes every screen first: an unreadable screen
 *   is the caller's error, not a failure to learn from).
 * Each served answer is checked against the floor's (same count, same text), so both sides did the same work.
 */

const SAMPLES = Number(process.env.IRONCLIW_BENCH_SERVICE_COST_SAMPLES ?? 40);
const WARMUP = 5;
const BUDGET = 1.25;
const STATUS = 'Ready: 3 files saved to the project folder';

async function screenPng(): Promise<Buffer> {
  const { png } = await renderScene({
    width: 1920,
    height: 1080,
    titlebar: { height: 32, title: 'Project - Editor' },
    toolbar: { height: 48 },
    statusbar: { height: 28, text: STATUS },
    elements: [
      { type: 'shape', shape: 'circle', color: 'red', region: 'toolbar', x: 40, y: 8, size: 30 },
      { type: 'shape', shape: 'circle', color: 'red', region: 'toolbar', x: 120, y: 8, size: 30 },
      { type: 'shape', shape: 'circle', color: 'green', region: 'toolbar', x: 200, y: 8, size: 30 },
      { type: 'shape', shape: 'square', color: 'red', region: 'toolbar', x: 280, y: 8, size: 30 },
      { type: 'shape', shape: 'circle', color: 'red', region: 'content', x: 400, y: 300, size: 60 },
      { type: 'shape', shape: 'triangle', color: 'blue', region: 'content', x: 700, y: 500, size: 80 },
    ],
  });
  return png;
}

/** What the learner would install for `command`: the template generator's code, through the synthesis gate. */
export async function installGenerated(ironcliw: Ironcliw, command: string): Promise<string> {
  const candidate = await generateCandidate(command, 'fail_bench');
  const { manifest } = candidate;
  const gate = synthesize(candidate.code, {
    permissions: manifest.permissions,
    inputSchema: manifest.inputSchema,
    outputSchema: manifest.outputSchema,
  });
  if (!gate.report.safe) throw new Error(`service-cost bench: the gate refused "${command}"'s candidate`);
  const at = new Date().toISOString();
  await ironcliw.store.capabilities.put({ manifest, code: gate.code });
  await ironcliw.store.rollouts.save({
    id: `rol_${manifest.id}`,
    capabilityId: manifest.id,
    version: manifest.version,
    stage: 'production',
    percentage: 10_000,
    rolloutKey: `${manifest.id}:v${manifest.version}`,
    stageEnteredAt: at,
    updatedAt: at,
  });
  return manifest.id;
}

interface Answer {
  ok: boolean;
  answer?: string;
  capabilityId?: string;
  result?: { data?: { count?: number; text?: string } };
  failure?: { category: string };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Case {
  name: string;
  command: string;
  /** The work itself, in-process; returns what the served answer must agree with. */
  floor(png: Buffer): Promise<unknown>;
  /** What of the served answer is compared with the floor's result. */
  served(a: Answer): unknown;
}

const CASES: Case[] = [
  {
    name: 'generated capability in the sandbox ("count the red circles in the toolbar")',
    command: 'count the red circles in the toolbar',
    floor: async (png) => {
      const screen: RgbaImage = await decodeImage(png);
      const within = resolveRegion(screen, 'toolbar');
      return (await findShapes(screen, { color: 'red', shape: 'circle', within })).length;
    },
    served: (a) => a.result?.data?.count,
  },
  {
    name: 'OCR command ("read the status bar")',
    command: 'read the status bar',
    floor: async (png) => {
      const screen = await decodeImage(png);
      return (await readText(screen, resolveRegion(screen, 'statusbar'))).text;
    },
    served: (a) => a.result?.data?.text,
  },
  {
    name: 'command nothing handles, failure stored ("close the settings dialog")',
    command: 'close the settings dialog',
    floor: async (png) => {
      await decodeImage(png);
      return 'missing_handler';
    },
    served: (a) => (a.ok ? 'handled' : a.failure?.category),
  },
];

export async function serviceCostFigures(): Promise<Figure[]> {
  const png = await screenPng();
  const body = (command: string) =>
    JSON.stringify({ command, context: { user: 'ana' }, screen: { pngBase64: png.toString('base64') } });
  const service = await startService(false);
  const figures: Figure[] = [];
  try {
    for (const c of CASES.slice(0, 2)) await installGenerated(service.ironcliw, c.command);
    await service.ironcliw.refresh();
    const post = async (payload: string): Promise<Answer> => {
      const res = await fetch(`${service.url}/v1/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': LOAD_CLIENT_KEY },
        body: payload,
      });
      const json = (await res.json()) as Answer;
      if (res.status !== 200 && res.status !== 422)
        throw new Error(`service-cost bench: HTTP ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
      return json;
    };
    for (const c of CASES) {
      const payload = body(c.command);
      const served: number[] = [];
      const floor: number[] = [];
      for (let i = 0; i < WARMUP + SAMPLES; i++) {
        // Alternate which side goes first, so neither always follows the other's cache or GC debt.
        const order = i % 2 ? (['floor', 'served'] as const) : (['served', 'floor'] as const);
        for (const side of order) {
          const t0 = performance.now();
          if (side === 'served') {
            const a = await post(payload);
            const ms = performance.now() - t0;
            const expected = await c.floor(png);
            if (c.served(a) !== expected)
              throw new Error(
                `service-cost bench: "${c.command}" served ${JSON.stringify(c.served(a))}, the floor ${JSON.stringify(expected)} — they did not do the same work (${JSON.stringify(a).slice(0, 300)})`,
              );
            if (i >= WARMUP) served.push(ms);
          } else {
            await c.floor(png);
            if (i >= WARMUP) floor.push(performance.now() - t0);
          }
        }
      }
      const s = median(served);
      const f = median(floor);
      figures.push({
        name: `service cost: ${c.name}, p50 served / floor`,
        value: s / f,
        unit: '×',
        budget: { max: BUDGET, unit: '×' },
        note: `served p50 ${s.toFixed(1)} ms (POST /v1/commands, 1920×1080 PNG, ${Math.round((png.length * 4) / 3 / 1024)} KB base64), floor p50 ${f.toFixed(1)} ms (the same decode and vision calls in-process); ${SAMPLES} alternating pairs`,
      });
    }
    const failures = await service.ironcliw.store.failures.list({ limit: 1000 });
    const stored = failures.filter((x) => x.command === CASES[2]!.command).length;
    if (stored < SAMPLES)
      throw new Error(
        `service-cost bench: ${stored} failures stored for ${SAMPLES + WARMUP} unhandled requests`,
      );
  } finally {
    await service.close();
  }
  return figures;
}
