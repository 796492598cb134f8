import type { IroncliwConfig, IroncliwConfigInput } from './config/index.js';
import { parseConfig } from './config/index.js';
import type { VisionPort } from './capabilities/index.js';
import { BUILTIN_CAPABILITIES, CapabilityRegistry } from './capabilities/index.js';
import type { Capability, VerificationLevel } from './domain/index.js';
import { newId } from './domain/index.js';
import { createLlmProvider, FAMILIES } from './generation/index.js';
import type { PipelineHooks } from './pipeline/index.js';
import { createTestEvidence, Pipeline } from './pipeline/index.js';
import type { CommandResponse, ProcessOptions, RuntimeDeps, ScreenKeeper } from './runtime/index.js';
import { capabilitiesStatus, checkHealth, DecodeAdmission, processCommand } from './runtime/index.js';
import type { SandboxTier } from './sandbox/index.js';
import { createSandboxTier } from './sandbox/index.js';
import { lazySandbox } from './lazy-sandbox.js';
import type { RolloutEngine } from './rollout/index.js';
import { createRolloutEngine, IroncliwFlagProvider } from './rollout/index.js';
import { openStore } from './store/index.js';
import { createTestScenes, createVisionPort, screenLoader } from './vision-port.js';
import { holdOcr, setElementCacheScreens, setOcrMemoPieces, X11Actuator } from './vision/index.js';
import { ParseCache } from './understanding/index.js';
import { createDemonstrate, SCREEN_REF_PREFIX, storedScreenLoader } from './ironcliw-demonstrate.js';
import type { CreateOptions, Ironcliw, IroncliwEvents } from './ironcliw-api.js';
import type { createDemonstrationLearner } from './demonstration/index.js';
import type { VerificationService } from './verification/index.js';

/** The learning half of a runtime, loaded on first use (see `learning` in createIroncliw). */
interface LearningParts {
  demonstrations: ReturnType<typeof createDemonstrationLearner>;
  verification: VerificationService;
}

export type {
  AutonomousCapabilitiesStatus,
  CreateOptions,
  ImportOutcome,
  Ironcliw,
  IroncliwEvents,
} from './ironcliw-api.js';

