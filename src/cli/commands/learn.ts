import { setPriority } from 'node:os';
import type { CommonOpts, RegisterCommand } from '../kit.js';
import { configFrom, withCommon } from '../kit.js';
import { shutdownRequested, stopWithin } from '../shutdown.js';

/**
 * `ironcliw learn`: runs learning jobs (and nothing else) against a store until stopped, at the lowest CPU
 * priority. `serve` starts one as its child; run more on other machines to learn faster.
 */
export const registerLearn: RegisterCommand = (program, { io }) => {
  withCommon(
    program
      .command('learn')
      .description('run the learning pipeline against a store until stopped (e.g. next to serve)'),
  ).action(async (opts: CommonOpts) => {
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
    const reason = await shutdownRequested((trigger) => {
      if (parentGone) trigger(parentGone);
      else onParentGone = trigger;
    });
    unwatch();
    if (!opts.json && !reason.startsWith('SIG')) io.err(`learner ${process.pid} stopping: ${reason}`);
    // The job in hand finishes (or keeps its lease for another node to take over); nothing is lost.
    await stopWithin({ io, deadlineMs: config.server.shutdownTimeoutMs, what: 'learner' }, () =>
      ironcliw.close(),
    );
  });
};
