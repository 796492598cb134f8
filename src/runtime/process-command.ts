import type {
  CapabilityResult,
  Failure,
  FailureCategory,
  IntentFrame,
  RequestContext,
} from '../domain/index.js';
import { ANONYMOUS_USER, IroncliwError, newId, redactSecrets, redactText } from '../domain/index.js';
import type { RegisteredCapability, RouteDecision, VisionImage } from '../capabilities/index.js';
import {
  createHostSdk,
  readsText,
  regionAhead,
  scansShapes,
  schemaProblem,
  seededRandom,
} from '../capabilities/index.js';
import { assessSafety, TEXT_SIMILARITY_DEFAULT, textSimilarity } from '../discovery/index.js';
import { frameSignature, parseCommand } from '../understanding/index.js';
import type {
  CommandResponse,
  HandleOptions,
  RuntimeDeps,
  ScreenInput,
  ScreenKeeper,
} from './command-types.js';

class CommandFailed extends Error {
  constructor(
    readonly category: FailureCategory,
    message: string,
    readonly capabilityId?: string,
  ) {
    super(message);
  }
}

/** `origin.generator` of capabilities learned from demonstrations (src/demonstration/, a higher layer). */
const DEMONSTRATED = 'demonstration';

/**
 * The route for a command the parser only partly understood: taken only when it leads to a capability learned
 * from demonstrations of commands whose text is like this one (the text cluster it was demonstrated for, the
 * same similarity discovery clusters them by); anything else stays a `low_confidence` failure.
 */
function demonstratedRoute(route: RouteDecision, command: string): RouteDecision | undefined {
  if (route.kind !== 'matched' || route.capability.manifest.origin.generator !== DEMONSTRATED)
    return undefined;
  const like = route.capability.manifest.intents.some((i) =>
    i.examples.some((e) => textSimilarity(e, command) >= TEXT_SIMILARITY_DEFAULT),
  );
  return like ? route : undefined;
}

function validateCommand(text: unknown, max: number): string {
  if (typeof text !== 'string' || text.trim().length === 0) {
    throw new IroncliwError('E_COMMAND_EMPTY', 'the command is empty');
  }
  if (text.length > max) {
    throw new IroncliwError(
      'E_COMMAND_TOO_LONG',
      `the command has ${text.length} characters; the limit is ${max}`,
    );
  }
  return text.trim();
}

function validateContext(context: unknown): RequestContext {
  const c = (context ?? {}) as Record<string, unknown>;
  const user = c.user ?? 'anonymous';
  if (typeof user !== 'string' || user.length === 0 || user.length > 200) {
    throw new IroncliwError('E_INPUT_INVALID', 'context.user must be a string of 1..200 characters');
  }
  const groups = c.groups ?? [];
  if (
    !Array.isArray(groups) ||
    groups.length > 50 ||
    !groups.every((g) => typeof g === 'string' && g.length > 0 && g.length <= 100)
  ) {
    throw new IroncliwError(
      'E_INPUT_INVALID',
      'context.groups must be a list of at most 50 non-empty strings',
    );
  }
  return { user, groups: groups as string[] };
}

/**
 * understand → route → execute → respond. Bad *input* (empty command, unreadable screen) is an error the
 * caller must fix and records nothing; a command Ironcliw cannot serve is a Failure, recorded durably before
 * the response returns, then handed to learning without waiting for it.
 */
export async function processCommand(
  deps: RuntimeDeps,
  text: unknown,
  rawContext: unknown,
  options: HandleOptions = {},
): Promise<CommandResponse> {
  const started = performance.now();
  const command = validateCommand(text, deps.maxCommandLength);
  const context = validateContext(rawContext);
  const input = options.screen;
  if (!input || 'image' in input || !deps.decodeAdmission)
    return handle(
      deps,
      started,
      command,
      context,
      input && 'image' in input ? input.image : undefined,
      input,
      options.keeper,
    );
  // The decoded screen is held until the request ends (its run reads it), so its pixels count until then.
  const size = deps.screens.probe ? await deps.screens.probe(input) : undefined;
  const release = await deps.decodeAdmission.admit(size ? size.width * size.height : 0);
  try {
    return await handle(deps, started, command, context, undefined, input, options.keeper);
  } finally {
    release();
  }
}

