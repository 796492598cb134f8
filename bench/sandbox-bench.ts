import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { createHostSdk, seededRandom } from '../src/capabilities/index.js';
import type { Permission } from '../src/domain/index.js';
import { SDK_METHODS } from '../src/domain/index.js';
import { createProcessTier, SANDBOX_DEFAULTS } from '../src/sandbox/index.js';
import type { ColdStartPhases, ProcessPoolTier } from '../src/sandbox/index.js';
import { createVisionPort, renderSceneFile } from '../src/vision-port.js';
import { decodeImage } from '../src/vision/index.js';
import type { Figure } from './harness.js';
import { measureAsync } from './harness.js';
import { processTree } from './process-tree.js';

const TRIVIAL = `export default async function run(input) { return input.x + 1; }`;
/** A typical learned vision capability: region → shapes → answer. */
const COUNT_GREEN_CIRCLES = `export default async function run(input, sdk) {
  const bar = await sdk.vision.region(await sdk.screen.capture(), 'toolbar');
  const items = await sdk.vision.findShapes(bar, { shape: 'circle', color: input.color });
  return { answer: 'I see ' + items.length + ' ' + input.color + ' circles', data: { count: items.length, items } };
}`;
const limits = { timeoutMs: 5000, memoryMb: 64 };
const VISION_PERMISSIONS: Permission[] = ['screen.capture', 'vision.analyze'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function coldStarts(rounds: number) {
  const firstCall: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const tier = createProcessTier({ poolSize: 1 });
    await tier.availability();
    const t = performance.now();
    await tier.run({ code: TRIVIAL, input: { x: 1 }, permissions: [], limits });
    firstCall.push(performance.now() - t);
    await tier.close();
  }
  return { firstCall };
}

/** Pool back at strength: both children ready, not merely started. */
async function atStrength(tier: ProcessPoolTier): Promise<void> {
  while (tier.childStates().idle < 2) await sleep(5);
}

/** SIGKILLs one child; returns once the pool has noticed (it drops the child and asks for a replacement). */
async function loseOneChild(tier: ProcessPoolTier): Promise<void> {
  const pid = tier.childPids()[0];
  if (!pid) return;
  process.kill(pid, 'SIGKILL');
  while (tier.childPids().includes(pid)) await new Promise((r) => setImmediate(r));
}

/** A pool slot lost (child killed) just before a request: what the caller waits. */
async function afterChildLoss(tier: ProcessPoolTier, rounds: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await atStrength(tier);
    await Promise.all(
      [1, 2].map(() => tier.run({ code: TRIVIAL, input: { x: 1 }, permissions: [], limits })),
    );
    await atStrength(tier);
    await loseOneChild(tier);
    const t = performance.now();
    const r = await tier.run({ code: TRIVIAL, input: { x: 2 }, permissions: [], limits });
    out.push(performance.now() - t);
    if (r.status !== 'ok') throw new Error(`bench run failed: ${r.status} ${r.error ?? ''}`);
  }
  return out;
}

/**
 * The longest the event loop of this process stalls while the pool replaces a lost child (the launcher
 * process forks it), against starting a process from here directly (fork copies this process's page
 * tables: the stall the pool would put on a server). Rounds alternate; medians of the per-round maxima.
 */
async function spawnStalls(tier: ProcessPoolTier, rounds: number): Promise<{ pool: number; direct: number }> {
  const pool: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await atStrength(tier);
    let maxGap = 0;
    let last = performance.now();
    let watching = true;
    const watch = () => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      if (watching) setImmediate(watch);
    };
    setImmediate(watch);
    await loseOneChild(tier);
    await sleep(30); // the replacement is being started meanwhile
    watching = false;
    pool.push(maxGap);

    const t = performance.now();
    const c = spawn(process.execPath, ['-e', '0'], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], env: {} });
    direct.push(performance.now() - t);
    await new Promise((r) => c.once('exit', r));
  }
  return { pool: median(pool), direct: median(direct) };
}

/**
 * Bursts of `size` concurrent calls, each on an idle default pool (both children ready, then a pause): the
 * latency of every call in every burst. The pool queues what it cannot serve at once — a burst must not
 * start processes (a fork storm would cost 100+ ms each here); children stay the same across a burst.
 */
