import type { N } from '../ast-utils.js';
import { staticKeyName } from '../ast-utils.js';
import type { PolicyContext } from './context.js';
import { keyNames } from './properties.js';

/** An identifier always bound to a literal the module created (const/let never reassigned, reduce accumulator). */
export function localKind(node: N | undefined, ctx: PolicyContext): 'object' | 'array' | null {
  const init = ctx.facts.literalOf(node);
  if (init?.type === 'ObjectExpression') return 'object';
  if (init?.type === 'ArrayExpression') return 'array';
  return null;
}

/**
 * `d.a.b` where `d` is a local literal whose initialiser gives `a` an object/array literal, and nothing ever
 * replaces `d.a` (no static write to the path or a prefix, no run-time-key write or Object.assign on a prefix):
 * the literal that `d.a` still holds, else null.
 */
export function nestedLiteral(node: N, ctx: PolicyContext): N | null {
  const segments: string[] = [];
  let cur: N | undefined = node;
  while (cur?.type === 'MemberExpression') {
    if (cur.computed || cur.property?.type !== 'Identifier') return null;
    segments.unshift(String(cur.property.name));
    cur = cur.object;
  }
  let literal = ctx.facts.literalOf(cur);
  const binding = cur?.type === 'Identifier' ? ctx.scopes.refs.get(cur) : null;
  if (!literal || !binding || segments.length === 0 || segments.length > 8) return null;
  const written = ctx.writes.get(binding) ?? new Set<string>();
  for (let i = 0; i < segments.length; i++) {
    const prefix = segments.slice(0, i).join('.');
    if (written.has(prefix ? prefix + '.*' : '*') || written.has(segments.slice(0, i + 1).join('.')))
      return null;
    if (literal?.type !== 'ObjectExpression') return null;
    const name = segments[i];
    const props = (literal.properties ?? []) as N[];
    if (props.some((p) => p.type === 'SpreadElement' || (p.computed && keyNames(p.key, true, ctx) === null)))
      return null;
    const prop = props.filter((p) => staticKeyName(p.key, !!p.computed) === name).pop();
    const value: N | undefined = prop?.value;
    if (!prop || prop.kind !== 'init' || prop.method) return null;
    if (value?.type !== 'ObjectExpression' && value?.type !== 'ArrayExpression') return null;
    literal = value;
  }
  return literal;
}
