import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import type { ErrorCode } from '../domain/index.js';
import { IroncliwError } from '../domain/index.js';
import type { PerformedAction } from './actuator.js';
import { ActuatorBase } from './actuator.js';
import type { RgbaImage } from './image-io.js';
import { DEFAULT_MAX_PIXELS } from './image-io.js';
import type { ScreenSource } from './screen-source.js';
import { decodeXwd, readXwdHeader, XWD_HEADER_BYTES, xwdLength } from './xwd.js';

/** Whether a live device (display, tool) can be used here; `reason` says what is missing. A value, not a throw. */
export type Availability = { available: true; detail: string } | { available: false; reason: string };

/** The first executable called `name` on `PATH`, or undefined. */
export async function findExecutable(
  name: string,
  path = process.env.PATH ?? '',
): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      await access(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Whether the X server named by `display` (default `$DISPLAY`) accepts connections: a local display (`:99`)
 * through its socket in /tmp/.X11-unix, a remote one (`host:10`) through TCP port 6000 + number. Only a
 * connect, so it costs about a millisecond and never hangs longer than `timeoutMs`.
 */
export async function probeDisplay(
  display: string | undefined = process.env.DISPLAY,
  timeoutMs = 1000,
): Promise<Availability> {
  if (!display) return { available: false, reason: 'no X display: DISPLAY is not set' };
  const m = /^([^:]*):(\d{1,5})(?:\.\d+)?$/.exec(display);
  if (!m)
    return { available: false, reason: `DISPLAY "${display.slice(0, 60)}" is not host:number[.screen]` };
  const host = m[1]!;
  const num = Number(m[2]);
  const local = host === '' || host === 'unix';
  const target = local ? { path: `/tmp/.X11-unix/X${num}` } : { host, port: 6000 + num };
  return new Promise<Availability>((resolve) => {
    const socket = connect(target);
    const done = (a: Availability) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(a);
    };
    const timer = setTimeout(
      () => done({ available: false, reason: `X display ${display} did not answer in ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.once('connect', () => done({ available: true, detail: `X display ${display}` }));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done({
        available: false,
        reason: `X display ${display} is not reachable (${err.code ?? err.message})`,
      }),
    );
  });
}

async function probeTool(display: string | undefined, tool: string, pkg: string): Promise<Availability> {
  const d = await probeDisplay(display);
  if (!d.available) return d;
  const file = await findExecutable(tool);
  if (!file) return { available: false, reason: `${tool} is not installed (Debian package ${pkg})` };
  return { available: true, detail: `${d.detail} via ${file}` };
}

interface RunOptions {
  display: string;
  timeoutMs: number;
  code: ErrorCode;
  /** Called with stdout as it arrives; may throw to abort (the child is killed). */
  onData?: (chunk: Buffer) => void;
}

/** Runs an X11 tool without a shell; any failure becomes `options.code` with the tool's own words. */
function run(tool: string, args: string[], o: RunOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, {
      env: { ...process.env, DISPLAY: o.display },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let failed: unknown;
    const fail = (err: unknown) => {
      failed ??= err;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () => fail(new IroncliwError(o.code, `${tool} did not finish within ${o.timeoutMs} ms`)),
      o.timeoutMs,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        o.onData?.(chunk);
      } catch (err) {
        fail(err);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString('utf8');
    });
    child.once('error', (err) => fail(new IroncliwError(o.code, `${tool} could not start: ${err.message}`)));
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (failed) return reject(failed);
      if (code === 0) return resolve();
      const said = stderr.trim().split('\n').slice(0, 3).join(' ').slice(0, 300);
      reject(
        new IroncliwError(o.code, `${tool} failed (${signal ?? `exit ${code}`})${said ? `: ${said}` : ''}`),
      );
    });
  });
}

export interface X11Options {
  /** The X display, e.g. ":99". Default: `$DISPLAY` when the call is made. */
  display?: string;
  /** Kill the tool after this long. Default 10 s: a dump of an 8K screen takes well under one. */
  timeoutMs?: number;
}

export interface X11ScreenOptions extends X11Options {
  /** Refuse screens with more pixels (config key maxImagePixels). Default {@link DEFAULT_MAX_PIXELS}. */
  maxPixels?: number;
}

/**
 * Screenshots of an X11 display (a desktop, or a virtual one under Xvfb) through `xwd -root` (Debian
 * `x11-apps`). Without a reachable display or without `xwd` it reports itself unavailable ({@link probe}) and
 * `capture()` throws `E_SCREEN_UNAVAILABLE`; it never falls back to anything else.
 *
 * @example const src = new X11ScreenSource({ display: ':99' }); if ((await src.probe()).available) await src.capture();
 */
export class X11ScreenSource implements ScreenSource {
  constructor(private readonly options: X11ScreenOptions = {}) {}

  get name(): string {
    return `x11:${this.display() ?? '(no display)'}`;
  }

  private display(): string | undefined {
    return this.options.display ?? process.env.DISPLAY;
  }

  probe(): Promise<Availability> {
    return probeTool(this.display(), 'xwd', 'x11-apps');
  }

  async capture(): Promise<RgbaImage> {
    const status = await this.probe();
    if (!status.available)
      throw new IroncliwError('E_SCREEN_UNAVAILABLE', `cannot capture: ${status.reason}`);
    const maxPixels = this.options.maxPixels ?? DEFAULT_MAX_PIXELS;
    const chunks: Buffer[] = [];
    let received = 0;
    let expected = Infinity;
    await run('xwd', ['-root', '-silent', '-display', this.display()!], {
      display: this.display()!,
      timeoutMs: this.options.timeoutMs ?? 10_000,
      code: 'E_SCREEN_UNAVAILABLE',
      onData: (chunk) => {
        chunks.push(chunk);
        received += chunk.length;
        // The size is judged from the header, before the pixels pile up in memory.
        if (expected === Infinity && received >= XWD_HEADER_BYTES) {
          expected = xwdLength(readXwdHeader(Buffer.concat(chunks), maxPixels));
        }
        if (received > expected + 4096)
          throw new IroncliwError('E_IMAGE_INVALID', 'xwd wrote more than a screen');
      },
    });
    return decodeXwd(Buffer.concat(chunks), maxPixels);
  }
}

/** X11 int16 coordinate space. */
const MAX_COORD = 32767;
/** A key chord like "ctrl+s" or "Return"; several chords separated by spaces. Keysym names only. */
const KEYS =
  /^[A-Za-z0-9_]{1,32}(?:\+[A-Za-z0-9_]{1,32}){0,4}(?: [A-Za-z0-9_]{1,32}(?:\+[A-Za-z0-9_]{1,32}){0,4}){0,15}$/;

/** One action as xdotool arguments: a pointer move (if any) first, then the rest. */
interface XdoCommand {
  move?: { x: number; y: number };
  /** Where the pointer is left, when not at `move` (a drag ends elsewhere). */
  end?: { x: number; y: number };
  rest: string[];
  done: PerformedAction;
}

export interface X11ActuatorOptions extends X11Options {
  /** Longest text one `type` action may send. Default 1000 characters: a capability cannot flood a display. */
  maxTextLength?: number;
  /** Milliseconds between typed characters. Default 8: fast, and no character dropped by busy clients. */
  typeDelayMs?: number;
}

/**
 * Performs actions on an X11 display with `xdotool` (Debian `xdotool`): a click moves the pointer and presses
 * button 1 (3 for `button: 'right'`), a hover only moves the pointer, a drag holds button 1 from one point to
 * another, `type` types text into the focused window, `press` sends key chords ("ctrl+s", "Return").
 * Without a reachable display or `xdotool` it reports itself unavailable ({@link probe}) and every action
 * throws `E_ACTUATOR_UNAVAILABLE`. Actions run one at a time, in call order.
 *
 * @example await new X11Actuator({ display: ':99' }).perform({ type: 'click', x: 40, y: 60 });
 */
export class X11Actuator extends ActuatorBase {
  readonly name = 'x11';
  private queue: Promise<unknown> = Promise.resolve();
  /** Where the last finished pointer action left the pointer (a user may have moved it since). */
  private pointer: { x: number; y: number } | undefined;

  constructor(private readonly options: X11ActuatorOptions = {}) {
    super();
  }

  private display(): string | undefined {
    return this.options.display ?? process.env.DISPLAY;
  }

  probe(): Promise<Availability> {
    return probeTool(this.display(), 'xdotool', 'xdotool');
  }

  override perform(action: PerformedAction): Promise<PerformedAction> {
    let command: XdoCommand;
    try {
      command = this.command(action);
    } catch (err) {
      return Promise.reject(err);
    }
    const { move, rest, done, end } = command;
    const job = this.queue.then(async () => {
      const status = await this.probe();
      if (!status.available) {
        throw new IroncliwError('E_ACTUATOR_UNAVAILABLE', `cannot ${done.type}: ${status.reason}`);
      }
      // `mousemove --sync` waits for the pointer to move; with a window under a pointer already at the point
      // it never does and xdotool hangs until the timeout (measured: a hover then a right-click on the same
      // button). Where this actuator last put the pointer, the move is sent without waiting.
      const still = move && this.pointer?.x === move.x && this.pointer?.y === move.y;
      const args = move
        ? ['mousemove', ...(still ? [] : ['--sync']), String(move.x), String(move.y), ...rest]
        : rest;
      await run('xdotool', args, {
        display: this.display()!,
        timeoutMs: this.options.timeoutMs ?? 10_000,
        code: 'E_ACTUATOR_UNAVAILABLE',
      });
      if (move) this.pointer = end ?? move;
      return done;
    });
    this.queue = job.catch(() => undefined);
    return job;
  }

  /** The xdotool command line of an action, as a test sees it (the pointer is assumed elsewhere). */
  commandLine(action: PerformedAction): string[] {
    const { move, rest } = this.command(action);
    return move ? ['mousemove', '--sync', String(move.x), String(move.y), ...rest] : rest;
  }

  /** Validates a (hostile) action and builds the xdotool argument list; nothing goes through a shell. */
  private command(a: PerformedAction): XdoCommand {
    const bad = (m: string) => new IroncliwError('E_INPUT_INVALID', m);
    if (a?.type === 'click' || a?.type === 'hover') {
      const ok = (v: unknown) => Number.isFinite(v) && (v as number) >= 0 && (v as number) <= MAX_COORD;
      if (!ok(a.x) || !ok(a.y)) throw bad(`a ${a.type} needs x and y between 0 and ${MAX_COORD}`);
      const x = Math.round(a.x!);
      const y = Math.round(a.y!);
      // A hover only moves the pointer (the page sees mouseover/mousemove, no button).
      if (a.type === 'hover') return { move: { x, y }, rest: [], done: { type: 'hover', x, y } };
      if (a.button !== undefined && a.button !== 'left' && a.button !== 'right')
        throw bad('a click button is "left" or "right"');
      // X11 numbers the right button 3 (2 is the middle one).
      const right = a.button === 'right';
      return {
        move: { x, y },
        rest: ['click', right ? '3' : '1'],
        done: right ? { type: 'click', x, y, button: 'right' } : { type: 'click', x, y },
      };
    }
    if (a?.type === 'drag') {
      const ok = (v: unknown) => Number.isFinite(v) && (v as number) >= 0 && (v as number) <= MAX_COORD;
      if (!ok(a.x) || !ok(a.y) || !a.to || !ok(a.to.x) || !ok(a.to.y))
        throw bad(`a drag needs x, y and to {x, y} between 0 and ${MAX_COORD}`);
      const [x, y, tx, ty] = [a.x!, a.y!, a.to.x, a.to.y].map((v) => Math.round(v)) as [
        number,
        number,
        number,
        number,
      ];
      if (x === tx && y === ty) throw bad('a drag must end somewhere else than it starts');
      // Button 1 goes down at the start and up at the end; the second move is a real movement, so --sync is safe.
      return {
        move: { x, y },
        rest: ['mousedown', '1', 'mousemove', '--sync', String(tx), String(ty), 'mouseup', '1'],
        done: { type: 'drag', x, y, to: { x: tx, y: ty } },
        end: { x: tx, y: ty },
      };
    }
    if (a?.type === 'type') {
      const max = this.options.maxTextLength ?? 1000;
      if (typeof a.text !== 'string' || a.text.length === 0) throw bad('type needs a non-empty text');
      if (a.text.length > max)
        throw bad(`the text to type is ${a.text.length} characters; the limit is ${max}`);
      const delay = String(this.options.typeDelayMs ?? 8);
      return { rest: ['type', '--delay', delay, '--', a.text], done: { type: 'type', text: a.text } };
    }
    if (a?.type === 'press') {
      if (typeof a.keys !== 'string' || !KEYS.test(a.keys)) {
        throw bad('press needs key chords like "ctrl+s" or "Return" (letters, digits, _ and +)');
      }
      return { rest: ['key', '--', ...a.keys.split(' ')], done: { type: 'press', keys: a.keys } };
    }
    throw bad(
      'an action is {type: "click", x, y, button?}, {type: "hover", x, y}, {type: "drag", x, y, to: {x, y}}, {type: "type", text} or {type: "press", keys}',
    );
  }
}
