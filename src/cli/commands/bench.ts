import { InvalidArgumentError } from 'commander';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { BenchmarkRun } from '../../benchmark/index.js';
import {
  benchmarkCapability,
  benchmarkHttp,
  isBenchmarkRun,
  renderBenchmarkSvg,
  toStoredReport,
} from '../../benchmark/index.js';
import type { VisionImage } from '../../capabilities/index.js';
import { validateManifest } from '../../capabilities/index.js';
import type { Capability, CapabilityManifest, Permission } from '../../domain/index.js';
import { IroncliwError } from '../../domain/index.js';
import type { Ironcliw } from '../../ironcliw.js';
import { DEFAULT_THRESHOLDS } from '../../rollout/index.js';
import { createSandboxTier } from '../../sandbox/index.js';
import { createTestScenes, createVisionPort, screenLoader } from '../../vision-port.js';
import type { CommonOpts, RegisterCommand } from '../kit.js';
import { readJsonFile } from '../kit.js';
import { EXIT, positiveInt, table, withCommon, withIroncliw } from '../kit.js';

interface BenchOpts extends CommonOpts {
  manifest?: string;
  version?: number;
  input?: string;
  screen?: string;
  iterations?: number;
  duration?: number;
  warmup?: number;
  concurrency?: number;
  rate?: number;
  pool?: number;
  baseline?: string;
  plot?: string;
  save: boolean;
  body?: string;
  maxErrorRate?: number;
}

/** Permissions of a capability file benchmarked without a manifest: it may look and read, never act. */
const READ_ONLY_VISION: Permission[] = ['screen.capture', 'vision.analyze', 'ocr.read'];

