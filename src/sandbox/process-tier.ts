import type { SandboxResult, SandboxStatus } from '../domain/index.js';
import { RunAudit, SDK_METHOD_NAMES } from './host-bridge.js';
import { effectiveLimits, resolveOptions } from './options.js';
import type { ResolvedSandboxOptions, SandboxOptions } from './options.js';
import { Launcher } from './launcher.js';
import { launchSpec } from './os-layers.js';
import type { SandboxLayer } from './os-layers.js';
import { Child, classifyDeath, describeDeath } from './pool-child.js';
import type { ColdStartPhases, Death, DoneMessage } from './pool-child.js';
import { validateRequest } from './request.js';
import type { SandboxRequest, SandboxTier, TierAvailability } from './types.js';

/** Consecutive children dying before `ready` after which the tier declares itself unavailable. */
const MAX_SPAWN_FAILURES = 3;
/**
 * A pool that shrank while idle starts its missing children once the requests that woke it are served, or
 * this long after the first of them, whichever comes first: a child booting (≈ 0.2 s of CPU) beside the one
 * serving a burst on a 2-core machine was measured to double the burst's latency.
 */
const GROW_DELAY_MS = 50;
/** While refreshing an idle pool: how soon to look again for the replacement being ready. */
const REFRESH_RETRY_MS = 250;
/** Budget of child CPU seconds kept in reserve for start-up and the current run, under RLIMIT_CPU. */
const CPU_RESERVE_MS = 5000;

let nextRunId = 1;

/**
 * The pooled-process tier (default) and, with `container: true`, the same child under bubblewrap.
 *
 * Each child hosts one QuickJS engine; the pool keeps `poolSize` of them warm and queues requests beyond
 * that. A child that dies, is killed by the watchdog, or asks to be recycled is replaced in the background.
 */
export class ProcessPoolTier implements SandboxTier {
  readonly name: 'process' | 'container';
  private readonly options: ResolvedSandboxOptions;
  private readonly command: string;
  private readonly args: string[];
  private readonly stdin: Buffer | undefined;
  private readonly osLayers: SandboxLayer[];
  private readonly children = new Set<Child>();
  /** Starts the children, so this process (often the server) never forks itself: see launcher-host.mjs. */
  private readonly launcher = new Launcher();
  private readonly waiters: Array<(c: Child | null) => void> = [];
  private spawnFailures = 0;
  /** Children the pool keeps: `poolSize`, or `minPoolSize` once it has been idle for `poolIdleMs`. */
  private strength: number;
  private lastRunAt = performance.now();
  private idleTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private growTimer: NodeJS.Timeout | undefined;
  private lastSpawnError = '';
  private closed = false;
  private readonly unavailableReason: string | null;
  /** Measured start-up of the most recent children, spawn → ready, in ms. */
  readonly coldStartsMs: number[] = [];
  /** The same, split into phases. */
  readonly coldStartPhases: ColdStartPhases[] = [];

  constructor(kind: 'process' | 'container', options: SandboxOptions = {}) {
    this.name = kind;
    this.options = resolveOptions(options);
    const spec = launchSpec({
      ...this.options,
      container: kind === 'container',
      sdkMethods: SDK_METHOD_NAMES,
    });
    this.command = spec.command;
    this.args = spec.args;
    this.stdin = spec.stdin;
    this.osLayers = spec.layers;
    // Fail closed: a wall this machine cannot build (and whose absence was not accepted) keeps the tier shut.
    this.unavailableReason = spec.refusal;
    this.strength = this.options.poolSize;
    if (!this.unavailableReason) {
      for (let i = 0; i < this.options.poolSize; i++) this.spawnChild();
      this.armIdleTimer();
      this.armRefreshTimer();
    }
  }

  /** The isolation layers of this tier on this machine, active or not (and why). */
  async capabilities(): Promise<{ tier: string; layers: SandboxLayer[] }> {
    return { tier: this.name, layers: this.osLayers.map((l) => ({ ...l })) };
  }

