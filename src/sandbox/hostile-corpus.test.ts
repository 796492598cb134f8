// Hostile corpus: each payload runs ONLY inside the sandbox tier under test. Containment is asserted with
// host-side signals (a secret in the parent's environment, a marker file path, a loopback listener, the
// parent's Object.prototype, the parent's heap), never by trusting what the guest says about itself.
import { existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxResult, SandboxStatus } from '../domain/index.js';
import { createProcessTier } from './index.js';
import type { ProcessPoolTier } from './process-tier.js';

const SECRET = `s3cr3t-${process.pid}-${Math.random().toString(36).slice(2)}`;
const MARKER = join(tmpdir(), `ironcliw-sandbox-marker-${process.pid}`);
/** Fixed grace on top of limit+10%: IPC, scheduling on a loaded 2-core box, and killGraceMs (100 ms). */
const GRACE_MS = 250;

let tier: ProcessPoolTier;
let listener: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  process.env['IRONCLIW_SANDBOX_TEST_SECRET'] = SECRET;
  rmSync(MARKER, { force: true });
  listener = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  port = (listener.address() as { port: number }).port;
  tier = createProcessTier({ poolSize: 2 });
  expect((await tier.availability()).available).toBe(true);
  // Both children up and past their first runs, so the timing assertions measure the sandbox, not start-up.
  await Promise.all([assertHealthy(), assertHealthy(), assertHealthy(), assertHealthy()]);
});

afterAll(async () => {
  await tier.close();
  await new Promise<void>((r) => listener.close(() => r()));
  delete process.env['IRONCLIW_SANDBOX_TEST_SECRET'];
  rmSync(MARKER, { force: true });
});

interface Case {
  name: string;
  /** Source, or a function of the loopback listener's port (known only once the listener is up). */
  code: string | ((port: number) => string);
  kind?: 'module' | 'script';
  /** Statuses that count as contained for this payload. */
  allowed: SandboxStatus[];
  timeoutMs?: number;
  memoryMb?: number;
  maxOutputBytes?: number;
  permissions?: never[];
  check?: (r: SandboxResult) => void;
}

const env = (expr: string) => `export default async function run() {
  let got;
  try { got = ${expr}; } catch (e) { got = 'threw: ' + e; }
  try { return JSON.stringify(got); } catch (e) { return String(got); }
}`;

