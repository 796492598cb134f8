import type { N } from './ast-utils.js';
import { ELEMENT_PARAMS } from './builtin-values.js';
import type { Folder } from './const-fold.js';
import { isArrayValued } from './const-fold.js';
import type { Binding, ScopeInfo } from './scope.js';

/** Where a binding's value comes from when no declaration says: an element of an iterable, or an accumulator. */
export type Origin = { kind: 'elementOf'; iterable: N } | { kind: 'accumulator'; init: N };

/**
 * Records into `origins` the loop variables and callback parameters that receive elements, and the reduce
 * accumulators that are always the fresh literal passed in. `isDeep` reads the same map while it is filled, so
 * what is recorded first can prove a later accumulator's array to be data.
 */
export function collectOrigins(
  scopes: ScopeInfo,
  folder: Folder,
  calls: readonly N[],
  forOfs: readonly N[],
  origins: Map<Binding, Origin>,
  isDeep: (node: N) => boolean,
): void {
  for (const loop of forOfs) {
    const decl: N | undefined = loop.left;
    const id: N | undefined = decl?.type === 'VariableDeclaration' ? decl.declarations?.[0]?.id : undefined;
    if (id?.type !== 'Identifier' || decl?.declarations?.length !== 1) continue;
    const binding = scopes.scopeOf.get(loop)?.bindings.get(String(id.name));
    if (binding) origins.set(binding, { kind: 'elementOf', iterable: loop.right });
  }
  for (const call of calls) {
    const callee: N | undefined = call.callee;
    if (callee?.type !== 'MemberExpression' || callee.computed) continue;
    const method = String(callee.property?.name);
    const fn: N | undefined = call.arguments?.[0];
    if (!fn || (fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionExpression')) continue;
    const fnScope = scopes.scopeOf.get(fn);
    const paramBinding = (i: number): Binding | undefined => {
      const p: N | undefined = fn.params?.[i];
      return p?.type === 'Identifier' ? fnScope?.bindings.get(String(p.name)) : undefined;
    };
    for (const i of ELEMENT_PARAMS.get(method) ?? []) {
      const b = paramBinding(i);
      if (b && b.kind === 'param') origins.set(b, { kind: 'elementOf', iterable: callee.object });
    }
    // `xs.reduce((acc, x) => { …; return acc; }, {})`: acc is always that fresh literal.
    const init: N | undefined = call.arguments?.[1];
    const acc = paramBinding(0);
    if (
      (method === 'reduce' || method === 'reduceRight') &&
      acc &&
      acc.kind === 'param' &&
      (init?.type === 'ObjectExpression' || init?.type === 'ArrayExpression') &&
      call.arguments.length === 2 &&
      returnsOnly(fn, acc, scopes) &&
      (isArrayValued(callee.object, folder) || isDeep(callee.object))
    ) {
      origins.set(acc, { kind: 'accumulator', init });
    }
  }
}

/** Every `return` of `fn` (not of nested functions) returns `binding`; an expression body is `binding`. */
function returnsOnly(fn: N, binding: Binding, scopes: ScopeInfo): boolean {
  const isAcc = (n: N | null | undefined): boolean => {
    if (n?.type === 'SequenceExpression') return isAcc(n.expressions?.[n.expressions.length - 1]);
    return n?.type === 'Identifier' && scopes.refs.get(n) === binding;
  };
  if (fn.body?.type !== 'BlockStatement') return isAcc(fn.body);
  let ok = true;
  let sawReturn = false;
  const visit = (n: N | null | undefined, depth: number): void => {
    if (!n || !ok || depth > 200) return;
    if (
      n.type === 'FunctionExpression' ||
      n.type === 'ArrowFunctionExpression' ||
      n.type === 'FunctionDeclaration'
    )
      return;
    if (n.type === 'ReturnStatement') {
      sawReturn = true;
      if (!isAcc(n.argument)) ok = false;
      return;
    }
    for (const key of Object.keys(n)) {
      if (key === 'loc') continue;
      const v: unknown = n[key];
      if (Array.isArray(v)) for (const c of v) visit(c as N, depth + 1);
      else if (v && typeof v === 'object' && typeof (v as N).type === 'string') visit(v as N, depth + 1);
    }
  };
  for (const stmt of fn.body.body ?? []) visit(stmt, 0);
  // Falling off the end returns undefined: the next call would get `undefined` as acc (a TypeError, not a hole),
  // but require an explicit return so the accumulator is always the literal.
  const last: N | undefined = fn.body.body?.[fn.body.body.length - 1];
  return ok && sawReturn && last?.type === 'ReturnStatement';
}
