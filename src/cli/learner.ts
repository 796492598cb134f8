import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { findOnPath } from '../sandbox/index.js';

/**
 * The learner: a child process that runs the learning pipeline (generation, verification with its pixel
 * work and benchmarks) at the lowest CPU priority, next to a serving process that runs none of it.
 *
 * Why a process: verification renders and analyses screens on the JS thread. In the serving process that
 * work held the event loop for blocks of up to 630 ms and doubled the handled-command p99 under load
 * (test/e2e/load.test.ts); at nice 19 in its own process it only takes CPU the server leaves idle. Jobs are
 * durable in the store, so the learner is just another node: it claims jobs the server enqueued, and the
 * server's rollout engine sees what it registered (polling, or LISTEN/NOTIFY on PostgreSQL).
 */
export interface Learner {
  readonly child: ChildProcess;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs` (default 30 s). */
  stop(graceMs?: number): Promise<void>;
}

const ENTRY = new URL('./entry.js', import.meta.url);

/** Set in a learner's environment by `serve`: the pid of the server it belongs to. */
const LEARNER_PARENT_ENV = 'IRONCLIW_LEARNER_PARENT';

/** How often a learner looks whether its server is still its parent. */
const PARENT_CHECK_MS = 250;

/**
 * In a learner started by `serve`: calls `onGone` once its server is no longer its parent (it died, and the
 * learner was re-parented), checked now and then every 250 ms. Why not the IPC channel's disconnect: it can
 * close before the learner has loaded enough to listen, and a learner that missed it would run forever.
 * Returns a function that stops watching; a no-op where the learner was not started by a server.
 */
export function watchParent(onGone: () => void): () => void {
  const expected = Number(process.env[LEARNER_PARENT_ENV]);
  // Not inherited by anything this process starts.
  delete process.env[LEARNER_PARENT_ENV];
  if (!Number.isInteger(expected) || expected <= 0) return () => {};
  if (process.ppid !== expected) {
    onGone();
    return () => {};
  }
  const timer = setInterval(() => {
    if (process.ppid === expected) return;
    clearInterval(timer);
    onGone();
  }, PARENT_CHECK_MS);
  // Watching must never be what keeps the learner alive.
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * The command that starts `argv` at the lowest priority from its first instruction: `nice -n 19` (so every
 * thread Node starts, the sandbox children and OCR workers inherit it — a setpriority() on the pid after
 * spawning reaches only the main thread), and with `idle`, `chrt --idle 0` (SCHED_IDLE) in front.
 */
export function lowPriorityCommand(argv: string[], priority: LearnerPriority): string[] {
  const nice = findOnPath('nice');
  const chrt = priority === 'idle' ? findOnPath('chrt') : null;
  return [...(chrt ? [chrt, '--idle', '0'] : []), ...(nice ? [nice, '-n', '19'] : []), ...argv];
}

export type LearnerPriority = 'nice' | 'idle';

export function spawnLearner(args: {
  db: string;
  config?: string;
  priority?: LearnerPriority;
  /** `--exit-when-idle`: it exits after config memory.learnerIdleMs with no job (serve's on-demand learner). */
  exitWhenIdle?: boolean;
}): Learner {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(fromSource ? new URL('./entry.ts', import.meta.url) : ENTRY);
  const [command, ...argv] = lowPriorityCommand(
    [
      process.execPath,
      // Resolved here, not by the child: its working directory need not see this checkout's node_modules.
      ...(fromSource ? ['--import', import.meta.resolve('tsx')] : []),
      entry,
      'learn',
      '--db',
      args.db,
      ...(args.config ? ['--config', args.config] : []),
      ...(args.exitWhenIdle ? ['--exit-when-idle'] : []),
    ],
    args.priority ?? 'nice',
  );
  // nice and chrt exec the command: the pid is the learner's, and signals reach it.
  // The learner stops when this process is gone, however it died (kill -9 leaves no signal to forward): it
  // watches that its parent is still this pid (commands/learn.ts).
  const child = spawn(command!, argv, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, [LEARNER_PARENT_ENV]: String(process.pid) },
  });
  if (child.pid !== undefined) {
    try {
      setPriority(child.pid, 19);
    } catch {
      // Not permitted here: the learner also lowers its own priority when it starts.
    }
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    async stop(graceMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    },
  };
}
