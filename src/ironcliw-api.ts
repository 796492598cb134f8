// The library's face: what `createIroncliw` takes and returns (src/index.ts exports these types). The wiring
// behind it is ironcliw.ts.
import type { Actuator } from './capabilities/index.js';
import type { IroncliwConfig } from './config/index.js';
import type { DecisionEvent, Failure, Pattern, Rollout, VerificationLevel } from './domain/index.js';
import type { DemonstrateOptions, DemonstrationOutcome } from './ironcliw-demonstrate.js';
import type { PipelineHooks, PipelineStage } from './pipeline/index.js';
import type { Evaluation, ManualOptions, RolloutStatus, IroncliwFlagProvider } from './rollout/index.js';
import type {
  AutonomousCapabilitiesStatus,
  CommandResponse,
  ExecutionEvent,
  HealthReport,
  ProcessOptions,
} from './runtime/index.js';
import type { ImportOutcome } from './sharing/index.js';
import type { Job, StoredCapability, Store } from './store/index.js';
import type { DetailedVerificationReport } from './verification/index.js';

export type { AutonomousCapabilitiesStatus } from './runtime/index.js';
export type { ImportOutcome } from './sharing/index.js';

export interface CreateOptions {
  /** Use this store instead of opening config.db (the caller keeps ownership). */
  store?: Store;
  hooks?: PipelineHooks;
  /** Start background learning workers (default: config.pipeline.enabled). */
  startWorkers?: boolean;
  /**
   * Start the rollout engine's timers (metrics flush, changes from other nodes, window judging). Every serving
   * node needs them, learning or not. Default: the same as startWorkers.
   */
  serving?: boolean;
  actuator?: Actuator;
  log?: (msg: string, data?: Record<string, unknown>) => void;
  /**
   * Run screen scans (`findShapes`) on a worker thread, off the event loop that serves requests: `serve`
   * sets it, so a run that asks for many scans never delays other requests or the sandbox watchdog.
   */
  offloadVision?: boolean;
  /**
   * Read text (readText, findText, elements: OCR and the OpenCV they use) in a child process started on first
   * use that exits after config memory.ocrIdleMs without a call, so that memory goes back to the OS whole:
   * `serve` sets it (issue 20). Unset, text is read in this process (the library, CLI commands).
   */
  visionProcess?: boolean;
  /**
   * Start the sandbox pool on first use and close it after this many ms without a run (a learning-only
   * node between jobs: `ironcliw learn` passes config memory.learnerSandboxIdleMs). Unset: a serving or
   * learning node warms its pool at once and keeps it.
   */
  sandboxIdleMs?: number;
}

/** What a running Ironcliw reports as it works (for metrics, logs and live dashboards). */
export interface IroncliwEvents {
  /** Every handled command, answered or failed. */
  command: CommandResponse;
  /** Every run of a capability (the numbers rollout decisions are made from). */
  execution: ExecutionEvent;
  /** A failure, after it was recorded durably. */
  failure: Failure;
  /** One stage of a learning job finished. */
  stage: { stage: PipelineStage; ms: number; outcome: 'ok' | 'rejected' | 'error' };
  /** A rollout decision (register, promote, pause, rollback…), after it was stored. */
  rollout: DecisionEvent;
  /**
   * A learning job this runtime enqueued waits for a worker (`serve` starts its learner process on it). Jobs
   * enqueued by other nodes are not seen here: poll the store (`hasClaimableJob`) for those.
   */
  job: Job;
}

