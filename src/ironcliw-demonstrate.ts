import type { VisionImage, VisionPort } from './capabilities/index.js';
import type { IroncliwConfig } from './config/index.js';
import type { Demonstration, Failure, Pattern, UiElement } from './domain/index.js';
import { IroncliwError, newId } from './domain/index.js';
import type { DiscoveryThresholds } from './discovery/index.js';
import { generaliseFrame, observeFailure } from './discovery/index.js';
import type { Pipeline } from './pipeline/index.js';
import type { CommandResponse, ProcessOptions, ScreenLoader } from './runtime/index.js';
import type { Job, Store } from './store/index.js';
import { frameSignature, parseCommand } from './understanding/index.js';

/** Where a demonstration's screen comes from: a file, encoded bytes, or a screen kept in the store. */
export type DemonstrationScreen = { path: string } | { bytes: Uint8Array } | { ref: string };

export interface DemonstrateOptions {
  screen: DemonstrationScreen;
  actions?: unknown;
  expect?: unknown;
  /** Wait (at most config demonstrations.waitMs) for learning to finish and report its outcome. */
  wait?: boolean;
}

export interface DemonstrationOutcome {
  recorded: true;
  demonstrationId: string;
  patternId: string;
  /** Demonstrations of the pattern, this one included. */
  demonstrations: number;
  /**
   * What learning does next or did: `learning`, `learned: <capability id> v<n>`, `needs another demonstration:
   * <n> programs fit (…)`, `cannot learn from the demonstrations: …`, `rejected: …`, `recorded: learning starts
   * at <n> demonstrations`, or `already right: <capability id> v<n>` (the live answer does what was shown).
   */
  status: string;
  jobId?: string;
  /** The live capability that answered the command on this screen, and whether it did what was shown. */
  current?: { capabilityId: string; version: number; matches: boolean; problem?: string };
}

/** Screen references kept in the store: `screen:<id>`. */
export const SCREEN_REF_PREFIX = 'screen:';

const MAX_EXPECT_BYTES = 16_384;

function parseExpect(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value) || !Object.keys(value).length)
    throw new IroncliwError('E_INPUT_INVALID', 'expect must be a non-empty object of data fields', {
      hint: 'e.g. {"count": 3} or {"present": true}',
    });
  if (JSON.stringify(value).length > MAX_EXPECT_BYTES)
    throw new IroncliwError('E_INPUT_INVALID', `expect is larger than ${MAX_EXPECT_BYTES} characters`);
  return value as Record<string, unknown>;
}

interface DemonstrateDeps {
  config: IroncliwConfig;
  store: Store;
  screens: ScreenLoader;
  vision: VisionPort;
  pipeline: Pipeline;
  thresholds: DiscoveryThresholds;
  processCommand(
    command: string,
    context: { user: string; groups?: string[] },
    o?: ProcessOptions,
  ): Promise<CommandResponse>;
  feedback(requestId: string, positive: boolean): Promise<void>;
  /** Whether this process runs learning jobs itself (else another learner does; we poll the job). */
  learnsHere: boolean;
}

/** Loads `screen:<id>` from the store, anything else as a file. */
export function storedScreenLoader(
  store: Store,
  screens: ScreenLoader,
): (ref: string) => Promise<VisionImage> {
  return async (ref) => {
    if (!ref.startsWith(SCREEN_REF_PREFIX)) return screens.load(ref);
    const kept = await store.screens.get(ref.slice(SCREEN_REF_PREFIX.length));
    if (!kept)
      throw new IroncliwError(
        'E_NOT_FOUND',
        `no kept screen "${ref.slice(0, 80)}" (it may have been purged)`,
        {
          hint: 'Send the screen itself (screen.pngBase64 or --screen).',
        },
      );
    return screens.decode(kept.bytes);
  };
}

/**
 * `ironcliw.demonstrate`: records a demonstration of a command on a screen and queues learning from its
 * pattern's demonstrations. The command is run first, as `teach` does: a failure is recorded (so the pattern
 * exists); a live capability whose answer contradicts the demonstration gets negative feedback for its version.
 * Synthesis itself runs in the learner's job (src/pipeline/), never here.
 */
