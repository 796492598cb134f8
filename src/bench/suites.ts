import type { Figure } from './harness.js';
import { routingFigures } from './routing-bench.js';
import { visionFigures } from './vision-bench.js';

/**
 * Every bench suite: a name (`npm run bench -- <name>` runs only the suites whose name contains it) and a
 * function returning its figures. A stage adds its suite as `src/bench/<stage>-bench.ts` and one line here.
 */
export interface BenchSuite {
  name: string;
  figures: () => Figure[] | Promise<Figure[]>;
}

export const SUITES: readonly BenchSuite[] = [
  { name: 'routing', figures: routingFigures },
  { name: 'vision', figures: visionFigures },
];
