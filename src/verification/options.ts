import { z } from 'zod';
import type { VerificationLevel } from '../domain/index.js';
import { IroncliwError } from '../domain/index.js';

/**
 * Thresholds and weights of verification, one readonly object with documented defaults (docs/verification.md).
 * Every number here is a security decision: it decides how much evidence a candidate needs before it may
 * reach users, so it is config (src/config key `verification`), never a constant buried in a check.
 */
export interface VerificationOptions {
  /** Risk-score weights; they are normalised over the factors a level measured, so they need not sum to 1. */
  readonly weights: Readonly<{
    /** 1 − the synthesis safety score. */
    static: number;
    /** The riskiest declared permission (actions weigh more than reads): {@link PERMISSION_RISK}. */
    permissions: number;
    /** 1 − the pass rate of the capability's test cases. */
    tests: number;
    /** Share of behaviour checks (side effects, determinism, robustness, output, secrets) that failed. */
    behaviour: number;
    /** Highest share of a manifest limit (memory, wall time, CPU) any run used. */
    resources: number;
    /** Median guest CPU over its budget (comprehensive) or benchmark p99 over its budget (production). */
    performance: number;
    /** Where the code came from: {@link PROVENANCE_RISK}. */
    provenance: number;
  }>;
  /** At or below this risk (and no failed check, no other condition) a candidate is approved. */
  readonly approveMaxRisk: number;
  /** At or above this risk a candidate is rejected whatever its checks say. */
  readonly rejectMinRisk: number;
  /** Below this level a passing candidate is only `conditional` (held in development, manual promotion). */
  readonly approveMinLevel: VerificationLevel;
  /** Capabilities that may click or type are `conditional` (manual promotion, limited group) when true. */
  readonly actionsNeedManualPromotion: boolean;
  /** Group an action capability is limited to while conditional. */
  readonly limitedGroup: string;
  /** The share of the pass rate under which the test check fails (1 = every case must pass). */
  readonly minTestPassRate: number;
  /** Same input and screen run this many times must give identical output. */
  readonly determinismRuns: number;
  /** Fuzzed inputs (drawn from the input schema) run on ordinary screens. */
  readonly fuzzInputs: number;
  /** Seed of every fuzz draw and of `sdk.random` in verification runs: a report replays exactly. */
  readonly seed: number;
  /** Scale of the "huge" fuzz screen (1280×800 × scale; 3 gives a 3840×2400 screen). */
  readonly hugeScale: number;
  /** A run may use at most this share of the manifest's memory limit (headroom for real screens). */
  readonly maxMemoryShare: number;
  /** …and of its timeout in CPU time (wall time is reported; a run past its timeout fails robustness). */
  readonly maxTimeShare: number;
  /**
   * Median guest CPU time of the ordinary runs above this is a performance finding. CPU, not wall time: wall time
   * on a shared machine swings several-fold with load (measured: a 10 ms run took 115 ms at load 13 on 2 cores),
   * and a verdict must not depend on what else the machine was doing. Live latency is judged by the benchmark
   * (production level) and the rollout (p99 100 ms).
   */
  readonly cpuBudgetMs: number;
  /** Production level: the benchmark's p99 must stay under this. */
  readonly p99BudgetMs: number;
  /** Production level: the benchmark's error rate must stay under this. */
  readonly maxErrorRate: number;
  /** Production level: p99 and error rate may exceed the live version's by at most this share. */
  readonly regressionTolerance: number;
  /**
   * Production level: a 'regressed' verdict is confirmed by measuring the candidate and the live version again
   * in this many interleaved pairs (alternating which goes first) and judging the pooled samples, so a burst
   * of load on a shared machine cannot land on one side only.
   */
  readonly regressionConfirmPairs: number;
}

/** Risk of each permission, 0..1: acting on the user's screen weighs more than looking at it. */
export const PERMISSION_RISK: Readonly<Record<string, number>> = Object.freeze({
  'screen.capture': 0.1,
  'vision.analyze': 0.1,
  'ocr.read': 0.2,
  'actions.click': 0.6,
  'actions.type': 0.8,
});

