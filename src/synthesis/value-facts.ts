import type { N } from './ast-utils.js';
import {
  ARRAY_METHODS,
  BUILTIN_METHOD_NAMES,
  DATA_METHODS,
  PRIMITIVE_CALLS,
  PRIMITIVE_NAMESPACES,
  SAFE_CONSTRUCTORS,
} from './builtin-values.js';
import type { Folder } from './const-fold.js';
import { isArrayValued } from './const-fold.js';
import type { Binding, ScopeInfo } from './scope.js';
import type { Origin } from './value-origins.js';
import { collectOrigins } from './value-origins.js';

/**
 * What the analyser can prove about a *value* (not a key): used where a value ends up somewhere a function
 * would be dangerous. The case that matters: `d[k] = v` with a run-time `k` equal to "__proto__" makes `v`
 * the prototype of `d`; if `v` is a function, `d[k2]` with `k2 = "constructor"` reads `Function` — eval.
 *
 * - `deep`: JSON-like data all the way down (primitives, `input`, SDK results, `JSON.parse(text)`, and what
 *   is read from those by index or by a name that is no built-in method). The host hands `input` and SDK
 *   results to the guest as JSON copies (DESIGN.md, security model), so they hold no functions.
 * - `shallow`: not a function, and nothing on its prototype chain is a function (fresh literals, arrays,
 *   `new Map()`…): as a prototype it exposes `Object`/`Array`/`Map`…, never `Function`.
 */

const MAX_DEPTH = 48;

export class ValueFacts {
  private readonly origins = new Map<Binding, Origin>();
  private readonly deepChecking = new Set<Binding>();
  private readonly shallowChecking = new Set<Binding>();

  constructor(
    private readonly scopes: ScopeInfo,
    private readonly folder: Folder,
    private readonly inputBinding: Binding | null,
    private readonly sdkBinding: Binding | null,
    calls: readonly N[],
    forOfs: readonly N[],
  ) {
    collectOrigins(scopes, folder, calls, forOfs, this.origins, (n) => this.isDeep(n));
  }

  /** The literal an identifier always holds: a never-written const/let initialiser or a reduce accumulator. */
  literalOf(node: N | undefined): N | null {
    if (node?.type !== 'Identifier') return null;
    const binding = this.scopes.refs.get(node);
    if (!binding) return null;
    const origin = this.origins.get(binding);
    if (origin?.kind === 'accumulator') return binding.writes.length === 0 ? origin.init : null;
    const init = this.folder.constantInit(binding);
    return init?.type === 'ObjectExpression' || init?.type === 'ArrayExpression' ? init : null;
  }

  /**
   * An object the module made whose prototype it cannot change (no writes allowed to it): `JSON.parse(text)`,
   * `Object.fromEntries(…)`. Run-time-key reads from it reach its own values or Object.prototype, like a literal.
   */
  isFreshReadOnlyObject(node: N | undefined): boolean {
    if (node?.type !== 'Identifier') return false;
    const init = this.folder.constantInit(this.scopes.refs.get(node));
    if (init?.type !== 'CallExpression') return false;
    return this.isJsonParse(init) || this.isStaticCall(init, 'Object', 'fromEntries');
  }

  /** JSON-like data all the way down. */
  isDeep(node: N | null | undefined, depth = 0): boolean {
    if (!node || depth > MAX_DEPTH) return false;
    if (this.isPrimitiveExpr(node)) return true;
    switch (node.type) {
      case 'Identifier': {
        const binding = this.scopes.refs.get(node);
        if (!binding) return false;
        if (binding === this.inputBinding) return binding.writes.length === 0;
        return this.bindingIs(binding, depth, this.deepChecking, (n, d) => this.isDeep(n, d));
      }
      case 'ObjectExpression':
        return (node.properties ?? []).every((p: N) =>
          p.type === 'SpreadElement'
            ? this.isDeep(p.argument, depth + 1)
            : p.kind === 'init' && !p.method && this.isDeep(p.value, depth + 1),
        );
      case 'ArrayExpression':
        return (node.elements ?? []).every(
          (e: N | null) => !e || this.isDeep(e.type === 'SpreadElement' ? e.argument : e, depth + 1),
        );
      case 'MemberExpression':
        // A real array's length is a number; its elements are data when they come from SDK calls.
        if (!node.computed && node.property?.name === 'length' && isArrayValued(node.object, this.folder))
          return true;
        if (!this.isDeep(node.object, depth + 1)) return false;
        if (node.computed) return this.folder.isPrimitive(node.property);
        return !BUILTIN_METHOD_NAMES.has(String(node.property?.name));
      case 'AwaitExpression':
        return (
          this.isSdkCall(node.argument) ||
          this.isAllOfSdkCalls(node.argument) ||
          this.isDeep(node.argument, depth + 1)
        );
      case 'CallExpression': {
        if (this.isSdkCall(node) || this.isJsonParse(node)) return true;
        const callee: N | undefined = node.callee;
        if (callee?.type === 'MemberExpression' && !callee.computed) {
          const method = String(callee.property?.name);
          if (this.folder.isGlobal(callee.object, 'Object'))
            return (
              ['keys', 'entries', 'values'].includes(method) && this.isDeep(node.arguments?.[0], depth + 1)
            );
          if (DATA_METHODS.has(method)) return this.isDeep(callee.object, depth + 1);
        }
        return false;
      }
      default:
        return this.structural(node, depth, (n, d) => this.isDeep(n, d));
    }
  }

