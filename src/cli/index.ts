/** The CLI's face: the program (`entry.ts` runs it) and the learner child `serve` starts beside it. */
export { buildProgram, EXIT, main } from './main.js';
export { spawnLearner } from './learner.js';
export type { Learner, LearnerPriority } from './learner.js';
