import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO_CONFIG } from '../src/demo/index.js';
import { bucketOf } from '../src/rollout/index.js';
import type { Store } from '../src/store/index.js';
import { openStore } from '../src/store/index.js';
import type { SceneSpec } from '../src/vision/index.js';
import { countScene, renderScene } from '../src/vision/index.js';
import type { Figure } from './harness.js';
import type { MemorySample } from './memory-plot.js';
import { memorySeriesSvg } from './memory-plot.js';
import type { ProcessMemory, Role } from './process-tree.js';
import { byRole, processTree, ROLES } from './process-tree.js';

/**
 * The `memory` suite (issue 20 "Memory"): the resident memory of a real `ironcliw serve` — the built CLI,
 * bin/ironcliw.js, on a free port over a fresh SQLite store — with everything it starts: the learner, the
 * sandbox launchers and their pooled children. VmRSS of every process in the tree, summed per role.
 *
 * 1. The demo over HTTP (the commands `ironcliw demo` sends, from authenticated users): two patterns are
 *    learned by the learner, the first walks the rollout ladder on live traffic, the second is rolled back.
 * 2. Idle: once no learning job is queued or running, the tree is left alone for the settle time, then the
 *    median of its last 10 one-second readings is the idle figure (budget: < 500 MB).
 * 3. Load: 1,000 mixed commands, 4 at a time — built-ins, `describe the screen` (OCR in the server), the
 *    learned shape capability (in the server's sandbox), `read the title` / `read the status bar` (OCR;
 *    failing first, then learned and verified by the learner), the rolled-back command, commands nothing
 *    handles (new patterns: more learning).
 * 4. After: the same settle, the same median; it may exceed idle by < 10% (a leak check).
 * The tree is read every second throughout; the series is written as an SVG (and JSON) whose path is printed.
 *
 * Environment: IRONCLIW_BENCH_MEMORY_COMMANDS (default 1000), IRONCLIW_BENCH_MEMORY_SETTLE_MS (default
 * 75000: longer than the idle period after which the OCR workers end, vision.ocrIdleMs = 60 s by default),
 * IRONCLIW_BENCH_MEMORY_DOCS=1 also copies the plot to docs/memory-series.svg.
 */