/** Creates an Ironcliw runtime: store, sandbox, vision, routing and the background learning pipeline. */
export async function createIroncliw(
  configInput: IroncliwConfigInput | IroncliwConfig = {},
  options: CreateOptions = {},
): Promise<Ironcliw> {
  const config = Object.isFrozen(configInput) ? (configInput as IroncliwConfig) : parseConfig(configInput);
  const store = options.store ?? (await openStore(config.db));
  // OCR workers start on first use; this runtime's close() ends them (they would keep the process alive), and
  // so does an idle period (config memory.ocrIdleMs).
  const releaseOcr = holdOcr({ idleMs: config.memory.ocrIdleMs });
  // Bounds of the per-process vision caches (one per process: the last runtime's config wins).
  setElementCacheScreens(config.memory.elementScreens);
  setOcrMemoPieces(config.memory.ocrMemoPieces);
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
    onJobQueued: (job) => {
      options.hooks?.onJobQueued?.(job);
      emit('job', job);
    },
  };
  try {
    // Validated before anything starts, so a typo in a threshold fails fast with the key's name (verification
    // itself is loaded on first use, below; the defaults need no check).
    if (Object.keys(config.verification).length)
      (await import('./verification/index.js')).resolveVerificationOptions(config.verification);
    const startSandbox = () =>
      createSandboxTier(config.sandbox.tier, {
        poolSize: config.sandbox.poolSize,
        minPoolSize: config.sandbox.minPoolSize,
        poolIdleMs: config.sandbox.poolIdleMs,
        poolRefreshIdleMs: config.sandbox.poolRefreshIdleMs,
        allowSharedNetwork: config.sandbox.allowSharedNetwork,
        allowRootChildren: config.sandbox.allowRootChildren,
      });
    // A serving or learning node warms its pool now; any other (a CLI command) starts it on first use: a
    // built-in never runs in the sandbox, and booting the launcher and its children was most of a command's
    // start-up (issue 20).
    // A learning-only node warms it too, gives it back once idle (config memory.learnerSandboxIdleMs) and
    // starts it again for the next job that runs code.
    const warm = options.startWorkers ?? config.pipeline.enabled;
    if (options.sandboxIdleMs) {
      const idling = lazySandbox(config.sandbox.tier, startSandbox, { idleMs: options.sandboxIdleMs });
      await idling.warm();
      sandbox = idling;
    } else
      sandbox =
        warm || (options.serving ?? warm)
          ? await startSandbox()
          : lazySandbox(config.sandbox.tier, startSandbox);
    // Loaded only when asked for: the worker thread is a serving node's choice, never a CLI command's. Scans
    // and `describe` run there, so a serving thread that reads no text never loads OpenCV (issue 20).
    const offloaded = options.offloadVision
      ? (await import('./vision-offload.js')).offloadVision(createVisionPort(), {
          idleMs: config.memory.visionWorkerIdleMs,
        })
      : undefined;
    // Text is read in a child process that exits when idle (a serving node's choice, like the worker
    // thread): a process that ends gives back what OCR and OpenCV took, threads that end do not (issue 20).
    const reading = options.visionProcess
      ? (await import('./vision-process.js')).visionProcess(offloaded?.port ?? createVisionPort(), {
          idleMs: config.memory.ocrIdleMs,
          memoPieces: config.memory.ocrMemoPieces,
          elementScreens: config.memory.elementScreens,
        })
      : undefined;
    closeVision =
      offloaded || reading
        ? async () => {
            await Promise.all([offloaded?.close(), reading?.close()]);
          }
        : undefined;
    const vision: VisionPort = reading?.port ?? offloaded?.port ?? createVisionPort();
    // Actions are recorded (returned in data.actions) unless a real actuator is chosen: `actions.actuator:
    // "x11"` drives the X display with xdotool, and fails with E_ACTUATOR_UNAVAILABLE where there is none.
    const actuator = options.actuator ?? (config.actions.actuator === 'x11' ? new X11Actuator() : undefined);
    const screens = screenLoader(config.maxImagePixels);
    const loadScreen = storedScreenLoader(store, screens);
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

    /**
     * Verification and learning from demonstrations, built on first use: they load the synthesis gate
     * (esbuild, acorn), the benchmark and the demonstration DSL, which a command that is answered or only
     * recorded as a failure (most CLI runs) never needs (issue 20, CLI start-up). A learning node builds
     * them at start (below).
     */
    let learningParts: Promise<LearningParts> | undefined;
    const sandboxForLearning = sandbox;
    const learning = (): Promise<LearningParts> =>
      (learningParts ??= (async () => {
        const [{ createVerificationService, resolveVerificationOptions }, { createDemonstrationLearner }] =
          await Promise.all([import('./verification/index.js'), import('./demonstration/index.js')]);
        // Learning from demonstrations runs in the learner's jobs: detection of the demonstration screens is
        // host code there (sdk.vision.elements is what the learned module calls).
        const demonstrations = createDemonstrationLearner({
          store,
          loadScreen,
          ...(vision.elements
            ? {
                detect: (img: Parameters<NonNullable<VisionPort['elements']>>[0]) =>
                  vision.elements!(img, {}),
              }
            : {}),
          synthesis: { askUntil: config.demonstrations.askUntil },
          maxPerPattern: config.demonstrations.maxPerPattern,
          ...(options.log ? { log: options.log } : {}),
        });
        const evidence = createTestEvidence({
          store,
          loadScreen,
          demonstrationCases: (pattern) => demonstrations.cases(pattern),
          ...(options.log ? { log: options.log } : {}),
        });
        const verification = createVerificationService({
          store,
          verifier: {
            sandbox: sandboxForLearning,
            vision,
            scenes: createTestScenes(),
            options: resolveVerificationOptions(config.verification),
            seenInputs: evidence.seenInputs,
            taught: evidence.taught,
          },
          level: config.pipeline.verificationLevel,
          iterations: config.pipeline.benchmarkIterations,
          liveVersion: (id) => engine.get(id)?.version,
        });
        return { demonstrations, verification };
      })().catch((err: unknown) => {
        learningParts = undefined;
        throw err;
      }));

    const pipeline = new Pipeline({
      store,
      thresholds: config.discovery,
      observeDelayMs: config.discovery.observeDelayMs,
      families: FAMILIES,
      verifier: {
        verify: async (capability, pattern) =>
          (await learning()).verification.candidate.verify(capability, pattern),
      },
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
      demonstrations: {
        has: async (patternId) => (await learning()).demonstrations.has(patternId),
        candidate: async (pattern, o) => (await learning()).demonstrations.candidate(pattern, o),
      },
      ...(options.log ? { log: options.log } : {}),
    });
    evolution.check = (capabilityId) =>
      pipeline
        .considerEvolution(capabilityId)
        .catch((err: unknown) =>
          options.log?.('evolution check failed', { capabilityId, error: String(err) }),
        );
    const workers = options.startWorkers ?? config.pipeline.enabled;
    if (workers) {
      await learning();
      pipeline.start();
    } else if (options.serving) {
      // A serving node whose learning runs elsewhere (serve's learner, started when a job is queued) still
      // redoes the observations a crash cut short, which may queue a job (the learner's start used to).
      pipeline.recoverInBackground();
    }
    if (options.serving ?? workers) engine.start();
    const purgeScreens = () => store.screens.purge(new Date().toISOString());
    // A serving node purges expired screens of failed commands hourly (any node may: the delete is idempotent).
    const purgeTimer =
      (options.serving ?? workers) && config.demonstrations.screenRetentionMs > 0
        ? setInterval(() => {
            purgeScreens().catch((err: unknown) =>
              options.log?.('screen purge failed', { error: String(err) }),
            );
          }, 3600_000).unref()
        : undefined;

    const sb = sandbox;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      clearInterval(purgeTimer);
      await pipeline.close();
      // Independent of each other: the sandbox children, the vision worker and the OCR workers end while the
      // engine flushes this node's metrics (a CLI command exits only once all of them are gone).
      await Promise.all([engine.close(), sb.close(), closeVision?.(), releaseOcr()]);
      if (!options.store) await store.close();
    };

    const importDeps = {
      store,
      keysDir: config.sharing.keysDir,
      verify: async (capability: Capability, level: VerificationLevel) =>
        (await learning()).verification.verify(capability, level),
      level: config.pipeline.verificationLevel,
      onRegistered: refresh,
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

    const retention = config.demonstrations.screenRetentionMs;
    const process = async (
      command: string,
      context: { user: string; groups?: string[] },
      opts?: ProcessOptions,
    ): Promise<CommandResponse> => {
      // An uploaded screen of a failed command is kept for a while under its own id, so the failure can be
      // opened and demonstrated on (dashboard); the failure's screenRef names it.
      const upload = opts?.screen && 'bytes' in opts.screen && retention > 0 ? opts.screen.bytes : undefined;
      const id = upload ? newId('scr') : undefined;
      const keeper: ScreenKeeper | undefined = upload && {
        keep: () => {
          const at = new Date();
          return store.screens
            .put({
              id: id!,
              at: at.toISOString(),
              expiresAt: new Date(at.getTime() + retention).toISOString(),
              bytes: upload,
            })
            .catch((err: unknown) => options.log?.('keeping a failed screen failed', { error: String(err) }));
        },
        discard: () =>
          store.screens.delete(id!).then(
            () => undefined,
            (err: unknown) => options.log?.('dropping a kept screen failed', { error: String(err) }),
          ),
      };
      const response = await processCommand(
        runtimeDeps,
        command,
        context,
        upload ? { ...opts, screen: { bytes: upload, ref: SCREEN_REF_PREFIX + id }, keeper } : opts,
      );
      emit('command', response);
      return response;
    };
    const feedback = async (requestId: string, positive: boolean) => {
      const served = await engine.recordFeedback({ requestId, positive });
      // Wrong answers reported by users can earn the capability a new version (discovery's evolution rule).
      if (!positive) await evolution.check?.(served.capabilityId);
    };
    const demonstrate = createDemonstrate({
      config,
      store,
      screens,
      vision,
      pipeline,
      thresholds: config.discovery,
      processCommand: process,
      feedback,
      // A serving node whose learning runs in another process only reads the job; `run`-like CLI uses drain here.
      learnsHere: workers || !(options.serving ?? workers),
    });

    return {
      config,
      store,
      processCommand: process,
      demonstrate,
      purgeScreens,
      getAutonomousCapabilitiesStatus: () => capabilitiesStatus(store, sb),
      health: () => checkHealth({ store, sandbox: sb, closed }),
      capabilities: {
        list: () => store.capabilities.list(),
        get: (id, version) => store.capabilities.get(id, version),
      },
      feedback,
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
      verify: async (id, o) => (await learning()).verification.verifyStored(id, o),
      // sharing/ (bundle checks, safe-stable-stringify) is loaded on the first import.
      importBundle: async (bundle) => (await import('./sharing/index.js')).importBundle(importDeps, bundle),
      waitForLearning: (timeoutMs) => pipeline.idle(timeoutMs),
      learningIdleFor: () => pipeline.idleFor(),
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
    await releaseOcr();
    if (!options.store) await store.close();
    throw err;
  }
}
