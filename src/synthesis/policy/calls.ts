import type { N } from '../ast-utils.js';
import type { PolicyContext } from './context.js';
import { localKind } from './local-literals.js';
import { keyNames } from './properties.js';
import { checkRegexSource } from './regex.js';

/** String methods that turn a string argument into a regular expression. */
const REGEX_TAKING_METHODS: ReadonlySet<string> = new Set(['match', 'matchAll', 'search']);

export function checkCall(node: N, ctx: PolicyContext): void {
  const callee: N | undefined = node.callee;
  if (node.type !== 'CallExpression' || callee?.type !== 'MemberExpression' || callee.computed) return;
  const name = String(callee.property?.name);
  if (name === 'assign') {
    // Object.assign writes into its first argument: same policy as member writes.
    const target: N | undefined = node.arguments?.[0];
    if (target && target.type !== 'ObjectExpression' && !localKind(target, ctx)) {
      ctx.report(
        'unsafe-member-write',
        target,
        'Object.assign target must be an object literal or a local object literal',
      );
    }
    // It copies with [[Set]]: an own "__proto__" key in a source replaces the target's prototype.
    for (const source of (node.arguments ?? []).slice(1) as N[]) {
      if (!isProtoSafeSource(source, ctx)) {
        ctx.report(
          'unsafe-member-write',
          source,
          'Object.assign source must be JSON-like data or a literal (a run-time "__proto__" key could carry a function)',
        );
      }
    }
  }
  if (REGEX_TAKING_METHODS.has(name)) {
    const arg: N | undefined = node.arguments?.[0];
    const resolved = ctx.folder.resolveConstant(arg);
    if (!arg) return;
    if (resolved?.type === 'Literal' && resolved.regex) return; // checked where the literal is
    if (resolved?.type === 'NewExpression' && ctx.folder.isGlobal(resolved.callee, 'RegExp')) return;
    const f = ctx.folder.fold(arg);
    if (f && !f.primitive) {
      for (const s of f.strings) checkRegexSource(s, arg, ctx);
      return;
    }
    ctx.report('redos', arg, `.${name}() with a pattern that is not a constant (it becomes a RegExp)`);
  }
}

function isProtoSafeSource(source: N, ctx: PolicyContext): boolean {
  if (ctx.facts.isDeep(source)) return true;
  if (source.type !== 'ObjectExpression') return false;
  return ((source.properties ?? []) as N[]).every((p) => {
    if (p.type === 'SpreadElement') return ctx.facts.isDeep(p.argument);
    if (!p.computed || keyNames(p.key, true, ctx) !== null) return true;
    return ctx.facts.isShallow(p.value);
  });
}
