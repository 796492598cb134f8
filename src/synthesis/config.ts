import type { Permission, Severity } from '../domain/index.js';

/** Limits and thresholds of the static gate. One frozen default; callers override per call. */
export interface SynthesisConfig {
  /** Modules larger than this (UTF-8 bytes) are rejected unparsed (`code-too-large`). */
  readonly maxCodeBytes: number;
  /** String literals / template chunks larger than this (UTF-8 bytes) are `oversized-literal`. */
  readonly maxStringLiteralBytes: number;
  /** Array elements / object properties in one literal above this are `oversized-literal`. */
  readonly maxLiteralElements: number;
  /** AST nesting deeper than this is `nesting-too-deep` (the walkers stop descending there). */
  readonly maxDepth: number;
  /** `safe` needs score >= minScore as well as no critical/high violation. */
  readonly minScore: number;
  /** Score weight per violation of each severity: score = Π (1 − weight). */
  readonly severityWeights: Readonly<Record<Severity, number>>;
  /** Output cap (bytes of JSON) enforced by the transform's safety wrapper. */
  readonly maxOutputBytes: number;
}

export const DEFAULT_SYNTHESIS_CONFIG: SynthesisConfig = Object.freeze({
  maxCodeBytes: 200 * 1024,
  maxStringLiteralBytes: 10 * 1024,
  maxLiteralElements: 10_000,
  maxDepth: 200,
  minScore: 0.8,
  severityWeights: Object.freeze({ critical: 0.5, high: 0.25, medium: 0.1, low: 0.03 }),
  maxOutputBytes: 256 * 1024,
});

export interface AnalyzeOptions extends Partial<SynthesisConfig> {
  /**
   * Permissions the manifest declares. When given, every SDK call must be covered (`permission-mismatch`).
   * When omitted the permission check is skipped (the rest of the gate still runs); the report's
   * `requiredPermissions` says what the module needs.
   */
  permissions?: readonly Permission[];
  /** Strip TypeScript with esbuild before analysis. */
  typescript?: boolean;
}

export function resolveConfig(options: Partial<SynthesisConfig> = {}): SynthesisConfig {
  return {
    maxCodeBytes: options.maxCodeBytes ?? DEFAULT_SYNTHESIS_CONFIG.maxCodeBytes,
    maxStringLiteralBytes: options.maxStringLiteralBytes ?? DEFAULT_SYNTHESIS_CONFIG.maxStringLiteralBytes,
    maxLiteralElements: options.maxLiteralElements ?? DEFAULT_SYNTHESIS_CONFIG.maxLiteralElements,
    maxDepth: options.maxDepth ?? DEFAULT_SYNTHESIS_CONFIG.maxDepth,
    minScore: options.minScore ?? DEFAULT_SYNTHESIS_CONFIG.minScore,
    severityWeights: options.severityWeights ?? DEFAULT_SYNTHESIS_CONFIG.severityWeights,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_SYNTHESIS_CONFIG.maxOutputBytes,
  };
}
