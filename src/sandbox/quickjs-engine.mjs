/* global WebAssembly, Buffer, setImmediate, setTimeout, clearTimeout */
// The QuickJS engine layer, shared by the child process (process/container tiers) and the inline tier.
//
// One file on purpose (~560 lines): the child's Node permission model may read only this file and
// child-host.mjs (engine-packages.ts: readPaths), and the guest/host invariants below hold across all of it.
//
// Plain ESM JavaScript on purpose: the child process runs this file directly from source (under vitest) and
// from dist/ after `tsc` (allowJs copies it), with no loader or transpiler in the child.
//
// Everything the guest produces crosses into the host as a string made by the guest's *pristine*
// JSON.stringify (captured before any guest code runs), under the run's interrupt deadline. The host never
// calls `dump`, never reads guest properties on the host side, never keeps a guest object past the run.

/** Never larger: on this machine a QuickJS stack limit above 256 KiB lets deep recursion crash the host. */
const MAX_STACK_BYTES = 256 * 1024;
/** Pending jobs run per slice, so a microtask flood cannot starve the deadline check. */
const JOBS_PER_SLICE = 128;
/** Give the host event loop a turn after this many jobs, so host-call replies and aborts are delivered. */
const JOBS_BEFORE_YIELD = 4096;
/** Longest error text copied out of the guest (a huge error message would bypass the output cap). */
const MAX_ERROR_CHARS = 2000;
/**
 * The build has no malloc_usable_size, so QuickJS's own limit counts ~8 bytes per allocation whatever its
 * size: one 1 GB string passes it. What bounds a run is the wasm heap itself: it may not grow beyond the
 * engine's start-up size (`baseHeap`) plus the run's `memoryMb` (and the child's rlimits behind that). Free
 * space left inside the heap by earlier runs would add to that, so owners replace an engine whose heap grew
 * (child-host.mjs: beyond `baseHeap` + recycleGrowthMb).
 */
/** Poll the (cheap) heap size every 8th interrupt-handler call (QuickJS calls it every ~10k operations). */
const HEAP_POLL_MASK = 7;
const MiB = 1024 * 1024;
/** Job slices run (all interrupted) to empty a stopped run's queue before its runtime is freed. */
const MAX_DRAIN_SLICES = 100;
const WARM_UP_MODULE = `export default async function run(input, sdk) {
  let e = ''; try { null.x; } catch (err) { e = String(err); }
  const n = sdk.log ? await sdk.log('warm', input) : null;
  const out = []; for (let i = 0; i < 200; i++) out.push({ i, s: 'x' + i });
  return { input, e, n, out: await Promise.all(out.map(async (o) => o)) };
}
await Promise.resolve(1);`;

// Read first from every fresh context, before any guest code runs: pristine handles to the few built-ins the
// host relies on, so guest code that replaces JSON.stringify, String or Promise cannot change how values are
// copied out (it can only lie about its own output, which it could do anyway). They are reachable only from
// host handles. Read through the FFI rather than by evaluating a bootstrap script: parsing and running one
// cost ≈ 0.1 ms per run, a third of building the next context (callgrind, docs/sandbox.md).
const PRISTINE = [
  ['String', null],
  ['String.prototype', null],
  ['String.prototype.slice', null],
  ['JSON', null],
  ['JSON.stringify', 'JSON'],
  ['JSON.parse', 'JSON'],
  ['Promise', null],
  ['Promise.resolve', 'Promise'],
];

/**
 * Loads the QuickJS WebAssembly module: the release *sync* build (no asyncify, so nothing on the host can
 * suspend the guest mid-expression; async host calls are plain QuickJS promises instead).
 * @param {{ coreUrl?: string, variantUrl?: string }} [where] file URLs of quickjs-emscripten-core and the
 *   @jitl/quickjs-wasmfile-release-sync variant; bare specifiers when absent.
 */
export async function loadEngine(where = {}) {
  const core = await import(where.coreUrl ?? 'quickjs-emscripten-core');
  const variantMod = await import(where.variantUrl ?? '@jitl/quickjs-wasmfile-release-sync');
  const api = typeof core.newQuickJSWASMModuleFromVariant === 'function' ? core : core.default;
  let variant = variantMod.default ?? variantMod;
  if (variant && variant.default && !variant.type) variant = variant.default;
  const qjs = await api.newQuickJSWASMModuleFromVariant(variant);
  const engine = new Engine(qjs);
  engine.prepare();
  engine.baseHeap = engine.heapBytes();
  return engine;
}

