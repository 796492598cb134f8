import { InvalidArgumentError } from 'commander';
import type { RegisterCommand } from '../kit.js';
import { positiveInt, withCommon } from '../kit.js';
import type { BenchOpts } from './bench-run.js';

function positiveNumber(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

function rate(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`${name} must be in 0..1`);
    return n;
  };
}

/**
 * `ironcliw bench <capability-id | file.js | http://url>` — measures through the real sandbox (or autocannon
 * for a URL), stores the report (kind 'benchmark'), optionally judges it against a baseline and plots it.
 * Exit 0; 1 when the answer is no — more errors than `--max-error-rate` (the rollout's bar, 5%), or the verdict
 * against the baseline is 'regressed'; 2 on bad input.
 */
export const registerBench: RegisterCommand = (program, { io, setExit }) => {
  withCommon(
    program
      .command('bench')
      .description(
        'benchmark a capability through the sandbox (latency, load, CPU, memory, leaks, regression), e.g. ironcliw bench count-shapes --duration 10 --concurrency 2 --baseline previous',
      )
      .argument('<target>', 'a stored capability id, a module file (.js/.mjs), or an http(s):// URL')
      .option('--manifest <file>', 'manifest JSON for a module file (default: read-only vision permissions)')
      .option('--version <n>', 'capability version (default: latest)', positiveInt('--version'))
      .option('--input <json>', 'the capability input, as JSON (default {})')
      .option('--screen <file>', 'PNG/JPEG the capability sees (default: a synthetic desktop scene)')
      .option(
        '--iterations <n>',
        'measured requests (default 100, or unbounded with --duration)',
        positiveInt('--iterations'),
      )
      .option('--duration <s>', 'measure for this many seconds', positiveNumber('--duration'))
      .option('--warmup <n>', 'requests run and discarded first (default 10)', positiveInt('--warmup'))
      .option('--concurrency <n>', 'closed model: virtual users (default 1)', positiveInt('--concurrency'))
      .option(
        '--rate <r>',
        'open model: requests per second (latency from intended start)',
        positiveNumber('--rate'),
      )
      .option('--pool <n>', 'sandbox children (default: config sandbox.poolSize)', positiveInt('--pool'))
      .option('--baseline <id>', "compare with a stored report: its id, 'previous' or 'live'")
      .option('--plot <file.svg>', 'write latency histogram, CDF and load curve as SVG')
      .option('--body <json>', 'request body for a URL target (sent as JSON with POST)')
      .option('--no-save', 'do not store the report')
      .option(
        '--max-error-rate <r>',
        'share of failed requests (0..1) above which the answer is no, exit 1 (default: config rollout.decision.maxErrorRate, 0.05)',
        rate('--max-error-rate'),
      ),
  ).action(async (target: string, opts: BenchOpts) => {
    // The benchmark machinery (sandbox, vision, autocannon) loads only when a benchmark runs.
    const { runBench } = await import('./bench-run.js');
    await runBench(target, opts, { io, setExit });
  });
};
