import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { JsonSchema, Permission } from '../../domain/index.js';
import { IroncliwError, PERMISSIONS } from '../../domain/index.js';
import type { SynthesizeOptions } from '../../synthesis/index.js';
import type { RegisterCommand } from '../kit.js';
import { EXIT } from '../kit.js';

interface CheckOpts {
  permissions?: string;
  manifest?: string;
  json?: boolean;
  showCode?: boolean;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new IroncliwError('E_INPUT_INVALID', `cannot read ${what} ${path}: ${(err as Error).message}`, {
      cause: err,
      hint: `Pass a readable ${what} path.`,
    });
  }
}

function parsePermissions(list: unknown, where: string): Permission[] {
  const items = typeof list === 'string' ? list.split(',') : Array.isArray(list) ? list : null;
  if (!items) throw new IroncliwError('E_INPUT_INVALID', `${where} must be a list of permissions`);
  const out: Permission[] = [];
  for (const raw of items) {
    const p = String(raw).trim();
    if (!p) continue;
    if (!(PERMISSIONS as readonly string[]).includes(p)) {
      throw new IroncliwError('E_INPUT_INVALID', `${where}: unknown permission "${p}"`, {
        hint: `Use some of: ${PERMISSIONS.join(', ')}.`,
      });
    }
    out.push(p as Permission);
  }
  return out;
}

function manifestOptions(path: string): SynthesizeOptions {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readText(path, 'manifest'));
  } catch (err) {
    if (err instanceof IroncliwError) throw err;
    throw new IroncliwError('E_INPUT_INVALID', `manifest ${path} is not JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest))
    throw new IroncliwError('E_INPUT_INVALID', `manifest ${path} must be a JSON object`);
  const m = manifest as Record<string, unknown>;
  const schema = (key: string): JsonSchema | undefined => {
    const v = m[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new IroncliwError('E_INPUT_INVALID', `manifest ${path}: ${key} must be an object`);
    return v as JsonSchema;
  };
  const inputSchema = schema('inputSchema');
  const outputSchema = schema('outputSchema');
  return {
    ...(m.permissions !== undefined
      ? { permissions: parsePermissions(m.permissions, 'manifest permissions') }
      : {}),
    ...(inputSchema ? { inputSchema } : {}),
    ...(outputSchema ? { outputSchema } : {}),
  };
}

/**
 * `ironcliw check <file.js|file.ts> [--permissions a,b] [--manifest m.json] [--json]`: the synthesis gate on a
 * file. Prints the SynthesisReport of the code as it would be stored (transformed), and the violations of the
 * file as written (with its line numbers). Exit 0 safe, 1 unsafe, 2 unreadable/unparsable input or bad flags.
 */
export const registerCheck: RegisterCommand = (program, ctx) => {
  program
    .command('check')
    .description(
      'statically check a capability module, e.g. ironcliw check count.js --permissions screen.capture,vision.analyze',
    )
    .argument('<file>', 'JavaScript (.js/.mjs) or TypeScript (.ts/.mts) module')
    .option(
      '--permissions <list>',
      `comma-separated permissions the manifest declares (${PERMISSIONS.join(', ')}); overrides --manifest`,
    )
    .option('--manifest <file>', 'manifest JSON: permissions, inputSchema and outputSchema are used')
    .option('--show-code', 'print the transformed module (with --json it is always in `transformed`)')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: CheckOpts) => {
      const options: SynthesizeOptions = opts.manifest ? manifestOptions(opts.manifest) : {};
      if (opts.permissions !== undefined)
        options.permissions = parsePermissions(opts.permissions, '--permissions');
      const ext = extname(file).toLowerCase();
      if (ext === '.ts' || ext === '.mts' || ext === '.cts') options.typescript = true;
      const code = readText(file, 'module');
      const { analyze, synthesize } = await import('../../synthesis/index.js');
      // Both throw E_CODE_UNPARSABLE on syntax errors (exit 2).
      const source = analyze(code, options);
      const { report } = synthesize(code, options);
      if (opts.json) {
        ctx.io.out(
          JSON.stringify({
            file,
            ...report,
            source: { safe: source.safe, score: source.score, violations: source.violations },
          }),
        );
      } else {
        const lines = source.violations.map(
          (v) => `${file}:${v.line}:${v.column}  ${v.severity.padEnd(8)} ${v.rule.padEnd(24)} ${v.message}`,
        );
        const added = report.violations.filter((v) => !source.violations.some((s) => s.rule === v.rule));
        for (const v of added)
          lines.push(
            `(transformed):${v.line}:${v.column}  ${v.severity.padEnd(8)} ${v.rule.padEnd(24)} ${v.message}`,
          );
        if (lines.length) ctx.io.out(lines.join('\n'));
        const needs = report.requiredPermissions.length ? report.requiredPermissions.join(', ') : 'none';
        ctx.io.out(
          `${report.safe ? '✓ safe' : '✗ unsafe'}  score ${report.score} after transforms ` +
            `(as written: ${source.score}, ${source.violations.length} violation(s)); needs permissions: ${needs}`,
        );
        if (opts.showCode && report.transformed) ctx.io.out(report.transformed);
      }
      ctx.setExit(report.safe ? EXIT.ok : EXIT.no);
    });
};