export class Engine {
  constructor(qjs) {
    this.qjs = qjs;
    /** Hard cap on wasm heap growth for the current run, in bytes (Infinity between runs). */
    this.growCap = Infinity;
    this.#guardGrowth();
    /** Set when a host-side exception escaped the engine: the owner must throw this engine away. */
    this.poisoned = false;
    this.prepared = null;
    /** The last clean run's context, torn down a turn after its result or by the next run, whichever is first. */
    this.retiring = null;
    this.busy = false;
    this.current = null;
    /** SDK method names of the last run: the next context's `sdk` is built ahead with the same set. */
    this.methods = null;
    /** Called when tearing a finished run down failed: the instance is suspect and must be replaced. */
    this.onPoisoned = null;
    /**
     * The per-run heap wall (below). Only switched off to show that the OS layer (the child's address-space
     * rlimit) stops a memory bomb on its own: the sandbox's tests do that, nothing else should.
     */
    this.memoryWall = true;
    /** Heap size of the engine at rest (after start-up and warm-up): the floor every run's cap is added to. */
    this.baseHeap = 0;
    /** Runtimes left unfreed because their job queue would not drain; the owner recycles the engine. */
    this.abandoned = 0;
    /** Called when the next run's context is built after a run (the owner may route work elsewhere until then). */
    this.onPrepared = null;
  }