  async availability(): Promise<TierAvailability> {
    if (this.unavailableReason) return { available: false, reason: this.unavailableReason };
    if (this.closed) return { available: false, reason: 'the tier is closed' };
    for (;;) {
      const starting = [...this.children];
      if (starting.some((c) => c.state === 'idle' || c.state === 'busy')) return { available: true };
      if (this.spawnFailures >= MAX_SPAWN_FAILURES || starting.length === 0)
        return { available: false, reason: `sandbox children fail to start: ${this.lastSpawnError}` };
      await Promise.race(starting.map((c) => c.ready));
      if ([...this.children].some((c) => c.state === 'idle' || c.state === 'busy'))
        return { available: true };
      // All died before ready: replacements are spawning (until MAX_SPAWN_FAILURES); look again.
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private spawnChild(): void {
    if (this.closed || this.spawnFailures >= MAX_SPAWN_FAILURES) return;
    const child = new Child(this.launcher, this.command, this.args, this.stdin, (c) => this.onChildExit(c));
    this.children.add(child);
    void child.ready.then((ok) => {
      if (ok) {
        this.spawnFailures = 0;
        this.coldStartsMs.push(child.readyMs);
        if (this.coldStartsMs.length > 50) this.coldStartsMs.shift();
        if (child.phases) this.coldStartPhases.push(child.phases);
        if (this.coldStartPhases.length > 50) this.coldStartPhases.shift();
        // The pool shrank while this child was starting.
        if (this.liveChildren() > this.strength && this.waiters.length === 0) child.retireNow();
        else this.offer(child);
      }
    });
  }

  private onChildExit(c: Child): void {
    this.children.delete(c);
    if (this.closed) return;
    if (c.readyMs === 0) {
      this.spawnFailures++;
      this.lastSpawnError = c.stderr.trim().split('\n').slice(-3).join(' | ') || 'exited before ready';
      if (this.spawnFailures >= MAX_SPAWN_FAILURES) {
        // Nothing will come: fail the queue now instead of letting callers wait for their timeouts.
        for (const w of this.waiters.splice(0)) w(null);
        return;
      }
    }
    // Keep the pool at strength: a dead or retired child is replaced in the background.
    if (this.children.size < this.strength) this.spawnChild();
  }

  /** Live children: not dead, nor stopped and waiting for their exit. */
  private liveChildren(): number {
    let n = 0;
    for (const c of this.children) if (c.state !== 'dead') n++;
    return n;
  }

  /**
   * A run arrived: the pool is not idle. If it had shrunk, it goes back to `poolSize` — the new children
   * start in the background (launcher) once the queue is served or GROW_DELAY_MS later, and this run is
   * served by a child that stayed (or queued for one).
   */
  private noteRun(): void {
    this.lastRunAt = performance.now();
    if (this.strength < this.options.poolSize) {
      this.strength = this.options.poolSize;
      this.growTimer = setTimeout(() => this.grow(), GROW_DELAY_MS);
      this.growTimer.unref();
    }
    this.armIdleTimer();
    this.armRefreshTimer();
  }

  private grow(): void {
    clearTimeout(this.growTimer);
    this.growTimer = undefined;
    if (this.closed) return;
    for (let n = this.liveChildren(); n < this.strength; n++) this.spawnChild();
  }

  private armIdleTimer(): void {
    const o = this.options;
    if (this.idleTimer || this.closed || o.poolIdleMs === 0 || this.strength <= o.minPoolSize) return;
    const wait = Math.max(0, o.poolIdleMs - (performance.now() - this.lastRunAt));
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      this.shrinkIfIdle();
    }, wait);
    // An idle pool must not keep its process alive.
    this.idleTimer.unref();
  }

