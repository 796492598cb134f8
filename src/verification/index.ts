/**
 * verification/: decides whether a candidate capability may ever reach a user, on evidence gathered by running
 * it in the sandbox. Levels basic → standard → comprehensive → production; multi-factor risk score; decision
 * approve | conditional (with conditions) | reject. Documented in docs/verification.md.
 */
export { createCandidateVerifier, createVerifier } from './verifier.js';
export type {
  DetailedVerificationReport,
  VerificationOutcome,
  VerificationRun,
  Verifier,
} from './verifier.js';
export type { BenchmarkFigures, BenchmarkRunner, VerifierDeps, VerifyRequest } from './verifier-deps.js';
export {
  PERMISSION_RISK,
  PROVENANCE_RISK,
  VERIFICATION_DEFAULTS,
  resolveVerificationOptions,
} from './options.js';
export type { VerificationOptions, VerificationOptionsInput } from './options.js';
export { CONDITIONS, LEVELS, decide, riskScore } from './risk.js';
export type { Decision, RiskFactor, VerificationCheck } from './risk.js';
export { findSecrets, outputProblems } from './output-checks.js';
export type { SecretFinding } from './output-checks.js';
export { fuzzInputs, sceneTarget } from './fuzz.js';
export { buildTestCases } from './capability-cases.js';
export { expectedDataProblem, targetPresent } from './expected-data.js';
export { frameForInput } from './case-inputs.js';
export { groundTruthScene } from './ground-truth-scene.js';
export { expectationProblem, taughtCases } from './taught-cases.js';
export type {
  CapabilityTestCase,
  RenderedTestScene,
  TaughtExample,
  TestScenePort,
  TruthElement,
} from './case-types.js';
export { compareBenchmarks, createVerificationBenchmark, poolBenchmarks } from './production-benchmark.js';
export type { VerificationBenchmarkOptions } from './production-benchmark.js';
export { createVerificationService } from './verification-service.js';
export type { VerificationService, VerificationServiceOptions } from './verification-service.js';
