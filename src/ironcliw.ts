import type { IroncliwConfig, IroncliwConfigInput } from './config/index.js';
import { parseConfig } from './config/index.js';
import type { Actuator, VisionPort } from './capabilities/index.js';
import { BUILTIN_CAPABILITIES, CapabilityRegistry } from './capabilities/index.js';
import type {
  Capability,
  DecisionEvent,
  Failure,
  Pattern,
  Rollout,
  RolloutStage,
  VerificationLevel,
} from './domain/index.js';
import { IroncliwError, newId } from './domain/index.js';
import type { BenchmarkRun } from './benchmark/index.js';
import { compareBenchmarks, createVerificationBenchmark } from './benchmark/index.js';
import { createLlmProvider, FAMILIES } from './generation/index.js';
import type { CandidateVerifier, PipelineHooks, PipelineStage } from './pipeline/index.js';
import { Pipeline } from './pipeline/index.js';
import type {
  CommandResponse,
  ExecutionEvent,
  HealthReport,
  ProcessOptions,
  RuntimeDeps,
} from './runtime/index.js';
import { checkHealth, DecodeAdmission, processCommand, sandboxLayers } from './runtime/index.js';
import type { SandboxLayerInfo, SandboxTier } from './sandbox/index.js';
import { createSandboxTier } from './sandbox/index.js';
import type { Evaluation, ManualOptions, RolloutEngine, RolloutStatus } from './rollout/index.js';
import { createRolloutEngine, IroncliwFlagProvider } from './rollout/index.js';
import type { StoredCapability, Store } from './store/index.js';
import { openStore } from './store/index.js';
import type { DetailedVerificationReport, TaughtExample } from './verification/index.js';
import { expectationOf, taughtSignature } from './discovery/index.js';
import { createCandidateVerifier, createVerifier, resolveVerificationOptions } from './verification/index.js';
import { synthesize } from './synthesis/index.js';
import { loadOrCreateSigningKey, loadTrustedKeys, openBundle } from './sharing/index.js';
import { offloadVision } from './vision-offload.js';
import { createTestScenes, createVisionPort, screenLoader } from './vision-port.js';
import { X11Actuator } from './vision/index.js';
import { frameFields, ParseCache } from './understanding/index.js';

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
}

export interface AutonomousCapabilitiesStatus {
  generationStats: {
    /** Capability versions generated from failures (not built-in, not imported). */
    totalGenerated: number;
    byGenerator: Record<string, number>;
    patterns: number;
    patternsByStatus: Record<string, number>;
    /** Of the patterns that went through generation, the share that produced a registered capability. */
    successShare: number | null;
    /** Median time from a pattern's generation job being queued to its candidate being decided. */
    medianPatternToDecisionMs: number | null;
  };
  verificationStats: {
    byDecision: Record<string, number>;
    topViolations: Array<{ rule: string; count: number }>;
  };
  rolloutStatus: {
    active: number;
    byStage: Partial<Record<RolloutStage, number>>;
    rolledBack: number;
    promotions: number;
  };
  failureStats: { total: number; recentByCategory: Record<string, number> };
  capabilities: { builtin: number; learned: number };
  /** This node's sandbox tier and its isolation layers, active or not and why (docs/sandbox.md). */
  sandbox?: { tier: string; layers: SandboxLayerInfo[] };
}

const tally = <T>(items: T[], key: (t: T) => string | undefined): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) out[k] = (out[k] ?? 0) + 1;
  }
  return out;
};

const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};