  /**
   * No run for `poolIdleMs`: stop children beyond `minPoolSize` (each is a Node process of ≈ 55 MB RSS),
   * keeping the one whose next context is built and whose JIT is the hottest. Busy children are never
   * stopped (while any is busy or a request waits, the pool is not idle), nor starting ones: they are
   * stopped once ready if the pool is still small then.
   */
  private shrinkIfIdle(): void {
    if (this.closed) return;
    const busy = [...this.children].some((c) => c.state === 'busy') || this.waiters.length > 0;
    if (busy) this.lastRunAt = performance.now();
    if (busy || performance.now() - this.lastRunAt < this.options.poolIdleMs) {
      this.armIdleTimer();
      return;
    }
    this.strength = this.options.minPoolSize;
    const stoppable = [...this.children]
      .filter((c) => c.state === 'idle')
      .sort((a, b) => Number(a.prepared) - Number(b.prepared) || a.lastUsed - b.lastUsed);
    // Ready children are kept down to minPoolSize; starting ones do not count (they are stopped when ready),
    // so a warm child is never given up for one still booting.
    let ready = stoppable.length;
    for (const c of stoppable) {
      if (ready <= this.strength) break;
      c.retireNow();
      ready--;
    }
  }

  private armRefreshTimer(delayMs?: number): void {
    const ms = this.options.poolRefreshIdleMs;
    if (this.refreshTimer || this.closed || ms === 0) return;
    const wait = delayMs ?? Math.max(0, ms - (performance.now() - this.lastRunAt));
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refreshIfIdle();
    }, wait);
    // An idle pool must not keep its process alive.
    this.refreshTimer.unref();
  }

  /**
   * No run for `poolRefreshIdleMs`: replace a child that has run code by a fresh one (its heap keeps what
   * the runs left), then look again once the replacement is ready — one at a time, so every other child
   * stays ready for a run that comes meanwhile. Stops when all children are fresh, until the next run.
   */
  private refreshIfIdle(): void {
    if (this.closed) return;
    const ms = this.options.poolRefreshIdleMs;
    const all = [...this.children];
    const busy = all.some((c) => c.state === 'busy') || this.waiters.length > 0;
    if (busy || performance.now() - this.lastRunAt < ms) {
      this.armRefreshTimer();
      return;
    }
    // A child still starting (a replacement, or the pool growing back) or not yet gone: wait for it first.
    if (all.some((c) => c.state === 'starting' || c.state === 'dead')) {
      this.armRefreshTimer(REFRESH_RETRY_MS);
      return;
    }
    const used = all.find((c) => c.state === 'idle' && c.runs > 0);
    if (!used) return;
    // onChildExit starts its replacement (the pool is below strength once it is gone).
    used.retireNow();
    this.refreshes++;
    this.armRefreshTimer(REFRESH_RETRY_MS);
  }

  /** Children replaced by fresh ones while the pool was idle (`poolRefreshIdleMs`). */
  refreshes = 0;

  private offer(c: Child): void {
    if (c.state !== 'idle') return;
    const w = this.waiters.shift();
    if (w) {
      c.state = 'busy';
      w(c);
    }
  }

  private acquire(): Promise<Child | null> | Child | null {
    // A child whose next context is built first (building one costs more than a small run, so a back-to-back
    // caller would otherwise wait for it); among those the most recently used, whose JIT is the hottest
    // (alternating blindly between children was measured ~40% slower per call on a 2-core machine). When no
    // idle child is ready, the least recently used: it started building its context first, so it is the one
    // that can start the run soonest (the most recently used has only just begun).
    let best: Child | null = null;
    for (const c of this.children)
      if (
        c.state === 'idle' &&
        (!best ||
          (c.prepared && !best.prepared) ||
          (c.prepared === best.prepared &&
            (c.prepared ? c.lastUsed > best.lastUsed : c.lastUsed < best.lastUsed)))
      )
        best = c;
    if (best) {
      best.state = 'busy';
      return best;
    }
    if (this.spawnFailures >= MAX_SPAWN_FAILURES || this.closed) return null;
    if (this.waiters.length >= this.options.maxQueue) return null;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(c: Child, timeoutMs: number): void {
    const o = this.options;
    if (c.state === 'dead') return;
    // Retire before RLIMIT_CPU could fire mid-run (it counts the child's whole life), after maxRunsPerChild,
    // or when the child asked (grown wasm heap / poisoned engine).
    if (
      c.retire ||
      c.runs >= o.maxRunsPerChild ||
      c.cpuMs + timeoutMs + CPU_RESERVE_MS > o.childCpuSeconds * 1000
    ) {
      c.kill('close');
      return;
    }
    c.state = 'idle';
    c.lastUsed = performance.now();
    this.offer(c);
    if (this.growTimer && this.waiters.length === 0) this.grow();
  }

  async run(request: SandboxRequest): Promise<SandboxResult> {
    const o = this.options;
    const limits = effectiveLimits(request.limits, o);
    const invalid = validateRequest(request, o);
    if (invalid) return failed('error', invalid);
    if (this.closed) return failed('error', 'the sandbox tier is closed');
    if (this.unavailableReason) return failed('error', `sandbox unavailable: ${this.unavailableReason}`);
    this.noteRun();
    let inputJson: string;
    try {
      inputJson = JSON.stringify(request.input ?? null);
    } catch (err) {
      return failed('error', `input is not JSON-serialisable: ${String(err)}`);
    }

    const got = this.acquire();
    const child = got instanceof Child || got === null ? got : await got;
    if (!child)
      return failed(
        'error',
        this.spawnFailures >= MAX_SPAWN_FAILURES
          ? `sandbox unavailable: children fail to start: ${this.lastSpawnError}`
          : 'sandbox busy: the request queue is full',
      );

    const id = nextRunId++;
    const audit = new RunAudit(request, o, () => {
      if (child.proc.connected) child.proc.send({ t: 'abort', id });
    });
    const t0 = performance.now();
    const outcome = await new Promise<DoneMessage | Death>((resolve) => {
      let answered = false;
      let lateKill: NodeJS.Timeout | undefined;
      // Wall-clock watchdog: the child's own interrupt deadline normally ends the run; this is for a child
      // stuck where the interrupt handler never runs (one huge BigInt, join or regex inside a single C call,
      // a hung IPC) or starved of CPU. The caller gets 'timeout' at timeoutMs + grace, whatever the child
      // does; the child is told to abort and gets killGraceMs more to answer (then it rejoins the pool —
      // killing every late child would turn a loaded machine into a respawn storm) before it is SIGKILLed.
      const watchdog = setTimeout(
        () => {
          answered = true;
          resolve({ t: 'death', code: null, signal: null, killedBy: 'watchdog', stderr: '' });
          if (child.proc.connected) child.proc.send({ t: 'abort', id });
          lateKill = setTimeout(() => child.kill('watchdog'), o.killGraceMs);
        },
        limits.timeoutMs + killGrace(limits.timeoutMs, o.killGraceMs),
      );
      child.current = {
        id,
        audit,
        resolve: (r) => {
          clearTimeout(watchdog);
          clearTimeout(lateKill);
          if (!answered) {
            answered = true;
            resolve(r);
          } else if (r.t === 'done') {
            // The late answer of a run the caller already got as 'timeout': the child is usable again.
            child.cpuMs += r.cpuMs ?? 0;
            if (r.recycle) child.retire = true;
            this.release(child, limits.timeoutMs);
          }
        },
      };
      child.runs++;
      child.prepared = false;
      child.proc.send({
        t: 'run',
        id,
        job: {
          code: request.code,
          kind: request.kind ?? 'module',
          inputJson,
          timeoutMs: limits.timeoutMs,
          memoryMb: limits.memoryMb,
          maxOutputBytes: limits.maxOutputBytes,
          maxArgBytes: o.maxArgBytes,
          methods: SDK_METHOD_NAMES,
        },
      });
    });
    const wallMs = performance.now() - t0;
    audit.close();

    let result: SandboxResult;
    if (outcome.t === 'done') {
      child.cpuMs += outcome.cpuMs ?? 0;
      if (outcome.recycle) child.retire = true;
      result = {
        status: outcome.status,
        violations: [],
        resources: { wallMs, cpuMs: outcome.cpuMs ?? 0, peakMemoryMb: outcome.peakMemoryMb ?? 0 },
        hostCalls: [],
        ...(outcome.error !== undefined ? { error: outcome.error } : {}),
      };
      if (outcome.status === 'ok' && outcome.outputJson !== undefined) {
        // Re-checked here: the child's own check is not trusted.
        if (Buffer.byteLength(outcome.outputJson, 'utf8') > limits.maxOutputBytes) {
          result.status = 'error';
          result.error = `output too large: more than ${limits.maxOutputBytes} bytes of JSON`;
        } else
          try {
            result.output = JSON.parse(outcome.outputJson);
          } catch {
            result.status = 'error';
            result.error = 'the sandbox returned malformed JSON';
          }
      }
      this.release(child, limits.timeoutMs);
    } else {
      result = {
        status: classifyDeath(outcome),
        error: describeDeath(outcome, limits),
        violations: [],
        resources: { wallMs, cpuMs: 0, peakMemoryMb: 0 },
        hostCalls: [],
      };
    }
    result.hostCalls = audit.hostCalls;
    result.violations = audit.violations;
    // Any refused sdk call makes the whole run a violation, whatever the guest did with the rejection.
    if (audit.violations.length > 0) result.status = 'violation';
    return result;
  }

  /** Kills every child and waits until each has exited; queued requests get status 'error'. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.refreshTimer);
    clearTimeout(this.growTimer);
    for (const w of this.waiters.splice(0)) w(null);
    const all = [...this.children];
    for (const c of all) c.kill('close');
    // The launcher kills and reaps whatever child is left before it leaves on SIGTERM, so it is signalled
    // together with the children rather than after them (one wait instead of two: a CLI exits sooner).
    await Promise.all([...all.map((c) => c.exited), this.launcher.close()]);
  }

  /** PID of the process that starts this tier's children, if it is running. */
  launcherPid(): number | undefined {
    return this.launcher.pid;
  }

  /** Children by state: how many are ready to serve (idle), serving, or still starting. */
  childStates(): Record<'starting' | 'idle' | 'busy', number> {
    const n = { starting: 0, idle: 0, busy: 0 };
    for (const c of this.children) if (c.state !== 'dead') n[c.state]++;
    return n;
  }

  /** PIDs of live children (what tests check is empty after close()). */
  childPids(): number[] {
    return [...this.children]
      .filter((c) => c.state !== 'dead')
      .map((c) => c.proc.pid)
      .filter((p): p is number => typeof p === 'number');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Wall time a child gets past its deadline before the watchdog answers the caller: 5% of the limit, at
 * least 15 ms (IPC and the interrupt poll need a few ms), at most `killGraceMs`. Keeps a run that only the
 * watchdog can stop within its limit + 10% from 300 ms up.
 */
function killGrace(timeoutMs: number, killGraceMs: number): number {
  return Math.min(killGraceMs, Math.max(15, Math.round(timeoutMs * 0.05)));
}

export function failed(status: SandboxStatus, error: string): SandboxResult {
  return {
    status,
    error,
    violations: [],
    resources: { wallMs: 0, cpuMs: 0, peakMemoryMb: 0 },
    hostCalls: [],
  };
}

/** The default tier: pooled child processes, each hosting QuickJS behind Node's permission model and rlimits. */
export function createProcessTier(options: SandboxOptions = {}): ProcessPoolTier {
  return new ProcessPoolTier('process', options);
}

/** The process tier's child under bubblewrap namespaces. Check `availability()`: bwrap may be missing. */
export function createContainerTier(options: SandboxOptions = {}): ProcessPoolTier {
  return new ProcessPoolTier('container', options);
}