function positiveNumber(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

function isFileTarget(target: string): boolean {
  return /\.(m?js)$/i.test(target) || existsSync(target);
}

/** A capability from a module file, with its manifest (or read-only vision permissions by default). */
function capabilityFromFile(path: string, opts: BenchOpts, ironcliw: Ironcliw): Capability {
  if (!existsSync(path)) throw new IroncliwError('E_INPUT_INVALID', `no such file: ${path}`);
  if (!/\.(m?js)$/i.test(path))
    throw new IroncliwError('E_INPUT_INVALID', `${path}: give a JavaScript module (.js or .mjs)`);
  const code = readFileSync(path, 'utf8');
  let manifest: CapabilityManifest;
  if (opts.manifest) {
    try {
      manifest = validateManifest(readJsonFile(opts.manifest, 'manifest'));
    } catch (err) {
      if (err instanceof IroncliwError && err.code === 'E_INPUT_INVALID') throw err;
      throw new IroncliwError(
        'E_CAPABILITY_INVALID',
        `manifest ${opts.manifest}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  } else {
    const id =
      `file-${basename(path)
        .replace(/\.m?js$/i, '')
        .toLowerCase()
        .replace(/[^a-z0-9.-]+/g, '-')}`.slice(0, 80) || 'file';
    manifest = {
      id,
      name: basename(path),
      version: 1,
      description: `benchmarked from ${path}`,
      intents: [{ action: 'describe', targetKind: 'screen', slots: [], examples: [] }],
      permissions: READ_ONLY_VISION,
      inputSchema: { type: 'object' },
      outputSchema: { type: 'object' },
      limits: { timeoutMs: ironcliw.config.sandbox.timeoutMs, memoryMb: ironcliw.config.sandbox.memoryMb },
      origin: { kind: 'imported', generator: 'file', failureIds: [] },
    };
  }
  return { manifest, code };
}

async function findBaseline(ironcliw: Ironcliw, capabilityId: string, which: string): Promise<BenchmarkRun> {
  const rows = await ironcliw.store.reports.list(capabilityId, undefined, 'benchmark');
  let row;
  if (which === 'previous') row = rows[rows.length - 1];
  else if (which === 'live') {
    const rollout = await ironcliw.rollouts.get(capabilityId);
    if (!rollout)
      throw new IroncliwError(
        'E_NOT_FOUND',
        `capability ${capabilityId} has no live rollout to compare with`,
      );
    row = rows.filter((r) => r.version === rollout.version).pop();
  } else row = rows.find((r) => r.id === which);
  if (!row)
    throw new IroncliwError(
      'E_NOT_FOUND',
      which === 'previous' || which === 'live'
        ? `no stored benchmark of ${capabilityId}${which === 'live' ? ' for its live version' : ''}`
        : `no benchmark report ${which} for capability ${capabilityId}`,
      { details: { known: rows.map((r) => r.id).slice(-20) } },
    );
  if (!isBenchmarkRun(row.report))
    throw new IroncliwError('E_INPUT_INVALID', `report ${row.id} has no latency samples to compare with`);
  return row.report;
}

function parseInput(text: string | undefined): unknown {
  if (text === undefined) return {};
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new IroncliwError('E_INPUT_INVALID', `--input is not JSON: ${(cause as Error).message}`, { cause });
  }
}

/** Why a benchmark's answer is "no", or null when it is yes. */
function benchVerdict(r: BenchmarkRun, maxErrorRate: number): string | null {
  if (r.requests > 0 && r.errorRate > maxErrorRate)
    return `${r.errors} of ${r.requests} requests failed (${(r.errorRate * 100).toFixed(1)}% > ${(maxErrorRate * 100).toFixed(1)}% allowed)`;
  if (r.requests === 0) return 'no request completed';
  if (r.regression?.verdict === 'regressed')
    return `regressed against ${r.regression.baselineId ?? 'the baseline'}`;
  return null;
}

function rate(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`${name} must be in 0..1`);
    return n;
  };
}

function summary(r: BenchmarkRun): string {
  const f = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(3));
  const model =
    r.model.kind === 'open' ? `open, ${r.model.ratePerSec} req/s` : `closed, ${r.model.concurrency} users`;
  const lines = [
    `${r.capabilityId} v${r.version} — ${r.requests} requests in ${(r.durationMs / 1000).toFixed(2)} s (${model}, tier ${r.tier}, warm-up ${r.warmup})`,
    '',
    table(
      [
        {
          metric: 'latency ms',
          p50: f(r.latency.p50),
          p90: f(r.latency.p90),
          p95: f(r.latency.p95),
          p99: f(r.latency.p99),
          'p99.9': f(r.latency.p99_9),
          max: f(r.latency.max),
          mean: f(r.latency.mean),
          stdev: f(r.latency.stdev),
        },
        ...(r.service
          ? [
              {
                metric: 'in sandbox ms',
                p50: f(r.service.p50),
                p90: f(r.service.p90),
                p95: f(r.service.p95),
                p99: f(r.service.p99),
                'p99.9': f(r.service.p99_9),
                max: f(r.service.max),
                mean: f(r.service.mean),
                stdev: f(r.service.stdev),
              },
            ]
          : []),
      ],
      ['metric', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean', 'stdev'],
    ),
    '',
    `throughput ${f(r.throughput)} req/s · errors ${(r.errorRate * 100).toFixed(2)}% (${r.errors}, ${r.timeouts} timeouts)` +
      ` · cpu ${f(r.cpu)} ms/run · memory ${f(r.memoryMb.mean)} MB mean, ${f(r.memory)} MB max`,
    `leak: ${r.leak.suspected ? 'SUSPECTED' : 'no'} — ${r.leak.reason}`,
  ];
  for (const e of r.errorKinds) lines.push(`  error ×${e.count}: ${e.message}`);
  if (r.regression) {
    lines.push(
      `regression vs ${r.regression.baselineId ?? 'baseline'}: ${r.regression.verdict.toUpperCase()}`,
    );
    for (const m of r.regression.metrics)
      lines.push(`  ${m.metric}: ${m.baseline} → ${m.current} — ${m.verdict}: ${m.reason}`);
  }
  return lines.join('\n');
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
    if (opts.concurrency === 0)
      throw new IroncliwError('E_INPUT_INVALID', '--concurrency must be at least 1');
    if (opts.iterations === 0) throw new IroncliwError('E_INPUT_INVALID', '--iterations must be at least 1');
    if (opts.pool === 0) throw new IroncliwError('E_INPUT_INVALID', '--pool must be at least 1');
    const durationMs = opts.duration !== undefined ? opts.duration * 1000 : undefined;
    let maxErrorRate = opts.maxErrorRate ?? DEFAULT_THRESHOLDS.maxErrorRate;
    const report = await withIroncliw(opts, async (ironcliw) => {
      // The same bar as the rollout: more errors than a stage window may hold is a "no".
      maxErrorRate =
        opts.maxErrorRate ?? ironcliw.config.rollout.decision.maxErrorRate ?? DEFAULT_THRESHOLDS.maxErrorRate;
      let run: BenchmarkRun;
      if (/^https?:\/\//i.test(target)) {
        let body: Record<string, unknown> | undefined;
        if (opts.body !== undefined) {
          const parsed = parseInput(opts.body);
          if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
            throw new IroncliwError('E_INPUT_INVALID', '--body must be a JSON object');
          body = parsed as Record<string, unknown>;
        }
        const baselineRun = opts.baseline
          ? await findBaseline(ironcliw, `http:${new URL(target).pathname}`, opts.baseline)
          : undefined;
        run = await benchmarkHttp({
          url: target,
          ...(body ? { body } : {}),
          ...(opts.concurrency ? { connections: opts.concurrency } : {}),
          ...(opts.rate ? { ratePerSec: opts.rate } : {}),
          ...(durationMs !== undefined ? { durationMs } : {}),
          ...(opts.iterations && durationMs === undefined ? { amount: opts.iterations } : {}),
          ...(baselineRun ? { baseline: baselineRun } : {}),
        });
      } else {
        let capability: Capability;
        if (isFileTarget(target)) capability = capabilityFromFile(target, opts, ironcliw);
        else {
          const stored = await ironcliw.capabilities.get(target, opts.version);
          if (!stored)
            throw new IroncliwError(
              'E_NOT_FOUND',
              `no stored capability ${target}${opts.version ? ` v${opts.version}` : ''}`,
            );
          capability = { manifest: stored.manifest, code: stored.code };
        }
        const input = parseInput(opts.input);
        const baselineRun = opts.baseline
          ? await findBaseline(ironcliw, capability.manifest.id, opts.baseline)
          : undefined;
        let screen: VisionImage | undefined;
        if (opts.screen) screen = await screenLoader(ironcliw.config.maxImagePixels).load(opts.screen);
        else if (capability.manifest.permissions.includes('screen.capture'))
          screen = await createTestScenes().countScene({ count: 5, seed: 1 });
        const tier = await createSandboxTier(ironcliw.config.sandbox.tier, {
          poolSize: opts.pool ?? ironcliw.config.sandbox.poolSize,
          allowSharedNetwork: ironcliw.config.sandbox.allowSharedNetwork,
          allowRootChildren: ironcliw.config.sandbox.allowRootChildren,
        });
        try {
          run = await benchmarkCapability({
            capability,
            tier,
            vision: createVisionPort(),
            ...(screen ? { screen } : {}),
            input,
            ...(opts.warmup !== undefined ? { warmup: opts.warmup } : {}),
            ...(opts.iterations !== undefined ? { iterations: opts.iterations } : {}),
            ...(durationMs !== undefined ? { durationMs } : {}),
            ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
            ...(opts.rate ? { ratePerSec: opts.rate } : {}),
            ...(baselineRun ? { baseline: baselineRun } : {}),
          });
        } finally {
          await tier.close();
        }
      }
      if (opts.save) await ironcliw.store.reports.add(toStoredReport(run));
      return run;
    });
    if (opts.plot) {
      const dir = dirname(opts.plot);
      if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
      writeFileSync(opts.plot, renderBenchmarkSvg(report));
    }
    const failed = benchVerdict(report, maxErrorRate);
    if (opts.json)
      io.out(
        JSON.stringify({
          ok: failed === null,
          ...(failed ? { reason: failed } : {}),
          saved: opts.save,
          plot: opts.plot ?? null,
          report,
        }),
      );
    else {
      io.out(summary(report));
      io.out(
        `${opts.save ? `stored as ${report.id}` : 'not stored'}${opts.plot ? ` · plot written to ${opts.plot}` : ''}`,
      );
    }
    if (failed && !opts.json) io.out(`✗ ${failed}`);
    setExit(failed ? EXIT.no : EXIT.ok);
  });
};
