import type {
  CandidateVerifier,
  Capability,
  DecisionEvent,
  Failure,
  Pattern,
  VerificationReport,
} from '../domain/index.js';
import type { DiscoveryThresholds, EvolutionThresholds } from '../discovery/index.js';
import type { GeneratorFamily, LlmProvider } from '../generation/index.js';
import type { DemonstrationCandidate } from '../demonstration/index.js';
import type { Job, Store } from '../store/index.js';

export type { CandidateVerifier } from '../domain/index.js';

export interface PipelineHooks {
  onFailure?(failure: Failure): void;
  onCandidate?(capability: Capability): void;
  onVerified?(capability: Capability, report: VerificationReport): void;
  onRolloutChange?(event: DecisionEvent): void;
  /** Each stage of a generation job with its wall time (for /metrics and dashboards). */
  onStage?(stage: PipelineStage, ms: number, outcome: 'ok' | 'rejected' | 'error'): void;
  /**
   * A learning job this process enqueued is waiting to be claimed (it was created, or its key was already
   * queued). `serve` starts its learner process on it (issue 20: no learner while nothing is queued).
   */
  onJobQueued?(job: Job): void;
}

export type PipelineStage = 'generate' | 'verify' | 'register';

export interface PipelineDeps {
  store: Store;
  thresholds: DiscoveryThresholds;
  families: readonly GeneratorFamily[];
  verifier: CandidateVerifier;
  /** Called after a capability was registered so routing tables reload. */
  onRegistered(): Promise<void>;
  hooks?: PipelineHooks;
  workerId?: string;
  concurrency?: number;
  /** How long a claimed job is this worker's; renewed every third of it while the job runs. Default 60 s. */
  leaseMs?: number;
  /**
   * Most times a job is claimed before it is given up (config-shaped; default `DEFAULT_MAX_ATTEMPTS`).
   * A job that keeps crashing its worker (or losing its lease) would otherwise be retried forever; over the
   * cap it is marked failed and its pattern rejected, both with the reason.
   */
  maxAttempts?: number;
  /**
   * How long `observe` waits before folding a failure into its pattern; failures of the same pattern
   * meanwhile are folded once (config `discovery.observeDelayMs`; default `DEFAULT_OBSERVE_DELAY_MS`).
   */
  observeDelayMs?: number;
  now?: () => Date;
  log?: (msg: string, data?: Record<string, unknown>) => void;
  /** When a live version earns a successor (`considerEvolution`); default `EVOLUTION_DEFAULTS`. */
  evolution?: EvolutionThresholds;
  /**
   * Optional language-model generator (config `llm`, off by default). Used when no template family accepts
   * a pattern, and first for an evolution (the template would write v(n)'s code again). Its repair loop's
   * tests are this pipeline's static gate, synthesis and verifier; what it returns goes through the same
   * registration as template code.
   */
  llm?: LlmProvider;
  /**
   * Most versions one capability may register within `windowMs` (config `pipeline.maxVersionsPerWindow`,
   * `pipeline.versionWindowMs`; default {@link DEFAULT_VERSION_LIMIT}). Beyond it `considerEvolution` queues
   * nothing and says so on the pattern: a stream of complaints cannot churn out versions faster than people
   * can look at them.
   */
  versionLimit?: { max: number; windowMs: number };
  /**
   * Learning from demonstrations (src/demonstration/). A pattern that has demonstrations is learned from them
   * (program synthesis) instead of a template or the LLM, by `generate` and `demonstrate` jobs alike.
   */
  demonstrations?: {
    has(patternId: string): Promise<boolean>;
    candidate(
      pattern: Pattern,
      o: { id: string; version: number; failureIds: string[] },
    ): Promise<DemonstrationCandidate>;
  };
}

/** Three versions per capability per hour. */
export const DEFAULT_VERSION_LIMIT: Readonly<{ max: number; windowMs: number }> = Object.freeze({
  max: 3,
  windowMs: 3_600_000,
});