export interface Ironcliw extends AsyncDisposable {
  readonly config: IroncliwConfig;
  readonly store: Store;
  /**
   * Handles one command. Never waits for learning: a failure is recorded durably and handed to the
   * background pipeline.
   * @example
   * const r = await ironcliw.processCommand('count the green circles on the toolbar', { user: 'ana' }, { screen: { path: 'screen.png' } });
   * if (r.ok) console.log(r.result.answer);
   */
  processCommand(
    command: string,
    context: { user: string; groups?: string[] },
    options?: ProcessOptions,
  ): Promise<CommandResponse>;
  getAutonomousCapabilitiesStatus(): Promise<AutonomousCapabilitiesStatus>;
  /**
   * Whether this node can serve: a `select 1` on the store and a look at the sandbox pool, each within
   * 2 s. `ok`, `degraded` (the database is away; handled commands are still answered) or `failing`.
   */
  health(): Promise<HealthReport>;
  capabilities: {
    list(): Promise<StoredCapability[]>;
    get(id: string, version?: number): Promise<StoredCapability | undefined>;
  };
  /**
   * Feedback on an answer, by the `requestId` of the response. Counts towards the rollout decision of the
   * capability version that answered (E_NOT_FOUND for an unknown request, E_STATE_CONFLICT when it already
   * has feedback).
   */
  feedback(requestId: string, positive: boolean): Promise<void>;
  rollouts: {
    list(): Promise<Rollout[]>;
    get(capabilityId: string): Promise<Rollout | undefined>;
    /** State, policy, open window numbers, what the engine would do now, and the decision history. */
    status(capabilityId: string): Promise<RolloutStatus>;
    promote(capabilityId: string, options?: ManualOptions): Promise<DecisionEvent>;
    pause(capabilityId: string, options?: ManualOptions): Promise<DecisionEvent>;
    resume(capabilityId: string, options?: ManualOptions): Promise<DecisionEvent>;
    rollback(capabilityId: string, options?: ManualOptions): Promise<DecisionEvent>;
    /** Judges every open stage window now (it also runs on a timer while serving). */
    evaluate(): Promise<Evaluation[]>;
  };
  patterns(): Promise<Pattern[]>;
  /**
   * Verifies a stored capability (default: its latest version) at a level and stores the report.
   * @example const report = await ironcliw.verify('count-shapes-by-color', { level: 'comprehensive' });
   */
  verify(
    capabilityId: string,
    options: { level: VerificationLevel; version?: number },
  ): Promise<DetailedVerificationReport>;
  /**
   * Imports a signed capability bundle (`ironcliw export`): checks its hash and signature against the trusted
   * keys (config sharing.keysDir), then puts it through this deployment's own static gate and verification.
   * Whatever its origin claims, an accepted capability starts in `development` as `imported`.
   */
  importBundle(bundle: unknown): Promise<ImportOutcome>;
  /**
   * Records a demonstration — the command, its screen, and what should have happened (actions in screen
   * pixels and/or expected answer fields) — and queues learning from its pattern's demonstrations (program
   * synthesis; the result is an ordinary capability through the gate, sandbox, verification and rollout).
   * @example
   * await ironcliw.demonstrate('click the Save button', { user: 'ana' }, {
   *   screen: { path: 'screen.png' }, actions: [{ type: 'click', x: 74, y: 120 }], wait: true });
   */
  demonstrate(
    command: string,
    context: { user: string; groups?: string[] },
    options: DemonstrateOptions,
  ): Promise<DemonstrationOutcome>;
  /** Deletes the kept screens of failed commands older than config demonstrations.screenRetentionMs. */
  purgeScreens(): Promise<number>;
  /** Resolves when the learning triggered in this process has finished (used by `run --wait` and tests). */
  waitForLearning(timeoutMs?: number): Promise<void>;
  /**
   * How long (ms) learning in this process has had nothing to do: no job running, no observation in
   * flight; 0 while it has work. `ironcliw learn --exit-when-idle` exits once it exceeds memory.learnerIdleMs.
   */
  learningIdleFor(): number;
  /** Re-reads capabilities and rollouts from the store (other nodes may have changed them). */
  refresh(): Promise<void>;
  /**
   * An OpenFeature server provider over this node's rollouts: each capability is a flag (variant canary or
   * stable, reason SPLIT / TARGETING_MATCH, stage and rollout id in the metadata).
   * @example OpenFeature.setProvider(ironcliw.openFeatureProvider());
   */
  openFeatureProvider(): IroncliwFlagProvider;
  /** Subscribes to what this node does; returns the unsubscribe function. Listeners must not throw. */
  on<K extends keyof IroncliwEvents>(event: K, listener: (payload: IroncliwEvents[K]) => void): () => void;
  close(): Promise<void>;
}