  /** Not a function, and no function on its prototype chain. */
  isShallow(node: N | null | undefined, depth = 0): boolean {
    if (!node || depth > MAX_DEPTH) return false;
    if (this.isDeep(node, depth)) return true;
    switch (node.type) {
      case 'ObjectExpression':
      case 'ArrayExpression':
        return true;
      case 'Literal':
        return !node.regex;
      case 'Identifier': {
        const binding = this.scopes.refs.get(node);
        if (!binding) return false;
        if (this.origins.get(binding)?.kind === 'accumulator') return binding.writes.length === 0;
        return this.bindingIs(binding, depth, this.shallowChecking, (n, d) => this.isShallow(n, d));
      }
      case 'NewExpression':
        return (
          node.callee?.type === 'Identifier' &&
          SAFE_CONSTRUCTORS.has(String(node.callee.name)) &&
          this.folder.isGlobal(node.callee, String(node.callee.name))
        );
      case 'AwaitExpression':
        return this.isShallow(node.argument, depth + 1);
      case 'CallExpression': {
        const callee: N | undefined = node.callee;
        if (callee?.type !== 'MemberExpression' || callee.computed) return false;
        const method = String(callee.property?.name);
        if (this.folder.isGlobal(callee.object, 'Object')) {
          if (['keys', 'values', 'entries', 'fromEntries'].includes(method)) return true;
          if (method === 'assign' || method === 'freeze')
            return this.isShallow(node.arguments?.[0], depth + 1);
          return false;
        }
        if (this.folder.isGlobal(callee.object, 'Array')) return method === 'from' || method === 'of';
        if (this.folder.isGlobal(callee.object, 'Promise'))
          return method === 'all' || method === 'allSettled';
        if (ARRAY_METHODS.has(method) || DATA_METHODS.has(method)) {
          return (
            (isArrayValued(callee.object, this.folder) || this.isDeep(callee.object, depth + 1)) &&
            (ARRAY_METHODS.has(method) ||
              ['filter', 'slice', 'sort', 'reverse', 'toSorted', 'toReversed'].includes(method))
          );
        }
        return false;
      }
      default:
        return this.structural(node, depth, (n, d) => this.isShallow(n, d));
    }
  }

  /** `d[k]` read back from the same object with the same never-written key (`d[k] = d[k] || []`). */
  isSameSlot(value: N | undefined, target: N): boolean {
    const v = value?.type === 'ChainExpression' ? value.expression : value;
    if (v?.type !== 'MemberExpression' || !v.computed || !target.computed) return false;
    const sameRef = (a: N | undefined, b: N | undefined): boolean => {
      if (a?.type !== 'Identifier' || b?.type !== 'Identifier') return false;
      const ba = this.scopes.refs.get(a);
      return !!ba && ba === this.scopes.refs.get(b) && ba.writes.length === 0;
    };
    // Keys like `it.color`: the same static chain from a binding the module cannot write through (not a local
    // literal; writes to anything else are refused), so both reads see the same key.
    const sameKey = (a: N | undefined, b: N | undefined, depth: number): boolean => {
      if (depth > 8) return false;
      if (a?.type === 'Identifier') return sameRef(a, b) && (depth === 0 || this.literalOf(a) === null);
      return (
        a?.type === 'MemberExpression' &&
        b?.type === 'MemberExpression' &&
        !a.computed &&
        !b.computed &&
        a.property?.name === b.property?.name &&
        sameKey(a.object, b.object, depth + 1)
      );
    };
    return sameRef(v.object, target.object) && sameKey(v.property, target.property, 0);
  }

  private structural(node: N, depth: number, pred: (n: N, d: number) => boolean): boolean {
    switch (node.type) {
      case 'LogicalExpression':
        return pred(node.left, depth + 1) && pred(node.right, depth + 1);
      case 'ConditionalExpression':
        return pred(node.consequent, depth + 1) && pred(node.alternate, depth + 1);
      case 'SequenceExpression': {
        const list: N[] = node.expressions ?? [];
        const last = list[list.length - 1];
        return !!last && pred(last, depth + 1);
      }
      case 'AssignmentExpression':
        if (node.operator === '=' || ['||=', '&&=', '??='].includes(node.operator))
          return pred(node.right, depth + 1) && (node.operator === '=' || pred(node.left, depth + 1));
        return true; // arithmetic compound assignment yields a primitive
      case 'ChainExpression':
        return pred(node.expression, depth + 1);
      default:
        return false;
    }
  }