const CASES: Case[] = [
  // --- realm escapes -------------------------------------------------------------------------------------
  {
    name: 'constructor.constructor("return process")()',
    code: env(`({}).constructor.constructor('return process')().env`),
    allowed: ['ok', 'error'],
  },
  {
    name: 'this.constructor.constructor (script, as published)',
    kind: 'script',
    code: `this.constructor.constructor('return process')().mainModule.require('child_process').execSync('id').toString()`,
    allowed: ['error'],
  },
  {
    name: 'Function constructor via arguments.callee.caller',
    code: env(
      `(function () { return arguments.callee.caller; })().constructor('return globalThis.process')()`,
    ),
    allowed: ['ok', 'error'],
  },
  {
    name: 'Error.prepareStackTrace to reach a host CallSite',
    code: env(
      `(() => { Error.prepareStackTrace = (e, frames) => frames.map((f) => f.getThis && f.getThis()); const s = new Error('x').stack; return typeof s === 'object' ? s.map(String) : String(s).slice(0, 200); })()`,
    ),
    allowed: ['ok', 'error'],
  },
  {
    name: 'stack overflow to get a host RangeError constructor',
    code: env(
      `(() => { let e; const f = () => f(); try { f(); } catch (x) { e = x; } return e.constructor.constructor('return process')(); })()`,
    ),
    allowed: ['ok', 'error'],
  },
  {
    name: 'Proxy on the sdk argument path',
    code: `export default async function run(input, sdk) {
      const p = new Proxy({}, { get(t, k) { return k === 'toJSON' ? () => ({ proc: typeof process }) : undefined; }, ownKeys() { return ['a']; } });
      return await sdk.vision.findShapes(p, p).catch((e) => String(e));
    }`,
    allowed: ['violation'],
  },
  {
    name: 'Proxy returned as the result',
    code: `export default async function run() { return new Proxy({}, { get() { return () => globalThis.process; }, ownKeys() { throw new Error('no'); } }); }`,
    allowed: ['ok', 'error'],
  },
  {
    name: 'Symbol.toPrimitive / Symbol.for on the result',
    code: `export default async function run() { return { [Symbol.toPrimitive]() { return typeof process; }, [Symbol.for('nodejs.util.inspect.custom')]() { return process; }, ok: Symbol.for('x').toString() }; }`,
    allowed: ['ok'],
    check: (r) => expect(r.output).toEqual({ ok: 'Symbol(x)' }),
  },
  {
    name: 'Promise species / then hijack on the returned promise',
    code: `export default function run() {
      class Evil extends Promise { static get [Symbol.species]() { return Promise; } then(a, b) { return super.then((v) => a('hijacked:' + typeof process), b); } }
      Promise.prototype.then = function (a) { a('patched then'); };
      return Evil.resolve(1);
    }`,
    allowed: ['ok', 'error'],
  },
  {
    name: 'result with getters and toJSON (run as guest code only)',
    code: `export default async function run() { return { get where() { return typeof process + '/' + typeof require; }, nested: { toJSON() { return { t: typeof globalThis.process }; } } }; }`,
    allowed: ['ok'],
    check: (r) => expect(r.output).toEqual({ where: 'undefined/undefined', nested: { t: 'undefined' } }),
  },
  // --- ambient authority -----------------------------------------------------------------------------
  {
    name: 'read the environment through every name',
    code: env(
      `[typeof process, typeof Deno, typeof Bun, typeof std, typeof os, typeof globalThis.process, typeof scriptArgs, typeof environ]`,
    ),
    allowed: ['ok'],
    check: (r) => expect(JSON.parse(r.output as string)).toEqual(Array(8).fill('undefined')),
  },
  {
    name: 'require("fs")',
    code: env(`require('fs').readFileSync('/proc/self/environ', 'utf8')`),
    allowed: ['ok', 'error'],
  },
  {
    name: 'dynamic import("fs") and QuickJS std/os',
    code: `export default async function run() {
      const out = [];
      for (const m of ['fs', 'node:fs', 'std', 'os', 'child_process']) {
        try { const mod = await import(m); out.push(m + ':' + Object.keys(mod)); } catch (e) { out.push(m + ':denied'); }
      }
      return out;
    }`,
    allowed: ['ok', 'error'],
    check: (r) => {
      if (r.status === 'ok') expect((r.output as string[]).every((s) => s.endsWith(':denied'))).toBe(true);
    },
  },
  {
    name: 'static import of fs',
    code: `import fs from 'fs'; export default async function run() { fs.writeFileSync(${JSON.stringify(MARKER)}, 'x'); }`,
    allowed: ['error'],
  },
  {
    name: 'write a marker file by any means',
    code: `export default async function run() {
      const tries = [() => std.open(${JSON.stringify(MARKER)}, 'w').puts('x'), () => os.open(${JSON.stringify(MARKER)}, 577), () => process.binding('fs')];
      return tries.map((t) => { try { t(); return 'ok'; } catch (e) { return String(e).slice(0, 40); } });
    }`,
    allowed: ['ok', 'error'],
  },
  {
    name: 'connect to a loopback listener',
    code: (p) =>
      env(
        `[typeof fetch === 'function' ? (fetch('http://127.0.0.1:${p}/'), 'fetch') : typeof fetch, typeof XMLHttpRequest, typeof WebSocket, typeof net].join()`,
      ),
    allowed: ['ok'],
    check: (r) => expect(r.output).toBe('"undefined,undefined,undefined,undefined"'),
  },
  {
    name: 'WebAssembly, SharedArrayBuffer, Atomics.wait',
    code: env(
      `[typeof WebAssembly, typeof SharedArrayBuffer === 'function' ? Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10) : 'none']`,
    ),
    allowed: ['ok', 'error'],
  },
  {
    name: 'host prototype pollution through output and sdk args',
    code: `export default async function run(input, sdk) {
      Object.prototype.polluted = 'yes';
      try { await sdk.log(JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}')); } catch {}
      return JSON.parse('{"__proto__": {"polluted": "yes"}, "a": 1}');
    }`,
    allowed: ['ok', 'error'],
  },
  // --- CPU ---------------------------------------------------------------------------------------------
  {
    name: 'infinite loop',
    code: `export default async function run() { for (;;) {} }`,
    allowed: ['timeout'],
  },
  {
    name: 'catch-swallowing infinite loop',
    code: `export default async function run() { while (1) { try { for (;;) {} } catch (e) {} } }`,
    allowed: ['timeout'],
  },
  {
    name: 'infinite loop in module top level',
    code: `for (;;) {} export default async function run() {}`,
    allowed: ['timeout'],
  },
  {
    name: 'infinite loop inside a getter during output copy',
    code: `export default async function run() { return { get x() { for (;;) {} } }; }`,
    allowed: ['timeout'],
  },
  {
    name: 'infinite loop in finally after interrupt',
    code: `export default async function run() { for (;;) { try { for (;;) {} } finally { for (;;) {} } } }`,
    allowed: ['timeout'],
  },
  {
    name: 'ReDoS',
    code: `export default async function run() { return /^(a+)+$/.test('a'.repeat(40) + 'b'); }`,
    allowed: ['timeout'],
  },
  // --- microtasks ---------------------------------------------------------------------------------------
  {
    name: 'microtask flood: for(;;) await null',
    code: `export default async function run() { for (;;) await null; }`,
    allowed: ['timeout'],
  },
  {
    name: 'promise chain flood',
    code: `export default function run() { const loop = () => Promise.resolve().then(loop); loop(); return new Promise(() => {}); }`,
    allowed: ['timeout'],
  },
  {
    name: 'a promise that never settles',
    code: `export default function run() { return new Promise(() => {}); }`,
    allowed: ['error'],
    check: (r) => expect(r.resources.wallMs).toBeLessThan(500),
  },
  // --- memory -----------------------------------------------------------------------------------------
  {
    name: 'string doubling',
    code: `export default async function run() { let s = 'x'; for (;;) s += s; }`,
    allowed: ['memory', 'error'],
  },
  {
    name: 'string doubling with catch',
    code: `export default async function run() { const keep = []; let s = 'x'; for (;;) { try { s += s; } catch (e) { keep.push(s); s = 'y' + s.slice(1); } } }`,
    allowed: ['memory', 'timeout', 'error'],
  },
  {
    name: 'big arrays',
    code: `export default async function run() { const a = []; for (;;) a.push(new Array(1e5).fill(1.5)); }`,
    allowed: ['memory', 'error'],
  },
  {
    name: 'ArrayBuffer flood',
    code: `export default async function run() { const a = []; for (;;) a.push(new ArrayBuffer(16 * 1024 * 1024)); }`,
    allowed: ['memory', 'error'],
  },
  {
    name: 'one 1.5 GB ArrayBuffer',
    code: `export default async function run() { const b = new Uint8Array(1.5 * 1024 * 1024 * 1024); b.fill(1); return b.length; }`,
    allowed: ['memory', 'error'],
  },
  {
    name: "'x'.repeat(2**29)",
    code: `export default async function run() { return 'x'.repeat(2 ** 29).length; }`,
    allowed: ['memory', 'error'],
  },
  {
    name: 'object flood',
    code: `export default async function run() { const m = new Map(); for (let i = 0; ; i++) m.set(i, { i, s: 'v' + i }); }`,
    allowed: ['memory', 'error', 'timeout'],
  },
  // --- stack --------------------------------------------------------------------------------------------
  {
    name: 'deep recursion',
    code: `export default async function run() { const f = (n) => f(n + 1) + 1; return f(0); }`,
    allowed: ['error'],
  },
  {
    name: 'deep recursion swallowing RangeError',
    code: `export default async function run() { const f = () => { try { return f(); } catch (e) { return f(); } }; return f(); }`,
    allowed: ['error', 'timeout'],
  },
  {
    name: 'deep JSON nesting in output',
    code: `export default async function run() { let o = {}; for (let i = 0; i < 1e6; i++) o = { o }; return o; }`,
    allowed: ['error', 'memory', 'timeout'],
  },
  // --- output -------------------------------------------------------------------------------------------
  {
    name: 'huge output',
    code: `export default async function run() { return 'x'.repeat(5 * 1024 * 1024); }`,
    allowed: ['error'],
    check: (r) => expect(r.error).toMatch(/output too large/),
  },
  {
    name: 'huge error message',
    code: `export default async function run() { throw new Error('e'.repeat(10 * 1024 * 1024)); }`,
    allowed: ['error', 'memory'],
    check: (r) => expect((r.error ?? '').length).toBeLessThan(5000),
  },
  {
    name: 'cyclic output',
    code: `export default async function run() { const o = {}; o.o = o; return o; }`,
    allowed: ['error'],
  },
  // --- host calls ---------------------------------------------------------------------------------------
  {
    name: 'sdk call flood beyond maxHostCalls',
    code: `export default async function run(input, sdk) { for (let i = 0; i < 5000; i++) await sdk.clock.now().catch(() => 0); return 'done'; }`,
    timeoutMs: 5000,
    allowed: ['violation'],
    check: (r) => {
      expect(r.violations).toContain('host-calls:more than 1000');
      expect(r.hostCalls.length).toBeLessThanOrEqual(1000);
    },
  },
  {
    name: 'sdk argument bomb',
    code: `export default async function run(input, sdk) { return await sdk.log('x'.repeat(4 * 1024 * 1024)).then(() => 'sent', (e) => String(e)); }`,
    allowed: ['ok'],
    check: (r) => {
      expect(r.output).toMatch(/exceed/);
      expect(r.hostCalls).toEqual([]);
    },
  },
];