async function handle(
  deps: RuntimeDeps,
  started: number,
  command: string,
  context: RequestContext,
  decoded: VisionImage | undefined,
  input: ScreenInput | undefined,
  keeper: ScreenKeeper | undefined,
): Promise<CommandResponse> {
  const now = deps.now ?? (() => new Date());
  const requestId = newId('req');
  // The screen decodes (libvips, on its own threads) while this thread understands and routes the command:
  // neither needs the other (issue 20, the cost of being a service). An unreadable screen is still the
  // caller's error, not a failure to learn from: its error comes first, and no failure is recorded before
  // the screen has decoded.
  let screen: VisionImage | undefined = decoded;
  let decoding: Promise<VisionImage> | undefined;
  let screenRef: string | undefined;
  if (input) {
    if ('bytes' in input) decoding = deps.screens.decode(input.bytes);
    else if ('path' in input) decoding = deps.screens.load(input.path);
    screenRef = input.ref ?? ('path' in input ? input.path : undefined);
  }
  // Awaited below, once routed; until then a rejection is not unhandled.
  decoding?.catch(() => undefined);
  let keeping: Promise<void> | undefined;

  const { frame, confidence, unexplained } = (deps.parse ?? parseCommand)(command);
  let capability: RegisteredCapability | undefined;
  try {
    // A partly understood command is served only by a program someone demonstrated for commands like it.
    const taught =
      confidence < deps.minConfidence
        ? demonstratedRoute(deps.registry.route(frame, context), command)
        : undefined;
    if (confidence < deps.minConfidence && !taught) {
      // Name the words: a guess that drops them could change what was asked ("not", "second", "except").
      const words = (unexplained ?? []).slice(0, 8).map((w) => `"${w.slice(0, 40)}"`);
      throw new CommandFailed(
        'low_confidence',
        `I only understood part of this command (confidence ${confidence} < ${deps.minConfidence})` +
          (words.length
            ? `: I do not know what ${words.join(', ')} mean${words.length === 1 ? 's' : ''} here. Rephrase without ${words.length === 1 ? 'it' : 'them'}, or teach it with a demonstration (ironcliw teach)`
            : ''),
      );
    }
    const route = taught ?? deps.registry.route(frame, context);
    if (route.kind === 'unmatched') {
      throw new CommandFailed(
        'missing_handler',
        route.reason === 'not_in_rollout'
          ? `no capability serves this command for you yet (${route.withheld.join(', ')} is still rolling out${
              context.user === ANONYMOUS_USER
                ? '; requests without context.user get it when it reaches production'
                : ''
            })`
          : `no capability can handle "${frame.action} ${frame.target.kind}" commands like this yet`,
      );
    }
    capability = route.capability;
    // A learned capability that acts (click, type, press) never does so on a destructive, bulk, credential
    // or system-level request, even when its general pattern ("click <label>") would match the words.
    if (!capability.builtin && capability.manifest.permissions.some((p) => p.startsWith('actions.'))) {
      const safety = assessSafety(frame);
      if (safety.verdict === 'block')
        throw new CommandFailed(
          'permission',
          `refused: ${safety.concerns.map((c) => c.reason).join('; ')}`,
          capability.manifest.id,
        );
    }
    if (decoding) {
      screen = await decoding;
      decoding = undefined;
    }
    const needsScreen = capability.manifest.permissions.includes('screen.capture');
    if (needsScreen && !screen) {
      throw new IroncliwError(
        'E_INPUT_INVALID',
        `"${capability.manifest.name}" needs a screen: pass --screen <file.png> or screen in the request`,
      );
    }
    const result = await execute(deps, capability, route.match.input, context, screen, requestId);
    const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
    deps.onExecution?.({
      requestId,
      capabilityId: capability.manifest.id,
      version: capability.manifest.version,
      userId: context.user,
      ok: true,
      latencyMs,
    });
    return {
      ok: true,
      requestId,
      capability: {
        id: capability.manifest.id,
        version: capability.manifest.version,
        origin: capability.manifest.origin.kind,
      },
      result,
      latencyMs,
    };
  } catch (err) {
    if (!(err instanceof CommandFailed)) {
      if (decoding) await decoding; // an unreadable screen is reported first
      throw err;
    }
    if (decoding) {
      // Known to fail before its screen has decoded (nothing handles it, or it is refused): the screen is
      // kept meanwhile, and dropped again if it turns out unreadable.
      keeping = keeper?.keep();
      try {
        await decoding;
      } catch (decodeErr) {
        await keeping;
        await keeper?.discard();
        throw decodeErr;
      }
    }
    const failure: Failure = {
      id: newId('fail'),
      at: now().toISOString(),
      userId: context.user,
      command,
      frame,
      category: err.category,
      message: err.message,
      signature: frameSignature(frame),
      ...(capability ? { capabilityId: capability.manifest.id } : {}),
      ...(screenRef ? { screenRef } : {}),
    };
    /** A capability that failed counts against its rollout, whether or not its failure could be stored. */
    const countFailedRun = (latencyMs: number) => {
      if (capability)
        deps.onExecution?.({
          requestId,
          capabilityId: capability.manifest.id,
          version: capability.manifest.version,
          userId: context.user,
          ok: false,
          category: err.category,
          latencyMs,
        });
    };
    try {
      await deps.store.failures.record(failure);
    } catch (recordErr) {
      // No failure names the screen: it is not kept either.
      if (keeping) await keeping.then(() => keeper?.discard());
      if (!(recordErr instanceof IroncliwError && recordErr.code === 'E_DB_UNAVAILABLE')) throw recordErr;
      // During a database outage a failure is rejected, not buffered: "answered as a failure" keeps
      // meaning "stored", so a crash can never lose one a client was told about. The client retries.
      // The rollout counters are buffered in memory, so the failed run still counts.
      countFailedRun(Math.round((performance.now() - started) * 1000) / 1000);
      throw new IroncliwError(
        'E_DB_UNAVAILABLE',
        `this command could not be handled (${err.category}: ${err.message}) and its failure could not be recorded: ${recordErr.message}`,
        {
          cause: recordErr,
          hint: 'Nothing was stored. Retry in a few seconds, when the database is back; commands a capability handles are still answered meanwhile.',
        },
      );
    }
    // A failure the run itself ended in: its screen is kept now.
    await (keeping ?? keeper?.keep());
    const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
    countFailedRun(latencyMs);
    deps.onFailure?.(failure);
    return {
      ok: false,
      requestId,
      failure: { id: failure.id, category: failure.category, message: failure.message },
      latencyMs,
    };
  }
}

