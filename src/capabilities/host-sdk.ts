import type { ElementQuery, Item, Permission, Rect, Region, UiElement } from '../domain/index.js';
import {
  COLORS,
  IroncliwError,
  NAMED_REGIONS,
  SHAPES,
  SDK_METHODS,
  UI_ELEMENT_KINDS,
  isSdkMethod,
} from '../domain/index.js';
import type { ImageHandle } from '../domain/index.js';
import { seededRandom } from '../domain/index.js';
import type { HostApi } from '../sandbox/index.js';
import type { Actuator, PerformedAction } from '../vision/index.js';
import { RecordingActuator } from '../vision/index.js';

/** The image as the host holds it. Pixels never cross into the sandbox; guests see ImageHandle only. */
export interface VisionImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** The slice of vision/ the SDK needs: a local interface so the host SDK does not depend on vision internals. */
export interface VisionPort {
  resolveRegion(img: VisionImage, region: Region): Rect;
  findShapes(
    img: VisionImage,
    opts: { shape?: string; color?: string; minArea?: number; within?: Rect },
  ): Promise<Item[]>;
  colors(img: VisionImage, rect?: Rect): Array<{ color: string; share: number }>;
  describe(img: VisionImage, rect?: Rect): Promise<unknown>;
  readText?(
    img: VisionImage,
    rect?: Rect,
  ): Promise<{ text: string; words: Array<{ text: string; bbox: Rect; confidence: number }> }>;
  findText?(img: VisionImage, query: string, rect?: Rect): Promise<Item[]>;
  /** UI elements (controls with labels and states, text, shapes) inside `rect`, narrowed by `query`. */
  elements?(img: VisionImage, query: ElementQuery, rect?: Rect): Promise<UiElement[]>;
  /**
   * Starts what a run is about to need (the OCR pool) before its clock starts: a pool's start-up is the
   * host's, not the run's, and must not count against the run's timeout or host-time budget.
   */
  prepare?(needs: { ocr: boolean }): Promise<void>;
  /**
   * Starts the screen's shape scan (what `findShapes` without `minArea` or an achromatic colour reads) where
   * scans run, without waiting for it, so that a run's `findShapes` finds it done: a port whose scans run on
   * another thread has it, and the scan then overlaps the run's start and its other calls (region detection
   * on the serving thread). Absent where scans run on the calling thread (nothing to overlap).
   */
  prescan?(img: VisionImage): void;
}

/**
 * Whether a run of this code may scan the screen for shapes: it may call `findShapes` (a static guess from
 * the code, like {@link readsText}). Decides only whether the scan is started before the run
 * (`VisionPort.prescan`); the call itself is checked and budgeted as always.
 */
export function scansShapes(permissions: readonly Permission[], code: string): boolean {
  return permissions.includes('vision.analyze') && code.includes('.findShapes(');
}

/**
 * The named region a run of this code will likely ask for: its input names one (`input.region`, as the
 * region-scoped families' inputs do) and the code calls `sdk.vision.region`. Decides only whether the
 * region is resolved (and the screen's layout detected, once per screen) while the run starts.
 */
export function regionAhead(
  permissions: readonly Permission[],
  code: string,
  input: Record<string, unknown>,
): Region | undefined {
  const region = input.region;
  return permissions.includes('vision.analyze') &&
    code.includes('.region(') &&
    typeof region === 'string' &&
    (NAMED_REGIONS as readonly string[]).includes(region)
    ? (region as Region)
    : undefined;
}

/**
 * Whether a run of this code will read text: it may call the OCR methods, or it asks for UI elements (their
 * labels are read). Decides only whether to warm the OCR pool up before a run (`VisionPort.prepare`); what a
 * run may call is the sandbox's and the host SDK's to enforce.
 */
export function readsText(permissions: readonly Permission[], code: string): boolean {
  return permissions.includes('ocr.read') || code.includes('.elements(');
}

// Actuators belong to vision/ (recording by default; X11 drives a real display); re-exported for SDK users.
export type { Actuator, PerformedAction } from '../vision/index.js';
export { RecordingActuator } from '../vision/index.js';

