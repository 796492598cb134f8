import type { JsonSchema, SynthesisReport, Violation } from '../domain/index.js';
import { isIroncliwError } from '../domain/index.js';
import type { SynthesisAnalysis } from './analyze.js';
import { analyze } from './analyze.js';
import type { AnalyzeOptions } from './config.js';
import { resolveConfig } from './config.js';
import { RULES } from './rules.js';
import { isSafe, safetyScore } from './safety-score.js';
import type { CredentialSanitisation } from './transform/index.js';
import { transform } from './transform/index.js';

export interface SynthesizeOptions extends AnalyzeOptions {
  /** The manifest's input schema: the wrapper validates every input against it. */
  inputSchema?: JsonSchema;
  /** The manifest's output schema: the wrapper validates every (redacted) output against it. */
  outputSchema?: JsonSchema;
}

export interface SynthesisOutcome {
  /**
   * The gate's verdict on the code that will be stored and run (the transformed module), with `transformed` set
   * to it; plus the SDK methods and permissions it needs. When the module cannot be transformed (no default
   * export, reserved names, too large) it is the analysis of the original, `transformed` is absent and `safe`
   * is false.
   */
  report: SynthesisReport & Pick<SynthesisAnalysis, 'sdkMethods' | 'requiredPermissions'>;
  /** The transformed module, or the original when it could not be transformed. */
  code: string;
  /** Credential literals the transform removed (zero when it did not run). */
  credentials: CredentialSanitisation;
}

/**
 * The one call the pipeline makes: transform the candidate (randomness and time to the SDK, credentials
 * removed, run-time-key reads guarded, the safety wrapper with schema checks, output cap and redaction), then
 * re-parse and re-check the result. The transform is idempotent, so synthesizing stored code again yields the
 * same code and verdict.
 *
 * Throws IroncliwError E_CODE_UNPARSABLE when the module does not parse (bad input); every other problem is a
 * violation in the report (stage outcomes are values).
 *
 * @example
 *   const { report, code } = synthesize(capability.code, { permissions: manifest.permissions,
 *     inputSchema: manifest.inputSchema, outputSchema: manifest.outputSchema });
 *   if (report.safe) store(code);
 */
export function synthesize(code: string, options: SynthesizeOptions = {}): SynthesisOutcome {
  const none: CredentialSanitisation = { removedUnused: 0, removedUsed: 0 };
  const config = resolveConfig(options);
  if (Buffer.byteLength(code, 'utf8') > config.maxCodeBytes) {
    const { transformed: _ignored, ...report } = analyze(code, options);
    return { report, code, credentials: none };
  }
  try {
    const result = transform(
      code,
      {
        ...(options.permissions ? { permissions: [...options.permissions] } : {}),
        ...(options.inputSchema ? { inputSchema: options.inputSchema } : {}),
        ...(options.outputSchema ? { outputSchema: options.outputSchema } : {}),
      },
      options,
    );
    const { sdkMethods, requiredPermissions, safe, score, violations } = result.report;
    return {
      report: { safe, score, violations, transformed: result.code, sdkMethods, requiredPermissions },
      code: result.code,
      credentials: result.credentials,
    };
  } catch (err) {
    if (!isIroncliwError(err) || err.code !== 'E_CAPABILITY_INVALID') throw err;
    // Not transformable: report the original, plus why, and never call it safe.
    const original = analyze(code, options);
    const violations: Violation[] = [...original.violations];
    if (!violations.some((v) => v.rule === 'module-shape')) {
      violations.unshift({
        rule: 'module-shape',
        severity: RULES['module-shape'].severity,
        message: err.message,
        line: 1,
        column: 0,
      });
    }
    const score = safetyScore(violations, config.severityWeights);
    return {
      report: {
        safe: isSafe(violations, score, config.minScore),
        score,
        violations,
        sdkMethods: original.sdkMethods,
        requiredPermissions: original.requiredPermissions,
      },
      code,
      credentials: none,
    };
  }
}
