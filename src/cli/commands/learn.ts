import { setPriority } from 'node:os';
import type { CommonOpts, RegisterCommand } from '../kit.js';
import { configFrom, withCommon } from '../kit.js';
import { shutdownRequested, stopWithin } from '../shutdown.js';

/**
 * `ironcliw learn`: runs learning jobs (and nothing else) against a store until stopped, at the lowest CPU
 * priority. `serve` starts one as its child when a job is queued, with `--exit-when-idle` (it exits after
 * config memory.learnerIdleMs with nothing to do; serve starts it again for the next job); run more on other
 * machines to learn faster.
 */
export const registerLearn: RegisterCommand = (program, { io }) => {
  withCommon(
    program
      .command('learn')
      .description('run the learning pipeline against a store until stopped (e.g. next to serve)')
      .option(
        '--exit-when-idle',
        'exit (code 0) after config memory.learnerIdleMs with no job to run (how serve starts its learner)',
      ),
  ).action(async (opts: CommonOpts & { exitWhenIdle?: boolean }) => {
    try {
      setPriority(19);
    } catch {
      // Lowering one's own priority is always allowed on Linux; elsewhere it is best effort.
    }
    // Started by `serve`: a learner whose server is gone stops too, whatever killed the server. Watched from
    // the start, since the server may die while this one is still starting.
    const { watchParent } = await import('../learner.js');
    let parentGone: string | undefined;
    let onParentGone: ((reason: string) => void) | undefined;
    const unwatch = watchParent(() => {
      parentGone = 'its server is gone';
      onParentGone?.(parentGone);
    });
    const config = await configFrom(opts, { pipeline: { enabled: true } });
    const { createIroncliw } = await import('../../ironcliw.js');
    // Between jobs the learner gives its sandbox pool back (config memory.learnerSandboxIdleMs; issue 20).
    const ironcliw = await createIroncliw(config, {
      startWorkers: true,
      sandboxIdleMs: config.memory.learnerSandboxIdleMs,
    });
    if (!opts.json) io.err(`learner ${process.pid} working on ${config.db}`);
    const idleMs = config.memory.learnerIdleMs;
    let idleTimer: NodeJS.Timeout | undefined;
    const reason = await shutdownRequested((trigger) => {
      if (parentGone) trigger(parentGone);
      else onParentGone = trigger;
      // Idle = no job running, none claimed for idleMs. A job queued meanwhile is not lost: it stays in the
      // store, and serve looks there once this process has exited (cli/on-demand-learner.ts).
      if (opts.exitWhenIdle && idleMs > 0) {
        idleTimer = setInterval(
          () => {
            if (ironcliw.learningIdleFor() >= idleMs) trigger(`idle for ${idleMs} ms`);
          },
          Math.min(1000, Math.max(50, Math.floor(idleMs / 4))),
        );
        idleTimer.unref();
      }
    });
    clearInterval(idleTimer);
    unwatch();
    if (!opts.json && !reason.startsWith('SIG')) io.err(`learner ${process.pid} stopping: ${reason}`);
    // The job in hand finishes (or keeps its lease for another node to take over); nothing is lost.
    await stopWithin({ io, deadlineMs: config.server.shutdownTimeoutMs, what: 'learner' }, () =>
      ironcliw.close(),
    );
  });
};
