import type { Permission, SdkMethod, SynthesisReport, Violation } from '../domain/index.js';
import type { N } from './ast-utils.js';
import { checkPolicy } from './policy/index.js';
import type { AnalyzeOptions } from './config.js';
import { resolveConfig } from './config.js';
import { normaliseDefaultExport, parseModule, stripTypes } from './parse.js';
import { RULES } from './rules.js';
import { isSafe, safetyScore } from './safety-score.js';

/** The domain report plus what the module was found to need (for manifests and behaviour analysis). */
export interface SynthesisAnalysis extends SynthesisReport {
  /** SDK methods called, each by the only allowed form `sdk.group.method(...)`. */
  sdkMethods: SdkMethod[];
  /** Permissions those calls need (compare with the manifest's). */
  requiredPermissions: Permission[];
}

/**
 * The static safety gate. Synchronous and pure: parses (acorn, ES2022 module) and walks the AST; it never runs
 * the code. Throws IroncliwError E_CODE_UNPARSABLE (details.line/column) when the module does not parse;
 * everything else is a violation in the report.
 *
 * @example
 *   const report = analyze(code, { permissions: manifest.permissions });
 *   if (!report.safe) console.log(report.violations.map((v) => `${v.rule}@${v.line}:${v.column}`));
 */
export function analyze(code: string, options: AnalyzeOptions = {}): SynthesisAnalysis {
  const config = resolveConfig(options);
  const bytes = Buffer.byteLength(code, 'utf8');
  if (bytes > config.maxCodeBytes) {
    // Not parsed at all: the size limit protects the parser and this walk from pathological input.
    const violations: Violation[] = [
      {
        rule: 'code-too-large',
        severity: RULES['code-too-large'].severity,
        message: `module is ${bytes} bytes (max ${config.maxCodeBytes})`,
        line: 1,
        column: 0,
      },
    ];
    return finish(violations, [], [], config.severityWeights, config.minScore);
  }
  const source = options.typescript ? stripTypes(code) : code;
  const parsed = parseModule(source);
  if (options.typescript) normaliseDefaultExport(parsed.program);
  const result = checkPolicy({
    program: parsed.program as unknown as N,
    comments: parsed.comments,
    config,
    ...(options.permissions ? { permissions: new Set(options.permissions) } : {}),
  });
  return finish(
    result.violations,
    result.sdkMethods,
    result.requiredPermissions,
    config.severityWeights,
    config.minScore,
  );
}

function finish(
  violations: Violation[],
  sdkMethods: SdkMethod[],
  requiredPermissions: Permission[],
  weights: Parameters<typeof safetyScore>[1],
  minScore: number,
): SynthesisAnalysis {
  const score = safetyScore(violations, weights);
  return { safe: isSafe(violations, score, minScore), score, violations, sdkMethods, requiredPermissions };
}
