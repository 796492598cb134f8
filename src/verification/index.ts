export { createCandidateVerifier } from './verifier.js';
export type { VerifierDeps } from './verifier.js';
export { buildTestCases } from './test-cases.js';
export type { CapabilityTestCase, TestScenePort } from './test-cases.js';
