import { Option } from 'commander';
import { IroncliwError } from '../../domain/index.js';
import type { CommonOpts, RegisterCommand } from '../kit.js';
import { withCommon } from '../kit.js';
import { withRolloutEngine } from './rollout.js';

/** `ironcliw feedback <requestId> --positive|--negative`: counted once into the window that served the request. */
export const registerFeedback: RegisterCommand = (program, { io }) => {
  withCommon(
    program
      .command('feedback')
      .description('rate the answer to one request (counts towards the rollout of the version that gave it)')
      .argument('<requestId>', 'the requestId of a `run` answer')
      .addOption(new Option('--positive', 'the answer was right').conflicts('negative'))
      .addOption(new Option('--negative', 'the answer was wrong').conflicts('positive')),
  ).action(async (requestId: string, opts: CommonOpts & { positive?: boolean; negative?: boolean }) => {
    if (!opts.positive && !opts.negative) throw new IroncliwError('E_USAGE', 'say --positive or --negative');
    await withRolloutEngine(opts, async (engine) => {
      const served = await engine.recordFeedback({ requestId, positive: Boolean(opts.positive) });
      if (opts.json) return io.out(JSON.stringify({ ok: true, served }));
      io.out(
        `recorded ${served.feedback} feedback for ${served.capabilityId} v${served.version} (${served.stage})`,
      );
    });
  });
};
