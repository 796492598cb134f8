import { readFileSync } from 'node:fs';
import { Option } from 'commander';
import type { HostSdk } from '../../capabilities/index.js';
import { IroncliwError, isIroncliwError, PERMISSIONS } from '../../domain/index.js';
import type { Permission, SandboxResult } from '../../domain/index.js';
import type { SandboxTier } from '../../sandbox/index.js';
import { configFrom, EXIT, positiveInt } from '../kit.js';
import type { RegisterCommand } from '../kit.js';

/** Largest screenshot accepted (pixels), as for `run --screen`. */
const MAX_SCREEN_PIXELS = 40_000_000;
/** The wasm32 heap cannot exceed 2 GiB; the tier refuses more. */
const MAX_MEMORY_MB = 2048;

interface SandboxOpts {
  input?: string;
  screen?: string;
  tier: string;
  timeoutMs: number;
  memoryMb: number;
  script?: boolean;
  permissions?: string;
  json?: boolean;
  config?: string;
}

function parseInput(text: string | undefined): unknown {
  if (text === undefined) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new IroncliwError('E_INPUT_INVALID', `--input is not JSON: ${(cause as Error).message}`, { cause });
  }
}

function parsePermissions(list: string | undefined): Permission[] {
  if (list === undefined) return [...PERMISSIONS];
  const out = list
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of out)
    if (!(PERMISSIONS as readonly string[]).includes(p))
      throw new IroncliwError(
        'E_INPUT_INVALID',
        `unknown permission "${p}" (known: ${PERMISSIONS.join(', ')})`,
      );
  return out as Permission[];
}

function human(r: SandboxResult, host: HostSdk): string {
  const lines = [
    `status: ${r.status}`,
    ...(r.output !== undefined ? [`output: ${JSON.stringify(r.output)}`] : []),
    ...(r.error ? [`error: ${r.error}`] : []),
    `resources: ${r.resources.wallMs.toFixed(1)} ms wall, ${r.resources.cpuMs.toFixed(1)} ms cpu, ${r.resources.peakMemoryMb} MB peak`,
    ...(r.violations.length ? [`violations: ${r.violations.join(', ')}`] : []),
  ];
  for (const c of r.hostCalls)
    lines.push(
      `  ${c.allowed ? '✓' : '✗'} sdk.${c.method}(${JSON.stringify(c.args).slice(1, -1).slice(0, 120)}) ${c.ms.toFixed(1)} ms`,
    );
  for (const a of host.actions) lines.push(`  action: ${JSON.stringify(a)}`);
  return lines.join('\n');
}

/**
 * `ironcliw sandbox <file.js>`: runs a module (or, with --script, a plain script whose completion value is
 * the output) in a sandbox tier WITHOUT the static gate, to test containment directly, and prints the
 * SandboxResult. Exit 0 when the run is 'ok', 1 for any contained failure, 2 for bad usage.
 */
export const registerSandbox: RegisterCommand = (program, ctx) => {
  program
    .command('sandbox')
    .description(
      'run a JS module (or --script) in the sandbox without the static gate and print the SandboxResult',
    )
    .argument('<file>', 'JavaScript module whose default export is async run(input, sdk), or a script')
    .option('--input <json>', 'input passed to run() (a script sees it as the global `input`)')
    .option('--screen <png>', 'screenshot the host vision SDK answers from (sdk.screen.capture())')
    .addOption(
      new Option('--tier <tier>', 'isolation tier').choices(['process', 'container']).default('process'),
    )
    .option('--timeout-ms <n>', 'wall-clock limit of the run', positiveInt('--timeout-ms'), 5000)
    .option('--memory-mb <n>', 'memory limit of the run', positiveInt('--memory-mb'), 128)
    .option('--script', 'run a plain script and return its completion value')
    .option(
      '--permissions <list>',
      `comma-separated permissions granted (default all: ${PERMISSIONS.join(',')})`,
    )
    .option('--json', 'print the SandboxResult as JSON')
    .option('--config <file>', 'config file (default ./ironcliw.config.json if present): sandbox.allow* keys')
    .action(async (file: string, opts: SandboxOpts) => {
      if (opts.timeoutMs < 1) throw new IroncliwError('E_INPUT_INVALID', '--timeout-ms must be at least 1');
      if (opts.memoryMb < 1 || opts.memoryMb > MAX_MEMORY_MB)
        throw new IroncliwError('E_INPUT_INVALID', `--memory-mb must be in 1..${MAX_MEMORY_MB}`);
      let code: string;
      try {
        code = readFileSync(file, 'utf8');
      } catch (cause) {
        throw new IroncliwError('E_INPUT_INVALID', `cannot read ${file}: ${(cause as Error).message}`, {
          cause,
        });
      }
      const input = parseInput(opts.input);
      const permissions = parsePermissions(opts.permissions);
      const [{ createHostSdk, seededRandom }, { createSandboxTier }, { createVisionPort, screenLoader }] =
        await Promise.all([
          import('../../capabilities/index.js'),
          import('../../sandbox/index.js'),
          import('../../vision-port.js'),
        ]);
      const screen = opts.screen ? await screenLoader(MAX_SCREEN_PIXELS).load(opts.screen) : undefined;
      const host = createHostSdk({
        vision: createVisionPort(),
        ...(screen ? { screen } : {}),
        permissions,
        random: seededRandom(1),
      });

      let tier: SandboxTier;
      try {
        // The walls' risk switches come from the deployment's config, as for every other command.
        const walls = (await configFrom(opts.config ? { config: opts.config } : {})).sandbox;
        tier = await createSandboxTier(opts.tier as 'process' | 'container', {
          poolSize: 1,
          maxMemoryMb: Math.max(opts.memoryMb, 1024),
          allowSharedNetwork: walls.allowSharedNetwork,
          allowRootChildren: walls.allowRootChildren,
        });
      } catch (err) {
        // A tier this machine cannot provide is reported, never replaced by a weaker one.
        if (isIroncliwError(err) && err.code === 'E_SANDBOX_UNAVAILABLE') {
          if (opts.json) ctx.io.out(JSON.stringify({ ok: false, error: err.toJSON() }));
          else ctx.io.err(`error ${err.code}: ${err.message}`);
          ctx.setExit(EXIT.no);
          return;
        }
        throw err;
      }
      try {
        const result = await tier.run({
          code,
          kind: opts.script ? 'script' : 'module',
          input,
          permissions,
          limits: { timeoutMs: opts.timeoutMs, memoryMb: opts.memoryMb },
          host,
          origin: 'imported',
        });
        ctx.io.out(opts.json ? JSON.stringify({ ...result, actions: host.actions }) : human(result, host));
        ctx.setExit(result.status === 'ok' ? EXIT.ok : EXIT.no);
      } finally {
        await tier.close();
      }
    });
};
