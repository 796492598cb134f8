import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countScene, renderScene } from '../../src/vision/index.js';

/**
 * Real `ironcliw serve` processes for the multi-process tests. Each runs `src/cli/main.ts` through tsx
 * (ironcliw-node.ts), so no build is needed and the code under test is the working tree's.
 */
const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'ironcliw-node.ts');
const TSX = import.meta.resolve('tsx');
const NODE_MODULES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules');

export interface NodeHandle {
  readonly url: string;
  readonly pid: number;
  readonly proc: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the crash point's name once the process parks at one (see src/pipeline/crash-points.ts). */
  crashPoint(timeoutMs: number): Promise<string | undefined>;
  /** SIGKILL, and wait until the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful), and wait; SIGKILL after timeoutMs. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface NodeOptions {
  db: string;
  config: Record<string, unknown>;
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

const exited = (proc: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });

/** The key of the client every test node trusts (docs/security.md: groups come from credentials). */
export const CLUSTER_TEST_KEY = 'cluster-test-key-0123456789';

/** Starts `ironcliw serve --port 0` and resolves once it prints the address it listens on. */
export async function startNode(options: NodeOptions): Promise<NodeHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'ironcliw-node-'));
  // `serve` starts its learner as `node --import tsx …` when run from source; the bare name resolves from
  // the working directory, which is this temporary one.
  symlinkSync(NODE_MODULES, join(dir, 'node_modules'), 'dir');
  const configFile = join(dir, 'ironcliw.config.json');
  writeFileSync(
    configFile,
    JSON.stringify(
      {
        sharing: { keysDir: join(dir, 'keys') },
        ...options.config,
        // The tests act as an application that authenticates its users: it may assert any group.
        server: {
          clients: [{ name: 'cluster-test', key: CLUSTER_TEST_KEY, groups: ['*'], admin: true }],
          ...((options.config['server'] as object | undefined) ?? {}),
        },
      },
      null,
      2,
    ),
  );
  const proc = spawn(
    process.execPath,
    ['--import', TSX, ENTRY, 'serve', '--port', '0', '--db', options.db, '--config', configFile],
    {
      cwd: dir,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const poke = () => waiters.forEach((w) => w());
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    poke();
  });
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => {
    err += s;
    poke();
  });
  proc.on('exit', poke);
  const until = <T>(probe: () => T | undefined, timeoutMs: number): Promise<T | undefined> =>
    new Promise((resolve) => {
      const check = () => {
        const v = probe();
        const dead = proc.exitCode !== null || proc.signalCode !== null;
        if (v !== undefined || dead) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        resolve(probe());
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const url = await until(
    () => /serving on (http:\/\/[^\s]+) /.exec(out)?.[1],
    options.startTimeoutMs ?? 30_000,
  );
  if (!url) {
    proc.kill('SIGKILL');
    throw new Error(`node did not start (exit ${proc.exitCode}):\n${out}\n${err}`);
  }
  return {
    url,
    pid: proc.pid!,
    proc,
    stderr: () => err,
    crashPoint: (timeoutMs) => until(() => /IRONCLIW_CRASH_POINT (\S+)/.exec(err)?.[1], timeoutMs),
    async kill9() {
      proc.kill('SIGKILL');
      await exited(proc);
    },
    async stop(timeoutMs = 10_000) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      await exited(proc);
      clearTimeout(t);
    },
  };
}

export interface CommandAnswer {
  ok: boolean;
  requestId: string;
  capability?: { id: string; version: number; origin: string };
  failure?: { id: string; category: string; message: string };
  result?: { answer: string; data: Record<string, unknown> };
}

export async function post(
  url: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': CLUSTER_TEST_KEY },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

export async function command(
  node: { url: string },
  text: string,
  user: string,
  screen: string,
  groups: string[] = [],
): Promise<CommandAnswer> {
  const { status, json } = await post(`${node.url}/v1/commands`, {
    command: text,
    context: { user, groups },
    screen: { pngBase64: screen },
  });
  if (status !== 200) throw new Error(`POST /v1/commands → ${status}: ${JSON.stringify(json)}`);
  return json as unknown as CommandAnswer;
}

/** A rendered screen with exactly `count` shapes of the colour and kind in the region, as base64 PNG. */
export async function screenWith(spec: Parameters<typeof countScene>[0]): Promise<string> {
  return Buffer.from((await renderScene(countScene(spec))).png).toString('base64');
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  everyMs = 50,
): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) return undefined;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** mulberry32: a tiny seeded generator, so a failing run can be replayed with its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
