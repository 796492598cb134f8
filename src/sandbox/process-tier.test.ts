import { readFileSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IroncliwError } from '../domain/index.js';
import type { HostApi } from './index.js';
import { createProcessTier, createSandbox, runTestCases, SANDBOX_DEFAULTS } from './index.js';
import type { ProcessPoolTier } from './process-tier.js';

/** A real host for the tests: answers the SDK with fixed data (this is host code, not guest code). */
export function fakeHost(): HostApi & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async call(method, args) {
      calls.push(method);
      switch (method) {
        case 'screen.capture':
          return { $image: 'img-1', width: 800, height: 600 };
        case 'vision.findShapes': {
          const opts = (args[1] ?? {}) as { shape?: string };
          const items = [
            { kind: 'shape', shape: 'circle', color: 'green', bbox: { x: 10, y: 10, width: 20, height: 20 } },
            { kind: 'shape', shape: 'circle', color: 'green', bbox: { x: 50, y: 10, width: 20, height: 20 } },
            { kind: 'shape', shape: 'square', color: 'red', bbox: { x: 90, y: 10, width: 20, height: 20 } },
          ];
          return items.filter((i) => !opts.shape || i.shape === opts.shape);
        }
        case 'clock.now':
          return 0;
        case 'log':
          return null;
        case 'actions.click':
          return { type: 'click', x: 1, y: 2 };
        default:
          throw new Error(`fake host does not implement ${method}`);
      }
    },
  };
}

const COUNT_CIRCLES = `export default async function run(input, sdk) {
  const image = await sdk.screen.capture();
  const items = await sdk.vision.findShapes(image, { shape: input.shape });
  return { answer: 'I see ' + items.length + ' ' + input.shape + 's', data: { count: items.length, items } };
}`;

const limits = { timeoutMs: 2000, memoryMb: 64 };