/** `promise`, or a 'timeout' failure after `ms`: one timer and one promise, no race/finally chain. */
function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new CommandFailed('timeout', `${what} did not finish within ${ms} ms`)),
      ms,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

async function execute(
  deps: RuntimeDeps,
  capability: RegisteredCapability,
  input: Record<string, unknown>,
  context: RequestContext,
  screen: VisionImage | undefined,
  requestId: string,
): Promise<CapabilityResult> {
  const m = capability.manifest;
  const makeSdk = () => {
    // Seeded per request so a replay of the same request id sees the same randomness.
    let seed = 0;
    for (const ch of requestId) seed = (Math.imul(seed, 31) + ch.charCodeAt(0)) | 0;
    return createHostSdk({
      vision: deps.vision,
      permissions: m.permissions,
      random: seededRandom(seed),
      ...(screen ? { screen } : {}),
      ...(deps.actuator ? { actuator: deps.actuator } : {}),
      // Trusted built-ins are not budgeted; generated and imported code is, like its sandbox.
      ...(deps.hostBudget && !capability.builtin ? { budget: deps.hostBudget } : {}),
    });
  };
  let output: unknown;
  if (capability.builtin) {
    const builtin = capability.builtin;
    const served = () => deps.registry.servedTo(context).map((c) => c.manifest);
    // Built on first use: most built-ins (help, listings) never touch the screen or the SDK.
    let sdk: ReturnType<typeof createHostSdk> | undefined;
    const ctx = {
      context,
      served,
      get sdk() {
        return (sdk ??= makeSdk());
      },
    };
    output = await withDeadline(
      builtin.execute(input, ctx).catch((e: unknown) => {
        if (e instanceof IroncliwError && e.code === 'E_PERMISSION_DENIED')
          throw new CommandFailed('permission', e.message, m.id);
        if (e instanceof IroncliwError && e.code === 'E_INPUT_INVALID') throw e;
        throw new CommandFailed('error', e instanceof Error ? e.message : String(e), m.id);
      }),
      m.limits.timeoutMs,
      m.name,
    );
  } else if (capability.code !== undefined) {
    const limits = {
      timeoutMs: Math.min(m.limits.timeoutMs, deps.sandboxDefaults.timeoutMs),
      memoryMb: Math.min(m.limits.memoryMb, deps.sandboxDefaults.memoryMb),
    };
    // The OCR pool ends when idle (memory.ocrIdleMs): restarting it takes 1-2 s, which a run that reads text
    // must not be charged for (a timeout or host-budget failure would count against its rollout).
    if (deps.vision.prepare && readsText(m.permissions, capability.code))
      await deps.vision.prepare({ ocr: true });
    const host = makeSdk();
    let r;
    let ended = false;
    try {
      const run = deps.sandbox.run({
        code: capability.code,
        input,
        permissions: m.permissions,
        limits,
        host,
        origin: m.origin.kind,
      });
      // Where scans run on another thread, the screen's shape scan starts now, while the run starts in its
      // child and makes its first calls (a region is detected on this thread meanwhile): a count's scan
      // then overlaps the rest instead of following it (issue 20, the cost of being a service).
      if (screen && deps.vision.prescan && scansShapes(m.permissions, capability.code))
        deps.vision.prescan(screen);
      // The region its input names is resolved on this thread while the child starts the run (the
      // layout's detection, the long part, is cached per screen): the run's own call then finds it done.
      const region = screen ? regionAhead(m.permissions, capability.code, input) : undefined;
      if (screen && region)
        setImmediate(() => {
          if (ended) return;
          try {
            deps.vision.resolveRegion(screen, region);
          } catch {
            // The run's own call reports it.
          }
        });
      r = await run;
    } finally {
      ended = true;
      // Calls still queued when the run ended (deadline, stop, or a guest that never awaited them) are
      // dropped: host work never outlives the run it was done for.
      host.cancel('the run ended');
    }
    switch (r.status) {
      case 'ok':
        output = r.output;
        break;
      case 'timeout':
        throw new CommandFailed('timeout', `${m.name} did not finish within ${limits.timeoutMs} ms`, m.id);
      case 'violation':
        throw new CommandFailed(
          r.violations.some((v) => v.startsWith('permission')) ? 'permission' : 'error',
          `${m.name} was stopped: ${r.violations.join('; ') || r.error || 'policy violation'}`,
          m.id,
        );
      case 'memory':
        throw new CommandFailed(
          'error',
          `${m.name} exceeded its memory limit of ${limits.memoryMb} MB`,
          m.id,
        );
      default:
        throw new CommandFailed(
          'error',
          `${m.name} failed: ${redactText(r.error ?? 'unknown error').text}`,
          m.id,
        );
    }
  } else {
    throw new CommandFailed('error', `${m.id} has no implementation`, m.id);
  }
  const problem = schemaProblem(m.outputSchema, output);
  if (problem)
    throw new CommandFailed(
      'invalid_output',
      `${m.name} returned output that does not match its schema: ${problem}`,
      m.id,
    );
  const result = output as CapabilityResult;
  if (typeof result.answer !== 'string' || !result.data || typeof result.data !== 'object') {
    throw new CommandFailed('invalid_output', `${m.name} must return {answer: string, data: object}`, m.id);
  }
  // Generated code never hands a secret-shaped string to a user, whatever it read from the screen.
  return capability.builtin ? result : (redactSecrets(result) as CapabilityResult);
}

export type { IntentFrame };
