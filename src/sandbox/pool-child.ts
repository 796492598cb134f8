import type { SandboxStatus } from '../domain/index.js';
import type { BridgeReply, RunAudit } from './host-bridge.js';
import type { Launcher, RemoteChild } from './launcher.js';

/**
 * One child process of the process tier's pool: its start (ready, cold-start phases), the messages it sends
 * (each untrusted), the run it is doing, and what its death means for that run.
 */
/** Bytes of a child's stderr kept for diagnostics (a flood must not grow the parent). */
const STDERR_TAIL_BYTES = 4096;
/** A child that is not ready after this long is treated as a failed spawn. */
const READY_TIMEOUT_MS = 10_000;

export interface Pending {
  id: number;
  audit: RunAudit;
  resolve: (r: DoneMessage | Death) => void;
}

export interface DoneMessage {
  t: 'done';
  id: number;
  status: SandboxStatus;
  outputJson?: string;
  error?: string;
  peakMemoryMb?: number;
  cpuMs?: number;
  heapMb?: number;
  recycle?: boolean;
}

/** Where a child's start-up time goes (spawn → ready as measured by the parent, the rest as the child says). */
export interface ColdStartPhases {
  totalMs: number;
  nodeBootMs: number;
  engineLoadMs: number;
  warmUpMs: number;
}

export interface Death {
  t: 'death';
  code: number | null;
  signal: NodeJS.Signals | null;
  killedBy: 'watchdog' | 'close' | null;
  stderr: string;
}

/** One child process of the pool. Everything it sends is untrusted: an escaped guest would be speaking. */
export class Child {
  readonly proc: RemoteChild;
  readonly ready: Promise<boolean>;
  readonly spawnedAt = performance.now();
  readyMs = 0;
  /** What the child says its start-up cost: Node's boot, QuickJS load (import + wasm compile), warm-up runs. */
  phases: ColdStartPhases | null = null;
  state: 'starting' | 'idle' | 'busy' | 'dead' = 'starting';
  runs = 0;
  cpuMs = 0;
  lastUsed = 0;
  retire = false;
  /** The child's next QuickJS context is built (it says so after each run; only used for routing). */
  prepared = true;
  killedBy: Death['killedBy'] = null;
  stderr = '';
  current: Pending | null = null;
  readonly exited: Promise<void>;

  constructor(
    launcher: Launcher,
    command: string,
    args: string[],
    stdin: Buffer | undefined,
    onExit: (c: Child) => void,
  ) {
    // Started by the launcher process with an empty environment (no secrets, no proxies, no NODE_OPTIONS
    // smuggling flags into the child) — only Node's IPC variables, which Node removes at start-up.
    this.proc = launcher.spawn(command, args, stdin);
    this.proc.on('stderr', (s: string) => {
      this.stderr = (this.stderr + s).slice(-STDERR_TAIL_BYTES);
    });
    let markReady: (ok: boolean) => void = () => {};
    this.ready = new Promise<boolean>((resolve) => (markReady = resolve));
    const readyTimer = setTimeout(() => {
      markReady(false);
      this.kill('close');
    }, READY_TIMEOUT_MS);
    readyTimer.unref();
    this.exited = new Promise<void>((resolve) => {
      this.proc.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
        clearTimeout(readyTimer);
        this.state = 'dead';
        markReady(false);
        const cur = this.current;
        this.current = null;
        cur?.resolve({ t: 'death', code, signal, killedBy: this.killedBy, stderr: this.stderr });
        onExit(this);
        resolve();
      });
    });
    // Dead but not yet drained: an idle or starting child must not be handed work (or counted as ready)
    // in the time its channel takes to close. A busy one keeps its run until the drain delivers the end.
    this.proc.once('lost', () => {
      if (this.state === 'idle' || this.state === 'starting') this.state = 'dead';
    });
    this.proc.on('message', (msg: unknown) => {
      if (!msg || typeof msg !== 'object') return;
      const m = msg as Record<string, unknown>;
      if (m['t'] === 'ready' && this.state === 'starting') {
        clearTimeout(readyTimer);
        this.readyMs = performance.now() - this.spawnedAt;
        const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
        this.phases = {
          totalMs: this.readyMs,
          nodeBootMs: num(m['bootMs']),
          engineLoadMs: num(m['loadMs']),
          warmUpMs: num(m['warmMs']),
        };
        this.state = 'idle';
        markReady(true);
      } else if (m['t'] === 'prepared') this.prepared = true;
      else if (m['t'] === 'call') this.onCall(m);
      else if (m['t'] === 'done') this.onDone(m);
    });
  }

  private onCall(m: Record<string, unknown>): void {
    const cur = this.current;
    if (!cur || m['id'] !== cur.id || typeof m['callId'] !== 'number') return;
    const callId = m['callId'];
    void cur.audit.call(m['method'], m['argsJson']).then((reply: BridgeReply) => {
      if (this.current !== cur || !this.proc.connected) return;
      this.proc.send({ t: 'reply', id: cur.id, callId, ...reply });
    });
  }

  private onDone(m: Record<string, unknown>): void {
    const cur = this.current;
    if (!cur || m['id'] !== cur.id) return;
    const statuses: SandboxStatus[] = ['ok', 'error', 'timeout', 'memory'];
    const status = statuses.includes(m['status'] as SandboxStatus) ? (m['status'] as SandboxStatus) : 'error';
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
    this.current = null;
    cur.resolve({
      t: 'done',
      id: cur.id,
      status,
      ...(typeof m['outputJson'] === 'string' ? { outputJson: m['outputJson'] } : {}),
      ...(typeof m['error'] === 'string' ? { error: m['error'].slice(0, 4000) } : {}),
      peakMemoryMb: num(m['peakMemoryMb']),
      cpuMs: num(m['cpuMs']),
      heapMb: num(m['heapMb']),
      recycle: m['recycle'] === true,
    });
  }

  /** Stops an idle child the pool no longer needs; it is never handed work again. */
  retireNow(): void {
    if (this.state !== 'idle') return;
    this.kill('close');
    this.state = 'dead';
  }

  kill(by: Death['killedBy']): void {
    if (this.state === 'dead') return;
    this.killedBy ??= by;
    this.proc.kill();
  }
}

export function classifyDeath(d: Death): SandboxStatus {
  if (d.killedBy === 'watchdog') return 'timeout';
  // RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL at the hard one.
  if (d.signal === 'SIGXCPU') return 'timeout';
  if (/out of memory|allocation failed|Cannot allocate memory|WebAssembly\.Memory|OOM/i.test(d.stderr))
    return 'memory';
  // An unexplained SIGKILL is most often the kernel's OOM killer.
  if (d.signal === 'SIGKILL' && d.killedBy === null) return 'memory';
  return 'error';
}

export function describeDeath(d: Death, limits: { timeoutMs: number; memoryMb: number }): string {
  const how = d.signal ? `signal ${d.signal}` : `exit code ${d.code}`;
  const tail = d.stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 500);
  switch (classifyDeath(d)) {
    case 'timeout':
      return d.killedBy === 'watchdog'
        ? `timed out after ${limits.timeoutMs} ms (stopped by the watchdog)`
        : `timed out after ${limits.timeoutMs} ms (sandbox process killed: ${how})`;
    case 'memory':
      return `exceeded the memory limit of ${limits.memoryMb} MB (sandbox process died: ${how}${tail ? `; ${tail}` : ''})`;
    default:
      return `sandbox process crashed (${how})${tail ? `: ${tail}` : ''}`;
  }
}
