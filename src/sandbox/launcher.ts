import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

const LAUNCHER_SCRIPT = fileURLToPath(new URL('./launcher-host.mjs', import.meta.url));

/** Bytes of one unfinished message a child may send before it is killed (a flood must not grow us). */
const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** After the exit report, how long the channel may still deliver what the child wrote before it died. */
const DRAIN_AFTER_EXIT_MS = 1000;

/**
 * A sandbox child started by the launcher, spoken to directly over its own socket (Node's IPC framing for
 * `serialization: 'json'`: one JSON document per line). Events: 'message' (parsed), 'stderr' (text),
 * 'lost' — the process is known to be gone — then 'exit' (code, signal) once, after the channel has
 * delivered everything the child wrote.
 */
export class RemoteChild extends EventEmitter {
  pid: number | undefined;
  private channel: Socket | null = null;
  private buffered = '';
  private exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private channelClosed = false;
  private finished = false;
  private killRequested = false;
  private drainTimer: NodeJS.Timeout | undefined;

  constructor(private readonly maxMessageBytes: number) {
    super();
  }

  get connected(): boolean {
    return this.channel !== null && !this.channelClosed && !this.channel.destroyed;
  }

  /** One message to the child; false when the channel is not (or no longer) open. */
  send(msg: unknown): boolean {
    if (!this.connected) return false;
    this.channel!.write(JSON.stringify(msg) + '\n');
    return true;
  }

  kill(): void {
    if (this.finished || this.exit) return;
    if (this.pid === undefined) {
      this.killRequested = true; // still starting: killed the moment its pid is known
      return;
    }
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // ESRCH: already gone; the exit report is on its way.
    }
  }

  /** @internal The launcher handed over the child's IPC socket. */
  attachChannel(pid: number, socket: Socket): void {
    this.pid = pid;
    this.channel = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.channelClosed = true;
      this.maybeFinish();
    });
    if (this.killRequested) this.kill();
  }

  /** @internal The launcher handed over the child's stderr. */
  attachStderr(socket: Socket): void {
    socket.setEncoding('utf8');
    socket.on('data', (s: string) => this.emit('stderr', s));
    socket.on('error', () => {});
  }

  /** @internal The child exited (or never started). */
  exited(code: number | null, signal: NodeJS.Signals | null, error?: string): void {
    if (this.exit) return;
    this.exit = { code, signal };
    if (error) this.emit('stderr', `${error}\n`);
    // Known dead now, though its last words may still be in the channel: nothing new may be given to it.
    this.emit('lost');
    if (!this.channel) this.channelClosed = true;
    else {
      // Whatever the child wrote before dying is still readable; wait for the channel to end, not forever.
      this.drainTimer = setTimeout(() => {
        this.channel?.destroy();
        this.channelClosed = true;
        this.maybeFinish();
      }, DRAIN_AFTER_EXIT_MS);
      this.drainTimer.unref();
    }
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.finished || !this.exit || !this.channelClosed) return;
    this.finished = true;
    clearTimeout(this.drainTimer);
    this.emit('exit', this.exit.code, this.exit.signal);
  }

  private onData(chunk: string): void {
    // Only the new text can hold a newline; lines are cut out in one pass and the rest kept once.
    let nl = this.buffered.length;
    this.buffered += chunk;
    let start = 0;
    while ((nl = this.buffered.indexOf('\n', nl)) >= 0) {
      const line = this.buffered.slice(start, nl);
      start = ++nl;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        continue; // not ours to interpret: everything a child says is untrusted
      }
      this.emit('message', msg);
    }
    if (start > 0) this.buffered = this.buffered.slice(start);
    if (this.buffered.length > this.maxMessageBytes) {
      this.emit('stderr', `sandbox child sent a message larger than ${this.maxMessageBytes} bytes\n`);
      this.buffered = '';
      this.kill();
    }
  }
}

/**
 * Starts sandbox children from a small helper process (launcher-host.mjs), so that the pool's own process
 * — typically the server — never forks itself. Started on first use; replaced if it dies, in which case
 * the children it was still starting are reported as failed (and any that started are killed).
 */
export class Launcher {
  private proc: ChildProcess | null = null;
  private nextId = 1;
  /** Children by request id, with the launcher process that was asked to start them. */
  private readonly children = new Map<number, { child: RemoteChild; by: ChildProcess }>();
  private stderr = '';
  private closed = false;

  constructor(private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {}

  /** `stdin`: bytes written to the child's fd 0 and then closed (bwrap reads its seccomp program there). */
  spawn(command: string, args: string[], stdin?: Buffer): RemoteChild {
    const child = new RemoteChild(this.maxMessageBytes);
    if (this.closed) {
      queueMicrotask(() => child.exited(null, null, 'the launcher is closed'));
      return child;
    }
    const proc = this.ensure();
    const id = this.nextId++;
    this.children.set(id, { child, by: proc });
    child.once('exit', () => this.children.delete(id));
    proc.send({ t: 'spawn', id, command, args, ...(stdin ? { stdin: stdin.toString('base64') } : {}) });
    return child;
  }

  /** PID of the launcher process (tests check it is gone after close). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  private ensure(): ChildProcess {
    if (this.proc && this.proc.connected) return this.proc;
    const proc = spawn(process.execPath, [LAUNCHER_SCRIPT], {
      env: {},
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.proc = proc;
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (s: string) => {
      this.stderr = (this.stderr + s).slice(-2000);
    });
    proc.on('error', (err) => {
      this.stderr = (this.stderr + String(err)).slice(-2000);
    });
    proc.on('message', (msg: unknown, handle: unknown) => {
      if (!msg || typeof msg !== 'object') return;
      const m = msg as { t?: string; id?: number; pid?: number; fd?: string; code?: number | null };
      const entry = typeof m.id === 'number' ? this.children.get(m.id) : undefined;
      const child = entry?.by === proc ? entry.child : undefined;
      const socket = handle as Socket | undefined;
      if (!child) {
        socket?.destroy();
        return;
      }
      if (m.t === 'spawned' && socket && typeof m.pid === 'number') {
        if (m.fd === 'ipc') child.attachChannel(m.pid, socket);
        else child.attachStderr(socket);
      } else if (m.t === 'exit') {
        const e = msg as { code: number | null; signal: NodeJS.Signals | null; error?: string };
        child.exited(e.code ?? null, e.signal ?? null, e.error);
      }
    });
    proc.once('exit', () => {
      if (this.proc === proc) this.proc = null;
      // Its children lose their exit reports: kill them and report them gone — as killed when we closed
      // it, as a crash (not as an unexplained SIGKILL, which would read as out-of-memory) when it died.
      // Only its own: a launcher that lost its channel is replaced at once, possibly before it exits, and
      // its successor's children must not die with it.
      for (const { child, by } of this.children.values()) {
        if (by !== proc) continue;
        child.kill();
        if (this.closed) child.exited(null, 'SIGKILL');
        else child.exited(null, null, `sandbox launcher exited: ${this.stderr.trim().slice(-300)}`);
      }
    });
    return proc;
  }

  /** Stops the launcher; it SIGKILLs any child it started that is still alive. */
  async close(): Promise<void> {
    this.closed = true;
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    // SIGTERM: it kills and reaps its children, reports them, then leaves (see launcher-host.mjs).
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 2000);
    await gone;
    clearTimeout(timer);
  }
}
