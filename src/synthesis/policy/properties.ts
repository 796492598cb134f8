import type { N } from '../ast-utils.js';
import { staticKeyName } from '../ast-utils.js';
import type { RuleId } from '../rules.js';
import { scanNamedValue } from '../../domain/index.js';
import type { PolicyContext } from './context.js';

/** Property names that are dangerous wherever they appear (member access, destructuring, folded keys). */
export const PROPERTY_RULES: ReadonlyMap<string, RuleId> = new Map<string, RuleId>([
  ['constructor', 'no-function-constructor'],
  ['__proto__', 'no-proto'],
  ['defineProperty', 'no-define-property'],
  ['defineProperties', 'no-define-property'],
  ['setPrototypeOf', 'no-define-property'],
  ['getPrototypeOf', 'no-define-property'],
  ['getOwnPropertyDescriptor', 'no-define-property'],
  ['getOwnPropertyDescriptors', 'no-define-property'],
  ['getOwnPropertyNames', 'no-define-property'],
  ['getOwnPropertySymbols', 'no-define-property'],
  ['__defineGetter__', 'no-define-property'],
  ['__defineSetter__', 'no-define-property'],
  ['__lookupGetter__', 'no-define-property'],
  ['__lookupSetter__', 'no-define-property'],
  ['prepareStackTrace', 'no-stack-tricks'],
  ['captureStackTrace', 'no-stack-tricks'],
  ['stackTraceLimit', 'no-stack-tricks'],
  ['caller', 'no-stack-tricks'],
  ['callee', 'no-stack-tricks'],
  ['call', 'no-reflective-call'],
  ['apply', 'no-reflective-call'],
  ['bind', 'no-reflective-call'],
]);

export function checkPropertyName(
  name: string,
  node: N,
  isWrite: boolean,
  ctx: PolicyContext,
  how: string,
): boolean {
  if (name === 'prototype') {
    if (isWrite) ctx.report('no-prototype-write', node, `write through \`prototype\`${how}`);
    else ctx.report('no-prototype-access', node, `access to \`prototype\`${how}`);
    return true;
  }
  if (PROPERTY_RULES.has(name)) {
    const rule = PROPERTY_RULES.get(name) as RuleId;
    ctx.report(rule, node, `access to \`${name}\`${how}`);
    return true;
  }
  return false;
}

export function checkProperty(node: N, parent: N | undefined, ctx: PolicyContext): void {
  if (node.kind === 'get' || node.kind === 'set') {
    // Accessors run code on plain property reads (including the host's JSON copy of outputs).
    ctx.report('disallowed-syntax', node, 'getters and setters are not allowed');
  }
  const inPattern = parent?.type === 'ObjectPattern';
  const names = keyNames(node.key, !!node.computed, ctx);
  if (names === null) {
    // `const { [k]: v } = obj` reads a run-time key from an object of unknown origin.
    if (inPattern) ctx.report('unsafe-computed-member', node, 'destructuring with a run-time computed key');
    return;
  }
  for (const name of names) {
    if (inPattern) checkPropertyName(name, node, false, ctx, ' (destructuring)');
    else if (name === '__proto__' && !node.computed && !node.shorthand) {
      // `{ __proto__: x }` sets the prototype of the new object.
      ctx.report('no-proto', node, '`__proto__` in an object literal sets its prototype');
    }
    if (!inPattern && typeof node.value?.value === 'string' && node.value.type === 'Literal') {
      const f = scanNamedValue(name, node.value.value);
      if (f) ctx.report(f.rule, node.value, `${f.kind} looks like a credential`);
    }
  }
}

/** Static names a key can have: `[name]` for identifiers, folded constants, or null when only known at run time. */
export function keyNames(key: N | undefined, computed: boolean, ctx: PolicyContext): string[] | null {
  const s = staticKeyName(key, computed);
  if (s !== undefined) return [s];
  const f = ctx.folder.fold(key);
  if (!f) return null;
  return [...f.strings];
}
