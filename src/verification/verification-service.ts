import type { CandidateVerifier, Capability, VerificationLevel } from '../domain/index.js';
import { IroncliwError, newId } from '../domain/index.js';
import type { BenchmarkRun } from '../benchmark/index.js';
import type { Store } from '../store/index.js';
import { compareBenchmarks, createVerificationBenchmark, poolBenchmarks } from './production-benchmark.js';
import type { DetailedVerificationReport } from './verifier.js';
import type { VerifierDeps } from './verifier-deps.js';
import { createCandidateVerifier, createVerifier } from './verifier.js';

export interface VerificationServiceOptions {
  store: Store;
  /** Everything the verifier needs but the production level's benchmark, which this service wires. */
  verifier: Omit<VerifierDeps, 'benchmark' | 'baseline' | 'compare' | 'level'>;
  /** Level the pipeline's candidates are verified at (config pipeline.verificationLevel). */
  level: VerificationLevel;
  /** Measured runs per capability at the production level (config pipeline.benchmarkIterations). */
  iterations: number;
  /** The version a capability's rollout serves now (the regression baseline), if any. */
  liveVersion(capabilityId: string): number | undefined;
}

export interface VerificationService {
  /** The pipeline's verifier: a candidate's own benchmark runs come back as its `benchmarkReports`. */
  readonly candidate: CandidateVerifier;
  /** Verifies a capability at a level, with the benchmark runs made of it (bundle import). */
  verify(
    capability: Capability,
    level: VerificationLevel,
  ): Promise<{ report: DetailedVerificationReport; benchmarks: BenchmarkRun[] }>;
  /** Verifies a stored capability (default: its latest version) at a level and stores the report. */
  verifyStored(
    capabilityId: string,
    o: { level: VerificationLevel; version?: number },
  ): Promise<DetailedVerificationReport>;
}

/**
 * Verification as this deployment runs it. Production-level verification benchmarks every candidate in the
 * sandbox it will serve from (and the live version of its pattern, for the regression verdict); the
 * candidate's own runs are kept per capability version until its caller stores them with it.
 */
export function createVerificationService(o: VerificationServiceOptions): VerificationService {
  const { store } = o;
  const benchmarkRuns = new Map<string, BenchmarkRun[]>();
  const keyOf = (c: Capability) => `${c.manifest.id}@${c.manifest.version}`;
  const benchmark = createVerificationBenchmark({
    tier: o.verifier.sandbox,
    vision: o.verifier.vision,
    scenes: o.verifier.scenes,
    iterations: o.iterations,
    onRun: (c, run) => benchmarkRuns.set(keyOf(c), [...(benchmarkRuns.get(keyOf(c)) ?? []), run]),
  });
  const baseline = async (candidate: Capability) => {
    const live = o.liveVersion(candidate.manifest.id);
    if (live === undefined || live === candidate.manifest.version) return undefined;
    const cap = await store.capabilities.get(candidate.manifest.id, live);
    return cap ? benchmark({ manifest: cap.manifest, code: cap.code }) : undefined;
  };
  const deps: VerifierDeps = {
    ...o.verifier,
    benchmark,
    baseline,
    compare: compareBenchmarks,
    pool: poolBenchmarks,
  };
  const inner = createCandidateVerifier({ ...deps, level: o.level });
  const direct = createVerifier(deps);

  const verify: VerificationService['verify'] = async (capability, level) => {
    try {
      const { report } = await direct.verify(capability, { level });
      return { report, benchmarks: benchmarkRuns.get(keyOf(capability)) ?? [] };
    } finally {
      benchmarkRuns.delete(keyOf(capability));
    }
  };

  return {
    candidate: {
      async verify(capability, pattern) {
        try {
          const out = await inner.verify(capability, pattern);
          return { ...out, benchmarkReports: benchmarkRuns.get(keyOf(capability)) ?? [] };
        } finally {
          // The candidate's runs and its baseline's (the live version) are done with either way.
          for (const key of benchmarkRuns.keys())
            if (key.startsWith(`${capability.manifest.id}@`)) benchmarkRuns.delete(key);
        }
      },
    },
    verify,
    async verifyStored(capabilityId, v) {
      const cap = await store.capabilities.get(capabilityId, v.version);
      if (!cap)
        throw new IroncliwError(
          'E_NOT_FOUND',
          `no capability "${capabilityId.slice(0, 80)}"${v.version ? ` v${v.version}` : ''}`,
        );
      const { report } = await verify({ manifest: cap.manifest, code: cap.code }, v.level);
      await store.reports.add({
        id: newId('rep'),
        capabilityId,
        version: cap.manifest.version,
        kind: 'verification',
        at: new Date().toISOString(),
        report,
      });
      return report;
    },
  };
}
