import * as hdr from 'hdr-histogram-js';
import type { CapabilityManifest, Rollout, SandboxResult } from '../src/domain/index.js';
import { CapabilityRegistry } from '../src/capabilities/index.js';
import { createRolloutEngine } from '../src/rollout/index.js';
import { processCommand } from '../src/runtime/index.js';
import type { RuntimeDeps } from '../src/runtime/index.js';
import type { SandboxTier } from '../src/sandbox/index.js';
import { createMemoryStore } from '../src/store/index.js';
import { parseCommand, ParseCache } from '../src/understanding/index.js';
import { createVisionPort } from '../src/vision-port.js';
import type { Figure } from './harness.js';
import { measure } from './harness.js';

const SHAPES = ['circle', 'square', 'triangle', 'rectangle'] as const;
const COLORS = ['red', 'green', 'blue', 'yellow', 'purple'] as const;

const REGIONS = [
  'toolbar',
  'sidebar',
  'content',
  'statusbar',
  'titlebar',
  'top-left',
  'center',
  'bottom-right',
  'top',
  'left',
  'right',
  'bottom',
  'top-right',
  'bottom-left',
] as const;

/**
 * 1,000 distinct capabilities (action × shape × colour × region, each a specialised intent) with live
 * rollouts in every stage, plus a few generic ones with slots, so a frame has several candidates.
 */
export function syntheticRegistry(n = 1000): CapabilityRegistry {
  const registry = new CapabilityRegistry({ internalGroup: 'internal', betaGroup: 'beta' });
  const actions = ['count', 'find', 'locate', 'check'] as const;
  const stages: Rollout['stage'][] = ['canary', 'beta', 'gradual', 'production'];
  const entries = [];
  for (let i = 0; i < n; i++) {
    const manifest: CapabilityManifest = {
      id: `cap-${i}`,
      name: `cap ${i}`,
      version: 1,
      description: '',
      intents: [
        {
          action: actions[i % actions.length]!,
          targetKind: 'shape',
          fixed:
            i % 100 === 0
              ? { shape: SHAPES[i % SHAPES.length]! }
              : {
                  shape: SHAPES[Math.floor(i / 4) % SHAPES.length]!,
                  color: COLORS[Math.floor(i / 16) % COLORS.length]!,
                  region: REGIONS[Math.floor(i / 80) % REGIONS.length]!,
                },
          slots: i % 100 === 0 ? ['color', 'region'] : [],
          examples: [],
        },
      ],
      permissions: ['screen.capture', 'vision.analyze'],
      inputSchema: { type: 'object' },
      outputSchema: { type: 'object' },
      limits: { timeoutMs: 1000, memoryMb: 64 },
      origin: { kind: 'generated', generator: 'bench', failureIds: [] },
    };
    const stage = stages[i % stages.length]!;
    entries.push({
      manifest,
      code: '',
      rollout: {
        id: `r${i}`,
        capabilityId: manifest.id,
        version: 1,
        stage,
        percentage: stage === 'production' ? 10_000 : 2500,
        rolloutKey: `${manifest.id}:v1`,
        stageEnteredAt: '',
        updatedAt: '',
      },
    });
  }
  registry.replace(entries);
  return registry;
}

export async function routingFigures(): Promise<Figure[]> {
  const registry = syntheticRegistry(1000);
  const frame = parseCommand('count the green circles on the toolbar').frame;
  let i = 0;
  const route = measure(() => {
    registry.route(frame, { user: `user-${i++ % 5000}` });
  }, 200_000);
  const parse = measure(() => {
    parseCommand('could you count the green circles on the toolbar please');
  }, 50_000);
  return [
    {
      name: 'routing + rollout decision, 1,000 capabilities (p99)',
      value: route.p99,
      unit: 'µs',
      budget: { max: 50, unit: 'µs' },
    },
    {
      name: 'command understanding (p99)',
      value: parse.p99,
      unit: 'µs',
      budget: { max: 100, unit: 'µs' },
    },
    ...(await servedPathFigures()),
  ];
}

/**
 * A tier whose "capability" is a fixed amount of CPU work, so the figure below sees our own code around the
 * execution rather than the sandbox's IPC jitter (which is 100× the thing measured). Bench-only: it runs no
 * code at all, and the number it produces is labelled as the served path's overhead, not a sandbox figure.
 */
function fixedWorkTier(workUs: number): SandboxTier {
  const output = { answer: 'I see 2 green circles', data: { count: 2 } };
  const result = (): SandboxResult => ({
    status: 'ok',
    output,
    violations: [],
    resources: { wallMs: workUs / 1000, cpuMs: workUs / 1000, peakMemoryMb: 0 },
    hostCalls: [],
  });
  return {
    name: 'process',
    availability: async () => ({ available: true }),
    run: async () => {
      if (workUs > 0) {
        const end = process.hrtime.bigint() + BigInt(workUs * 1000);
        while (process.hrtime.bigint() < end);
      }
      return result();
    },
    close: async () => {},
    [Symbol.asyncDispose]: async () => {},
  };
}

const SERVED: CapabilityManifest = {
  id: 'count-shapes',
  name: 'count shapes',
  version: 1,
  description: '',
  intents: [
    {
      action: 'count',
      targetKind: 'shape',
      slots: ['shape', 'color', 'region'],
      examples: ['count the green circles on the toolbar'],
    },
  ],
  permissions: ['vision.analyze'],
  inputSchema: { type: 'object' },
  outputSchema: { type: 'object' },
  limits: { timeoutMs: 1000, memoryMb: 64 },
  origin: { kind: 'generated', generator: 'bench', failureIds: [] },
};