describe('process tier', () => {
  let tier: ProcessPoolTier;
  beforeAll(async () => {
    tier = createProcessTier({ poolSize: 2 });
    expect(await tier.availability()).toEqual({ available: true });
  });
  afterAll(async () => {
    await tier.close();
  });

  it('runs a module against the host SDK and audits each call', async () => {
    const host = fakeHost();
    const r = await tier.run({
      code: COUNT_CIRCLES,
      input: { shape: 'circle' },
      permissions: ['screen.capture', 'vision.analyze'],
      limits,
      host,
    });
    expect(r.status).toBe('ok');
    expect(r.output).toMatchObject({ answer: 'I see 2 circles', data: { count: 2 } });
    expect(r.violations).toEqual([]);
    expect(r.hostCalls.map((c) => [c.method, c.permission, c.allowed])).toEqual([
      ['screen.capture', 'screen.capture', true],
      ['vision.findShapes', 'vision.analyze', true],
    ]);
    expect(r.hostCalls[1]?.args).toEqual([{ $image: 'img-1', width: 800, height: 600 }, { shape: 'circle' }]);
    expect(r.resources.wallMs).toBeGreaterThan(0);
    expect(r.resources.cpuMs).toBeGreaterThanOrEqual(0);
    expect(host.calls).toEqual(['screen.capture', 'vision.findShapes']);
  });

  it('denies a call outside the permissions, records it and reports a violation', async () => {
    const host = fakeHost();
    const r = await tier.run({
      code: `export default async function run(input, sdk) {
        let denied = 'no';
        try { await sdk.actions.click({ x: 1, y: 2 }); } catch (e) { denied = e.message; }
        return { answer: denied, data: {} };
      }`,
      input: {},
      permissions: ['vision.analyze'],
      limits,
      host,
    });
    expect(r.status).toBe('violation');
    expect(r.violations).toEqual(['permission:actions.click']);
    expect(r.hostCalls).toEqual([
      { method: 'actions.click', permission: 'actions.click', allowed: false, args: [{ x: 1, y: 2 }], ms: 0 },
    ]);
    // The host never saw the denied call.
    expect(host.calls).toEqual([]);
  });

  it('treats every sdk call as a violation when no host is attached', async () => {
    const r = await tier.run({
      code: `export default async function run(input, sdk) { return await sdk.clock.now(); }`,
      input: {},
      permissions: [],
      limits,
    });
    expect(r.status).toBe('violation');
    expect(r.violations).toEqual(['host:unavailable:clock.now']);
  });

  it('redacts typed text and truncates long strings in the audit', async () => {
    const r = await tier.run({
      code: `export default async function run(input, sdk) {
        try { await sdk.actions.type('hunter2'); } catch {}
        await sdk.log('x'.repeat(1000), { password: 'p', apiKey: 'k' });
        return 1;
      }`,
      input: {},
      permissions: ['actions.type'],
      limits,
      host: { call: async () => null },
    });
    expect(r.status).toBe('ok');
    expect(r.hostCalls[0]?.args).toEqual(['[redacted 7 chars]']);
    const logArgs = r.hostCalls[1]?.args as [string, Record<string, string>];
    expect(logArgs[0].length).toBeLessThan(300);
    expect(logArgs[1]).toEqual({ password: '[redacted]', apiKey: '[redacted]' });
  });

  it('returns guest errors as status error with the message', async () => {
    const r = await tier.run({
      code: `export default async function run() { throw new TypeError('bad input'); }`,
      input: {},
      permissions: [],
      limits,
    });
    expect(r.status).toBe('error');
    expect(r.error).toContain('TypeError: bad input');
  });

  it('rejects a module without a default export and a syntax error', async () => {
    const a = await tier.run({ code: `export const x = 1;`, input: {}, permissions: [], limits });
    expect(a.status).toBe('error');
    expect(a.error).toMatch(/default export/);
    const b = await tier.run({ code: `export default async function (`, input: {}, permissions: [], limits });
    expect(b.status).toBe('error');
    expect(b.error).toMatch(/SyntaxError/);
  });

  it('evaluates kind script and returns its completion value', async () => {
    const r = await tier.run({
      code: `[1, 2, 3].map((x) => x * input.k)`,
      kind: 'script',
      input: { k: 2 },
      permissions: [],
      limits,
    });
    expect(r).toMatchObject({ status: 'ok', output: [2, 4, 6] });
  });

  it('runs test cases through the harness', async () => {
    const results = await runTestCases(
      tier,
      { code: COUNT_CIRCLES, permissions: ['screen.capture', 'vision.analyze'], limits },
      [
        {
          name: 'circles',
          input: { shape: 'circle' },
          host: fakeHost(),
          expect: (o) => ((o as { data: { count: number } }).data.count === 2 ? null : 'expected 2 circles'),
        },
        {
          name: 'squares (wrong expectation)',
          input: { shape: 'square' },
          host: fakeHost(),
          expect: (o) => ((o as { data: { count: number } }).data.count === 5 ? null : 'expected 5 squares'),
        },
      ],
    );
    expect(results.map((r) => [r.name, r.passed, r.problem])).toEqual([
      ['circles', true, null],
      ['squares (wrong expectation)', false, 'expected 5 squares'],
    ]);
  });

  it('queues requests beyond the pool size and answers them all', async () => {
    const runs = Array.from({ length: 8 }, (_, i) =>
      tier.run({
        code: `export default async (input) => input.i * 2`,
        input: { i: i },
        permissions: [],
        limits,
      }),
    );
    const out = await Promise.all(runs);
    expect(out.map((r) => r.output)).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
  });

  it('starts children with an empty environment, the permission model, rlimits and their own network namespace', async () => {
    const pids = tier.childPids();
    expect(pids.length).toBeGreaterThan(0);
    const layers = (await tier.capabilities()).layers;
    const netns = layers.find((l) => l.name === 'network-namespace');
    for (const pid of pids) {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
      expect(env.every((e) => e.startsWith('NODE_CHANNEL_'))).toBe(true);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(cmdline.some((a) => a === '--permission' || a === '--experimental-permission')).toBe(true);
      expect(cmdline.some((a) => a.startsWith('--allow-fs-read='))).toBe(true);
      expect(cmdline.some((a) => a.startsWith('--allow-fs-write') || a.startsWith('--allow-child'))).toBe(
        false,
      );
      const lim = readFileSync(`/proc/${pid}/limits`, 'utf8');
      if (layers.find((l) => l.name === 'rlimits')?.active) {
        expect(lim).toMatch(/Max address space\s+\d+/);
        expect(lim).toMatch(/Max file size\s+0\s/);
      }
      // Host-side proof of the network layer: the child is in a different network namespace (or the tier
      // says plainly that it is not).
      const same = readlinkSync(`/proc/${pid}/ns/net`) === readlinkSync('/proc/self/ns/net');
      expect(same).toBe(!netns?.active);
    }
  });

  it("never charges a run for what the run before it left in the engine's heap (back-to-back at 70% of the limit)", async () => {
    // Each run builds ≈ 11 MB of arrays under a 16 MB limit. A context torn down only a turn after its
    // result let the next run start beside it: every other run then failed with 'memory'.
    const code = `const kept = [];
export default async function run(input, sdk) {
  for (let i = 0; i < 140; i++) kept.push(new Array(10000).fill(i));
  const screen = await sdk.screen.capture();
  const items = await sdk.vision.findShapes(screen, {});
  return kept.length + input.x + items.length * 0;
}`;
    const heavy = { timeoutMs: 5000, memoryMb: 16 };
    // One child, so every run follows the one before it on the same engine.
    const single = createProcessTier({ poolSize: 1 });
    try {
      const statuses: string[] = [];
      for (let i = 0; i < 8; i++) {
        const r = await single.run({
          code,
          input: { x: i },
          permissions: ['screen.capture', 'vision.analyze'],
          limits: heavy,
          host: fakeHost(),
        });
        statuses.push(r.status === 'ok' && r.output === 140 + i ? 'ok' : `${r.status}: ${r.error ?? ''}`);
      }
      expect(statuses).toEqual(Array(8).fill('ok'));
    } finally {
      await single.close();
    }
  });

  it('answers 300 back-to-back calls correctly on warm children (timings: npm run bench -- sandbox)', async () => {
    const code = `export default async function run(input) { return input.x + 1; }`;
    for (let i = 0; i < 200; i++) await tier.run({ code, input: { x: i }, permissions: [], limits });
    const n = 300;
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const r = await tier.run({ code, input: { x: i }, permissions: [], limits });
      times.push(performance.now() - t);
      expect(r.output).toBe(i + 1);
    }
    times.sort((a, b) => a - b);
    const mean = times.reduce((a, b) => a + b, 0) / n;
    console.log(
      `[sandbox] warm call (back-to-back, trivial module): mean ${mean.toFixed(3)} ms, p50 ${times[n >> 1]?.toFixed(3)} ms; cold starts (spawn→ready) ${tier.coldStartsMs.map((x) => x.toFixed(0)).join(', ')} ms`,
    );
  });
});