const BIN = fileURLToPath(new URL('../bin/ironcliw.js', import.meta.url));
const DOCS_SVG = fileURLToPath(new URL('../docs/memory-series.svg', import.meta.url));
const BUDGET_MB = 500;
const GROWTH_BOUND = 0.1;
const COMMANDS = Number(process.env.IRONCLIW_BENCH_MEMORY_COMMANDS ?? 1000);
const SETTLE_MS = Number(process.env.IRONCLIW_BENCH_MEMORY_SETTLE_MS ?? 75_000);
const CONCURRENCY = 4;
const KEY = 'memory-bench-client-key-0123456789';
const LEARN_TIMEOUT_MS = 240_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ port: 0, host: '127.0.0.1' }, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * `serve`'s environment as `npm start` and docs/deployment.md give it: glibc's mmap threshold fixed at
 * 128 KiB (`MALLOC_MMAP_THRESHOLD_`, unless the caller's environment sets it). `IRONCLIW_BENCH_MEMORY_MALLOC=
 * glibc` measures glibc's own default (a threshold that rises as large buffers are freed, so they stay in
 * its arenas).
 */
export function serveEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (process.env.IRONCLIW_BENCH_MEMORY_MALLOC === 'glibc') delete env.MALLOC_MMAP_THRESHOLD_;
  else env.MALLOC_MMAP_THRESHOLD_ ??= '131072';
  return env;
}

interface Served {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** `node bin/ironcliw.js serve …`, resolved once its banner names the address. */
async function startServe(dir: string, configFile: string): Promise<Served> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', String(port), '--db', join(dir, 'store.db'), '--config', configFile],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: serveEnv() },
  );
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err = (err + s).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve did not start within 60 s\n${out}\n${err}`)),
      60_000,
    );
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out = (out + s).slice(-4000);
      const m = out.match(/serving on (http:\/\/\S+?) /);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before listening\n${out}\n${err}`));
    });
  });
  return {
    child,
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

interface Answer {
  ok: boolean;
  requestId: string;
  result?: { data?: { count?: number } };
  failure?: { category: string };
}

function client(url: string) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(url + path, {
      method,
      headers: { 'x-api-key': KEY, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
    return json;
  };
  return {
    command: (command: string, user: string, png?: string, groups: string[] = []) =>
      call<Answer>('POST', '/v1/commands', {
        command,
        context: { user, groups },
        ...(png ? { screen: { pngBase64: png } } : {}),
      }),
    feedback: (requestId: string, positive: boolean) => call('POST', '/v1/feedback', { requestId, positive }),
    rollouts: async () =>
      (
        await call<{
          rollouts: Array<{ capabilityId: string; stage: string; percentage: number; rolloutKey: string }>;
        }>('GET', '/v1/rollouts')
      ).rollouts,
    rollback: (id: string, reason: string) => call('POST', `/v1/rollouts/${id}/rollback`, { reason }),
  };
}

/** A screen with text for OCR commands: a title, toolbar buttons, a status line and content text. */
const TEXT_SCENE: SceneSpec = {
  width: 1280,
  height: 800,
  titlebar: { height: 32, title: 'Quarterly Report' },
  toolbar: { height: 48 },
  statusbar: { height: 28, text: 'Saved 2 minutes ago' },
  elements: [
    { type: 'button', label: 'Save', x: 12, y: 10 },
    { type: 'button', label: 'Export', x: 90, y: 10 },
    { type: 'text', text: 'Revenue grew in every region', x: 40, y: 60, size: 20 },
    { type: 'shape', shape: 'circle', color: 'green', x: 300, y: 200, size: 40 },
  ],
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * The suite's figures; a run that cannot finish (the learner rejected a demo candidate on a busy machine)
 * is one failing figure saying why, not an exception that would end `npm run bench`.
 */
export async function memoryFigures(): Promise<Figure[]> {
  try {
    return await measure();
  } catch (err) {
    return [
      {
        name: 'memory: serve tree idle after the demo (VmRSS sum)',
        value: Number.NaN,
        unit: 'MB',
        budget: { max: BUDGET_MB, unit: 'MB' },
        note: `not measured: ${(err as Error).message.slice(0, 300)}`,
      },
    ];
  }
}

async function measure(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ironcliw-memory-'));
  const configFile = join(dir, 'ironcliw.config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      ...DEMO_CONFIG,
      rollout: { ...DEMO_CONFIG.rollout, evaluateIntervalMs: 1000 },
      server: {
        rateLimitPerMinute: 0,
        logLevel: 'silent',
        clients: [{ name: 'memory-bench', key: KEY, groups: ['*'], admin: true }],
      },
      sharing: { keysDir: join(dir, 'keys') },
      ...(process.env.IRONCLIW_BENCH_MEMORY_CONFIG
        ? (JSON.parse(process.env.IRONCLIW_BENCH_MEMORY_CONFIG) as object)
        : {}),
    }),
  );
  const counted = [
    { color: 'green', shape: 'circle', region: 'toolbar', count: 3, seed: 21 },
    { color: 'red', shape: 'square', region: 'sidebar', count: 2, seed: 22 },
    { color: 'blue', shape: 'circle', region: 'content', count: 4, seed: 23 },
    { color: 'green', shape: 'circle', region: 'toolbar', count: 1, seed: 24 },
  ] as const;
  const screens = await Promise.all(
    counted.map(async (c) => (await renderScene(countScene({ ...c }))).png.toString('base64')),
  );
  const textScreen = (await renderScene(TEXT_SCENE)).png.toString('base64');

  const served = await startServe(dir, configFile);
  let store: Store | undefined;
  const samples: MemorySample[] = [];
  let phase = 'demo';
  const t0 = performance.now();
  let last: ProcessMemory[] = [];
  const sample = () => {
    last = processTree(served.child.pid!);
    samples.push({ t: Math.round((performance.now() - t0) / 1000), phase, mb: byRole(last) });
  };
  sample();
  const sampler = setInterval(sample, 1000);
  const log = (s: string) =>
    process.stdout.write(`  ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s  ${s}\n`);
  try {
    store = await openStore(join(dir, 'store.db'));
    const api = client(served.url);
    const learning = async () => {
      const [queued, running] = await Promise.all([
        store!.jobs.list({ status: 'queued' }),
        store!.jobs.list({ status: 'running' }),
      ]);
      return queued.length + running.length;
    };
    const waitForCapabilities = async (n: number) => {
      const until = performance.now() + LEARN_TIMEOUT_MS;
      while (performance.now() < until) {
        if ((await api.rollouts()).length >= n) return;
        // Every job ended and still too few: a candidate was rejected (say why rather than wait).
        if ((await learning()) === 0) {
          const done = await store!.jobs.list({ status: 'done' });
          const rejected = done
            .map((j) => JSON.stringify(j.result ?? null))
            .filter((r) => r.includes('"rejected"'));
          const reasons = (await store!.events.list({ limit: 50 }))
            .filter((e) => e.kind === 'reject')
            .map((e) => e.reason);
          if (rejected.length && (await api.rollouts()).length < n)
            throw new Error(
              `the learner rejected a demo candidate, so the demo cannot go on (a busy machine can time out ` +
                `its verification runs): ${rejected.join('; ')}; ${reasons.join('; ')}`,
            );
        }
        await sleep(1000);
      }
      throw new Error(`the learner did not register ${n} capabilities within ${LEARN_TIMEOUT_MS / 1000} s`);
    };
    /** Until no learning job is queued or running for 3 s in a row, then the settle time; the median. */
    const settle = async (
      name: string,
    ): Promise<{ mb: Record<Role | 'total', number>; tree: ProcessMemory[] }> => {
      phase = 'learning';
      let quiet = 0;
      const until = performance.now() + LEARN_TIMEOUT_MS * 2;
      while (quiet < 3 && performance.now() < until) {
        quiet = (await learning()) === 0 ? quiet + 1 : 0;
        await sleep(1000);
      }
      phase = name;
      const from = samples.length;
      await sleep(SETTLE_MS);
      const window = samples.slice(Math.max(from, samples.length - 10));
      const mb = Object.fromEntries(
        [...ROLES, 'total'].map((r) => [r, median(window.map((s) => s.mb[r as Role | 'total']))]),
      ) as Record<Role | 'total', number>;
      return { mb, tree: last };
    };

    // 1. The demo's commands.
    log('demo: 3 users ask to count green circles (nothing handles it yet)');
    for (const user of ['ana', 'ben', 'cleo'])
      await api.command('count the green circles on the toolbar', user, screens[0]);
    await waitForCapabilities(1);
    const idA = (await api.rollouts())[0]!.capabilityId;
    log(`demo: ${idA} learned; 3 users ask how many triangles there are`);
    for (const user of ['dan', 'eve', 'finn'])
      await api.command('how many triangles are there', user, screens[1]);
    await waitForCapabilities(2);
    const idB = (await api.rollouts()).find((r) => r.capabilityId !== idA)?.capabilityId;
    if (idB) {
      let sent = 0;
      for (let u = 0; sent < 14 && u < 50_000; u++) {
        const user = `user-${u}`;
        const r0 = (await api.rollouts()).find((r) => r.capabilityId === idB)!;
        if (r0.stage !== 'development' && bucketOf(r0.rolloutKey, user) >= r0.percentage) continue;
        const r = await api.command(
          'how many triangles are there',
          user,
          screens[sent % 4],
          r0.stage === 'development' ? ['internal'] : [],
        );
        if (!r.ok) continue;
        sent++;
        await api.feedback(r.requestId, sent % 4 === 0);
      }
      await sleep(2500);
      const after = (await api.rollouts()).find((r) => r.capabilityId === idB)!;
      if (after.stage !== 'rolled_back') await api.rollback(idB, 'operator: users reported wrong answers');
      log(`demo: ${idB} rolled back`);
    }
    const askA = [
      ['count the green circles on the toolbar', 0],
      ['count the red squares in the sidebar', 1],
      ['count the blue circles in the content', 2],
      ['count the green circles on the toolbar', 3],
    ] as const;
    for (let round = 0; round < 8; round++) {
      const r = (await api.rollouts()).find((x) => x.capabilityId === idA)!;
      if (['production', 'rolled_back', 'paused'].includes(r.stage)) break;
      let sent = 0;
      for (let u = 0; sent < 16 && u < 50_000; u++) {
        const user = `user-${u}`;
        const groups = r.stage === 'development' ? ['internal'] : [];
        if (r.stage !== 'development' && bucketOf(r.rolloutKey, user) >= r.percentage) continue;
        const [text, screen] = askA[sent % 4]!;
        await api.command(text, user, screens[screen], groups);
        sent++;
      }
      log(`demo: ${r.stage} ${r.percentage / 100}%: ${sent} requests`);
      await sleep(2500);
    }
    const stageA = (await api.rollouts()).find((x) => x.capabilityId === idA)!.stage;
    log(`demo done: ${idA} in ${stageA}`);

    // 2. Idle after the demo.
    const idle = await settle('idle');
    log(`idle: ${idle.mb.total.toFixed(0)} MB`);

    // 3. The mixed load.
    phase = 'load';
    const failing = [
      'find the red circles',
      'list the shapes in the sidebar',
      'is there a red circle in the toolbar?',
      'frobnicate the quarterly widget',
      'where is the yellow square',
    ];
    const nth = (i: number): [string, string | undefined] => {
      switch (i % 10) {
        case 0:
        case 1:
          return ['what can you do', undefined];
        case 2:
          return ['list capabilities', undefined];
        case 3:
          return ['describe the screen', textScreen];
        case 4:
        case 5: {
          const [text, screen] = askA[i % 4]!;
          return [text, screens[screen]];
        }
        case 6:
          return ['read the title', textScreen];
        case 7:
          return ['read the status bar', textScreen];
        case 8:
          return ['how many triangles are there', screens[1]];
        default:
          return [failing[Math.floor(i / 10) % failing.length]!, screens[i % 4]];
      }
    };
    let next = 0;
    const outcome = { ok: 0, failed: 0, errors: 0 };
    /** Per command: answered / failed (by category), to see which share of the mix ran what. */
    const perCommand = new Map<string, Record<string, number>>();
    const tally = (text: string, key: string) => {
      const t = perCommand.get(text) ?? {};
      t[key] = (t[key] ?? 0) + 1;
      perCommand.set(text, t);
    };
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < COMMANDS; i = next++) {
          const [text, png] = nth(i);
          try {
            const r = await api.command(text, `load-${i % 40}`, png);
            if (r.ok) outcome.ok++;
            else outcome.failed++;
            tally(text, r.ok ? 'ok' : (r.failure?.category ?? 'failed'));
          } catch {
            outcome.errors++;
            tally(text, 'http error');
          }
        }
      }),
    );
    log(
      `load: ${COMMANDS} commands: ${outcome.ok} answered, ${outcome.failed} failures, ${outcome.errors} errors`,
    );
    for (const [text, t] of perCommand) log(`  "${text}": ${JSON.stringify(t)}`);
    const peak = Math.max(...samples.filter((s) => s.phase === 'load').map((s) => s.mb.total));

    // 4. After the load.
    const after = await settle('after load');
    log(`after load: ${after.mb.total.toFixed(0)} MB`);
    clearInterval(sampler);

    const svg = memorySeriesSvg(samples, {
      title: `serve + learner + sandboxes: demo, idle, ${COMMANDS} mixed commands, idle`,
      budgetMb: BUDGET_MB,
      idleMb: idle.mb.total,
      growthBound: GROWTH_BOUND,
    });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const svgPath = join(tmpdir(), `ironcliw-memory-${stamp}.svg`);
    writeFileSync(svgPath, svg);
    writeFileSync(
      svgPath.replace(/\.svg$/, '.json'),
      JSON.stringify({ samples, idle, after, peak }, null, 1),
    );
    log(`series: ${svgPath} (and .json)`);
    if (process.env.IRONCLIW_BENCH_MEMORY_DOCS === '1') {
      copyFileSync(svgPath, DOCS_SVG);
      log(`copied to ${DOCS_SVG}`);
    }
    const perProcess = (tree: ProcessMemory[]) =>
      tree.map((p) => `${p.role} ${p.pid} ${((p.rssKb * 1024) / 1e6).toFixed(0)}`).join(', ');
    for (const e of (await store.events.list({ limit: 200 })).filter((x) => x.kind === 'reject'))
      log(`rejected ${e.capabilityId}: ${e.reason.slice(0, 200)}`);
    log(`idle processes: ${perProcess(idle.tree)}`);
    log(`after-load processes: ${perProcess(after.tree)}`);

    const roles = ROLES.filter((r) => r !== 'other' || idle.mb.other > 0);
    const growth = ((after.mb.total - idle.mb.total) / idle.mb.total) * 100;
    return [
      {
        name: 'memory: serve tree idle after the demo (VmRSS sum)',
        value: idle.mb.total,
        unit: 'MB',
        budget: { max: BUDGET_MB, unit: 'MB' },
        note:
          roles.map((r) => `${r} ${idle.mb[r].toFixed(0)}`).join(', ') +
          `; MALLOC_MMAP_THRESHOLD_=${serveEnv().MALLOC_MMAP_THRESHOLD_ ?? "glibc's default"}`,
      },
      ...roles.map((r): Figure => ({
        name: `memory: idle ${r}`,
        value: idle.mb[r],
        unit: 'MB',
        note: `${idle.tree.filter((p) => p.role === r).length} process(es)`,
      })),
      {
        name: `memory: peak during ${COMMANDS} mixed commands`,
        value: peak,
        unit: 'MB',
        note: `${outcome.ok} answered, ${outcome.failed} failures, ${outcome.errors} errors`,
      },
      {
        name: `memory: idle after ${COMMANDS} mixed commands`,
        value: after.mb.total,
        unit: 'MB',
        note: roles.map((r) => `${r} ${after.mb[r].toFixed(0)}`).join(', '),
      },
      {
        name: 'memory: growth after the load over idle',
        value: growth,
        unit: '%',
        budget: { max: GROWTH_BOUND * 100, unit: '%' },
        note: `series: ${svgPath}`,
      },
    ];
  } finally {
    clearInterval(sampler);
    await store?.close();
    await served.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
