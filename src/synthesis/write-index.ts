import type { N } from './ast-utils.js';
import { childEntries } from './ast-utils.js';
import type { Binding, ScopeInfo } from './scope.js';

/**
 * For each local binding, the member paths the module writes through it: `d.a.b = …` records "a.b",
 * `d.a[k] = …` and `Object.assign(d.a, …)` record "a.*", `d[k] = …` records "*". Nested writes
 * (`d.a.b = v`) are only allowed while nothing replaces `d.a` itself; this index says whether anything does.
 */
export type WriteIndex = Map<Binding, Set<string>>;

export function collectWrites(program: N, scopes: ScopeInfo, maxDepth: number): WriteIndex {
  const index: WriteIndex = new Map();
  const record = (target: N | undefined, wholeObject: boolean): void => {
    const segments: string[] = [];
    let cur: N | undefined = target;
    while (cur?.type === 'MemberExpression') {
      const name = !cur.computed && cur.property?.type === 'Identifier' ? String(cur.property.name) : '*';
      segments.unshift(name);
      cur = cur.object;
    }
    if (cur?.type !== 'Identifier') return;
    const binding = scopes.refs.get(cur);
    if (!binding) return;
    if (wholeObject) segments.push('*');
    const computedAt = segments.indexOf('*');
    const path = computedAt >= 0 ? segments.slice(0, computedAt + 1) : segments;
    if (path.length === 0) return;
    let set = index.get(binding);
    if (!set) index.set(binding, (set = new Set()));
    set.add(path.join('.'));
  };
  const pattern = (p: N | null | undefined, depth: number): void => {
    if (!p || depth > 64) return;
    if (p.type === 'MemberExpression') record(p, false);
    else if (p.type === 'ArrayPattern') for (const e of p.elements ?? []) pattern(e, depth + 1);
    else if (p.type === 'ObjectPattern')
      for (const prop of p.properties ?? [])
        pattern(prop.type === 'RestElement' ? prop.argument : prop.value, depth + 1);
    else if (p.type === 'AssignmentPattern') pattern(p.left, depth + 1);
    else if (p.type === 'RestElement') pattern(p.argument, depth + 1);
  };
  const visit = (node: N, depth: number): void => {
    if (depth > maxDepth) return;
    switch (node.type) {
      case 'AssignmentExpression':
        pattern(node.left, 0);
        break;
      case 'UpdateExpression':
        record(node.argument, false);
        break;
      case 'UnaryExpression':
        if (node.operator === 'delete') record(node.argument, false);
        break;
      case 'ForInStatement':
      case 'ForOfStatement':
        if (node.left?.type !== 'VariableDeclaration') pattern(node.left, 0);
        break;
      case 'CallExpression':
        if (
          node.callee?.type === 'MemberExpression' &&
          !node.callee.computed &&
          node.callee.property?.name === 'assign'
        )
          record(node.arguments?.[0], true);
        break;
      default:
        break;
    }
    for (const [, child] of childEntries(node)) visit(child, depth + 1);
  };
  visit(program, 0);
  return index;
}
