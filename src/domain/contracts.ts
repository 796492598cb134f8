/**
 * Contracts between stages that neither side owns: the pipeline calls them, a lower stage implements them.
 * Kept out of `types.ts`, which is the package's public type surface.
 */
import type { Capability } from './capability.js';
import type { Pattern } from './failure.js';
import type { SynthesisReport, VerificationReport } from './report.js';

/** What the pipeline needs from verification: a decision backed by evidence, plus the synthesis report. */
export interface CandidateVerifier {
  verify(
    capability: Capability,
    pattern: Pattern,
  ): Promise<{
    synthesis: SynthesisReport;
    verification: VerificationReport;
    sandboxReports: unknown[];
    /** Benchmark runs made while verifying (production level), stored with the capability. */
    benchmarkReports?: unknown[];
  }>;
}
