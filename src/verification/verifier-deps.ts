import type { BenchmarkReport, Capability, Pattern, VerificationLevel } from '../domain/index.js';
import type { VisionPort } from '../capabilities/index.js';
import type { SandboxTier } from '../sandbox/index.js';
import type { VerificationOptionsInput } from './options.js';
import type { TaughtExample, TestScenePort } from './case-types.js';

/** The part of a BenchmarkReport the production level judges (benchmark/ produces the full report). */
export interface BenchmarkFigures {
  latency: Pick<BenchmarkReport['latency'], 'p99'> & Partial<BenchmarkReport['latency']>;
  errorRate: number;
  leak: { suspected: boolean; slopeKbPerIter?: number };
}

/** Runs a real benchmark of a capability (benchmark/ stage); injected so verification does not own one. */
export type BenchmarkRunner = (capability: Capability) => Promise<BenchmarkFigures>;

export interface VerifierDeps {
  sandbox: SandboxTier;
  vision: VisionPort;
  scenes: TestScenePort;
  /** Inputs seen in the failures, by pattern id (so the tests include what users actually asked). */
  seenInputs?: (pattern: Pattern) => Promise<Array<Record<string, unknown>>>;
  /** Expectations users taught (`ironcliw teach`) for a pattern's commands: each becomes a test case. */
  taught?: (pattern: Pattern) => Promise<TaughtExample[]>;
  /** Production level: benchmarks the candidate. */
  benchmark?: BenchmarkRunner;
  /**
   * Production level: a statistical comparison of the candidate's benchmark with the live version's (the
   * benchmark stage's Mann–Whitney / bootstrap verdict). Without it, p99 and error rate are compared with
   * `regressionTolerance` — fine for large differences, noisy for small samples on a busy machine.
   */
  compare?: (
    candidate: BenchmarkFigures,
    baseline: BenchmarkFigures,
  ) => { verdict: 'improved' | 'unchanged' | 'regressed'; detail: string };
  /**
   * Production level: one set of figures from several runs of the same capability (their samples pooled), so
   * a regression can be confirmed over interleaved runs; undefined when the figures cannot be pooled (then the
   * confirmation is one more pair measured in the opposite order).
   */
  pool?: (runs: BenchmarkFigures[]) => BenchmarkFigures | undefined;
  /** Production level: the live version's figures for the same pattern (undefined when there is none). */
  baseline?: (capability: Capability) => Promise<BenchmarkFigures | undefined>;
  /** Thresholds and weights over {@link VERIFICATION_DEFAULTS} (config key `verification`). */
  options?: VerificationOptionsInput;
  /** Level the pipeline's candidate verifier runs (default `comprehensive`). */
  level?: VerificationLevel;
}

export interface VerifyRequest {
  level: VerificationLevel;
  /** The pattern the candidate was generated for (its seen inputs become test cases). */
  pattern?: Pattern;
  /** Inputs to test besides those built from the pattern (e.g. from teach expectations). */
  inputs?: Array<Record<string, unknown>>;
  /**
   * Also run the sandbox levels when the static gate rejects, to record what the code actually does. Safe (the
   * sandbox is the boundary for hostile code) but costs time for a decision that stays `reject`.
   */
  evidenceWhenUnsafe?: boolean;
}
