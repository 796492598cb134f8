import { Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import type { Capability, VerificationLevel } from '../../domain/index.js';
import { IroncliwError, newId } from '../../domain/index.js';
import type { SandboxTier } from '../../sandbox/index.js';
import type { Store } from '../../store/index.js';
import type {
  BenchmarkRunner,
  DetailedVerificationReport,
  VerificationOptionsInput,
} from '../../verification/index.js';
import type { CommonOpts, RegisterCommand } from '../kit.js';
import { readJsonFile } from '../kit.js';
import { configFrom, EXIT, positiveInt, table, withCommon } from '../kit.js';

/**
 * The levels `--level` accepts, spelled here so that registering the command (e.g. for `--help`) does not
 * load verification; verify-cli.test.ts checks it equals verification's LEVELS.
 */
export const LEVEL_CHOICES: readonly VerificationLevel[] = [
  'basic',
  'standard',
  'comprehensive',
  'production',
];

interface VerifyOpts extends CommonOpts {
  manifest?: string;
  level: VerificationLevel;
  version?: number;
  iterations: number;
}

/** A file target: the module's text and the manifest given with --manifest (required). */
async function capabilityFromFile(path: string, manifestPath: string | undefined): Promise<Capability> {
  if (!manifestPath)
    throw new IroncliwError('E_USAGE', `verifying a file needs its manifest: --manifest <m.json>`);
  let code: string;
  try {
    code = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new IroncliwError('E_INPUT_INVALID', `cannot read module ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
  const manifest = readJsonFile(manifestPath, 'manifest');
  if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest))
    throw new IroncliwError('E_INPUT_INVALID', `manifest ${manifestPath} is not a JSON object`);
  const { validateManifest } = await import('../../capabilities/index.js');
  // Schema problems are not usage errors: they are the first check of the report (and reject the candidate).
  // A valid hand-written manifest is taken as validated, i.e. with intents derived from their examples.
  try {
    return { manifest: validateManifest(manifest), code };
  } catch {
    return { manifest: manifest as Capability['manifest'], code };
  }
}

function looksLikeFile(target: string): boolean {
  return /\.(m?js)$/i.test(target) || target.includes('/') || existsSync(target);
}

function print(report: DetailedVerificationReport, out: (s: string) => void): void {
  out(
    `${report.capability.id} v${report.capability.version} — level ${report.level}: ${report.decision.toUpperCase()} (risk ${report.riskScore})`,
  );
  out(
    table(
      report.checks.map((c) => ({
        check: c.name,
        result: c.passed ? 'pass' : c.severity === 'blocking' ? 'FAIL' : 'warn',
        detail: c.detail.length > 140 ? c.detail.slice(0, 139) + '…' : c.detail,
      })),
      ['check', 'result', 'detail'],
    ),
  );
  if (report.conditions.length) out(`conditions: ${report.conditions.join(', ')}`);
  out(`reasons: ${report.reasons.join('; ')}`);
  out(
    `risk factors: ${report.factors.map((f) => `${f.name} ${f.value}×${f.weight}`).join(', ')} · took ${report.numbers.durationMs} ms`,
  );
}

/**
 * `ironcliw verify <capability-id|file.js> [--manifest m.json] --level <level>`: runs verification and prints the
 * VerificationReport. Exit 0 approve, 1 conditional or reject, 2 bad input. A stored capability's report is
 * stored with it (kind `verification`).
 */
export const registerVerify: RegisterCommand = (program, ctx) => {
  withCommon(
    program
      .command('verify')
      .description(
        'verify a capability (stored id or module file) at a level and print the decision, e.g. ironcliw verify count-shapes-by-color --level comprehensive',
      )
      .argument('<target>', 'a stored capability id, or a module file (.js) with --manifest')
      .option('--manifest <file>', 'manifest JSON of a module file')
      .addOption(
        new Option('--level <level>', 'basic | standard | comprehensive | production')
          .choices([...LEVEL_CHOICES])
          .makeOptionMandatory(),
      )
      .addOption(
        new Option('--version <n>', 'version of a stored capability (default: the latest)').argParser(
          positiveInt('--version'),
        ),
      )
      .addOption(
        new Option('--iterations <n>', 'benchmark iterations at the production level')
          .argParser(positiveInt('--iterations'))
          .default(50),
      ),
  ).action(async (target: string, opts: VerifyOpts) => {
    const config = await configFrom(opts);
    const [
      { benchmarkCapability },
      { createSandboxTier },
      { openStore },
      { createVerifier, fuzzInputs, sceneTarget },
      { createTestScenes, createVisionPort },
    ] = await Promise.all([
      import('../../benchmark/index.js'),
      import('../../sandbox/index.js'),
      import('../../store/index.js'),
      import('../../verification/index.js'),
      import('../../vision-port.js'),
    ]);
    const options = (config as { verification?: VerificationOptionsInput }).verification;
    let store: Store | undefined;
    let sandbox: SandboxTier | undefined;
    try {
      let capability: Capability;
      let live: Capability | undefined;
      const stored = !looksLikeFile(target);
      if (stored) {
        if (opts.manifest) throw new IroncliwError('E_USAGE', '--manifest is only for module files');
        store = await openStore(config.db);
        const cap = await store.capabilities.get(target, opts.version);
        if (!cap)
          throw new IroncliwError(
            'E_NOT_FOUND',
            `no capability "${target}"${opts.version ? ` v${opts.version}` : ''}`,
          );
        capability = { manifest: cap.manifest, code: cap.code };
        const rollout = await store.rollouts.get(target);
        if (rollout && rollout.version !== cap.manifest.version) {
          const l = await store.capabilities.get(target, rollout.version);
          if (l) live = { manifest: l.manifest, code: l.code };
        }
      } else capability = await capabilityFromFile(target, opts.manifest);

      sandbox = await createSandboxTier(config.sandbox.tier, {
        poolSize: 1,
        allowSharedNetwork: config.sandbox.allowSharedNetwork,
        allowRootChildren: config.sandbox.allowRootChildren,
      });
      const vision = createVisionPort();
      const scenes = createTestScenes();
      const tier = sandbox;
      // Production: the benchmark stage measures real runs in the same sandbox on a ground-truth screen.
      const benchmark: BenchmarkRunner = async (cap) => {
        const input = fuzzInputs(cap.manifest.inputSchema, 1, 1)[0] ?? {};
        const screen = await scenes.countScene({ ...sceneTarget(input), count: 2, seed: 1 });
        return benchmarkCapability({
          capability: cap,
          tier,
          vision,
          screen,
          input,
          iterations: opts.iterations,
        });
      };
      const verifier = createVerifier({
        sandbox,
        vision,
        scenes,
        benchmark,
        ...(live ? { baseline: () => benchmark(live) } : {}),
        ...(options ? { options } : {}),
      });
      const { report } = await verifier.verify(capability, { level: opts.level });
      let reportId: string | null = null;
      if (store) {
        reportId = newId('rep');
        await store.reports.add({
          id: reportId,
          capabilityId: capability.manifest.id,
          version: capability.manifest.version,
          kind: 'verification',
          at: new Date().toISOString(),
          report,
        });
      }
      if (opts.json) ctx.io.out(JSON.stringify({ ...report, storedAs: reportId }));
      else print(report, ctx.io.out);
      ctx.setExit(report.decision === 'approve' ? EXIT.ok : EXIT.no);
    } finally {
      await sandbox?.close();
      await store?.close();
    }
  });
};
