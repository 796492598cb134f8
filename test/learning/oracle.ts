/**
 * The learning corpus judges data with the same oracle verification uses for generated capabilities
 * (src/verification/expected-data.ts): the expected `data` is computed from the renderer's ground truth, never
 * from the vision code under test.
 */
export { expectedDataProblem as checkData, targetPresent } from '../../src/verification/index.js';