  /**
   * The per-run memory wall. QuickJS's own limit is blind to big blocks in this build, and a single
   * allocation (a 1.5 GB typed array, 'x'.repeat(2**29)) happens inside one C call where no interrupt poll
   * can see it. Emscripten grows the heap only through \`memory.grow\` from JS inside a try/catch, so refusing
   * the growth here makes malloc return NULL: QuickJS throws "out of memory" in the guest *before* the memory
   * exists, and the run is stopped as 'memory' at the next interrupt poll even if the guest catches it.
   */
  #guardGrowth() {
    const memory = this.qjs.getWasmMemory();
    const grow = WebAssembly.Memory.prototype.grow;
    Object.defineProperty(memory, 'grow', {
      value: (delta) => {
        if (memory.buffer.byteLength + Number(delta) * 65536 > this.growCap) {
          if (this.current && !this.current.stop) this.current.stop = 'memory';
          throw new RangeError('sandbox memory limit');
        }
        return grow.call(memory, delta);
      },
    });
  }

  /** Bytes of WebAssembly linear memory. It never shrinks, so it is the engine's lifetime high-water mark. */
  heapBytes() {
    return this.qjs.getWasmMemory().buffer.byteLength;
  }

  /** Stops the current run at its next interrupt poll or job slice (e.g. the host-call budget is spent). */
  abort() {
    const st = this.current;
    if (st && !st.stop) {
      st.stop = 'abort';
      st.wake();
    }
  }

  /**
   * Creates the next run's fresh runtime + context ahead of time (≈0.2 ms), so a warm call does not pay
   * for it. Nothing guest-controlled has touched it yet.
   */
  prepare(methods = this.methods) {
    if (this.prepared || this.poisoned) return;
    const rt = this.qjs.newRuntime();
    rt.setMaxStackSize(MAX_STACK_BYTES);
    const vm = rt.newContext();
    /** Pristine built-ins by path (see PRISTINE): each `fn` with the `self` it is called on. */
    const fns = {};
    for (const [path, selfPath] of PRISTINE) {
      const dot = path.lastIndexOf('.');
      const owner = dot < 0 ? vm.global : fns[path.slice(0, dot)].fn;
      fns[path] = { fn: vm.getProp(owner, path.slice(dot + 1)), self: selfPath ? null : vm.undefined };
    }
    for (const [path, selfPath] of PRISTINE) if (selfPath) fns[path].self = fns[selfPath].fn;
    const bundle = {
      rt,
      vm,
      fns,
      sdk: null,
      // null until an `sdk` is built: a run always gets one, even with no methods.
      methodsKey: null,
      slot: { job: null, bridge: null, st: null, deferreds: null },
    };
    if (methods) {
      bundle.sdk = this.#buildSdk(bundle, methods);
      bundle.methodsKey = methods.join(',');
    }
    this.prepared = bundle;
  }

  /**
   * Runs `rounds` throw-away jobs through the real path (sdk bridge, promises, interrupt handler, output copy),
   * so lazily compiled JS and wasm functions are compiled before a real request arrives.
   */
  async warmUp(rounds = 2, methods = []) {
    const bridge = { call: async () => ({ ok: true, json: '{"n":1}' }) };
    const job = {
      code: WARM_UP_MODULE,
      kind: 'module',
      inputJson: '{"a":[1,2,3]}',
      timeoutMs: 5000,
      memoryMb: 16,
      maxOutputBytes: 1024 * 1024,
      maxArgBytes: 1024,
      methods,
    };
    for (let i = 0; i < rounds; i++) {
      await this.run(job, bridge);
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.baseHeap = Math.max(this.baseHeap, this.heapBytes());
  }

  /**
   * Runs one guest job in its own runtime + context: runs cannot see each other, and a stopped run's
   * leftover job queue dies with its runtime instead of running against a later run.
   *
   * @param {{code: string, kind: 'module'|'script', inputJson: string, timeoutMs: number, memoryMb: number,
   *   maxOutputBytes: number, maxArgBytes: number, methods: string[]}} job
   * @param {{call(method: string, argsJson: string): Promise<{ok: true, json: string} | {ok: false, error: string}>,
   * }} bridge
   * @returns {Promise<{status: 'ok'|'error'|'timeout'|'memory', outputJson?: string, error?: string,
   *   peakMemoryMb: number, poisoned: boolean}>}
   */
  async run(job, bridge) {
    if (this.busy) throw new Error('engine is busy: one run at a time');
    this.busy = true;
    try {
      this.#retire();
      // Its teardown failed: the instance is suspect (the owner replaces the engine, as after any poisoning).
      if (this.poisoned) throw new Error('the engine was poisoned tearing down the last run');
      this.methods = job.methods;
      let bundle = this.prepared;
      if (bundle && bundle.methodsKey !== job.methods.join(',')) {
        this.#dispose(bundle);
        bundle = null;
      }
      this.prepared = null;
      if (!bundle) {
        this.prepare(job.methods);
        bundle = this.prepared;
        this.prepared = null;
      }
      return await this.#run(bundle, job, bridge);
    } finally {
      this.busy = false;
    }
  }

  /** Tears down the last clean run's context if that is still to do (see the end of #run). */
  #retire() {
    const bundle = this.retiring;
    this.retiring = null;
    if (bundle) this.#dispose(bundle);
  }

  #dispose(bundle) {
    if (this.poisoned) return;
    try {
      const { slot, fns, vm, rt, sdk } = bundle;
      for (const d of slot.deferreds ?? []) if (d.alive) d.dispose();
      for (const { fn } of Object.values(fns)) fn.dispose();
      sdk?.dispose();
      // A stopped run can leave a job queue behind (promise floods). QuickJS asserts (and aborts the whole
      // wasm instance) if a runtime is freed with live objects, so drain it with every job interrupted at
      // once; a queue that still will not empty is abandoned with its runtime (bounded: the child recycles).
      if (rt.hasPendingJob()) {
        rt.setInterruptHandler(() => true);
        for (let i = 0; i < MAX_DRAIN_SLICES && rt.hasPendingJob(); i++) {
          const r = rt.executePendingJobs(JOBS_PER_SLICE);
          if (r.error) r.error.dispose();
        }
        if (rt.hasPendingJob()) {
          this.abandoned++;
          return;
        }
      }
      vm.dispose();
      rt.dispose();
    } catch {
      this.poisoned = true;
      this.onPoisoned?.();
    }
  }

  async #run(bundle, job, bridge) {
    const { rt, vm, sdk } = bundle;
    const deadline = Date.now() + job.timeoutMs;
    const heapStart = this.heapBytes();
    // Measured from the engine's resting size, not from this run's start: a heap grown by an earlier run
    // does not lend its free space on top of this run's budget (beyond what the owner's recycling allows).
    const heapCap = this.memoryWall ? Math.max(heapStart, this.baseHeap + job.memoryMb * MiB) : Infinity;
    this.growCap = heapCap;
    const st = {
      stop: /** @type {null|'timeout'|'memory'|'abort'} */ (null),
      outstanding: 0,
      wake: () => {},
    };
    let ticks = 0;
    const deferreds = new Set();
    bundle.slot = { job, bridge, st, deferreds };
    const owned = [];
    this.current = st;
    const own = (h) => (owned.push(h), h);

    // QuickJS's own allocator limit: catches object/array floods (many small blocks). Big blobs are
    // caught by the heap check in the interrupt handler and by the child's rlimits.
    rt.setMemoryLimit(job.memoryMb * MiB);
    rt.setInterruptHandler(() => {
      if (st.stop) return true;
      if (Date.now() > deadline) st.stop = 'timeout';
      else if ((++ticks & HEAP_POLL_MASK) === 0 && this.heapBytes() > heapCap) st.stop = 'memory';
      return st.stop !== null;
    });

    const call = pristineCall(bundle);
    const finish = (status, extra = {}) => {
      let peak = Math.max(0, this.heapBytes() - heapStart);
      if (!this.poisoned) {
        try {
          const m = /memory used\s+\d+\s+(\d+)/.exec(rt.dumpMemoryUsage());
          if (m) peak = Math.max(peak, Number(m[1]));
        } catch {
          // Usage is diagnostics only; it never changes the outcome.
        }
      }
      return {
        status,
        peakMemoryMb: Math.round((peak / MiB) * 100) / 100,
        poisoned: this.poisoned,
        ...extra,
      };
    };
    const stopped = () =>
      st.stop === 'timeout'
        ? finish('timeout', { error: `timed out after ${job.timeoutMs} ms` })
        : st.stop === 'memory'
          ? finish('memory', { error: `exceeded the memory limit of ${job.memoryMb} MB` })
          : finish('error', { error: 'stopped by the host' });
    // Text of a guest value, produced inside the guest (its toString runs there, under the deadline); a long
    // text is cut inside the guest with the pristine String.prototype.slice, so only MAX_ERROR_CHARS of it
    // are ever copied out.
    const guestText = (handle) => {
      const r = call('String', handle);
      if (r.error) {
        r.error.dispose();
        return '<unprintable guest value>';
      }
      let s = '<unprintable guest value>';
      if (vm.typeof(r.value) === 'string') {
        if (lengthOf(r.value) <= MAX_ERROR_CHARS) s = vm.getString(r.value);
        else {
          const cut = vm.callFunction(
            bundle.fns['String.prototype.slice'].fn,
            r.value,
            own(vm.newNumber(0)),
            own(vm.newNumber(MAX_ERROR_CHARS)),
          );
          if (cut.error) cut.error.dispose();
          else {
            if (vm.typeof(cut.value) === 'string') s = vm.getString(cut.value) + '...';
            cut.value.dispose();
          }
        }
      }
      r.value.dispose();
      return s;
    };
    const fail = (errHandle, prefix = '') => {
      const text = prefix + guestText(errHandle);
      errHandle.dispose();
      if (st.stop) return stopped();
      if (/out of memory/i.test(text))
        return finish('memory', { error: `exceeded the memory limit of ${job.memoryMb} MB (${text})` });
      return finish('error', { error: text });
    };
    const lengthOf = (strHandle) => {
      const h = vm.getProp(strHandle, 'length');
      const n = vm.getNumber(h);
      h.dispose();
      return n;
    };

    try {
      const input = call('JSON.parse', own(vm.newString(job.inputJson)));
      if (input.error) return fail(input.error, 'input is not JSON: ');
      own(input.value);

      let result;
      if (job.kind === 'script') {
        // Scripts (e.g. published escape payloads as written) see `input` and `sdk` as globals.
        vm.setProp(vm.global, 'input', input.value);
        vm.setProp(vm.global, 'sdk', sdk);
        const r = vm.evalCode(job.code, 'capability.js', { type: 'global' });
        if (r.error) return fail(r.error);
        result = r.value;
      } else {
        const r = vm.evalCode(job.code, 'capability.js', { type: 'module' });
        if (r.error) return fail(r.error);
        // A module with top-level await evaluates to a promise of its namespace: settle it first.
        const ns = await this.#settle(rt, vm, call, r.value, deadline, st);
        if (ns.stop) return stopped();
        if (ns.error) return fail(ns.error);
        const run = own(vm.getProp(ns.value, 'default'));
        ns.value.dispose();
        if (vm.typeof(run) !== 'function')
          return finish('error', {
            error: 'the module has no default export `async function run(input, sdk)`',
          });
        const c = vm.callFunction(run, vm.undefined, input.value, sdk);
        if (c.error) return fail(c.error);
        result = c.value;
      }

      const settled = await this.#settle(rt, vm, call, result, deadline, st);
      if (settled.stop) return stopped();
      if (settled.error) return fail(settled.error);

      // Copy-only output: a getter or toJSON on the result runs as guest code inside the VM, never on the host.
      const json = call('JSON.stringify', settled.value);
      settled.value.dispose();
      if (json.error) return fail(json.error, 'output is not JSON-serialisable: ');
      own(json.value);
      if (st.stop) return stopped();
      if (vm.typeof(json.value) !== 'string') return finish('ok', {});
      // Measured before copying: an oversized string is refused without ever entering the host heap.
      if (lengthOf(json.value) > job.maxOutputBytes) return tooLarge(finish, job);
      const outputJson = vm.getString(json.value);
      if (Buffer.byteLength(outputJson, 'utf8') > job.maxOutputBytes) return tooLarge(finish, job);
      return finish('ok', { outputJson });
    } catch (err) {
      // A host-side exception inside the engine (wasm trap, V8 stack overflow inside wasm, FFI misuse) may
      // leave the WebAssembly instance inconsistent: poison it so the owner replaces the whole engine.
      this.poisoned = true;
      if (st.stop) return stopped();
      const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      if (/out of memory|Cannot enlarge memory|OOM/i.test(text))
        return finish('memory', { error: `exceeded the memory limit of ${job.memoryMb} MB (${text})` });
      return finish('error', { error: `engine failure: ${text}` });
    } finally {
      this.current = null;
      this.growCap = Infinity;
      if (!this.poisoned) {
        try {
          for (const h of owned) if (h.alive) h.dispose();
        } catch {
          this.poisoned = true;
        }
        if (st.stop || rt.hasPendingJob()) {
          // Stopped runs are torn down now, so a teardown failure is charged to the run that caused it.
          this.#dispose(bundle);
          setImmediate(() => {
            if (this.busy) return;
            this.prepare();
            this.onPrepared?.();
          });
        } else
          // A clean run: building the next context and tearing this one down happen after the result is on
          // its way, off the warm-call path (nothing drives this runtime's jobs any more) — the build first,
          // so the owner hears `prepared` sooner, and the teardown a turn later, so a run that arrives in
          // between is not kept waiting for it.
          // A run that does arrive in between tears it down first (run()): what this run left in the WASM heap
          // must never count against the next run's memory limit.
          this.retiring = bundle;
        setImmediate(() => {
          if (!this.busy) {
            this.prepare();
            this.onPrepared?.();
          }
          setImmediate(() => this.#retire());
        });
      }
    }
  }

  /** `sdk` inside the guest: each method serialises its arguments in the guest and returns a guest promise. */
  #buildSdk(bundle, methods) {
    const { vm } = bundle;
    const call = pristineCall(bundle);
    const lengthOf = (h) => {
      const l = vm.getProp(h, 'length');
      const n = vm.getNumber(l);
      l.dispose();
      return n;
    };
    const sdk = vm.newObject();
    const groups = new Map();
    for (const method of methods) {
      const parts = method.split('.');
      const leaf = parts.pop();
      let target = sdk;
      if (parts.length === 1) {
        if (!groups.has(parts[0])) {
          const g = vm.newObject();
          vm.setProp(sdk, parts[0], g);
          groups.set(parts[0], g);
        }
        target = groups.get(parts[0]);
      }
      // Every sdk method is async for the guest: refusals are rejected promises, never synchronous throws.
      const rejected = (errHandle) => {
        const d = vm.newPromise();
        d.reject(errHandle);
        errHandle.dispose();
        const h = d.handle.dup();
        d.dispose();
        return h;
      };
      const fn = vm.newFunction(leaf, (...args) => {
        const { job, bridge, st, deferreds } = bundle.slot;
        if (!job || st.stop) return rejected(vm.newError('the run is over'));
        const arr = vm.newArray();
        args.forEach((a, i) => vm.setProp(arr, i, a));
        const s = call('JSON.stringify', arr);
        arr.dispose();
        if (s.error) return rejected(s.error);
        const isString = vm.typeof(s.value) === 'string';
        // Arguments are capped before the copy, like outputs: no guest value enters the host unbounded.
        if (!isString || lengthOf(s.value) > job.maxArgBytes) {
          s.value.dispose();
          return rejected(
            vm.newError(
              isString ? `sdk arguments exceed ${job.maxArgBytes} bytes` : 'sdk arguments must be JSON data',
            ),
          );
        }
        const argsJson = vm.getString(s.value);
        s.value.dispose();
        const d = vm.newPromise();
        deferreds.add(d);
        st.outstanding++;
        const settle = (reply) => {
          st.outstanding--;
          deferreds.delete(d);
          if (!vm.alive || !d.alive) return;
          if (reply.ok) {
            const str = vm.newString(reply.json);
            const v = call('JSON.parse', str);
            str.dispose();
            if (v.error) d.reject(v.error);
            else d.resolve(v.value);
            (v.error ?? v.value).dispose();
          } else {
            const e = vm.newError({
              name: 'SdkError',
              message: String(reply.error).slice(0, MAX_ERROR_CHARS),
            });
            d.reject(e);
            e.dispose();
          }
          d.dispose();
          st.wake();
        };
        bridge.call(method, argsJson).then(settle, (err) => settle({ ok: false, error: String(err) }));
        return d.handle.dup();
      });
      vm.setProp(target, leaf, fn);
      fn.dispose();
    }
    for (const g of groups.values()) g.dispose();
    return sdk;
  }

  /**
   * Drives the guest's job queue until `handle` settles (any value; promises and thenables are adopted via
   * the pristine Promise.resolve): bounded slices, the deadline checked between slices, the host event loop
   * given a turn so host-call replies arrive. A promise that can never settle is an error, not a hang.
   */
  async #settle(rt, vm, call, handle, deadline, st) {
    const r = call('Promise.resolve', handle);
    handle.dispose();
    if (r.error) return { error: r.error };
    const promise = r.value;
    try {
      let sinceYield = 0;
      for (;;) {
        while (rt.hasPendingJob()) {
          const res = rt.executePendingJobs(JOBS_PER_SLICE);
          // An uncatchable interrupt surfaces here; `st.stop` says why. Other job errors are the guest's own
          // (they already rejected a guest promise).
          if (res.error) res.error.dispose();
          // Tiny jobs can finish between interrupt-handler polls, so the deadline is checked here too.
          if (!st.stop && Date.now() > deadline) st.stop = 'timeout';
          if (st.stop) return { stop: true };
          sinceYield += JOBS_PER_SLICE;
          if (sinceYield >= JOBS_BEFORE_YIELD) {
            sinceYield = 0;
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
        const state = vm.getPromiseState(promise);
        if (state.type === 'fulfilled') return { value: state.value };
        if (state.type === 'rejected') return { error: state.error };
        if (st.stop) return { stop: true };
        if (st.outstanding === 0)
          return { error: vm.newString('run() returned a promise that can never settle') };
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
          st.stop = 'timeout';
          return { stop: true };
        }
        await new Promise((resolve) => {
          const t = setTimeout(resolve, remaining + 1);
          st.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        st.wake = () => {};
      }
    } finally {
      if (promise.alive) promise.dispose();
    }
  }
}

/** Calls a pristine built-in of the bundle's context (PRISTINE) on its own `this`. */
function pristineCall(bundle) {
  const { vm, fns } = bundle;
  return (name, ...args) => vm.callFunction(fns[name].fn, fns[name].self, ...args);
}

function tooLarge(finish, job) {
  return finish('error', { error: `output too large: more than ${job.maxOutputBytes} bytes of JSON` });
}