export interface HostSdkOptions {
  screen?: VisionImage;
  vision: VisionPort;
  actuator?: Actuator;
  /** Permissions granted to this run; checked again here even though the sandbox checks first (defence in depth). */
  permissions: readonly Permission[];
  /** Deterministic randomness and time, injected so runs replay exactly. */
  random?: () => number;
  now?: () => number;
  /** Cap on handles a run may create (each is a small record, but a loop could make millions). */
  maxHandles?: number;
  /**
   * Host work this run may cause (config `hostWork`): set for generated and imported code, absent for
   * trusted built-ins. Calls then run one at a time, each admitted only while the budget lasts.
   */
  budget?: HostBudget;
  /** Clock of the budget (ms, monotonic); injected so tests need not depend on the machine's speed. */
  budgetClock?: () => number;
}

export interface HostBudget {
  /** SDK calls the run may make. */
  maxCalls: number;
  /** Host time (ms) the run's calls may take in total. */
  maxHostMs: number;
}

export interface HostSdk extends HostApi {
  readonly actions: PerformedAction[];
  readonly logs: string[];
  /** Host work so far: calls admitted and the host time they took. */
  readonly usage: { calls: number; hostMs: number; refused: number };
  /**
   * The run is over (finished, timed out, stopped): calls still queued are refused without doing any work,
   * and no new call starts. The call in progress, if any, finishes (a synchronous scan cannot be interrupted).
   */
  cancel(reason: string): void;
}

function bad(message: string): never {
  throw new IroncliwError('E_INPUT_INVALID', message);
}

function asRect(v: unknown): Rect | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const r = v as Record<string, unknown>;
  const keys = ['x', 'y', 'width', 'height'] as const;
  if (!keys.every((k) => typeof r[k] === 'number' && Number.isFinite(r[k]))) return undefined;
  return { x: r.x as number, y: r.y as number, width: r.width as number, height: r.height as number };
}

function optString(v: unknown, allowed: readonly string[], name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !allowed.includes(v)) bad(`${name} must be one of ${allowed.join(', ')}`);
  return v;
}

/**
 * The host half of the SDK for one run: every guest `sdk.*` call arrives here as (method, JSON args).
 * Arguments are hostile data and are validated; images are addressed by handles that map to rectangles of
 * the one screen this run may see.
 */
