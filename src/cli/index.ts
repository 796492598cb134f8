/**
 * The CLI's face for other code (the bench starts a learner the way `serve` does). The program itself runs
 * from `entry.ts` (`bin/ironcliw.js`).
 */
export { spawnLearner } from './learner.js';
export type { Learner, LearnerPriority } from './learner.js';