async function bursts(
  tier: ProcessPoolTier,
  size: number,
  rounds: number,
): Promise<{ samples: number[]; childrenBefore: number[]; childrenAfter: number[] }> {
  const samples: number[] = [];
  let childrenBefore: number[] = [];
  let childrenAfter: number[] = [];
  for (let r = 0; r < rounds; r++) {
    await atStrength(tier);
    await sleep(50);
    childrenBefore = tier.childPids();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: size }, async (_, i) => {
        const res = await tier.run({ code: TRIVIAL, input: { x: i }, permissions: [], limits });
        samples.push(performance.now() - started);
        if (res.status !== 'ok') throw new Error(`bench run failed: ${res.status} ${res.error ?? ''}`);
      }),
    );
    childrenAfter = tier.childPids();
  }
  return { samples, childrenBefore, childrenAfter };
}

/** PSS of a process in kB (shared pages split between the processes mapping them), 0 if unreadable. */
function pssKb(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Resident memory of a pool: its launcher and every child (VmRSS, MB of 10^6 bytes, as the `memory` suite
 * counts it: the node binary's shared pages count in every process), and the same as PSS.
 */
function poolMemory(tier: ProcessPoolTier): {
  rss: number;
  pss: number;
  launcher: number;
  children: number[];
} {
  const root = tier.launcherPid();
  if (!root) return { rss: 0, pss: 0, launcher: 0, children: [] };
  const tree = processTree(root);
  const mb = (kb: number) => (kb * 1024) / 1e6;
  return {
    rss: mb(tree.reduce((a, p) => a + p.rssKb, 0)),
    pss: mb(tree.reduce((a, p) => a + pssKb(p.pid), 0)),
    launcher: mb(tree.find((p) => p.pid === root)?.rssKb ?? 0),
    children: tree.filter((p) => p.pid !== root).map((p) => mb(p.rssKb)),
  };
}

/** Waits until the pool has shrunk to one child (none starting). */
async function shrunk(tier: ProcessPoolTier): Promise<void> {
  for (;;) {
    const s = tier.childStates();
    if (s.idle === 1 && s.starting === 0 && s.busy === 0 && tier.childPids().length === 1) return;
    await sleep(20);
  }
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

/** Calls per second over `ms`, `concurrency` callers in flight. */
async function throughput(call: () => Promise<unknown>, concurrency: number, ms: number): Promise<number> {
  for (let i = 0; i < 10; i++) await call();
  let n = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await call();
        n++;
      }
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

/**
 * The process tier's start-up and call costs, and a vision capability through the pool against the same
 * code in `node:vm` (no isolation at all: the unsafe baseline the sandbox is paying to beat).
 */
export async function sandboxFigures(): Promise<Figure[]> {
  const figures: Figure[] = [];

  const cold = await coldStarts(5);
  figures.push({
    name: 'sandbox cold start, caller-visible (first call on a fresh pool)',
    value: median(cold.firstCall),
    unit: 'ms',
    budget: { max: 20, unit: 'ms' },
    note: 'createSandbox() resolves once children are warm; this is the first request after it',
  });

  const tier = createProcessTier({ poolSize: 2 });
  await tier.availability();
  try {
    const loss = await afterChildLoss(tier, 5);
    figures.push({
      name: 'sandbox cold start, caller-visible after a child is lost',
      value: median(loss),
      unit: 'ms',
      budget: { max: 20, unit: 'ms' },
      note: 'one of 2 children SIGKILLed just before the request: a warm spare serves while it is replaced',
    });

    const stall = await spawnStalls(tier, 5);
    figures.push({
      name: 'sandbox: event-loop stall of the pool process while a child is replaced',
      value: stall.pool,
      unit: 'ms',
      peer: { name: 'spawn() from this process', value: stall.direct },
      note: `children are started by a small launcher process, so this process (the server) never forks itself; a direct spawn here blocks ${stall.direct.toFixed(1)} ms (rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB)`,
    });

    // Replacement children of a running pool (its launcher already up), as every respawn pays.
    const replaced = tier.coldStartPhases.slice(2);
    const p = (k: keyof ColdStartPhases) => median(replaced.map((x) => x[k]));
    figures.push({
      name: 'sandbox cold start, raw spawn→ready (process tier)',
      value: p('totalMs'),
      unit: 'ms',
      note: `tracked, no budget (issue 20: a Node process cannot boot in 20 ms here); median of ${replaced.length} replacement children: Node boot ${p('nodeBootMs').toFixed(0)} ms, QuickJS load ${p('engineLoadMs').toFixed(0)} ms, warm-up ${p('warmUpMs').toFixed(0)} ms, rest (launcher, prlimit/unshare/setpriv exec, IPC) — paid off the request path by pre-spawned children`,
    });

    for (let i = 0; i < 300; i++) await tier.run({ code: TRIVIAL, input: { x: i }, permissions: [], limits });
    const spaced: number[] = [];
    for (let i = 0; i < 200; i++) {
      await sleep(2);
      const t = performance.now();
      await tier.run({ code: TRIVIAL, input: { x: i }, permissions: [], limits });
      spaced.push(performance.now() - t);
    }
    figures.push({
      name: 'sandbox warm call p50, idle pool (process tier)',
      value: median(spaced),
      unit: 'ms',
      budget: { max: 1, unit: 'ms' },
      note: 'trivial module, one request at a time with 2 ms between: IPC + fresh QuickJS context + run',
    });
    const b2b = await measureAsync(
      () => tier.run({ code: TRIVIAL, input: { x: 1 }, permissions: [], limits }),
      500,
      50,
    );
    figures.push({
      name: 'sandbox warm call p50, back-to-back (process tier)',
      value: b2b.p50 / 1000,
      unit: 'ms',
      budget: { max: 1, unit: 'ms' },
      note: `p99 ${(b2b.p99 / 1000).toFixed(2)} ms; each run also pays ≈0.5–1 ms in its child to tear down and rebuild its context, which back-to-back calls partly wait for`,
    });
  } finally {
    await tier.close();
  }

  // A burst on an idle *default* pool (the pool every deployment gets unless configured).
  const pool = createProcessTier();
  await pool.availability();
  try {
    for (let i = 0; i < 50; i++) await pool.run({ code: TRIVIAL, input: { x: i }, permissions: [], limits });
    await atStrength(pool);
    await sleep(1000);
    const mem = poolMemory(pool);
    figures.push({
      name: `sandbox pool resident memory, idle default pool (launcher + ${SANDBOX_DEFAULTS.poolSize} children, VmRSS sum)`,
      value: mem.rss,
      unit: 'MB',
      note: `launcher ${mem.launcher.toFixed(1)} MB, children ${mem.children.map((c) => c.toFixed(1)).join(' + ')} MB after 50 runs; PSS sum ${mem.pss.toFixed(1)} MB (≈ 35 MB of each process's RSS is the node binary, shared)`,
    });
    const burst = await bursts(pool, 16, 30);
    const same =
      burst.childrenAfter.length === burst.childrenBefore.length &&
      burst.childrenAfter.every((p) => burst.childrenBefore.includes(p));
    figures.push({
      name: `sandbox burst: 16 concurrent calls on an idle default pool (${SANDBOX_DEFAULTS.poolSize} children), p99`,
      value: percentile(burst.samples, 99),
      unit: 'ms',
      budget: { max: 25, unit: 'ms' },
      note: `${burst.samples.length} calls in 30 bursts, each from the burst's start: p50 ${percentile(burst.samples, 50).toFixed(2)} ms, max ${Math.max(...burst.samples).toFixed(2)} ms; a queue, not a fork storm: ${same ? 'the same children served the last burst, none started' : 'children changed during a burst'}`,
    });
  } finally {
    await pool.close();
  }

  // The same pool with shrinking on (poolIdleMs 300 ms here; off by default), once idle: minPoolSize (1) child.
  const idling = createProcessTier({ poolIdleMs: 300 });
  await idling.availability();
  try {
    for (let i = 0; i < 50; i++)
      await idling.run({ code: TRIVIAL, input: { x: i }, permissions: [], limits });
    await shrunk(idling);
    await sleep(1000);
    const mem = poolMemory(idling);
    figures.push({
      name: `sandbox pool resident memory, shrunk while idle (launcher + ${SANDBOX_DEFAULTS.minPoolSize} child, VmRSS sum)`,
      value: mem.rss,
      unit: 'MB',
      note: `with sandbox.poolIdleMs set (off by default), once idle that long: launcher ${mem.launcher.toFixed(1)} MB, child ${mem.children.map((c) => c.toFixed(1)).join(' + ')} MB; PSS sum ${mem.pss.toFixed(1)} MB`,
    });
    const samples: number[] = [];
    const rounds = 15;
    for (let r = 0; r < rounds; r++) {
      await shrunk(idling);
      const started = performance.now();
      await Promise.all(
        Array.from({ length: 16 }, async (_, i) => {
          const res = await idling.run({ code: TRIVIAL, input: { x: i }, permissions: [], limits });
          samples.push(performance.now() - started);
          if (res.status !== 'ok') throw new Error(`bench run failed: ${res.status} ${res.error ?? ''}`);
        }),
      );
    }
    figures.push({
      name: 'sandbox burst: 16 concurrent calls on a pool shrunk while idle (1 child), p99',
      value: percentile(samples, 99),
      unit: 'ms',
      note: `opt-in configuration (sandbox.poolIdleMs), tracked against the default pool's 25 ms budget; ${samples.length} calls in ${rounds} bursts: p50 ${percentile(samples, 50).toFixed(2)} ms, max ${Math.max(...samples).toFixed(2)} ms; the one child serves the burst; the second starts once the queue is served (or 50 ms on)`,
    });
  } finally {
    await idling.close();
  }

  const tier2 = createProcessTier({ poolSize: 2 });
  await tier2.availability();
  try {
    const tier = tier2;
    // A typical vision capability on a 1280×800 screen, through the pool vs node:vm, 2 callers each.
    const spec = JSON.parse(
      readFileSync(new URL('../test/fixtures/scenes/toolbar-circles.json', import.meta.url), 'utf8'),
    ) as unknown;
    const screen = await decodeImage((await renderSceneFile(spec)).png);
    const vision = createVisionPort();
    const host = () =>
      createHostSdk({
        vision,
        screen,
        permissions: VISION_PERMISSIONS,
        random: seededRandom(1),
        now: () => 0,
      });
    const viaSandbox = async () => {
      const r = await tier.run({
        code: COUNT_GREEN_CIRCLES,
        input: { color: 'green' },
        permissions: VISION_PERMISSIONS,
        limits,
        host: host(),
      });
      if (r.status !== 'ok' || (r.output as { data: { count: number } }).data.count !== 2)
        throw new Error(`bench capability failed in the sandbox: ${r.status} ${r.error ?? ''}`);
    };
    // node:vm, the unsafe baseline: our own trusted bench capability, never generated code.
    const viaVm = async () => {
      const h = host();
      const sdk: Record<string, unknown> = {};
      for (const m of Object.keys(SDK_METHODS)) {
        const [g, leaf] = m.includes('.') ? (m.split('.') as [string, string]) : [null, m];
        const fn = (...args: unknown[]) => h.call(m, args);
        if (g) ((sdk[g] ??= {}) as Record<string, unknown>)[leaf] = fn;
        else sdk[leaf] = fn;
      }
      const ctx: { run?: (input: unknown, sdk: unknown) => Promise<{ data: { count: number } }> } = {};
      runInNewContext(COUNT_GREEN_CIRCLES.replace('export default', 'globalThis.run ='), ctx);
      const out = await ctx.run!({ color: 'green' }, sdk);
      if (out.data.count !== 2) throw new Error('bench capability failed in node:vm');
    };
    const vmTp = await throughput(viaVm, 2, 3000);
    const sbTp = await throughput(viaSandbox, 2, 3000);
    figures.push({
      name: 'vision capability throughput through the pool (2 children)',
      value: sbTp,
      unit: 'calls/s',
      peer: { name: 'node:vm, unsafe baseline', value: vmTp },
      note: `count green circles in the toolbar of a 1280×800 screen; 2 concurrent callers; overhead ${((1000 / sbTp - 1000 / vmTp) * 1).toFixed(2)} ms per call`,
    });
  } finally {
    await tier2.close();
  }
  return figures;
}