export function createHostSdk(options: HostSdkOptions): HostSdk {
  const handles = new Map<string, Rect>();
  const actions: PerformedAction[] = [];
  const logs: string[] = [];
  const random = options.random ?? seededRandom(1);
  const now = options.now ?? (() => Date.now());
  const maxHandles = options.maxHandles ?? 256;
  const actuator = options.actuator ?? new RecordingActuator();

  const screen = (): VisionImage => {
    if (!options.screen)
      throw new IroncliwError(
        'E_INPUT_INVALID',
        'no screen is available for this request: pass a screen image',
      );
    return options.screen;
  };
  const newHandle = (rect: Rect): ImageHandle => {
    if (handles.size >= maxHandles) bad(`too many image handles (limit ${maxHandles})`);
    const id = `img${handles.size}`;
    handles.set(id, rect);
    return { $image: id, width: rect.width, height: rect.height };
  };
  const rectOf = (h: unknown): Rect => {
    const id = h && typeof h === 'object' ? (h as Record<string, unknown>).$image : undefined;
    const rect = typeof id === 'string' ? handles.get(id) : undefined;
    if (!rect) bad('expected an image handle from sdk.screen.capture() or sdk.vision.region()');
    return rect;
  };
  const within = (h: unknown): Rect | undefined => {
    const r = rectOf(h);
    const s = screen();
    return r.x === 0 && r.y === 0 && r.width === s.width && r.height === s.height ? undefined : r;
  };
  const act = async (a: PerformedAction) => {
    const done = await actuator.perform(a);
    actions.push(done);
    return done;
  };

  const impl: Record<string, (args: unknown[]) => Promise<unknown> | unknown> = {
    'screen.capture': () => {
      const s = screen();
      return newHandle({ x: 0, y: 0, width: s.width, height: s.height });
    },
    'vision.region': ([h, region]) => {
      const parent = rectOf(h);
      let rect: Rect;
      if (typeof region === 'string') {
        if (!(NAMED_REGIONS as readonly string[]).includes(region))
          bad(`unknown region "${region.slice(0, 40)}"`);
        rect = options.vision.resolveRegion(screen(), region as Region);
      } else {
        const r = asRect(region);
        if (!r) bad('region must be a name or {x, y, width, height}');
        // Rectangles are relative to the parent handle.
        rect = { x: parent.x + r.x, y: parent.y + r.y, width: r.width, height: r.height };
      }
      const x = Math.max(parent.x, rect.x);
      const y = Math.max(parent.y, rect.y);
      const w = Math.min(parent.x + parent.width, rect.x + rect.width) - x;
      const hgt = Math.min(parent.y + parent.height, rect.y + rect.height) - y;
      return newHandle({ x, y, width: Math.max(0, w), height: Math.max(0, hgt) });
    },
    'vision.findShapes': async ([h, opts]) => {
      const o = (opts && typeof opts === 'object' ? opts : {}) as Record<string, unknown>;
      const shape = optString(o.shape, SHAPES, 'shape');
      const color = optString(o.color, COLORS, 'color');
      const minArea = typeof o.minArea === 'number' && Number.isFinite(o.minArea) ? o.minArea : undefined;
      const w = within(h);
      const rect = rectOf(h);
      if (rect.width === 0 || rect.height === 0) return [];
      return options.vision.findShapes(screen(), {
        ...(shape ? { shape } : {}),
        ...(color ? { color } : {}),
        ...(minArea !== undefined ? { minArea } : {}),
        ...(w ? { within: w } : {}),
      });
    },
    'vision.colors': ([h]) => options.vision.colors(screen(), within(h)),
    'vision.describe': ([h]) => options.vision.describe(screen(), within(h)),
    'vision.readText': async ([h]) => {
      if (!options.vision.readText)
        throw new IroncliwError('E_SANDBOX_UNAVAILABLE', 'OCR is not available in this runtime');
      return options.vision.readText(screen(), within(h));
    },
    'vision.findText': async ([h, query]) => {
      if (!options.vision.findText)
        throw new IroncliwError('E_SANDBOX_UNAVAILABLE', 'OCR is not available in this runtime');
      if (typeof query !== 'string' || query.length === 0 || query.length > 200)
        bad('findText query must be a string of 1..200 characters');
      return options.vision.findText(screen(), query, within(h));
    },
    'vision.elements': async ([h, query]) => {
      if (!options.vision.elements)
        throw new IroncliwError(
          'E_SANDBOX_UNAVAILABLE',
          'UI element detection is not available in this runtime',
        );
      const q = (query === undefined || query === null ? {} : query) as Record<string, unknown>;
      if (typeof q !== 'object' || Array.isArray(q))
        bad('elements query must be an object {kind?, text?, near?}');
      const kind = optString(q.kind, UI_ELEMENT_KINDS, 'elements kind');
      if (q.text !== undefined && (typeof q.text !== 'string' || q.text.length > 200))
        bad('elements text must be a string of at most 200 characters');
      const near = q.near === undefined ? undefined : asPoint(q.near);
      if (q.near !== undefined && !near) bad('elements near must be a point {x, y} or an item with a bbox');
      const rect = rectOf(h);
      if (rect.width === 0 || rect.height === 0) return [];
      return options.vision.elements(
        screen(),
        {
          ...(kind ? { kind: kind as ElementQuery['kind'] & string } : {}),
          ...(typeof q.text === 'string' ? { text: q.text } : {}),
          ...(near ? { near } : {}),
        },
        within(h),
      );
    },
    'actions.click': async ([target, opts]) => {
      const point = asRect(target) ? centre(asRect(target)!) : asPoint(target);
      if (!point) bad('click target must be {x, y} or an item with a bbox');
      if (opts !== undefined && opts !== null && (typeof opts !== 'object' || Array.isArray(opts)))
        bad('click options must be an object {button?}');
      const button = optString(
        (opts as Record<string, unknown> | null)?.button,
        ['left', 'right'],
        'click button',
      );
      const at = { x: Math.round(point.x), y: Math.round(point.y) };
      // A left click is recorded as it always was (no button field), so older results and checks still match.
      return act(button === 'right' ? { type: 'click', ...at, button } : { type: 'click', ...at });
    },
    'actions.hover': async ([target]) => {
      const point = asRect(target) ? centre(asRect(target)!) : asPoint(target);
      if (!point) bad('hover target must be {x, y} or an item with a bbox');
      return act({ type: 'hover', x: Math.round(point.x), y: Math.round(point.y) });
    },
    'actions.drag': async ([from, to]) => {
      const point = (v: unknown) => (asRect(v) ? centre(asRect(v)!) : asPoint(v));
      const a = point(from);
      const b = point(to);
      if (!a || !b) bad('drag needs a start and an end, each {x, y} or an item with a bbox');
      const at = { x: Math.round(a.x), y: Math.round(a.y) };
      const end = { x: Math.round(b.x), y: Math.round(b.y) };
      if (at.x === end.x && at.y === end.y) bad('a drag must end somewhere else than it starts');
      return act({ type: 'drag', ...at, to: end });
    },
    'actions.type': async ([text]) => {
      if (typeof text !== 'string' || text.length > 10_000)
        bad('type needs a string of at most 10000 characters');
      return act({ type: 'type', text });
    },
    'actions.press': async ([keys]) => {
      if (typeof keys !== 'string' || !/^[A-Za-z0-9+_ -]{1,64}$/.test(keys))
        bad('press needs a key chord such as "ctrl+s"');
      return act({ type: 'press', keys });
    },
    random: () => random(),
    'clock.now': () => now(),
    log: (args) => {
      if (logs.length < 100)
        logs.push(
          args
            .map((a) => (typeof a === 'string' ? a : JSON.stringify(a)))
            .join(' ')
            .slice(0, 1000),
        );
      return null;
    },
  };

  const usage = { calls: 0, hostMs: 0, refused: 0 };
  const budget = options.budget;
  const clock = options.budgetClock ?? (() => performance.now());
  let cancelled: string | undefined;
  /** Tail of this run's call queue: with a budget, calls run one after another, never side by side. */
  let tail: Promise<unknown> = Promise.resolve();

  const admit = (method: string): void => {
    if (cancelled !== undefined) {
      usage.refused++;
      throw new IroncliwError('E_HOST_BUDGET_EXCEEDED', `sdk.${method} was not run: ${cancelled}`);
    }
    if (!budget) return;
    const over =
      usage.calls >= budget.maxCalls
        ? `more than ${budget.maxCalls} sdk calls`
        : usage.hostMs >= budget.maxHostMs
          ? `more than ${budget.maxHostMs} ms of host time (used ${Math.round(usage.hostMs)} ms in ${usage.calls} calls)`
          : undefined;
    if (over) {
      usage.refused++;
      throw new IroncliwError('E_HOST_BUDGET_EXCEEDED', `host work budget spent: ${over}`);
    }
  };

  const run = async (method: string, fn: (args: unknown[]) => unknown, args: unknown[]): Promise<unknown> => {
    admit(method);
    usage.calls++;
    const t0 = clock();
    try {
      return await fn(args);
    } finally {
      usage.hostMs += clock() - t0;
    }
  };

  return {
    actions,
    logs,
    usage,
    cancel(reason) {
      cancelled ??= reason;
    },
    async call(method, args) {
      if (!isSdkMethod(method)) bad(`unknown SDK method "${String(method).slice(0, 60)}"`);
      const needed = SDK_METHODS[method];
      if (needed !== null && !options.permissions.includes(needed)) {
        throw new IroncliwError('E_PERMISSION_DENIED', `sdk.${method} needs permission ${needed}`);
      }
      const fn = impl[method];
      if (!fn) bad(`SDK method ${method} is not implemented by this host`);
      const list = Array.isArray(args) ? args : [];
      if (!budget) return run(method, fn, list);
      // Admission is decided when a call reaches the head of the queue, not when it is asked for: a guest
      // that fires 990 calls at once gets them judged one by one against what the earlier ones cost.
      const result = tail.then(() => run(method, fn, list));
      tail = result.catch(() => undefined);
      return result;
    },
  };
}

function centre(r: Rect): { x: number; y: number } {
  return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
}

function asPoint(v: unknown): { x: number; y: number } | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.x === 'number' && typeof o.y === 'number' && Number.isFinite(o.x) && Number.isFinite(o.y))
    return { x: o.x, y: o.y };
  const bbox = asRect(o.bbox);
  return bbox ? centre(bbox) : undefined;
}