const parentOf = (pid: number): number =>
  Number(/PPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
/** Running (a zombie waiting for an init that reaps slowly counts as gone: it can do nothing). */
const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('tier lifecycle', () => {
  it('close() kills every child and leaves none running', async () => {
    const tier = createProcessTier({ poolSize: 2 });
    await tier.availability();
    const pids = tier.childPids();
    expect(pids).toHaveLength(2);
    await tier.close();
    expect(tier.childPids()).toEqual([]);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    const r = await tier.run({ code: 'export default () => 1', input: {}, permissions: [], limits });
    expect(r.status).toBe('error');
  });

  it('children are started by the launcher process, never forked from this one', async () => {
    const tier = createProcessTier({ poolSize: 2 });
    try {
      await tier.availability();
      const launcher = tier.launcherPid();
      expect(launcher).toBeGreaterThan(0);
      expect(launcher).not.toBe(process.pid);
      for (const pid of tier.childPids()) expect(parentOf(pid)).toBe(launcher);
      const r = await tier.run({
        code: 'export default (i) => i.x * 2',
        input: { x: 21 },
        permissions: [],
        limits,
      });
      expect(r.output).toBe(42);
    } finally {
      await tier.close();
    }
    const launcher = tier.launcherPid();
    if (launcher) expect(() => process.kill(launcher, 0)).toThrow();
  });

  it('a lost launcher takes its children with it, and the pool recovers with a new one', async () => {
    const tier = createProcessTier({ poolSize: 2 });
    try {
      await tier.availability();
      const first = tier.launcherPid()!;
      const children = tier.childPids();
      process.kill(first, 'SIGKILL');
      // The old children are killed (none left running under nobody) and replaced by a new launcher's.
      await vi.waitUntil(() => children.every((pid) => !alive(pid)), { timeout: 10_000, interval: 10 });
      // Killed means no longer offered, even while their channels drain.
      expect(tier.childPids().filter((pid) => children.includes(pid))).toEqual([]);
      await vi.waitUntil(() => tier.childStates().idle === 2, { timeout: 20_000, interval: 20 });
      expect(tier.launcherPid()).not.toBe(first);
      for (const pid of tier.childPids()) expect(parentOf(pid)).toBe(tier.launcherPid());
      const r = await tier.run({ code: 'export default () => "ok"', input: {}, permissions: [], limits });
      expect(r.output).toBe('ok');
    } finally {
      await tier.close();
    }
  });

  it('an idle pool shrinks to minPoolSize, and the next run brings it back to poolSize', async () => {
    const tier = createProcessTier({ poolSize: 2, minPoolSize: 1, poolIdleMs: 300 });
    try {
      await tier.availability();
      const run = (x: number) =>
        tier.run({ code: 'export default (i) => i.x + 1', input: { x }, permissions: [], limits });
      // Runs keep it busy until both children are up (a slow machine may take longer than poolIdleMs).
      await vi.waitUntil(async () => (await run(1)).output === 2 && tier.childStates().idle === 2, {
        timeout: 20_000,
        interval: 20,
      });
      const before = tier.childPids();
      expect(before).toHaveLength(2);
      // Idle for poolIdleMs: one child is stopped (its process gone) and not replaced.
      await vi.waitUntil(() => tier.childPids().length === 1, { timeout: 10_000, interval: 20 });
      const kept = tier.childPids()[0]!;
      expect(before).toContain(kept);
      const stopped = before.filter((p) => p !== kept);
      await vi.waitUntil(() => stopped.every((pid) => !alive(pid)), { timeout: 10_000, interval: 10 });
      await new Promise((r) => setTimeout(r, 400));
      expect(tier.childStates()).toEqual({ starting: 0, idle: 1, busy: 0 });
      // The next run is served by the child that stayed, and the pool starts a second child again.
      expect((await run(2)).output).toBe(3);
      expect(tier.childStates().starting).toBe(1);
      await vi.waitUntil(async () => (await run(3)).output === 4 && tier.childStates().idle === 2, {
        timeout: 20_000,
        interval: 20,
      });
      expect(tier.childPids()).toContain(kept);
    } finally {
      await tier.close();
    }
  });

  it('an idle pool replaces the children that ran code by fresh ones, one at a time', async () => {
    const tier = createProcessTier({ poolSize: 2, poolRefreshIdleMs: 300 });
    try {
      await tier.availability();
      const run = (x: number) =>
        tier.run({ code: 'export default (i) => i.x + 1', input: { x }, permissions: [], limits });
      // Both children run code (runs go to a ready child; concurrent ones reach both).
      await vi.waitUntil(
        async () =>
          (await Promise.all([run(1), run(2)])).every((r) => r.status === 'ok') &&
          tier.childStates().idle === 2,
        { timeout: 20_000, interval: 20 },
      );
      await Promise.all([run(1), run(2)]);
      const before = tier.childPids();
      // While it refreshes, never more than one child is away: a run arriving meanwhile finds one ready.
      let fewestReady = 2;
      await vi.waitUntil(
        () => {
          fewestReady = Math.min(fewestReady, tier.childStates().idle);
          return tier.childPids().every((pid) => !before.includes(pid)) && tier.childStates().idle === 2;
        },
        { timeout: 20_000, interval: 5 },
      );
      expect(fewestReady).toBe(1);
      expect(tier.refreshes).toBe(2);
      for (const pid of before) expect(alive(pid)).toBe(false);
      // Fresh children are not replaced again while nothing runs.
      const fresh = tier.childPids();
      await new Promise((r) => setTimeout(r, 800));
      expect(tier.childPids().sort()).toEqual(fresh.sort());
      expect(tier.refreshes).toBe(2);
      expect((await run(5)).output).toBe(6);
    } finally {
      await tier.close();
    }
  });

  it('await using disposes the tier', async () => {
    let pids: number[];
    {
      await using sb = (await createSandbox({ poolSize: 1 })) as ProcessPoolTier;
      pids = sb.childPids();
      expect(pids).toHaveLength(1);
    }
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });

  it('createSandbox rejects an unknown option value early', async () => {
    await expect(createSandbox({ poolSize: 0 })).rejects.toThrow(RangeError);
    expect(SANDBOX_DEFAULTS.poolSize).toBe(2);
  });

  it('an unavailable tier throws E_SANDBOX_UNAVAILABLE', async () => {
    const err = await createSandbox({ nodePath: '/nonexistent/node', poolSize: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IroncliwError);
    expect((err as IroncliwError).code).toBe('E_SANDBOX_UNAVAILABLE');
  });
});
