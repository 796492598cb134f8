import type { StoredRolloutPolicy } from '../store/index.js';
import type { MetricBuffer } from './metric-buffer.js';
import type { RolloutPolicy } from './policy.js';
import type { Transitions } from './transitions.js';
import type { VerdictSources } from './verdict-reader.js';

/**
 * The parts a rollout engine is made of, handed to the operations that use several of them (evaluation,
 * manual moves, status). Built once by `RolloutEngine`; never seen outside this folder.
 */
export interface EngineParts extends VerdictSources {
  metrics: MetricBuffer;
  transitions: Transitions;
  /** The policy a stored row holds (an invalid row withholds the new version, and is logged). */
  policyOf: (stored: StoredRolloutPolicy | undefined) => RolloutPolicy;
}
