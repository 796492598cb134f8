import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/**
 * The real `ironcliw` process for the tests that are about processes (exit, signals, children left behind):
 * `src/cli/entry.ts` through tsx, so the code under test is the working tree's and no build is needed.
 */
const ENTRY = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'entry.ts');
const TSX = import.meta.resolve('tsx');

/** A process's parent pid and start time (clock ticks since boot), or undefined when it is gone or a zombie. */
function statOf(pid: number): { ppid: number; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields are counted after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (f[0] === 'Z' || f[0] === 'X') return undefined;
    return { ppid: Number(f[1]), start: f[19]! };
  } catch {
    return undefined;
  }
}

/** Every live descendant of `root` now, with its start time (so a reused pid is not mistaken for it). */
export function descendants(root: number): Map<number, string> {
  const parent = new Map<number, number>();
  const start = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = statOf(pid);
    if (!s) continue;
    parent.set(pid, s.ppid);
    start.set(pid, s.start);
  }
  const out = new Map<number, string>();
  let frontier = [root];
  while (frontier.length) {
    const next: number[] = [];
    for (const [pid, ppid] of parent)
      if (frontier.includes(ppid) && !out.has(pid)) {
        out.set(pid, start.get(pid)!);
        next.push(pid);
      }
    frontier = next;
  }
  return out;
}

/** Of processes seen earlier, those still alive (same pid, same start time), as `pid: command line`. */
export function stillAlive(seen: Map<number, string>): string[] {
  return [...seen]
    .filter(([pid, start]) => statOf(pid)?.start === start)
    .map(([pid]) => {
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 200);
      } catch {
        // Gone meanwhile.
      }
      return `${pid}: ${cmd}`;
    });
}

export interface CliProcess {
  readonly proc: ChildProcess;
  out(): string;
  err(): string;
  /** Every process seen below this one while it ran (polled). */
  readonly seen: Map<number, string>;
  /** Resolves once stdout holds `pattern`, with the time it did (performance.now()); rejects on exit first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<number>;
  /** Resolves with the exit code and signal, or undefined if it is still running after `timeoutMs`. */
  exit(
    timeoutMs: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number } | undefined>;
  /** SIGKILL this process and every descendant seen (test clean-up only). */
  killAll(): void;
}

export function startCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): CliProcess {
  const proc = spawn(process.execPath, ['--import', TSX, ENTRY, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const seen = new Map<number, string>();
  const listeners = new Set<() => void>();
  const poke = () => listeners.forEach((l) => l());
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    poke();
  });
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => {
    err += s;
    poke();
  });
  let exited: { code: number | null; signal: NodeJS.Signals | null; at: number } | undefined;
  const poll = setInterval(() => {
    if (proc.pid !== undefined && !exited)
      for (const [pid, start] of descendants(proc.pid)) seen.set(pid, start);
  }, 25);
  proc.once('exit', (code, signal) => {
    exited = { code, signal, at: performance.now() };
    clearInterval(poll);
    poke();
  });
  const until = <T>(probe: () => T | undefined, timeoutMs: number): Promise<T | undefined> =>
    new Promise((resolve) => {
      const check = () => {
        const v = probe();
        if (v !== undefined) {
          done(v);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const done = (v: T | undefined) => {
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(v);
      };
      const listener = () => void check();
      listeners.add(listener);
      check();
    });
  return {
    proc,
    out: () => out,
    err: () => err,
    seen,
    async waitFor(pattern, timeoutMs) {
      const at = await until(
        () => (pattern.test(out) ? performance.now() : exited ? -1 : undefined),
        timeoutMs,
      );
      if (at === undefined || at < 0)
        throw new Error(
          `no ${pattern} on stdout ${at === undefined ? `within ${timeoutMs} ms` : 'before exit'}\n--- stdout\n${out}\n--- stderr\n${err}`,
        );
      return at;
    },
    exit: (timeoutMs) => until(() => exited, timeoutMs),
    killAll() {
      proc.kill('SIGKILL');
      for (const alive of stillAlive(seen)) {
        try {
          process.kill(Number.parseInt(alive, 10), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    },
  };
}

/** Runs `body` with a port some other listener already holds on 127.0.0.1. */
export async function withTakenPort(body: (port: number) => Promise<void>): Promise<void> {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  try {
    await body((taken.address() as AddressInfo).port);
  } finally {
    taken.close();
  }
}

/** A command refused for a busy port: one line, exit 2, nothing on stdout, no process left behind. */
export async function expectRefusedForBusyPort(p: CliProcess, port: number): Promise<void> {
  const exit = await p.exit(120_000);
  expect(exit, p.out() + p.err()).toBeDefined();
  expect(exit!.code).toBe(2);
  expect(p.err()).toBe(
    `E_PORT_IN_USE: 127.0.0.1:${port} is in use — choose another with --port or IRONCLIW_PORT\n`,
  );
  expect(p.out()).toBe('');
  expect(stillAlive(p.seen)).toEqual([]);
}
