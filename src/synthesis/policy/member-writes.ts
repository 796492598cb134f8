import type { Frame, N } from '../ast-utils.js';
import type { PolicyContext } from './context.js';
import { localKind, nestedLiteral } from './local-literals.js';
import { keyNames } from './properties.js';

export type WriteContext =
  | { kind: 'assign'; operator: string; value: N }
  | { kind: 'update' }
  | { kind: 'delete' }
  | { kind: 'pattern' };

/**
 * Writes go only to objects the module created as literals: `d.x = v`, `d[k] = v`, `arr[i] = v`, and nested
 * static paths into literal parts of a local literal (`result.data.count = n`). A run-time key can be
 * "__proto__", so the value written through one must be provably not a function (else `d[k2]` reaches
 * `Function` via `constructor`), and destructuring/loop targets may not use run-time keys at all.
 */
export function checkMemberWrite(target: N, ctx: PolicyContext, how: WriteContext): void {
  const root: N | undefined = target.object;
  let kind = localKind(root, ctx);
  if (!kind && root?.type === 'MemberExpression') {
    const lit = nestedLiteral(root, ctx);
    kind = lit?.type === 'ObjectExpression' ? 'object' : lit?.type === 'ArrayExpression' ? 'array' : null;
  }
  if (!kind) {
    const what = root?.type === 'Identifier' ? `\`${root.name}\`` : 'a nested member';
    ctx.report(
      'unsafe-member-write',
      target,
      `write to ${what}: only objects/arrays created in the module as literals (and their literal parts) may be written`,
    );
    return;
  }
  const runtimeKey =
    !!target.computed &&
    !ctx.folder.isPrimitive(target.property) &&
    keyNames(target.property, true, ctx) === null;
  if (!runtimeKey) return;
  if (kind === 'array') {
    ctx.report('unsafe-member-write', target, 'array element written with a run-time string key');
    return;
  }
  if (how.kind === 'pattern') {
    ctx.report('unsafe-member-write', target, 'a destructuring or loop target may not use a run-time key');
    return;
  }
  if (
    how.kind === 'assign' &&
    ['=', '||=', '&&=', '??='].includes(how.operator) &&
    !isStorableValue(how.value, target, ctx, 0)
  ) {
    ctx.report(
      'unsafe-member-write',
      target,
      'value written through a run-time key may be a function (as `__proto__` it would expose `constructor`)',
    );
  }
}

/**
 * A value that may be stored under a run-time key: provably not a function, or what the same slot already
 * holds (`d[k] = d[k] || []`), or a choice between such values. By induction no function ever becomes the
 * prototype of a local object.
 */
function isStorableValue(value: N | undefined, target: N, ctx: PolicyContext, depth: number): boolean {
  if (!value || depth > 32) return false;
  if (ctx.facts.isSameSlot(value, target) || ctx.facts.isShallow(value)) return true;
  switch (value.type) {
    case 'LogicalExpression':
      return (
        isStorableValue(value.left, target, ctx, depth + 1) &&
        isStorableValue(value.right, target, ctx, depth + 1)
      );
    case 'ConditionalExpression':
      return (
        isStorableValue(value.consequent, target, ctx, depth + 1) &&
        isStorableValue(value.alternate, target, ctx, depth + 1)
      );
    default:
      return false;
  }
}

export function isAssignmentPattern(path: readonly Frame[]): boolean {
  // A pattern is an assignment target (not a declaration) when it hangs from `left` of an assignment or a
  // for-in/of head that is not a declaration.
  for (let i = path.length - 1; i >= 0; i--) {
    const frame = path[i];
    const n = frame?.node;
    if (!n) return false;
    if (['ArrayPattern', 'ObjectPattern', 'AssignmentPattern', 'RestElement', 'Property'].includes(n.type))
      continue;
    return (
      (n.type === 'AssignmentExpression' || n.type === 'ForInStatement' || n.type === 'ForOfStatement') &&
      (path[i + 1]?.key === 'left' || path.length === i + 1)
    );
  }
  return false;
}

export function patternMemberTargets(pattern: N): N[] {
  const out: N[] = [];
  const visit = (p: N | null | undefined, depth: number): void => {
    if (!p || depth > 64) return;
    if (p.type === 'MemberExpression') out.push(p);
    else if (p.type === 'ArrayPattern') for (const e of p.elements ?? []) visit(e, depth + 1);
    else if (p.type === 'ObjectPattern')
      for (const prop of p.properties ?? [])
        visit(prop.type === 'RestElement' ? prop.argument : prop.value, depth + 1);
    else if (p.type === 'AssignmentPattern') visit(p.left, depth + 1);
    else if (p.type === 'RestElement') visit(p.argument, depth + 1);
  };
  visit(pattern, 0);
  return out;
}