/**
 * Routing + rollout + outcome recording **on the path requests are served by** (`processCommand`, issue 20):
 * the same command through two runtimes that differ only in the rollout — one routes through the engine's
 * `assign` and records each outcome with `recordOutcome` (as `createIroncliw` wires it), the other serves the
 * same capability with no rollout at all. Blocks alternate (ABBA) in one run so drift hits both sides.
 */
export async function servedPathFigures(): Promise<Figure[]> {
  const store = createMemoryStore();
  const at = '2026-01-01T00:00:00.000Z';
  const rollout: Rollout = {
    id: 'r1',
    capabilityId: SERVED.id,
    version: 1,
    stage: 'production',
    percentage: 10_000,
    rolloutKey: `${SERVED.id}:v1`,
    stageEnteredAt: at,
    updatedAt: at,
  };
  await store.capabilities.put({ manifest: SERVED, code: 'export default async () => ({})' });
  await store.rollouts.save(rollout);
  const groups = { internalGroup: 'internal', betaGroup: 'beta' };
  // Long intervals: timers would add their own work to whichever side happened to be running.
  const engine = await createRolloutEngine({ store, groups, flushIntervalMs: 3_600_000 });
  const vision = createVisionPort();
  const screens = {
    load: () => Promise.reject(new Error('no screen in this bench')),
    decode: () => Promise.reject(new Error('no screen in this bench')),
  };
  const deps = (rolled: boolean, workUs: number): RuntimeDeps => {
    const registry = rolled
      ? new CapabilityRegistry(groups, [], (id, context) => engine.assign(id, context))
      : new CapabilityRegistry(groups, []);
    registry.replace([
      { manifest: SERVED, code: 'export default async () => ({})', ...(rolled ? { rollout } : {}) },
    ]);
    const cache = new ParseCache();
    return {
      store,
      registry,
      vision,
      screens: screens as unknown as RuntimeDeps['screens'],
      sandbox: fixedWorkTier(workUs),
      maxCommandLength: 2000,
      minConfidence: 0.6,
      sandboxDefaults: { timeoutMs: 5000, memoryMb: 128 },
      parse: (text) => cache.parse(text),
      ...(rolled ? { onExecution: (e) => void engine.recordOutcome(e) } : {}),
    };
  };
  const command = 'count the green circles on the toolbar';
  let u = 0;
  const once = async (d: RuntimeDeps) => {
    const r = await processCommand(d, command, { user: `user-${u++ % 5000}` });
    if (!r.ok) throw new Error(`bench command failed: ${r.failure.message}`);
  };
  /** p50 and mean of both sides, in µs, alternating blocks of `block` calls. */
  const alternate = async (a: RuntimeDeps, b: RuntimeDeps, rounds: number, block: number) => {
    const hist = () =>
      hdr.build({
        lowestDiscernibleValue: 1,
        highestTrackableValue: 60_000_000_000,
        numberOfSignificantValueDigits: 3,
      });
    const ha = hist();
    const hb = hist();
    // Warm-up of both sides (JIT, parse cache, the engine's window for this version).
    for (let i = 0; i < block; i++) {
      await once(a);
      await once(b);
    }
    for (let r = 0; r < rounds; r++)
      for (const [d, h] of r % 2
        ? ([
            [b, hb],
            [a, ha],
          ] as const)
        : ([
            [a, ha],
            [b, hb],
          ] as const))
        for (let i = 0; i < block; i++) {
          const t = process.hrtime.bigint();
          await once(d);
          h.recordValue(Number(process.hrtime.bigint() - t));
        }
    const out = {
      a: { p50: ha.getValueAtPercentile(50) / 1000, mean: ha.mean / 1000 },
      b: { p50: hb.getValueAtPercentile(50) / 1000, mean: hb.mean / 1000 },
    };
    ha.destroy();
    hb.destroy();
    return out;
  };
  try {
    const noop = await alternate(deps(true, 0), deps(false, 0), 20, 5000);
    const ms = await alternate(deps(true, 1000), deps(false, 1000), 10, 100);
    // Medians: on a shared machine the means carry GC pauses and preemptions of many ms (both are in the note).
    const overheadUs = Math.max(0, noop.a.p50 - noop.b.p50);
    return [
      {
        name: 'routing + rollout + outcome recording on the served path (processCommand), overhead p50',
        value: overheadUs,
        unit: 'µs',
        budget: { max: 2, unit: 'µs' },
        note: `processCommand with the engine's assign + recordOutcome vs the same command with rollout bypassed: p50 ${noop.a.p50.toFixed(2)} − ${noop.b.p50.toFixed(2)} µs (means ${noop.a.mean.toFixed(2)} / ${noop.b.mean.toFixed(2)} µs); the capability is a fixed-work stand-in so sandbox IPC jitter stays out`,
      },
      {
        name: 'routing + rollout + outcome recording on the served path, share of a 1 ms handler',
        value: (overheadUs / ms.b.p50) * 100,
        unit: '%',
        budget: { max: 1, unit: '%' },
        note: `overhead ÷ the bypassed path's p50 with a 1 ms handler (${ms.b.p50.toFixed(1)} µs; with rollout ${ms.a.p50.toFixed(1)} µs — the direct difference is within timer noise)`,
      },
    ];
  } finally {
    await engine.close();
    await store.close();
  }
}
