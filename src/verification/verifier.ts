import type {
  Capability,
  Pattern,
  SandboxResult,
  SynthesisReport,
  VerificationReport,
} from '../domain/index.js';
import { IroncliwError } from '../domain/index.js';
import type { VisionImage } from '../capabilities/index.js';
import type { CandidateVerifier } from '../domain/index.js';
import { basicLevel } from './basic-level.js';
import { comprehensiveLevel } from './comprehensive-level.js';
import { blankScreen } from './fuzz.js';
import { cpuPerformanceFactor } from './observation-checks.js';
import type { VerificationOptions } from './options.js';
import { resolveVerificationOptions } from './options.js';
import { productionLevel } from './production-level.js';
import type { RiskFactor, VerificationCheck } from './risk.js';
import { decide, levelIndex, riskScore } from './risk.js';
import { standardLevel } from './standard-level.js';
import { newVerificationState, round, sandboxRunner, statusProblem } from './verification-run.js';
import type { VerifierDeps, VerifyRequest } from './verifier-deps.js';

/** VerificationReport (DESIGN.md) with its evidence: typed checks, the risk factors, conditions and numbers. */
export interface DetailedVerificationReport extends VerificationReport {
  checks: VerificationCheck[];
  conditions: string[];
  /** One line per reason for the decision. */
  reasons: string[];
  factors: RiskFactor[];
  numbers: Record<string, number>;
  capability: { id: string; version: number };
}

/** One sandbox run made during verification, summarised. */
export interface VerificationRun {
  purpose: string;
  status: SandboxResult['status'];
  wallMs: number;
  cpuMs: number;
  peakMemoryMb: number;
  hostCalls: number;
  problem: string | null;
}

export interface VerificationOutcome {
  report: DetailedVerificationReport;
  synthesis: SynthesisReport;
  /** The standard test cases' sandbox results (what the pipeline stores as `sandbox` reports). */
  sandboxReports: Array<{ case: string; result: SandboxResult; problem: string | null }>;
  runs: VerificationRun[];
}

export interface Verifier {
  readonly options: VerificationOptions;
  verify(capability: Capability, request: VerifyRequest): Promise<VerificationOutcome>;
}

/**
 * The verifier: levels `basic` → `standard` → `comprehensive` → `production`, each including the previous.
 * Every check carries its evidence and the decision is derived from the checks and the risk score, never assumed.
 * All code runs in `deps.sandbox` (never in this process) with `sdk.random`/`sdk.clock` injected from a fixed
 * seed and clock, so a report replays exactly.
 *
 * @example
 * const verifier = createVerifier({ sandbox, vision: createVisionPort(), scenes: createTestScenes() });
 * const { report } = await verifier.verify(capability, { level: 'comprehensive' });
 * if (report.decision === 'reject') console.log(report.reasons);
 */
export function createVerifier(deps: VerifierDeps): Verifier {
  const options = resolveVerificationOptions(deps.options);
  const screenCache = new Map<string, Promise<VisionImage>>();
  let visionWarm: Promise<void> | undefined;

  // OpenCV loads on the first vision call (≈ 0.3–1 s per process); that is the host's cost, not the
  // candidate's, so it is paid before any run is timed.
  const warmVision = () =>
    (visionWarm ??= (async () => {
      try {
        await deps.vision.findShapes(blankScreen(64, 64, [255, 255, 255]), {});
      } catch {
        // A vision failure shows up in the runs themselves, with the capability's context.
      }
    })());

  return {
    options,
    async verify(capability, request) {
      const t0 = performance.now();
      const level = request.level;
      if (levelIndex(level) < 0)
        throw new IroncliwError('E_INPUT_INVALID', `unknown verification level "${String(level)}"`);
      if (level === 'production' && !deps.benchmark)
        throw new IroncliwError(
          'E_INPUT_INVALID',
          'the production level needs a benchmark runner (VerifierDeps.benchmark)',
        );
      const manifest = capability.manifest;
      // An invalid manifest still gets a report: read its fields defensively until validated.
      const declared = Array.isArray(manifest?.permissions) ? manifest.permissions : [];
      const state = newVerificationState(capability, options);
      const { checks, factors, numbers, observations, sandboxReports } = state;
      const { manifestOk, staticReport } = basicLevel(state, declared);

      const mayRun = manifestOk && (staticReport.safe || request.evidenceWhenUnsafe === true);
      if (mayRun && levelIndex(level) >= levelIndex('standard')) {
        await warmVision();
        const runOnce = sandboxRunner(state, deps);
        const cases = await standardLevel(state, deps, request, runOnce);
        if (levelIndex(level) >= levelIndex('comprehensive')) {
          const medCpu = await comprehensiveLevel(state, deps, cases, runOnce, screenCache);
          if (level === 'production' && deps.benchmark) await productionLevel(state, deps, deps.benchmark);
          else factors.push(cpuPerformanceFactor(medCpu, options));
        }
      }

      const score = riskScore(factors);
      const { decision, conditions, reasons } = decide({
        level,
        checks,
        riskScore: score,
        manifest: {
          permissions: declared,
          origin: manifest?.origin ?? { kind: 'imported', generator: 'unknown', failureIds: [] },
        },
        options,
      });
      numbers.durationMs = round(performance.now() - t0, 1);
      const report: DetailedVerificationReport = {
        level,
        passed: checks.every((c) => c.passed),
        decision,
        riskScore: score,
        checks,
        conditions,
        reasons,
        factors: factors.map((f) => ({ ...f, value: round(Math.min(1, Math.max(0, f.value))) })),
        numbers,
        capability: { id: String(manifest?.id), version: Number(manifest?.version) },
      };
      return {
        report,
        synthesis: staticReport,
        sandboxReports,
        runs: observations.map((o) => ({
          purpose: o.purpose,
          status: o.result.status,
          wallMs: round(o.result.resources.wallMs, 2),
          cpuMs: round(o.result.resources.cpuMs, 2),
          peakMemoryMb: o.result.resources.peakMemoryMb,
          hostCalls: o.result.hostCalls.length,
          problem: statusProblem(o.result),
        })),
      };
    },
  };
}

/**
 * The pipeline's verifier (pipeline/ CandidateVerifier): runs `deps.level` (default `comprehensive`) for a
 * generated candidate and its pattern. Drop-in for the previous basic+standard verifier.
 */
export function createCandidateVerifier(deps: VerifierDeps): CandidateVerifier {
  const verifier = createVerifier(deps);
  const level = deps.level ?? 'comprehensive';
  return {
    async verify(capability: Capability, pattern: Pattern) {
      const out = await verifier.verify(capability, { level, pattern });
      return { synthesis: out.synthesis, verification: out.report, sandboxReports: out.sandboxReports };
    },
  };
}
