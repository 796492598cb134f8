import type { Figure } from './harness.js';
import { benchmarkFigures } from './benchmark-bench.js';
import { cliFigures } from './cli-bench.js';
import { clusterFigures } from './cluster-bench.js';
import { demonstrationFigures } from './demonstration-bench.js';
import { elementFigures } from './elements-bench.js';
import { generationFigures } from './generation-bench.js';
import { hostWorkBenchFigures } from './host-work-bench.js';
import { httpFigures } from './http-bench.js';
import { loopFigures } from './loop-bench.js';
import { memoryFigures } from './memory-bench.js';
import { rolloutFigures } from './rollout-bench.js';
import { routingFigures } from './routing-bench.js';
import { sandboxFigures } from './sandbox-bench.js';
import { serviceCostFigures } from './service-cost-bench.js';
import { synthesisFigures } from './synthesis-bench.js';
import { understandingFigures } from './understanding-bench.js';
import { verificationFigures } from './verification-bench.js';
import { visionFigures } from './vision-bench.js';

/**
 * Every bench suite: a name (`npm run bench -- <name>` runs only the suites whose name contains it) and a
 * function returning its figures. A stage adds its suite as `bench/<stage>-bench.ts` and one line here.
 */
export interface BenchSuite {
  name: string;
  figures: () => Figure[] | Promise<Figure[]>;
}

export const SUITES: readonly BenchSuite[] = [
  { name: 'routing', figures: routingFigures },
  { name: 'understanding', figures: understandingFigures },
  { name: 'rollout', figures: rolloutFigures },
  { name: 'generation', figures: generationFigures },
  { name: 'demonstrations', figures: demonstrationFigures },
  { name: 'loop', figures: loopFigures },
  { name: 'synthesis', figures: synthesisFigures },
  { name: 'sandbox', figures: sandboxFigures },
  { name: 'verification', figures: verificationFigures },
  { name: 'benchmark', figures: benchmarkFigures },
  { name: 'vision', figures: visionFigures },
  // `npm run bench -- vision` runs both; `-- elements` the UI element figures alone (issue 18).
  { name: 'vision-elements', figures: elementFigures },
  { name: 'http', figures: httpFigures },
  { name: 'http-cost', figures: serviceCostFigures },
  { name: 'host-work', figures: hostWorkBenchFigures },
  { name: 'cluster', figures: clusterFigures },
  { name: 'cli', figures: cliFigures },
  { name: 'memory', figures: memoryFigures },
];
