/**
 * Instructions a sandbox child's engine executes per warm run (a trivial module), counted by valgrind's
 * callgrind: unlike wall time, the count does not depend on the machine's load, so two versions of the
 * engine can be compared on a busy 2-core VM. Each iteration is what a child does for one request: the run,
 * then the teardown of its context and the build of the next one (a `setImmediate` later).
 *
 *   node --import tsx bench/sandbox-instructions.ts [iterations=100] [engine=src/sandbox/quickjs-engine.mjs]
 *
 * Needs `valgrind` and `callgrind_control`. Instrumentation is switched on only around the measured loop
 * (node's start-up, the QuickJS load and the warm-up are not counted). Trusted bench code only: the module
 * run is a fixed trivial one, in the engine, in this process, never generated code.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const METHODS = [
  'log',
  'screen.capture',
  'screen.find',
  'vision.region',
  'vision.findShapes',
  'vision.analyze',
  'vision.ocr',
  'actions.click',
  'actions.type',
  'actions.key',
  'storage.get',
  'storage.set',
  'clock.now',
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (path: string) => {
  while (!existsSync(path)) await sleep(20);
};

interface EngineLike {
  warmUp(rounds: number, methods: string[]): Promise<void>;
  run(job: unknown, bridge: unknown): Promise<unknown>;
}

/** Under valgrind: warm the engine, then run `n` iterations between the `go` and `done` marker files. */
async function measured(dir: string, n: number, engineUrl: string): Promise<void> {
  const { loadEngine } = (await import(engineUrl)) as { loadEngine: () => Promise<EngineLike> };
  const engine = await loadEngine();
  await engine.warmUp(2, METHODS);
  const job = {
    code: 'export default async function run(input) { return input.x + 1; }',
    kind: 'module',
    inputJson: '{"x":1}',
    timeoutMs: 5000,
    memoryMb: 64,
    maxOutputBytes: 1 << 20,
    maxArgBytes: 1024,
    methods: METHODS,
  };
  const bridge = { call: async () => ({ ok: true, json: '1' }) };
  const iteration = async () => {
    await engine.run(job, bridge);
    // The child's teardown and next-context build run in the immediates after the answer.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
  };
  for (let i = 0; i < 50; i++) await iteration();
  writeFileSync(join(dir, 'ready'), String(process.pid));
  await until(join(dir, 'go'));
  for (let i = 0; i < n; i++) await iteration();
  writeFileSync(join(dir, 'done'), '');
  await until(join(dir, 'stop'));
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 100);
  const engineUrl = pathToFileURL(resolve(process.argv[3] ?? 'src/sandbox/quickjs-engine.mjs')).href;
  if (process.env['SANDBOX_INSTRUCTIONS_DIR']) {
    await measured(process.env['SANDBOX_INSTRUCTIONS_DIR'], n, engineUrl);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-instructions-'));
  try {
    const out = join(dir, 'callgrind.out');
    const vg = spawn(
      'valgrind',
      [
        '--tool=callgrind',
        '--instr-atstart=no',
        `--callgrind-out-file=${out}`,
        process.execPath,
        '--import',
        'tsx',
        // The child's own flags that change what V8 executes.
        '--disable-wasm-trap-handler',
        '--liftoff-only',
        '--max-semi-space-size=1',
        process.argv[1]!,
        String(n),
        process.argv[3] ?? 'src/sandbox/quickjs-engine.mjs',
      ],
      { env: { ...process.env, SANDBOX_INSTRUCTIONS_DIR: dir }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    vg.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((r) => vg.once('exit', r));
    await Promise.race([until(join(dir, 'ready')), exited]);
    if (!existsSync(join(dir, 'ready'))) throw new Error(`valgrind run failed:\n${log.slice(-2000)}`);
    const pid = readFileSync(join(dir, 'ready'), 'utf8');
    execFileSync('callgrind_control', ['-i', 'on', pid], { stdio: 'ignore' });
    writeFileSync(join(dir, 'go'), '');
    await until(join(dir, 'done'));
    execFileSync('callgrind_control', ['-i', 'off', pid], { stdio: 'ignore' });
    writeFileSync(join(dir, 'stop'), '');
    await exited;
    const total = Number(/Collected : (\d+)/.exec(log)?.[1] ?? NaN);
    console.log(
      `${(total / n / 1e6).toFixed(2)} M instructions per warm run (run + teardown + next context), ${n} runs`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