/** Host-side containment signals, checked after every payload. */
function assertContained(r: SandboxResult): void {
  const dump = JSON.stringify(r);
  expect(dump).not.toContain(SECRET);
  expect(existsSync(MARKER)).toBe(false);
  expect(connections).toBe(0);
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
}

async function assertHealthy(): Promise<void> {
  const r = await tier.run({
    code: `export default async function run(input) { return { sum: input.a + input.b, leak: typeof globalThis.leak }; }`,
    input: { a: 2, b: 3 },
    permissions: [],
    limits: { timeoutMs: 2000, memoryMb: 32 },
  });
  expect(r.status).toBe('ok');
  expect(r.output).toEqual({ sum: 5, leak: 'undefined' });
}

describe('hostile corpus (process tier)', () => {
  for (const c of CASES) {
    it(`contains: ${c.name}`, async () => {
      const timeoutMs = c.timeoutMs ?? 400;
      const r = await tier.run({
        code: typeof c.code === 'function' ? c.code(port) : c.code,
        kind: c.kind ?? 'module',
        input: {},
        permissions: c.permissions ?? [],
        limits: {
          timeoutMs,
          memoryMb: c.memoryMb ?? 32,
          ...(c.maxOutputBytes ? { maxOutputBytes: c.maxOutputBytes } : {}),
        },
        host: { call: async () => null },
      });
      expect(c.allowed, `${c.name}: ${r.status} ${r.error ?? ''}`).toContain(r.status);
      // Every payload ends within its limit + 10% + a fixed grace.
      expect(r.resources.wallMs).toBeLessThan(timeoutMs * 1.1 + GRACE_MS);
      c.check?.(r);
      assertContained(r);
      await assertHealthy();
    });
  }

  it('runs cannot see each other', async () => {
    const a = await tier.run({
      code: `export default async function run() { globalThis.leak = 'secret-of-run-a'; Object.prototype.x = 1; return 1; }`,
      input: {},
      permissions: [],
      limits: { timeoutMs: 1000, memoryMb: 32 },
    });
    expect(a.status).toBe('ok');
    for (let i = 0; i < 4; i++) {
      const b = await tier.run({
        code: `export default async function run() { return [typeof globalThis.leak, ({}).x === undefined]; }`,
        input: {},
        permissions: [],
        limits: { timeoutMs: 1000, memoryMb: 32 },
      });
      expect(b.output).toEqual(['undefined', true]);
    }
  });

  it('keeps the parent heap bounded over 200 bomb runs', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const bombs = [
      `export default async function run() { for (;;) {} }`,
      `export default async function run() { let s = 'x'; for (;;) s += s; }`,
      `export default async function run() { return 'x'.repeat(2 * 1024 * 1024); }`,
      `export default async function run(input, sdk) { for (;;) await sdk.log('y'.repeat(1000)); }`,
    ];
    const runBombs = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const r = await tier.run({
          code: bombs[i % bombs.length] as string,
          input: {},
          permissions: [],
          limits: { timeoutMs: 30, memoryMb: 16 },
          host: { call: async () => null },
        });
        expect(['timeout', 'memory', 'error', 'violation']).toContain(r.status);
      }
    };
    await runBombs(20);
    gc();
    const before = process.memoryUsage().heapUsed;
    await runBombs(200);
    gc();
    const grown = (process.memoryUsage().heapUsed - before) / (1024 * 1024);
    console.log(`[sandbox] parent heap growth over 200 bomb runs: ${grown.toFixed(2)} MB`);
    expect(grown).toBeLessThan(16);
    await assertHealthy();
  });
});
