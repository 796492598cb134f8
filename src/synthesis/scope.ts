import type { N } from './ast-utils.js';
import { childEntries } from './ast-utils.js';

export type BindingKind = 'var' | 'let' | 'const' | 'function' | 'param' | 'catch' | 'class' | 'import';

/** One write to a binding after its declaration; `value` is null when it is not a plain expression. */
export interface BindingWrite {
  operator: string;
  value: N | null;
}

export interface Binding {
  name: string;
  kind: BindingKind;
  scope: Scope;
  /** Declaring identifiers (more than one for `var` re-declarations). */
  ids: N[];
  /** Initialiser when declared as a plain `name = init` declarator; null when absent or not plain. */
  init: N | null;
  /** True when bound by destructuring, a for-in/of head or anything but a plain declarator. */
  opaque: boolean;
  writes: BindingWrite[];
}

export interface Scope {
  node: N;
  parent: Scope | null;
  isFunction: boolean;
  bindings: Map<string, Binding>;
}

export interface ScopeInfo {
  /** Every identifier in a reference position → its binding, or null for a global. */
  refs: Map<N, Binding | null>;
  /** Reference identifiers that are written (assignment, update, destructuring/for-in/of target). */
  writeRefs: Set<N>;
  /** Innermost scope of each node visited. */
  scopeOf: Map<N, Scope>;
  lookup(scope: Scope, name: string): Binding | null;
}

/**
 * Lexical scope resolution for the module (strict mode: block-scoped functions, no sloppy `var` leaks).
 * Name-based checks would be unsound: a `const process = …` in one function must not make a bare `process`
 * in another one look local. References are resolved after the whole tree is seen, so hoisting is honoured.
 */