  /** Expressions whose value is always a primitive (whatever their operands). */
  private isPrimitiveExpr(node: N): boolean {
    switch (node.type) {
      case 'Literal':
        return !node.regex;
      case 'TemplateLiteral':
      case 'BinaryExpression':
      case 'UnaryExpression':
      case 'UpdateExpression':
        return true;
      case 'Identifier':
        return this.folder.isPrimitive(node);
      case 'CallExpression': {
        const callee: N | undefined = node.callee;
        if (callee?.type === 'Identifier')
          return (
            PRIMITIVE_CALLS.has(String(callee.name)) && this.folder.isGlobal(callee, String(callee.name))
          );
        if (callee?.type === 'MemberExpression' && !callee.computed && callee.object?.type === 'Identifier') {
          const ns = String(callee.object.name);
          if (PRIMITIVE_NAMESPACES.has(ns) && this.folder.isGlobal(callee.object, ns)) return true;
          if (
            ns === 'JSON' &&
            callee.property?.name === 'stringify' &&
            this.folder.isGlobal(callee.object, 'JSON')
          )
            return true;
          if (
            ns === 'Object' &&
            callee.property?.name === 'hasOwn' &&
            this.folder.isGlobal(callee.object, 'Object')
          )
            return true;
          if (
            ns === 'Array' &&
            callee.property?.name === 'isArray' &&
            this.folder.isGlobal(callee.object, 'Array')
          )
            return true;
        }
        return false;
      }
      default:
        return false;
    }
  }

  private bindingIs(
    binding: Binding,
    depth: number,
    checking: Set<Binding>,
    pred: (n: N, d: number) => boolean,
  ): boolean {
    if (checking.has(binding)) return true; // greatest fixpoint, as for primitive bindings
    const origin = this.origins.get(binding);
    if (origin?.kind === 'elementOf') {
      if (binding.writes.length > 0) return false;
      checking.add(binding);
      try {
        return this.isDeep(origin.iterable, depth + 1);
      } finally {
        checking.delete(binding);
      }
    }
    if (binding.opaque || !['const', 'let', 'var'].includes(binding.kind)) return false;
    checking.add(binding);
    try {
      if (!binding.init || !pred(binding.init, depth + 1)) return false;
      for (const w of binding.writes) {
        if (w.operator === '++' || w.operator === '--') continue;
        if (!w.value) return false;
        if (!['=', '||=', '&&=', '??='].includes(w.operator)) continue; // arithmetic: primitive
        if (!pred(w.value, depth + 1)) return false;
      }
      return true;
    } finally {
      checking.delete(binding);
    }
  }

  private isSdkCall(node: N | undefined): boolean {
    if (node?.type !== 'CallExpression' || !this.sdkBinding) return false;
    let obj: N | undefined = node.callee;
    for (let i = 0; i < 3 && obj?.type === 'MemberExpression' && !obj.computed; i++) obj = obj.object;
    return obj?.type === 'Identifier' && this.scopes.refs.get(obj) === this.sdkBinding;
  }

  /** `Promise.all([sdk.a(), …])` or `Promise.all(xs.map((x) => sdk.a(x)))`: resolves to an array of SDK data. */
  private isAllOfSdkCalls(node: N | undefined): boolean {
    if (!node || !this.isStaticCall(node, 'Promise', 'all') || node.arguments?.length !== 1) return false;
    const arg: N | undefined = node.arguments[0];
    if (arg?.type === 'ArrayExpression')
      return (arg.elements ?? []).every((e: N | null) => !!e && this.isSdkCall(e));
    const callee: N | undefined = arg?.callee;
    const fn: N | undefined = arg?.arguments?.[0];
    return (
      arg?.type === 'CallExpression' &&
      callee?.type === 'MemberExpression' &&
      !callee.computed &&
      callee.property?.name === 'map' &&
      fn?.type === 'ArrowFunctionExpression' &&
      fn.body?.type !== 'BlockStatement' &&
      this.isSdkCall(fn.body)
    );
  }

  private isJsonParse(node: N): boolean {
    return this.isStaticCall(node, 'JSON', 'parse') && node.arguments?.length === 1;
  }

  private isStaticCall(node: N, object: string, method: string): boolean {
    const callee: N | undefined = node.callee;
    return (
      node.type === 'CallExpression' &&
      callee?.type === 'MemberExpression' &&
      !callee.computed &&
      callee.property?.name === method &&
      this.folder.isGlobal(callee.object, object)
    );
  }
}