/**
 * Risk of each provenance, 0..1: a fixed template emitted by our own generator is the most predictable, code
 * written by a language model less so, code imported from elsewhere least. Keys are `origin.kind` or
 * `generated:<generator prefix>`; the generator prefix is what precedes the first '/' or ':'.
 */
export const PROVENANCE_RISK: Readonly<Record<string, number>> = Object.freeze({
  builtin: 0,
  'generated:template': 0.1,
  'generated:llm': 0.5,
  generated: 0.3,
  imported: 0.7,
});

export const VERIFICATION_DEFAULTS: VerificationOptions = Object.freeze({
  weights: Object.freeze({
    static: 0.2,
    permissions: 0.15,
    tests: 0.2,
    behaviour: 0.2,
    resources: 0.1,
    performance: 0.05,
    provenance: 0.1,
  }),
  approveMaxRisk: 0.25,
  rejectMinRisk: 0.6,
  approveMinLevel: 'comprehensive',
  actionsNeedManualPromotion: true,
  limitedGroup: 'internal',
  minTestPassRate: 1,
  determinismRuns: 3,
  fuzzInputs: 4,
  seed: 1,
  hugeScale: 3,
  maxMemoryShare: 0.5,
  maxTimeShare: 0.5,
  cpuBudgetMs: 50,
  p99BudgetMs: 100,
  maxErrorRate: 0.01,
  regressionTolerance: 0.2,
  regressionConfirmPairs: 4,
});

const share = z.number().min(0).max(1);
const weight = z.number().min(0).max(10);

const OptionsSchema = z
  .object({
    weights: z
      .object({
        static: weight,
        permissions: weight,
        tests: weight,
        behaviour: weight,
        resources: weight,
        performance: weight,
        provenance: weight,
      })
      .strict()
      .partial(),
    approveMaxRisk: share,
    rejectMinRisk: share,
    approveMinLevel: z.enum(['basic', 'standard', 'comprehensive', 'production']),
    actionsNeedManualPromotion: z.boolean(),
    limitedGroup: z.string().min(1).max(100),
    minTestPassRate: share,
    determinismRuns: z.number().int().min(2).max(20),
    fuzzInputs: z.number().int().min(0).max(50),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31),
    hugeScale: z.number().int().min(1).max(4),
    maxMemoryShare: z.number().gt(0).max(1),
    maxTimeShare: z.number().gt(0).max(1),
    cpuBudgetMs: z.number().positive().max(60_000),
    p99BudgetMs: z.number().positive().max(60_000),
    maxErrorRate: share,
    regressionTolerance: z.number().min(0).max(10),
    regressionConfirmPairs: z.number().int().min(1).max(20),
  })
  .strict()
  .partial();

export type VerificationOptionsInput = z.input<typeof OptionsSchema>;

/** Validates partial options (unknown keys rejected, E_CONFIG_INVALID naming the key) over the defaults. */
export function resolveVerificationOptions(input: VerificationOptionsInput = {}): VerificationOptions {
  const r = OptionsSchema.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new IroncliwError(
      'E_CONFIG_INVALID',
      `verification.${i?.path.join('.') || '(root)'}: ${i?.message ?? 'invalid'}`,
    );
  }
  const o = r.data;
  const resolved: VerificationOptions = {
    ...VERIFICATION_DEFAULTS,
    ...Object.fromEntries(Object.entries(o).filter(([k, v]) => k !== 'weights' && v !== undefined)),
    weights: Object.freeze({ ...VERIFICATION_DEFAULTS.weights, ...o.weights }),
  };
  if (resolved.approveMaxRisk >= resolved.rejectMinRisk)
    throw new IroncliwError(
      'E_CONFIG_INVALID',
      'verification.approveMaxRisk must be below verification.rejectMinRisk',
    );
  return Object.freeze(resolved);
}
