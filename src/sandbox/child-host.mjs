/* global performance, setImmediate */
// The sandbox child process: one QuickJS engine, driven over the IPC channel by the parent's pool.
//
// Started by process-tier.ts with an empty environment, Node's permission model (file reads limited to this
// folder and the QuickJS packages; no writes, child processes, workers or addons), rlimits and — where the
// OS allows — no network namespace. It holds no secrets and no authority: every sdk call is forwarded to
// the parent, which checks permissions and audits it. If a guest ever escaped QuickJS it would land here,
// inside all of those walls.
//
// argv: <coreUrl> <variantUrl> <recycleGrowthMb> <sdkMethodsJson> [engineMemoryWall 1|0]

import { loadEngine } from './quickjs-engine.mjs';

const [coreUrl, variantUrl, recycleArg, methodsArg, wallArg] = process.argv.slice(2);
const RECYCLE_GROWTH_BYTES = Number(recycleArg || 8) * 1024 * 1024;
const MAX_PENDING_CALLS = 10_000;
/** Runtimes abandoned undrained (each a few hundred KB of wasm heap) before the child asks to be replaced. */
const MAX_ABANDONED = 8;

if (typeof process.send !== 'function') {
  process.stderr.write('child-host: no IPC channel\n');
  process.exit(2);
}

const send = (msg) => {
  if (process.connected) process.send(msg);
};

// performance.now() counts from the process's time origin: this is Node's own boot, before any of our code.
const started = performance.now();
const engine = await loadEngine({ coreUrl, variantUrl });
const loaded = performance.now();
engine.memoryWall = wallArg !== '0';
/** @type {Map<number, (reply: any) => void>} */
const pending = new Map();
let runId = null;
let nextCallId = 1;

const bridge = {
  call(method, argsJson) {
    if (pending.size >= MAX_PENDING_CALLS)
      return Promise.resolve({ ok: false, error: 'too many pending sdk calls' });
    const callId = nextCallId++;
    return new Promise((resolve) => {
      pending.set(callId, resolve);
      send({ t: 'call', id: runId, callId, method, argsJson });
    });
  },
};

process.on('message', (msg) => {
  if (!msg || typeof msg !== 'object') return;
  if (msg.t === 'run' && runId === null) {
    runId = msg.id;
    void runJob(msg.id, msg.job);
  } else if (msg.t === 'reply' && msg.id === runId) {
    const resolve = pending.get(msg.callId);
    pending.delete(msg.callId);
    resolve?.(msg.ok ? { ok: true, json: String(msg.json) } : { ok: false, error: String(msg.error) });
  } else if (msg.t === 'abort' && msg.id === runId) {
    engine.abort();
  }
});
// The parent is gone: nothing left to serve, and a sandbox must never outlive its owner.
process.on('disconnect', () => process.exit(0));

async function runJob(id, job) {
  const cpu0 = process.cpuUsage();
  let outcome;
  try {
    outcome = await engine.run(job, bridge);
  } catch (err) {
    outcome = {
      status: 'error',
      error: `engine failure: ${err?.message ?? err}`,
      peakMemoryMb: 0,
      poisoned: true,
    };
  }
  const cpu = process.cpuUsage(cpu0);
  for (const resolve of pending.values()) resolve({ ok: false, error: 'run finished' });
  pending.clear();
  runId = null;
  const heapBytes = engine.heapBytes();
  // WebAssembly memory never shrinks: after a run grew the heap past the threshold (or poisoned the engine)
  // this child asks to be replaced instead of carrying the bloat or a suspect instance into later runs. The
  // threshold is small on purpose: free heap left by a big run would otherwise be usable by the next run on
  // top of its own memory budget.
  const recycle =
    outcome.poisoned ||
    engine.poisoned ||
    engine.abandoned > MAX_ABANDONED ||
    heapBytes > engine.baseHeap + RECYCLE_GROWTH_BYTES;
  send({
    t: 'done',
    id,
    status: outcome.status,
    outputJson: outcome.outputJson,
    error: outcome.error,
    peakMemoryMb: outcome.peakMemoryMb,
    cpuMs: (cpu.user + cpu.system) / 1000,
    heapMb: heapBytes / (1024 * 1024),
    recycle,
  });
  if (outcome.poisoned || engine.poisoned) setImmediate(() => process.exit(3));
}

// A teardown failure after a run leaves a suspect instance: leave, and let the pool start a fresh child.
// Between runs only; during a run the outcome carries it and the child exits after answering.
engine.onPoisoned = () => {
  if (runId === null) process.exit(3);
};
// The pool routes back-to-back requests to a child whose next context is already built (building one costs
// more than a small run), so it is told when that is done.
engine.onPrepared = () => {
  if (runId === null) send({ t: 'prepared' });
};
// Two real runs before `ready` compile the functions every run needs (V8 compiles lazily on first call,
// ~100–300 ms here), so the first request to a fresh child is as fast as any other.
await engine.warmUp(2, JSON.parse(methodsArg || '[]'));
const warmed = performance.now();
send({
  t: 'ready',
  bootMs: started,
  loadMs: loaded - started,
  warmMs: warmed - loaded,
  heapMb: engine.heapBytes() / (1024 * 1024),
});
