import type { Severity } from '../domain/index.js';

export interface RuleSpec {
  severity: Severity;
  /** What the rule rejects and what it protects against (docs/synthesis.md repeats it). */
  description: string;
}

/**
 * The catalogue of static rules. Ids are stable (stored in reports, shown to users, asserted in tests): add new
 * ids, never rename or reuse one. Every id is documented in docs/synthesis.md (a test keeps the two in step).
 */
export const RULES = {
  'module-shape': {
    severity: 'high',
    description:
      'The module must be exactly one `export default async function run(input, sdk)` plus top-level `const` and ' +
      'function declarations. Top-level statements run at load time and top-level `let`/`var` is state shared ' +
      'between runs (and users) when a module is cached.',
  },
  'disallowed-syntax': {
    severity: 'high',
    description:
      'Syntax outside the allowlist (classes, `this`, generators, getters/setters, labels, tagged templates, ' +
      '`new.target`, …). Each of these is a known lever for escapes (getters run code on property reads, tagged ' +
      'templates call functions without parentheses, `extends`/`super` reach prototypes) and none is needed.',
  },
  'nesting-too-deep': {
    severity: 'high',
    description:
      'Syntax nested deeper than `maxDepth`: protects the analyser and the engine from stack exhaustion.',
  },
  'no-import': {
    severity: 'critical',
    description:
      '`import` declarations and `import.meta`: a capability may load nothing; its only authority is `sdk`.',
  },
  'no-require': {
    severity: 'critical',
    description: '`require(...)`: CommonJS loading of host modules (fs, child_process, …).',
  },
  'no-dynamic-import': {
    severity: 'critical',
    description: '`import(...)`: loading code or host modules at run time, invisible to this analysis.',
  },
  'no-eval': {
    severity: 'critical',
    description:
      '`eval` in any form (direct, `(0, eval)`, aliased): code built at run time escapes this analysis.',
  },
  'no-function-constructor': {
    severity: 'critical',
    description:
      '`Function`/`AsyncFunction`/`GeneratorFunction` and any property named `constructor` (static, computed, ' +
      'folded from concatenations/templates/escapes, destructured): `x.constructor.constructor` is `Function`, ' +
      'i.e. eval.',
  },
  'no-with': {
    severity: 'critical',
    description: '`with` makes every identifier a dynamic lookup on an object.',
  },
  'no-debugger': {
    severity: 'high',
    description: '`debugger` can pause the host process when an inspector is attached.',
  },
  'forbidden-global': {
    severity: 'critical',
    description:
      'A global outside the allowlist (process, globalThis, global, window, self, module, Buffer, exports, console, ' +
      '`arguments`, …), a write to any global, or a non-allowlisted static of `Object`: ambient authority and ' +
      'reach-arounds to the host realm.',
  },
  'no-proto': {
    severity: 'critical',
    description:
      '`__proto__` in any form: reading or replacing prototypes leads to pollution and `constructor`.',
  },
  'no-prototype-write': {
    severity: 'critical',
    description: 'Writes through `.prototype`: prototype pollution changes the behaviour of every object.',
  },
  'no-prototype-access': {
    severity: 'high',
    description:
      'Reads of `.prototype`: the way to built-in methods that are then applied to other objects; not needed.',
  },
  'no-define-property': {
    severity: 'critical',
    description:
      'Object.defineProperty/defineProperties/setPrototypeOf/getPrototypeOf/getOwnPropertyDescriptor(s)/' +
      'getOwnPropertyNames/getOwnPropertySymbols and `__defineGetter__` & co.: accessors and prototype ' +
      'surgery, the building blocks of sandbox escapes.',
  },
  'no-proxy-reflect': {
    severity: 'critical',
    description: '`Proxy` and `Reflect`: traps run code on every operation and `Reflect` reaches internals.',
  },
  'no-symbol-for': {
    severity: 'high',
    description:
      '`Symbol` (esp. `Symbol.for`, `Symbol.species`, `Symbol.toPrimitive`): hooks into built-in protocols ' +
      'and the cross-realm symbol registry.',
  },
  'no-wasm': { severity: 'critical', description: '`WebAssembly`: native-speed code outside this analysis.' },
  'no-shared-memory': {
    severity: 'critical',
    description:
      '`SharedArrayBuffer`/`Atomics`: shared memory, high-resolution timers for side channels, `Atomics.wait` hangs.',
  },
  'no-timers': {
    severity: 'high',
    description:
      'setTimeout/setInterval/setImmediate/queueMicrotask/requestAnimationFrame: work that outlives the run and ' +
      'its deadline.',
  },
  'no-network': {
    severity: 'critical',
    description:
      'fetch/XMLHttpRequest/WebSocket/Worker/importScripts/EventSource/navigator: exfiltration and workers.',
  },
  'no-stack-tricks': {
    severity: 'high',
    description:
      '`Error.prepareStackTrace`/`captureStackTrace`/`stackTraceLimit`, `.caller`/`.callee`: V8 hooks that hand ' +
      'out host call sites and functions.',
  },
  'no-reflective-call': {
    severity: 'high',
    description:
      '`.call`/`.apply`/`.bind`: invoking a function with a chosen `this` is how built-in methods are turned on ' +
      'built-ins; generated code calls methods directly.',
  },
  'unsafe-computed-member': {
    severity: 'high',
    description:
      'A computed member `o[k]` whose key is neither a constant (folded and checked by name) nor provably numeric, ' +
      'unless `o` is an object/array literal the module created itself (and the result is not called). A run-time ' +
      'string key can be "constructor" or "__proto__".',
  },
  'unsafe-member-write': {
    severity: 'high',
    description:
      'A write (`=`, `+=`, `++`, `delete`, `Object.assign` target) to an object the module did not create as a ' +
      'literal (or a literal part of one); a value stored under a run-time key that may be a function; a run-time ' +
      'key in a destructuring or loop target; an `Object.assign` source that may carry a `__proto__` key: prototype ' +
      'pollution, prototype swaps (`d["__proto__"] = fn` exposes `Function`) and tampering with built-ins ' +
      '(`Math.random = …`).',
  },
  'infinite-loop': {
    severity: 'high',
    description:
      '`while(true)`, `for(;;)`, `do … while(true)` (any constant-true test) with no `break`, `return` or `throw` ' +
      'inside: a guaranteed hang (the sandbox would kill it; the gate says so first).',
  },
  redos: {
    severity: 'high',
    description:
      'A regular expression with exponential backtracking (safe-regex2 star height), `new RegExp`/`match`/`search` ' +
      'with a pattern that is not a constant: catastrophic backtracking on attacker-chosen screen text.',
  },
  'oversized-literal': {
    severity: 'high',
    description:
      'String literals over `maxStringLiteralBytes` or array/object literals over `maxLiteralElements`: payloads and memory bombs.',
  },
  'code-too-large': {
    severity: 'high',
    description: 'The module is larger than `maxCodeBytes`; it is not parsed (protects the analyser).',
  },
  'permission-mismatch': {
    severity: 'high',
    description:
      'An SDK call whose permission the manifest does not declare (the host would refuse it at run time too).',
  },
  'unknown-sdk-method': {
    severity: 'high',
    description: 'A call to `sdk.<x>` that is not in the SDK (domain SDK_METHODS).',
  },
  'sdk-escape': {
    severity: 'high',
    description:
      'Any use of the `sdk` parameter other than a direct call `sdk.group.method(...)`: aliasing (`const s = sdk`), ' +
      'computed access (`sdk[x]`), passing it to functions or destructuring it hides calls from the permission check.',
  },
  'secret-literal': {
    severity: 'high',
    description:
      'A credential in a literal or comment: AWS access keys, GitHub/Slack/Stripe/Google tokens, PEM private keys, ' +
      'JWTs, and `password`/`api_key`/`token`/`secret` assignments with high-entropy values. Code is stored and shown.',
  },
  'high-entropy-string': {
    severity: 'high',
    description:
      'A hex (entropy > 3.0) or base64 (entropy > 4.5) token longer than 32 characters (detect-secrets limits): ' +
      'an embedded key or an encoded payload. Generated code has no reason to carry either; data comes via input.',
  },
  'needs-credential': {
    severity: 'high',
    description:
      'The module used a credential literal that the transform removed (`__ironcliwRemovedCredential` stands in ' +
      'its place): a capability that needs a secret cannot be shipped; secrets belong in host configuration.',
  },
  nondeterminism: {
    severity: 'medium',
    description:
      '`Math.random()`, `Date.now()`, `new Date()`/`Date()` without arguments: runs must replay, use `sdk.random()` ' +
      'and `sdk.clock.now()` (the transforms rewrite these).',
  },
} as const satisfies Record<string, RuleSpec>;

export type RuleId = keyof typeof RULES;

export const RULE_IDS = Object.keys(RULES) as RuleId[];