/** The numbers behind `status`, `GET /v1/status` and the dashboard — all read from the store. */
async function computeStatus(store: Store): Promise<AutonomousCapabilitiesStatus> {
  const [caps, rollouts, patterns, failures, recentFailures, events, jobs] = await Promise.all([
    store.capabilities.list(),
    store.rollouts.list(),
    store.patterns.list(),
    store.failures.count(),
    store.failures.list({ limit: 1000 }),
    store.events.list({ limit: 5000 }),
    store.jobs.list({ status: 'done', limit: 1000 }),
  ]);
  const decided = patterns.filter((p) => p.status === 'generated' || p.status === 'rejected');
  // Reports of the most recent decisions: which verification outcome, which static rules fired.
  const recentIds = [...new Set(events.map((e) => e.capabilityId))].slice(0, 100);
  const reports = (await Promise.all(recentIds.map((id) => store.reports.list(id)))).flat();
  const verifications = reports
    .filter((r) => r.kind === 'verification')
    .map((r) => r.report as { decision?: string });
  const violations = reports
    .filter((r) => r.kind === 'synthesis')
    .flatMap((r) => (r.report as { violations?: Array<{ rule: string }> }).violations ?? []);
  const inactive: RolloutStage[] = ['rolled_back', 'retired'];
  return {
    generationStats: {
      totalGenerated: caps.filter((c) => c.manifest.origin.kind === 'generated').length,
      byGenerator: tally(caps, (c) => c.manifest.origin.generator),
      patterns: patterns.length,
      patternsByStatus: tally(patterns, (p) => p.status),
      successShare: decided.length
        ? decided.filter((p) => p.status === 'generated').length / decided.length
        : null,
      medianPatternToDecisionMs: median(
        jobs.map((j) => Date.parse(j.updatedAt) - Date.parse(j.createdAt)).filter((x) => x >= 0),
      ),
    },
    verificationStats: {
      byDecision: tally(verifications, (v) => v.decision),
      topViolations: Object.entries(tally(violations, (v) => v.rule))
        .map(([rule, count]) => ({ rule, count }))
        .sort((a, b) => b.count - a.count)
        .slice(0, 5),
    },
    rolloutStatus: {
      active: rollouts.filter((r) => !inactive.includes(r.stage)).length,
      byStage: tally(rollouts, (r) => r.stage) as Partial<Record<RolloutStage, number>>,
      rolledBack: events.filter((e) => e.kind === 'rollback').length,
      promotions: events.filter((e) => e.kind === 'promote').length,
    },
    failureStats: { total: failures, recentByCategory: tally(recentFailures, (f) => f.category) },
    capabilities: { builtin: BUILTIN_CAPABILITIES.length, learned: caps.length },
  };
}