export function analyzeScopes(program: N, maxDepth: number): ScopeInfo {
  const refs = new Map<N, Binding | null>();
  const writeRefs = new Set<N>();
  const scopeOf = new Map<N, Scope>();
  const pending: Array<{ id: N; scope: Scope; write?: BindingWrite }> = [];

  const newScope = (node: N, parent: Scope | null, isFunction: boolean): Scope => ({
    node,
    parent,
    isFunction,
    bindings: new Map(),
  });
  const functionScope = (scope: Scope): Scope => {
    let s = scope;
    while (!s.isFunction && s.parent) s = s.parent;
    return s;
  };
  const declare = (scope: Scope, id: N, kind: BindingKind, init: N | null, opaque: boolean): void => {
    const target = kind === 'var' ? functionScope(scope) : scope;
    const name = String(id.name);
    const existing = target.bindings.get(name);
    if (existing) {
      existing.ids.push(id);
      // Two declarations of one name: its value is no longer one known initialiser.
      existing.opaque = true;
      existing.init = null;
      return;
    }
    target.bindings.set(name, { name, kind, scope: target, ids: [id], init, opaque, writes: [] });
  };

  /** Binding identifiers of a declaration pattern. */
  const declarePattern = (
    pattern: N | null | undefined,
    scope: Scope,
    kind: BindingKind,
    depth: number,
  ): void => {
    if (!pattern || depth > maxDepth) return;
    scopeOf.set(pattern, scope);
    switch (pattern.type) {
      case 'Identifier':
        declare(scope, pattern, kind, null, true);
        return;
      case 'ObjectPattern':
        for (const prop of pattern.properties ?? []) {
          scopeOf.set(prop, scope);
          if (prop.type === 'RestElement') declarePattern(prop.argument, scope, kind, depth + 1);
          else {
            if (prop.computed) visit(prop.key, scope, depth + 1);
            declarePattern(prop.value, scope, kind, depth + 1);
          }
        }
        return;
      case 'ArrayPattern':
        for (const el of pattern.elements ?? []) declarePattern(el, scope, kind, depth + 1);
        return;
      case 'AssignmentPattern':
        declarePattern(pattern.left, scope, kind, depth + 1);
        visit(pattern.right, scope, depth + 1);
        return;
      case 'RestElement':
        declarePattern(pattern.argument, scope, kind, depth + 1);
        return;
      default:
        visit(pattern, scope, depth + 1);
    }
  };

  /** Targets of an assignment pattern (`[a, b] = …`, `for (x of …)`): identifiers are written references. */
  const assignPattern = (
    pattern: N | null | undefined,
    scope: Scope,
    depth: number,
    write: BindingWrite,
  ): void => {
    if (!pattern || depth > maxDepth) return;
    scopeOf.set(pattern, scope);
    switch (pattern.type) {
      case 'Identifier':
        writeRefs.add(pattern);
        pending.push({ id: pattern, scope, write });
        return;
      case 'ObjectPattern':
        for (const prop of pattern.properties ?? []) {
          scopeOf.set(prop, scope);
          if (prop.type === 'RestElement') assignPattern(prop.argument, scope, depth + 1, opaqueWrite);
          else {
            if (prop.computed) visit(prop.key, scope, depth + 1);
            assignPattern(prop.value, scope, depth + 1, opaqueWrite);
          }
        }
        return;
      case 'ArrayPattern':
        for (const el of pattern.elements ?? []) assignPattern(el, scope, depth + 1, opaqueWrite);
        return;
      case 'AssignmentPattern':
        assignPattern(pattern.left, scope, depth + 1, opaqueWrite);
        visit(pattern.right, scope, depth + 1);
        return;
      case 'RestElement':
        assignPattern(pattern.argument, scope, depth + 1, opaqueWrite);
        return;
      default:
        // Member targets (`o.x = …`) are expressions; the policy checks them.
        visit(pattern, scope, depth + 1);
    }
  };
  const opaqueWrite: BindingWrite = { operator: '=', value: null };

  const visitFunction = (node: N, scope: Scope, depth: number): void => {
    if (node.type === 'FunctionDeclaration' && node.id) declare(scope, node.id, 'function', null, true);
    const fnScope = newScope(node, scope, true);
    scopeOf.set(node, fnScope);
    if (node.type === 'FunctionExpression' && node.id) declare(fnScope, node.id, 'function', null, true);
    for (const param of node.params ?? []) declarePattern(param, fnScope, 'param', depth + 1);
    const body: N | undefined = node.body;
    if (body?.type === 'BlockStatement') {
      scopeOf.set(body, fnScope);
      for (const stmt of body.body ?? []) visit(stmt, fnScope, depth + 2);
    } else if (body) visit(body, fnScope, depth + 1);
  };

  const visit = (node: N | null | undefined, scope: Scope, depth: number): void => {
    if (!node || depth > maxDepth) return;
    scopeOf.set(node, scope);
    switch (node.type) {
      case 'Identifier':
        pending.push({ id: node, scope });
        return;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        visitFunction(node, scope, depth);
        return;
      case 'ClassDeclaration':
      case 'ClassExpression': {
        if (node.id) declare(scope, node.id, 'class', null, true);
        visit(node.superClass, scope, depth + 1);
        for (const member of node.body?.body ?? []) {
          scopeOf.set(member, scope);
          if (member.computed) visit(member.key, scope, depth + 1);
          visit(member.value, scope, depth + 1);
          if (member.type === 'StaticBlock') for (const s of member.body ?? []) visit(s, scope, depth + 1);
        }
        return;
      }
      case 'BlockStatement':
      case 'StaticBlock': {
        const block = newScope(node, scope, false);
        for (const stmt of node.body ?? []) visit(stmt, block, depth + 1);
        return;
      }
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement': {
        const loop = newScope(node, scope, false);
        scopeOf.set(node, loop);
        if (node.type === 'ForStatement') {
          visit(node.init, loop, depth + 1);
          visit(node.test, loop, depth + 1);
          visit(node.update, loop, depth + 1);
        } else {
          if (node.left?.type === 'VariableDeclaration') visitDeclaration(node.left, loop, depth + 1, true);
          else assignPattern(node.left, loop, depth + 1, opaqueWrite);
          visit(node.right, loop, depth + 1);
        }
        visit(node.body, loop, depth + 1);
        return;
      }
      case 'CatchClause': {
        const c = newScope(node, scope, false);
        scopeOf.set(node, c);
        declarePattern(node.param, c, 'catch', depth + 1);
        visit(node.body, c, depth + 1);
        return;
      }
      case 'SwitchStatement': {
        visit(node.discriminant, scope, depth + 1);
        const s = newScope(node, scope, false);
        for (const c of node.cases ?? []) visit(c, s, depth + 1);
        return;
      }
      case 'VariableDeclaration':
        visitDeclaration(node, scope, depth, false);
        return;
      case 'AssignmentExpression':
        if (node.left?.type === 'Identifier') {
          writeRefs.add(node.left);
          scopeOf.set(node.left, scope);
          pending.push({
            id: node.left,
            scope,
            write: { operator: String(node.operator), value: node.right },
          });
        } else assignPattern(node.left, scope, depth + 1, opaqueWrite);
        visit(node.right, scope, depth + 1);
        return;
      case 'UpdateExpression':
        if (node.argument?.type === 'Identifier') {
          writeRefs.add(node.argument);
          scopeOf.set(node.argument, scope);
          pending.push({ id: node.argument, scope, write: { operator: String(node.operator), value: null } });
        } else visit(node.argument, scope, depth + 1);
        return;
      case 'MemberExpression':
        visit(node.object, scope, depth + 1);
        if (node.computed) visit(node.property, scope, depth + 1);
        else if (node.property) scopeOf.set(node.property, scope);
        return;
      case 'Property':
      case 'MethodDefinition':
      case 'PropertyDefinition':
        if (node.computed) visit(node.key, scope, depth + 1);
        else if (node.key) scopeOf.set(node.key, scope);
        visit(node.value, scope, depth + 1);
        return;
      case 'LabeledStatement':
        visit(node.body, scope, depth + 1);
        return;
      case 'BreakStatement':
      case 'ContinueStatement':
      case 'MetaProperty':
        return;
      case 'ImportDeclaration':
        for (const spec of node.specifiers ?? [])
          if (spec.local) declare(scope, spec.local, 'import', null, true);
        return;
      case 'ExportNamedDeclaration':
        visit(node.declaration, scope, depth + 1);
        return;
      case 'ExportAllDeclaration':
        return;
      default:
        for (const [, child] of childEntries(node)) visit(child, scope, depth + 1);
    }
  };

  const visitDeclaration = (node: N, scope: Scope, depth: number, loopHead: boolean): void => {
    const kind: BindingKind = node.kind === 'var' ? 'var' : node.kind === 'let' ? 'let' : 'const';
    for (const decl of node.declarations ?? []) {
      scopeOf.set(decl, scope);
      if (decl.id?.type === 'Identifier' && !loopHead) {
        scopeOf.set(decl.id, scope);
        declare(scope, decl.id, kind, decl.init ?? null, false);
      } else declarePattern(decl.id, scope, kind, depth + 1);
      visit(decl.init, scope, depth + 1);
    }
  };

  const lookup = (scope: Scope, name: string): Binding | null => {
    for (let s: Scope | null = scope; s; s = s.parent) {
      const b = s.bindings.get(name);
      if (b) return b;
    }
    return null;
  };

  const root = newScope(program, null, true);
  scopeOf.set(program, root);
  for (const stmt of program.body ?? []) visit(stmt, root, 1);
  for (const { id, scope, write } of pending) {
    const binding = lookup(scope, String(id.name));
    refs.set(id, binding);
    if (binding && write) binding.writes.push(write);
  }
  return { refs, writeRefs, scopeOf, lookup };
}
