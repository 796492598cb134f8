import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderScene } from '../src/vision/index.js';
import type { Figure } from './harness.js';

/**
 * The `cli` suite (issue 20 "CLI start-up", issue 15 "a CLI command exits within 200 ms of its answer"): what a
 * person at a terminal waits for, measured whole-process — spawn to exit — against `node -e 0` started the
 * same way in the same run, alternating (node, command, node, command…) so that a machine that speeds up or
 * slows down during the run moves both. Each figure is the median of the runs; its budget is a multiple of
 * the median `node -e 0`. It runs the built CLI (bin/ironcliw.js → dist/), so `npm run bench` builds first.
 * Runs per figure: IRONCLIW_BENCH_CLI_RUNS (default 7).
 */
const BIN = fileURLToPath(new URL('../bin/ironcliw.js', import.meta.url));
const RUNS = Number(process.env.IRONCLIW_BENCH_CLI_RUNS ?? 7);

interface Run {
  /** Spawn to exit, ms. */
  wallMs: number;
  /** Spawn to the first stdout chunk holding `answered`, ms (when asked for). */
  answerMs?: number;
  code: number | null;
  out: string;
}

function run(args: string[], cwd: string, answered?: RegExp): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let answerMs: number | undefined;
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      if (answerMs === undefined && answered?.test(out)) answerMs = performance.now() - t0;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.once('error', reject);
    child.once('exit', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0 && code !== 1)
        reject(new Error(`${args.join(' ')} exited ${code}\n${out}\n${err}`.slice(0, 2000)));
      else resolve({ wallMs, code, out, ...(answerMs !== undefined ? { answerMs } : {}) });
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Case {
  name: string;
  args: string[];
  /** Budget as a multiple of `node -e 0`. */
  times: number;
  note: string;
}

export async function cliFigures(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ironcliw-cli-bench-'));
  try {
    const db = join(dir, 'store.db');
    const screen = join(dir, 'screen.png');
    const { png } = await renderScene({
      width: 800,
      height: 500,
      titlebar: { title: 'Invoice Editor' },
      statusbar: { text: 'Ready' },
      elements: [
        { type: 'button', label: 'Save', region: 'toolbar', x: 8, y: 8 },
        { type: 'button', label: 'Open', region: 'toolbar', x: 90, y: 8 },
        { type: 'shape', shape: 'circle', color: 'red', region: 'content', x: 40, y: 40, size: 30 },
        { type: 'shape', shape: 'circle', color: 'green', region: 'content', x: 120, y: 40, size: 30 },
      ],
    });
    writeFileSync(screen, png);
    const cli = (...args: string[]) => [BIN, ...args];
    const cases: Case[] = [
      {
        name: 'ironcliw --help',
        args: cli('--help'),
        times: 4,
        note: 'commander and the registrations only',
      },
      {
        name: 'ironcliw run "what can you do"',
        args: cli('run', 'what can you do', '--db', db),
        times: 4,
        note: 'a built-in, no screen: opens the runtime (store, sandbox pool) and closes it',
      },
      {
        name: 'ironcliw run "count the circles" --screen (no OCR)',
        args: cli('run', 'count the circles', '--screen', screen, '--db', db),
        times: 6,
        note: 'a screen command without OCR (800×500 PNG); nothing handles it on a fresh store, so it is recorded as a failure (exit 1)',
      },
    ];
    // Not timed: the store's migrations and the first-ever start of each path.
    for (const c of cases) await run(c.args, dir);
    const node: number[] = [];
    const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
    for (let i = 0; i < RUNS; i++)
      for (const c of cases) {
        node.push((await run(['-e', '0'], dir)).wallMs);
        times.get(c.name)!.push((await run(c.args, dir)).wallMs);
      }
    const nodeMs = median(node);
    const figures: Figure[] = cases.map((c) => ({
      name: `${c.name}, whole process (median of ${RUNS})`,
      value: median(times.get(c.name)!),
      unit: 'ms',
      budget: { max: Math.round(c.times * nodeMs), unit: `ms (${c.times}× node -e 0)` },
      peer: { name: 'node -e 0', value: nodeMs },
      note: `${c.note}; alternating with node -e 0 (${node.length} runs)`,
    }));

    // Answer → exit of a command that read text with OCR ("describe the screen" names the title and buttons):
    // what keeps the process alive after its answer (OCR workers, the sandbox pool, the store) must end quickly.
    const describe = cli('run', 'describe the screen', '--screen', screen, '--db', db);
    await run(describe, dir);
    const gaps: number[] = [];
    const walls: number[] = [];
    for (let i = 0; i < Math.min(RUNS, 5); i++) {
      const r = await run(describe, dir, /\n {2}\(describe-screen v\d+/);
      if (r.answerMs === undefined) throw new Error(`no answer from describe the screen:\n${r.out}`);
      gaps.push(r.wallMs - r.answerMs);
      walls.push(r.wallMs);
    }
    figures.push({
      name: `OCR command: answer printed → process exited (median of ${gaps.length})`,
      value: median(gaps),
      unit: 'ms',
      budget: { max: 200, unit: 'ms' },
      note: `ironcliw run "describe the screen" --screen (reads the title and buttons with OCR); whole command ${median(walls).toFixed(0)} ms; max gap ${Math.max(...gaps).toFixed(0)} ms`,
    });
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