export interface ImportOutcome {
  capabilityId: string;
  version: number;
  keyId: string;
  decision: 'approve' | 'conditional' | 'reject';
  reasons: string[];
  stage: RolloutStage | null;
  /**
   * When the id was already learned here: the version the import follows and where its rollout stood. The
   * import is a new version of it (never a replacement in place); the previous version stays the stable one
   * if it reached production, and the rollout gate decides who gets the new one.
   */
  previous: { version: number; stage: RolloutStage | null } | null;
  /** Conditions verification attached (e.g. `manual-promotion` for imported code): see `rollout show`. */
  conditions: string[];
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
  /** Resolves when the learning triggered in this process has finished (used by `run --wait` and tests). */
  waitForLearning(timeoutMs?: number): Promise<void>;
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

/** Creates an Ironcliw runtime: store, sandbox, vision, routing and the background learning pipeline. */
export async function createIroncliw(
  configInput: IroncliwConfigInput | IroncliwConfig = {},
  options: CreateOptions = {},
): Promise<Ironcliw> {
  const config = Object.isFrozen(configInput) ? (configInput as IroncliwConfig) : parseConfig(configInput);
  const store = options.store ?? (await openStore(config.db));
  let sandbox: SandboxTier | undefined;
  let rolloutEngine: RolloutEngine | undefined;
  let closeVision: (() => Promise<void>) | undefined;
  const listeners = new Map<keyof IroncliwEvents, Set<(payload: never) => void>>();
  const emit = <K extends keyof IroncliwEvents>(event: K, payload: IroncliwEvents[K]) => {
    for (const l of listeners.get(event) ?? []) {
      try {
        (l as (p: IroncliwEvents[K]) => void)(payload);
      } catch (err) {
        options.log?.('event listener failed', { event, error: String(err) });
      }
    }
  };
  const hooks: PipelineHooks = {
    ...options.hooks,
    onStage: (stage, ms, outcome) => {
      options.hooks?.onStage?.(stage, ms, outcome);
      emit('stage', { stage, ms, outcome });
    },
    onRolloutChange: (event) => {
      options.hooks?.onRolloutChange?.(event);
      emit('rollout', event);
    },
  };
  try {
    // Validated before anything starts, so a typo in a threshold fails fast with the key's name.
    const verificationOptions = resolveVerificationOptions(config.verification);
    sandbox = await createSandboxTier(config.sandbox.tier, {
      poolSize: config.sandbox.poolSize,
      allowSharedNetwork: config.sandbox.allowSharedNetwork,
      allowRootChildren: config.sandbox.allowRootChildren,
    });
    const offloaded = options.offloadVision ? offloadVision(createVisionPort()) : undefined;
    closeVision = offloaded?.close;
    const vision: VisionPort = offloaded?.port ?? createVisionPort();
    // Actions are recorded (returned in data.actions) unless a real actuator is chosen: `actions.actuator:
    // "x11"` drives the X display with xdotool, and fails with E_ACTUATOR_UNAVAILABLE where there is none.
    const actuator = options.actuator ?? (config.actions.actuator === 'x11' ? new X11Actuator() : undefined);
    const screens = screenLoader(config.maxImagePixels);
    const groups = { internalGroup: config.rollout.internalGroup, betaGroup: config.rollout.betaGroup };
    /** Set once the pipeline exists; the engine's timers start after that (see `start` below). */
    const evolution: { check?: (capabilityId: string) => Promise<unknown> } = {};
    const engine: RolloutEngine = (rolloutEngine = await createRolloutEngine({
      store,
      groups,
      thresholds: config.rollout.decision,
      flushIntervalMs: config.rollout.flushIntervalMs,
      refreshIntervalMs: config.rollout.refreshIntervalMs,
      evaluateIntervalMs: config.rollout.evaluateIntervalMs,
      // Each timed judgement also judges evolution (the pipeline exists by the time the timers run).
      onEvaluated: async (evaluations) => {
        for (const e of evaluations) await evolution.check?.(e.capabilityId);
      },
      ...(options.log ? { log: options.log } : {}),
    }));
    const registry = new CapabilityRegistry(groups, BUILTIN_CAPABILITIES, (id, context) =>
      engine.assign(id, context),
    );

    // The routing table: for each rollout, the version it rolls out and the stable version everyone else
    // keeps (both loaded, so the engine's choice per user is served without a store read).
    const refresh = async () => {
      await engine.refresh();
      const rollouts = await store.rollouts.list();
      const entries = [];
      for (const rollout of rollouts) {
        const served = await store.capabilities.get(rollout.capabilityId, rollout.version);
        if (!served) continue;
        const stableVersion = engine.compiled.get(rollout.capabilityId)?.stableVersion;
        const stable =
          stableVersion !== undefined && stableVersion !== rollout.version
            ? await store.capabilities.get(rollout.capabilityId, stableVersion)
            : undefined;
        entries.push({
          manifest: served.manifest,
          code: served.code,
          rollout,
          ...(stable ? { stable: { manifest: stable.manifest, code: stable.code } } : {}),
        });
      }
      registry.replace(entries);
    };
    await refresh();
    // Transitions made here or seen from other nodes: reload routes, tell listeners about this node's own.
    engine.onChange((change) => {
      if (change.event) emit('rollout', change.event);
      refresh().catch((err: unknown) => options.log?.('route refresh failed', { error: String(err) }));
    });

    // Production-level verification benchmarks every candidate in the sandbox it will serve from (and the
    // live version of its pattern, for the regression verdict); the candidate's own runs are stored with it.
    const scenes = createTestScenes();
    const benchmarkRuns = new Map<string, BenchmarkRun[]>();
    const keyOf = (c: Capability) => `${c.manifest.id}@${c.manifest.version}`;
    const benchmark = createVerificationBenchmark({
      tier: sandbox,
      vision,
      scenes,
      iterations: config.pipeline.benchmarkIterations,
      onRun: (c, run) => benchmarkRuns.set(keyOf(c), [...(benchmarkRuns.get(keyOf(c)) ?? []), run]),
    });
    const baseline = async (candidate: Capability) => {
      const live = engine.get(candidate.manifest.id);
      if (!live || live.version === candidate.manifest.version) return undefined;
      const cap = await store.capabilities.get(candidate.manifest.id, live.version);
      return cap ? benchmark({ manifest: cap.manifest, code: cap.code }) : undefined;
    };
    const verifierDeps = {
      sandbox,
      vision,
      scenes,
      benchmark,
      baseline,
      compare: compareBenchmarks,
      options: verificationOptions,
      // What users actually asked becomes part of the test cases.
      seenInputs: async (pattern: Pattern) => {
        const failures = await store.failures.list({ signature: pattern.signature, limit: 20 });
        return failures.map((f) => {
          const fields = frameFields(f.frame) as Record<string, unknown>;
          const input = Object.fromEntries(
            Object.entries(fields).filter(([k]) => pattern.parameters.includes(k)),
          );
          return pattern.parameters.includes('ops') && f.frame.ops ? { ...input, ops: f.frame.ops } : input;
        });
      },
      // What users taught (`ironcliw teach … --expect`) becomes a test case on the screen they taught it on.
      taught: async (pattern: Pattern) => {
        const failures = await store.failures.list({
          signature: taughtSignature(pattern.signature),
          limit: 20,
        });
        const examples: TaughtExample[] = [];
        for (const f of failures) {
          const expect = expectationOf(f);
          if (!expect || !f.screenRef) continue;
          try {
            examples.push({ frame: f.frame, screen: await screens.load(f.screenRef), expect, name: f.id });
          } catch (err) {
            options.log?.('taught screen unreadable', { failureId: f.id, error: String(err) });
          }
        }
        return examples;
      },
    };
    const inner = createCandidateVerifier({ ...verifierDeps, level: config.pipeline.verificationLevel });
    const direct = createVerifier(verifierDeps);

    const verifier: CandidateVerifier = {
      async verify(capability, pattern) {
        try {
          const out = await inner.verify(capability, pattern);
          return { ...out, benchmarkReports: benchmarkRuns.get(keyOf(capability)) ?? [] };
        } finally {
          // The candidate's runs and its baseline's (the live version) are done with either way.
          for (const key of benchmarkRuns.keys())
            if (key.startsWith(`${capability.manifest.id}@`)) benchmarkRuns.delete(key);
        }
      },
    };

    const pipeline = new Pipeline({
      store,
      thresholds: config.discovery,
      families: FAMILIES,
      verifier,
      // A new version starts in development; judging at once lets an approved one reach canary in seconds.
      onRegistered: async () => {
        await refresh();
        await engine.evaluate();
      },
      concurrency: config.pipeline.concurrency,
      leaseMs: config.pipeline.leaseMs,
      maxAttempts: config.pipeline.maxAttempts,
      versionLimit: {
        max: config.pipeline.maxVersionsPerWindow,
        windowMs: config.pipeline.versionWindowMs,
      },
      ...(config.llm.enabled
        ? {
            llm: createLlmProvider({
              baseUrl: config.llm.baseUrl,
              model: config.llm.model,
              apiKeyEnv: config.llm.apiKeyEnv,
              maxAttempts: config.llm.maxAttempts,
              timeoutMs: config.llm.timeoutMs,
            }),
          }
        : {}),
      hooks,
      ...(options.log ? { log: options.log } : {}),
    });
    evolution.check = (capabilityId) =>
      pipeline
        .considerEvolution(capabilityId)
        .catch((err: unknown) =>
          options.log?.('evolution check failed', { capabilityId, error: String(err) }),
        );
    const workers = options.startWorkers ?? config.pipeline.enabled;
    if (workers) pipeline.start();
    if (options.serving ?? workers) engine.start();

    const sb = sandbox;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await pipeline.close();
      await engine.close(); // flushes this node's metrics
      await sb.close();
      await closeVision?.();
      if (!options.store) await store.close();
    };

    const verifyStored = async (
      capabilityId: string,
      o: { level: VerificationLevel; version?: number },
    ): Promise<DetailedVerificationReport> => {
      const cap = await store.capabilities.get(capabilityId, o.version);
      if (!cap)
        throw new IroncliwError(
          'E_NOT_FOUND',
          `no capability "${capabilityId.slice(0, 80)}"${o.version ? ` v${o.version}` : ''}`,
        );
      const capability = { manifest: cap.manifest, code: cap.code };
      let report: DetailedVerificationReport;
      try {
        ({ report } = await direct.verify(capability, { level: o.level }));
      } finally {
        benchmarkRuns.delete(keyOf(capability));
      }
      await store.reports.add({
        id: newId('rep'),
        capabilityId,
        version: cap.manifest.version,
        kind: 'verification',
        at: new Date().toISOString(),
        report,
      });
      return report;
    };

    const importBundle = async (value: unknown): Promise<ImportOutcome> => {
      const keys = { dir: config.sharing.keysDir };
      const opened = openBundle(value, loadTrustedKeys(keys, loadOrCreateSigningKey(keys)));
      const sent = opened.capability.manifest;
      // Built-in ids are reserved: an import under one would shadow the built-in's routing (issue 16).
      if (BUILTIN_CAPABILITIES.some((b) => b.manifest.id === sent.id))
        throw new IroncliwError(
          'E_ID_RESERVED',
          `bundle from key ${opened.keyId} names "${sent.id.slice(0, 80)}", the id of a built-in capability`,
        );
      // An existing learned id: the import is the next version of it, beside the versions already stored.
      const existing = await store.capabilities.versions(sent.id);
      const latest = existing.reduce((n, m) => Math.max(n, m.version), 0);
      const version = latest + 1;
      const previousRollout = latest ? await store.rollouts.get(sent.id) : undefined;
      const previous = latest
        ? {
            version: previousRollout?.version ?? latest,
            stage: previousRollout ? previousRollout.stage : null,
          }
        : null;
      // A version still rolling out would lose its users to the import without anyone deciding it: refuse.
      const rolling: RolloutStage[] = ['development', 'canary', 'beta', 'gradual', 'paused'];
      if (previousRollout && rolling.includes(previousRollout.stage))
        throw new IroncliwError(
          'E_STATE_CONFLICT',
          `${sent.id.slice(0, 80)} v${previousRollout.version} is still rolling out (${previousRollout.stage}); an import would replace it`,
          {
            hint: `Finish its rollout (ironcliw rollout promote) or roll it back (ironcliw rollout rollback ${sent.id.slice(0, 80)}) first; the import then becomes v${version}.`,
          },
        );
      // The sender's claims (origin, version, reports) are not evidence here: this deployment checks again.
      const manifest = {
        ...sent,
        version,
        origin: {
          kind: 'imported' as const,
          generator: `bundle:${opened.keyId}:${sent.origin.generator}`.slice(0, 200),
          failureIds: [],
        },
      };
      const synthesized = synthesize(opened.capability.code, {
        permissions: manifest.permissions,
        inputSchema: manifest.inputSchema,
        outputSchema: manifest.outputSchema,
      });
      const capability: Capability = { manifest, code: synthesized.code };
      const at = new Date().toISOString();
      const base = { capabilityId: manifest.id, version, keyId: opened.keyId };
      let report: DetailedVerificationReport | undefined;
      let benchmarks: BenchmarkRun[] = [];
      try {
        if (synthesized.report.safe)
          ({ report } = await direct.verify(capability, { level: config.pipeline.verificationLevel }));
        benchmarks = benchmarkRuns.get(keyOf(capability)) ?? [];
      } finally {
        benchmarkRuns.delete(keyOf(capability));
      }
      const decision = report ? report.decision : 'reject';
      const reasons = report
        ? report.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`)
        : synthesized.report.violations.map((v) => `${v.rule}: ${v.message}`);
      const numbers = {
        safetyScore: synthesized.report.score,
        violations: synthesized.report.violations.length,
        ...(report ? { riskScore: report.riskScore } : {}),
        senderReports: opened.reports.length,
        ...(previous ? { previousVersion: previous.version } : {}),
      };
      const follows = !previous
        ? ''
        : previous.stage === 'production'
          ? `; a new version of the learned ${manifest.id}: v${previous.version} (production) stays the stable version for everyone the rollout gate does not admit to v${version}`
          : `; a new version of the learned ${manifest.id} (v${previous.version} is ${previous.stage ?? 'not rolled out'})`;
      await store.transaction(async (tx) => {
        await tx.reports.add({
          id: newId('rep'),
          capabilityId: manifest.id,
          version,
          kind: 'synthesis',
          at,
          report: synthesized.report,
        });
        if (report)
          await tx.reports.add({
            id: newId('rep'),
            capabilityId: manifest.id,
            version,
            kind: 'verification',
            at,
            report,
          });
        if (decision === 'reject') {
          await tx.events.append({
            id: newId('evt'),
            at,
            capabilityId: manifest.id,
            version,
            kind: 'reject',
            reason: `import from key ${opened.keyId} rejected: ${reasons.join('; ').slice(0, 1000)}`,
            numbers,
            actor: 'system',
          });
          return;
        }
        await tx.capabilities.put(capability);
        for (const run of benchmarks)
          await tx.reports.add({
            id: newId('rep'),
            capabilityId: manifest.id,
            version,
            kind: 'benchmark',
            at,
            report: run,
          });
        await tx.events.append({
          id: newId('evt'),
          at,
          capabilityId: manifest.id,
          version,
          kind: 'approve',
          reason: `imported from key ${opened.keyId}; verification ${decision} at level ${report!.level}${follows}`,
          numbers,
          actor: 'system',
        });
        await tx.events.append({
          id: newId('evt'),
          at,
          capabilityId: manifest.id,
          version,
          kind: 'register',
          toStage: 'development',
          reason: `imported capabilities start in development (internal group only), whatever their origin claims${report!.conditions.length ? `; conditions ${report!.conditions.join(', ')}` : ''}${follows}`,
          numbers,
          actor: 'system',
        });
        await tx.rollouts.save({
          id: newId('rol'),
          capabilityId: manifest.id,
          version,
          stage: 'development',
          percentage: 0,
          rolloutKey: `${manifest.id}:v${version}`,
          stageEnteredAt: at,
          updatedAt: at,
        });
      });
      if (decision !== 'reject') await refresh();
      return {
        ...base,
        decision,
        reasons,
        stage: decision === 'reject' ? null : 'development',
        previous,
        conditions: report?.conditions ?? [],
      };
    };

    // Built once: the request path is hot (a handled command costs ~10 µs of our own work), so nothing in
    // it is rebuilt per call that does not change per call.
    const parseCache = new ParseCache();
    const runtimeDeps: RuntimeDeps = {
      store,
      registry,
      vision,
      screens,
      sandbox: sb,
      maxCommandLength: config.maxCommandLength,
      minConfidence: config.understanding.minConfidence,
      sandboxDefaults: { timeoutMs: config.sandbox.timeoutMs, memoryMb: config.sandbox.memoryMb },
      ...(actuator ? { actuator } : {}),
      parse: (text) => parseCache.parse(text),
      hostBudget: { maxCalls: config.hostWork.maxSdkCalls, maxHostMs: config.hostWork.maxHostMs },
      decodeAdmission: new DecodeAdmission({
        pixelsInFlight: config.hostWork.decodePixelsInFlight,
        maxQueued: config.hostWork.decodeQueue,
        maxWaitMs: config.hostWork.decodeWaitMs,
      }),
      onFailure: (f) => {
        emit('failure', f);
        pipeline.observe(f);
        // A live capability's own timeouts and errors also count towards its evolution.
        if (f.capabilityId) void evolution.check?.(f.capabilityId);
      },
      onExecution: (e) => {
        engine.recordOutcome(e);
        emit('execution', e);
      },
    };

    return {
      config,
      store,
      processCommand: (command, context, opts) =>
        processCommand(runtimeDeps, command, context, opts).then((response) => {
          emit('command', response);
          return response;
        }),
      getAutonomousCapabilitiesStatus: async () => {
        const [status, layers] = await Promise.all([computeStatus(store), sandboxLayers(sb)]);
        return { ...status, sandbox: { tier: sb.name, layers } };
      },
      health: () => checkHealth({ store, sandbox: sb, closed }),
      capabilities: {
        list: () => store.capabilities.list(),
        get: (id, version) => store.capabilities.get(id, version),
      },
      feedback: async (requestId, positive) => {
        const served = await engine.recordFeedback({ requestId, positive });
        // Wrong answers reported by users can earn the capability a new version (discovery's evolution rule).
        if (!positive) await evolution.check?.(served.capabilityId);
      },
      rollouts: {
        list: () => store.rollouts.list(),
        get: (id) => store.rollouts.get(id),
        status: (id) => engine.status(id),
        promote: (id, o) => engine.promote(id, o),
        pause: (id, o) => engine.pause(id, o),
        resume: (id, o) => engine.resume(id, o),
        rollback: (id, o) => engine.rollback(id, o),
        evaluate: async () => {
          const evaluations = await engine.evaluate();
          for (const e of evaluations) await evolution.check?.(e.capabilityId);
          return evaluations;
        },
      },
      patterns: () => store.patterns.list(),
      verify: verifyStored,
      importBundle,
      waitForLearning: (timeoutMs) => pipeline.idle(timeoutMs),
      refresh,
      openFeatureProvider: () => new IroncliwFlagProvider(engine),
      on(event, listener) {
        let set = listeners.get(event);
        if (!set) listeners.set(event, (set = new Set()));
        set.add(listener as (payload: never) => void);
        return () => set.delete(listener as (payload: never) => void);
      },
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (err) {
    await rolloutEngine?.close();
    await sandbox?.close();
    await closeVision?.();
    if (!options.store) await store.close();
    throw err;
  }
}
