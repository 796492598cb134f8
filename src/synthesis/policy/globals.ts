import type { Frame, N } from '../ast-utils.js';
import type { RuleId } from '../rules.js';
import { REMOVED_CREDENTIAL } from '../../domain/index.js';
import type { PolicyContext } from './context.js';
import { PROPERTY_RULES } from './properties.js';
import { checkRegExpConstructor } from './regex.js';
import { checkSdkUse } from './sdk-use.js';

/**
 * Globals generated code may name. `Object` is further limited to OBJECT_STATICS; `Date` and `RegExp` have
 * their own forms (see below). `Promise` is here for `Promise.all` over SDK calls. Everything else is ambient
 * authority or a reach-around and is refused.
 */
export const ALLOWED_GLOBALS: ReadonlySet<string> = new Set([
  'Math',
  'JSON',
  'Number',
  'String',
  'Boolean',
  'Array',
  'Object',
  'Map',
  'Set',
  'Promise',
  'Error',
  'TypeError',
  'RangeError',
  'parseInt',
  'parseFloat',
  'isNaN',
  'isFinite',
  'undefined',
  'NaN',
  'Infinity',
]);

/** `Object.<name>` allowed: pure or own-property-only helpers (no prototypes, no descriptors). */
export const OBJECT_STATICS: ReadonlySet<string> = new Set([
  'keys',
  'values',
  'entries',
  'assign',
  'freeze',
  'fromEntries',
  'hasOwn',
]);

/** Globals with a rule of their own (more specific than `forbidden-global`). */
const GLOBAL_RULES: ReadonlyMap<string, RuleId> = new Map<string, RuleId>([
  ['eval', 'no-eval'],
  ['Function', 'no-function-constructor'],
  ['AsyncFunction', 'no-function-constructor'],
  ['GeneratorFunction', 'no-function-constructor'],
  ['AsyncGeneratorFunction', 'no-function-constructor'],
  ['require', 'no-require'],
  ['Proxy', 'no-proxy-reflect'],
  ['Reflect', 'no-proxy-reflect'],
  ['Symbol', 'no-symbol-for'],
  ['WebAssembly', 'no-wasm'],
  ['SharedArrayBuffer', 'no-shared-memory'],
  ['Atomics', 'no-shared-memory'],
  ['setTimeout', 'no-timers'],
  ['setInterval', 'no-timers'],
  ['setImmediate', 'no-timers'],
  ['clearTimeout', 'no-timers'],
  ['clearInterval', 'no-timers'],
  ['clearImmediate', 'no-timers'],
  ['queueMicrotask', 'no-timers'],
  ['requestAnimationFrame', 'no-timers'],
  ['requestIdleCallback', 'no-timers'],
  ['fetch', 'no-network'],
  ['XMLHttpRequest', 'no-network'],
  ['WebSocket', 'no-network'],
  ['Worker', 'no-network'],
  ['SharedWorker', 'no-network'],
  ['importScripts', 'no-network'],
  ['EventSource', 'no-network'],
  ['navigator', 'no-network'],
  ['Request', 'no-network'],
  ['Response', 'no-network'],
  ['Headers', 'no-network'],
  ['BroadcastChannel', 'no-network'],
  ['MessageChannel', 'no-network'],
  ['postMessage', 'no-network'],
  // What the transform leaves where it removed a credential the code uses (see transforms.ts).
  [REMOVED_CREDENTIAL, 'needs-credential'],
]);

export function checkReference(node: N, key: string, path: readonly Frame[], ctx: PolicyContext): void {
  const binding = ctx.scopes.refs.get(node);
  const name = String(node.name);
  const parent = path[path.length - 1]?.node;
  if (binding === null || binding === undefined) {
    checkGlobal(node, name, key, parent, ctx);
    return;
  }
  if (ctx.sdkBinding && binding === ctx.sdkBinding) checkSdkUse(node, key, path, ctx);
}

function checkGlobal(node: N, name: string, key: string, parent: N | undefined, ctx: PolicyContext): void {
  const { report } = ctx;
  if (ctx.scopes.writeRefs.has(node)) {
    report(GLOBAL_RULES.get(name) ?? 'forbidden-global', node, `assignment to global \`${name}\``);
    return;
  }
  const specific = GLOBAL_RULES.get(name);
  if (specific) {
    report(
      specific,
      node,
      specific === 'needs-credential'
        ? 'the code uses a credential literal that was removed; it cannot work without a secret it may not carry'
        : `\`${name}\` is not allowed`,
    );
    return;
  }
  const asMemberObject = parent?.type === 'MemberExpression' && key === 'object';
  const memberName = asMemberObject && !parent.computed ? String(parent.property?.name) : undefined;
  const asCallee =
    (parent?.type === 'CallExpression' || parent?.type === 'NewExpression') && key === 'callee';
  if (name === 'Date') {
    // Time must come from sdk.clock (runs replay); Date with an explicit timestamp is deterministic.
    const args = asCallee ? (parent.arguments?.length ?? 0) : -1;
    if (asCallee && parent.type === 'NewExpression' && args > 0) return;
    if (memberName === 'UTC' || memberName === 'parse') return;
    if ((asCallee && args === 0) || (asCallee && parent.type === 'CallExpression') || memberName === 'now') {
      report('nondeterminism', node, 'use sdk.clock.now() instead of the wall clock');
      return;
    }
    report(
      'forbidden-global',
      node,
      '`Date` is only allowed as `new Date(timestamp)`, Date.UTC or Date.parse',
    );
    return;
  }
  if (name === 'RegExp') {
    if (asCallee) {
      checkRegExpConstructor(parent, ctx);
      return;
    }
    report('forbidden-global', node, '`RegExp` is only allowed as `new RegExp(<constant pattern>)`');
    return;
  }
  if (name === 'Object') {
    if (memberName !== undefined && OBJECT_STATICS.has(memberName)) return;
    if (memberName !== undefined && PROPERTY_RULES.has(memberName)) return; // reported by the member check
    report(
      'forbidden-global',
      node,
      `\`Object\` may only be used as Object.${[...OBJECT_STATICS].join('/')}`,
    );
    return;
  }
  if (name === 'Math' && memberName === 'random') {
    report('nondeterminism', parent, 'use sdk.random() instead of Math.random()');
    return;
  }
  if (ALLOWED_GLOBALS.has(name)) return;
  report('forbidden-global', node, `global \`${name}\` is not allowed`);
}