export function createDemonstrate(deps: DemonstrateDeps) {
  const loadRef = storedScreenLoader(deps.store, deps.screens);
  const { config, store } = deps;

  /** Reads the screen; `store` keeps an uploaded one (called once the demonstration is known to be valid). */
  const readScreen = async (
    screen: DemonstrationScreen,
  ): Promise<{ ref: string; image: VisionImage; store?: () => Promise<void> }> => {
    if (!screen || typeof screen !== 'object')
      throw new IroncliwError('E_INPUT_INVALID', 'screen must be {path}, {pngBase64} or a kept screen {ref}');
    if ('ref' in screen) {
      const image = await loadRef(screen.ref);
      if (screen.ref.startsWith(SCREEN_REF_PREFIX))
        await store.screens.keep(screen.ref.slice(SCREEN_REF_PREFIX.length));
      return { ref: screen.ref, image };
    }
    if ('path' in screen) return { ref: screen.path, image: await deps.screens.load(screen.path) };
    const image = await deps.screens.decode(screen.bytes);
    const id = newId('scr');
    // Kept with the demonstration for good: it is a test case of every version learned from it.
    const keep = () => store.screens.put({ id, at: new Date().toISOString(), bytes: screen.bytes });
    return { ref: SCREEN_REF_PREFIX + id, image, store: keep };
  };

  /**
   * A command naming a list ("Select A, B and C and click Submit") is demonstrated for its list pattern, so
   * demonstrations with lists of other lengths are learned together (one loop over the named items); a
   * sequence with one item joins that pattern once a list was demonstrated.
   */
  const listPatternFor = async (frame: Demonstration['frame']): Promise<Pattern | undefined> => {
    const { listSignature, namesList } = await import('./demonstration/index.js');
    const signature = listSignature(frame);
    if (!signature) return undefined;
    const existing = await store.patterns.getBySignature(signature);
    if (existing || !namesList(frame)) return existing;
    return newPattern(signature, frame);
  };

  const newPattern = (signature: string, source: Demonstration['frame']): Promise<Pattern> => {
    const { frame, parameters } = generaliseFrame(source);
    const now = new Date().toISOString();
    return store.patterns.upsert({
      id: newId('pat'),
      signature,
      frame,
      parameters,
      count: 0,
      distinctUsers: 0,
      firstSeen: now,
      lastSeen: now,
      status: 'collecting',
    });
  };

  const patternFor = async (
    failure: Failure | undefined,
    fallback: Demonstration['frame'],
  ): Promise<Pattern> => {
    let observed: Pattern | undefined;
    if (failure) observed = (await observeFailure(store, failure, deps.thresholds, new Date()))?.pattern;
    // A partly understood command (its text cluster) or a blocked one keeps the pattern discovery gave it.
    if (observed && observed.signature !== frameSignature(fallback)) return observed;
    const list = await listPatternFor(fallback);
    if (list) return list;
    if (observed) return observed;
    const signature = frameSignature(fallback);
    return (await store.patterns.getBySignature(signature)) ?? newPattern(signature, fallback);
  };

  const statusOf = async (job: Job, patternId: string): Promise<string> => {
    const pattern = await store.patterns.get(patternId);
    if (job.status === 'failed') return `rejected: ${job.error ?? 'learning failed'}`;
    if (job.status !== 'done') return 'learning';
    const r = (job.result ?? {}) as Record<string, unknown>;
    if (typeof r.capabilityId === 'string') return `learned: ${r.capabilityId} v${String(r.version)}`;
    if (r.demonstration === 'ambiguous') return `needs another demonstration: ${String(r.reason)}`;
    if (r.demonstration) return `cannot learn from the demonstrations: ${String(r.reason)}`;
    // The demonstrations give the program already live: nothing new to register.
    if (r.rejected === 'identical' && pattern?.capabilityId)
      return `learned: ${pattern.capabilityId} v${String(r.identicalTo)} (unchanged)`;
    return `rejected: ${pattern?.statusReason ?? JSON.stringify(r).slice(0, 300)}`;
  };

  const waitFor = async (job: Job): Promise<Job> => {
    const deadline = Date.now() + config.demonstrations.waitMs;
    if (deps.learnsHere) await deps.pipeline.idle(config.demonstrations.waitMs).catch(() => undefined);
    let current = (await store.jobs.get(job.id)) ?? job;
    // Another process learns (`serve` with its child learner): read the durable job until it is decided.
    while ((current.status === 'queued' || current.status === 'running') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      current = (await store.jobs.get(job.id)) ?? current;
    }
    return current;
  };

  return async function demonstrate(
    command: string,
    context: { user: string; groups?: string[] },
    o: DemonstrateOptions,
  ): Promise<DemonstrationOutcome> {
    if (typeof command !== 'string' || !command.trim())
      throw new IroncliwError('E_COMMAND_EMPTY', 'the command of a demonstration is empty');
    const expect = parseExpect(o.expect);
    // The demonstration DSL (and the verification it judges with) loads with the first demonstration, not
    // with every runtime (issue 20, CLI start-up).
    const { demonstrationProblem, parseDemoActions } = await import('./demonstration/index.js');
    const { ref, image, store: keepUpload } = await readScreen(o.screen);
    const actions = o.actions === undefined ? [] : parseDemoActions(o.actions, image);
    if (!actions.length && !expect)
      throw new IroncliwError('E_INPUT_INVALID', 'a demonstration needs actions, expect, or both', {
        hint: 'e.g. {"actions":[{"type":"click","x":74,"y":120}]} or {"expect":{"count":3}}',
      });
    // Only a valid demonstration keeps its screen: a refused one stores nothing.
    await keepUpload?.();
    const response = await deps.processCommand(command, context, { screen: { image, ref } });
    const text = command.trim();
    let current: DemonstrationOutcome['current'];
    let failure: Failure | undefined;
    if (response.ok) {
      // Did the live version do what was shown? Clicks are judged against the elements on this screen.
      const elements: UiElement[] = deps.vision.elements ? await deps.vision.elements(image, {}) : [];
      const problem = demonstrationProblem(
        { id: 'shown', params: {}, elements, actions, ...(expect ? { expect } : {}), screen: image },
        response.result,
      );
      current = {
        capabilityId: response.capability.id,
        version: response.capability.version,
        matches: problem === null,
        ...(problem ? { problem } : {}),
      };
      if (problem) await deps.feedback(response.requestId, false);
    } else failure = await store.failures.get(response.failure.id);
    const frame = failure?.frame ?? parseCommand(text).frame;
    const pattern = await patternFor(failure, frame);
    const demo: Demonstration = {
      id: newId('demo'),
      at: new Date().toISOString(),
      userId: context.user,
      command: text,
      frame,
      patternId: pattern.id,
      signature: pattern.signature,
      screenRef: ref,
      actions,
      ...(expect ? { expect } : {}),
    };
    await store.demonstrations.add(demo);
    const n = await store.demonstrations.count({ patternId: pattern.id });
    const base = {
      recorded: true as const,
      demonstrationId: demo.id,
      patternId: pattern.id,
      demonstrations: n,
    };
    const withCurrent = current ? { current } : {};
    if (current?.matches)
      return {
        ...base,
        status: `already right: ${current.capabilityId} v${current.version}`,
        ...withCurrent,
      };
    if (n < config.demonstrations.learnFrom)
      return {
        ...base,
        status: `recorded: learning starts at ${config.demonstrations.learnFrom} demonstrations`,
        ...withCurrent,
      };
    let job = await deps.pipeline.enqueueDemonstration(pattern.id, n);
    if (o.wait) job = await waitFor(job);
    return { ...base, status: await statusOf(job, pattern.id), jobId: job.id, ...withCurrent };
  };
}
