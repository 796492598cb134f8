import type { N } from './ast-utils.js';
import type { Binding, ScopeInfo } from './scope.js';

/**
 * What a key expression can evaluate to, as far as the analyser can prove:
 * - `strings`: every string it may be (checked against forbidden property names);
 * - `primitive`: it may also be a non-string primitive (number, bigint, boolean, null, undefined), whose
 *   string forms can never name `constructor`, `__proto__` or `prototype`.
 * `null` = unknown (a run-time string: the computed-member policy applies).
 */
export interface Folded {
  strings: Set<string>;
  primitive: boolean;
}

/** Past this many alternatives (`a ? 'x' : 'y'` nested…) folding gives up: unknown is the safe answer. */
const MAX_ALTERNATIVES = 64;
const MAX_FOLD_DEPTH = 64;

const ARITHMETIC = new Set(['-', '*', '/', '%', '**', '|', '&', '^', '<<', '>>', '>>>']);
const COMPARISON = new Set(['==', '!=', '===', '!==', '<', '<=', '>', '>=', 'in', 'instanceof']);
/** Globals whose calls always return a number or boolean (given they cannot be overwritten: writes to globals are violations). */
const PRIMITIVE_FUNCTIONS = new Set(['parseInt', 'parseFloat', 'isNaN', 'isFinite', 'Number', 'Boolean']);
const PRIMITIVE_NAMESPACES = new Set(['Math', 'Number']);
const PRIMITIVE_GLOBALS = new Set(['undefined', 'NaN', 'Infinity']);

const prim = (): Folded => ({ strings: new Set(), primitive: true });
const str = (...values: string[]): Folded => ({ strings: new Set(values), primitive: false });

function union(a: Folded | null, b: Folded | null): Folded | null {
  if (!a || !b) return null;
  const strings = new Set([...a.strings, ...b.strings]);
  if (strings.size > MAX_ALTERNATIVES) return null;
  return { strings, primitive: a.primitive || b.primitive };
}

function concat(a: Folded | null, b: Folded | null): Folded | null {
  if (!a || !b) return null;
  // primitive + primitive is a number (or NaN); with a string it stringifies — we do not enumerate numbers.
  if (a.strings.size === 0 && b.strings.size === 0) return prim();
  if (a.primitive || b.primitive) return null;
  if (a.strings.size * b.strings.size > MAX_ALTERNATIVES) return null;
  const out = new Set<string>();
  for (const x of a.strings) for (const y of b.strings) out.add(x + y);
  return { strings: out, primitive: false };
}

export class Folder {
  private readonly folding = new Set<Binding>();
  private readonly primChecking = new Set<Binding>();

  /**
   * @param indexParams callback parameters known to receive an array index (`arr.forEach((x, i) => …)` on a
   *   provable array): primitive by construction.
   */
  constructor(
    private readonly scopes: ScopeInfo,
    private readonly indexParams: ReadonlySet<Binding> = new Set(),
  ) {}

  /** True when the identifier is an unshadowed reference to the global `name`. */
  isGlobal(node: N | null | undefined, name: string): boolean {
    return node?.type === 'Identifier' && node.name === name && this.scopes.refs.get(node) === null;
  }

  bindingOf(node: N): Binding | null {
    return this.scopes.refs.get(node) ?? null;
  }

  /** A binding whose value is its initialiser for its whole life (const, or let/var never written). */
  constantInit(binding: Binding | null | undefined): N | null {
    if (!binding || binding.opaque || binding.writes.length > 0 || !binding.init) return null;
    if (binding.kind !== 'const' && binding.kind !== 'let' && binding.kind !== 'var') return null;
    return binding.init;
  }

  /** Follows identifiers to their constant initialisers (`const re = /x/` → the literal). */
  resolveConstant(node: N | null | undefined, depth = 0): N | null {
    if (!node || depth > MAX_FOLD_DEPTH) return null;
    if (node.type === 'Identifier') {
      const init = this.constantInit(this.scopes.refs.get(node));
      return init ? this.resolveConstant(init, depth + 1) : null;
    }
    return node;
  }

  fold(node: N | null | undefined, depth = 0): Folded | null {
    if (!node || depth > MAX_FOLD_DEPTH) return null;
    switch (node.type) {
      case 'Literal':
        if (typeof node.value === 'string') return str(node.value);
        if (node.regex) return null;
        // number, bigint, boolean, null
        return prim();
      case 'TemplateLiteral': {
        let acc: Folded | null = str('');
        const quasis: N[] = node.quasis ?? [];
        const exprs: N[] = node.expressions ?? [];
        for (let i = 0; i < quasis.length; i++) {
          const cooked = quasis[i]?.value?.cooked;
          if (typeof cooked !== 'string') return null;
          acc = concat(acc, str(cooked));
          if (i < exprs.length) {
            const part = this.fold(exprs[i], depth + 1);
            // `${n}` stringifies a primitive: unknown text, though never a forbidden name by itself.
            acc = concat(acc, part && part.strings.size === 0 ? null : part);
          }
        }
        return acc;
      }
      case 'Identifier': {
        if (PRIMITIVE_GLOBALS.has(String(node.name)) && this.scopes.refs.get(node) === null) return prim();
        const binding = this.scopes.refs.get(node);
        if (!binding) return null;
        const init = this.constantInit(binding);
        if (init) {
          if (this.folding.has(binding)) return null;
          this.folding.add(binding);
          try {
            return this.fold(init, depth + 1);
          } finally {
            this.folding.delete(binding);
          }
        }
        return this.isPrimitiveBinding(binding, depth + 1) ? prim() : null;
      }
      case 'BinaryExpression':
        if (node.operator === '+')
          return concat(this.fold(node.left, depth + 1), this.fold(node.right, depth + 1));
        if (ARITHMETIC.has(node.operator) || COMPARISON.has(node.operator)) return prim();
        return null;
      case 'UnaryExpression':
        // typeof yields one of a fixed set of harmless words; the others yield numbers, booleans or undefined.
        return node.operator === 'delete' ? prim() : prim();
      case 'UpdateExpression':
        return prim();
      case 'LogicalExpression':
        return union(this.fold(node.left, depth + 1), this.fold(node.right, depth + 1));
      case 'ConditionalExpression':
        return union(this.fold(node.consequent, depth + 1), this.fold(node.alternate, depth + 1));
      case 'SequenceExpression': {
        const list: N[] = node.expressions ?? [];
        return this.fold(list[list.length - 1], depth + 1);
      }
      case 'ParenthesizedExpression':
        return this.fold(node.expression, depth + 1);
      case 'AssignmentExpression':
        if (node.operator === '=') return this.fold(node.right, depth + 1);
        if (node.operator === '+=') return null;
        return ARITHMETIC.has(String(node.operator).slice(0, -1)) ? prim() : null;
      case 'ArrayExpression': {
        // `o[['constructor']]` stringifies the array: fold `[a, b]` as `a + ',' + b`.
        const elements: Array<N | null> = node.elements ?? [];
        let acc: Folded | null = str('');
        for (let i = 0; i < elements.length; i++) {
          const el = elements[i];
          if (!el || el.type === 'SpreadElement') return null;
          const part = this.fold(el, depth + 1);
          if (!part || part.primitive) return null;
          acc = concat(i === 0 ? acc : concat(acc, str(',')), part);
        }
        return acc;
      }
      case 'CallExpression': {
        const callee: N | undefined = node.callee;
        if (
          callee?.type === 'Identifier' &&
          PRIMITIVE_FUNCTIONS.has(String(callee.name)) &&
          this.isGlobal(callee, callee.name)
        ) {
          return prim();
        }
        if (this.isGlobal(callee, 'String') && node.arguments?.length === 1) {
          const arg = this.fold(node.arguments[0], depth + 1);
          return arg && arg.strings.size > 0 && !arg.primitive ? arg : null;
        }
        if (
          callee?.type === 'MemberExpression' &&
          !callee.computed &&
          callee.object?.type === 'Identifier' &&
          PRIMITIVE_NAMESPACES.has(String(callee.object.name)) &&
          this.isGlobal(callee.object, callee.object.name)
        ) {
          return prim();
        }
        if (
          callee?.type === 'MemberExpression' &&
          !callee.computed &&
          callee.property?.name === 'isArray' &&
          this.isGlobal(callee.object, 'Array')
        ) {
          return prim();
        }
        return null;
      }
      default:
        return null;
    }
  }

  /** A primitive (non-string) key, e.g. `i` in `for (let i = 0; i < n; i++) a[i]`. */
  isPrimitive(node: N | null | undefined): boolean {
    const f = this.fold(node);
    return !!f && f.strings.size === 0 && f.primitive;
  }

  /**
   * Greatest fixpoint: a binding is primitive when its initial value is and every write keeps it so, assuming
   * the bindings being checked are primitive. Sound because every operation counted here maps primitives to
   * primitives (induction over the run).
   */
  private isPrimitiveBinding(binding: Binding, depth: number): boolean {
    if (this.indexParams.has(binding)) return binding.writes.length === 0;
    if (binding.opaque || depth > MAX_FOLD_DEPTH) return false;
    if (binding.kind !== 'let' && binding.kind !== 'var' && binding.kind !== 'const') return false;
    if (this.primChecking.has(binding)) return true;
    this.primChecking.add(binding);
    try {
      if (binding.init && !this.isPrimitiveNode(binding.init, depth + 1)) return false;
      for (const write of binding.writes) {
        if (write.operator === '++' || write.operator === '--') continue;
        if (!write.value) return false;
        const op = write.operator.slice(0, -1);
        if (write.operator !== '=' && op !== '+' && !ARITHMETIC.has(op) && !['||', '&&', '??'].includes(op)) {
          return false;
        }
        if (ARITHMETIC.has(op)) continue;
        if (!this.isPrimitiveNode(write.value, depth + 1)) return false;
      }
      return true;
    } finally {
      this.primChecking.delete(binding);
    }
  }

  private isPrimitiveNode(node: N, depth: number): boolean {
    const f = this.fold(node, depth);
    return !!f && f.strings.size === 0 && f.primitive;
  }
}

/** Truthy constants for loop tests (`while (true)`, `while (1)`, `for (;;)`, `while (!0)`). */
export function isConstantTruthy(test: N | null | undefined, folder: Folder, depth = 0): boolean {
  if (!test) return true;
  if (depth > MAX_FOLD_DEPTH) return false;
  switch (test.type) {
    case 'Literal':
      return test.regex ? true : Boolean(test.value);
    case 'ArrayExpression':
    case 'ObjectExpression':
    case 'ArrowFunctionExpression':
    case 'FunctionExpression':
      return true;
    case 'TemplateLiteral': {
      const f = folder.fold(test);
      return !!f && !f.primitive && f.strings.size > 0 && [...f.strings].every((s) => s.length > 0);
    }
    case 'UnaryExpression':
      return test.operator === '!' && isConstantFalsy(test.argument, folder, depth + 1);
    case 'Identifier': {
      const resolved = folder.resolveConstant(test);
      return resolved !== null && resolved !== test && isConstantTruthy(resolved, folder, depth + 1);
    }
    case 'SequenceExpression': {
      const list: N[] = test.expressions ?? [];
      return isConstantTruthy(list[list.length - 1], folder, depth + 1);
    }
    default:
      return false;
  }
}

function isConstantFalsy(node: N | null | undefined, folder: Folder, depth: number): boolean {
  if (!node || depth > MAX_FOLD_DEPTH) return false;
  if (node.type === 'Literal') return !node.regex && !node.value;
  if (node.type === 'UnaryExpression' && node.operator === '!')
    return isConstantTruthy(node.argument, folder, depth + 1);
  if (folder.isGlobal(node, 'undefined') || folder.isGlobal(node, 'NaN')) return true;
  return false;
}

/** Array methods whose callback gets the element index as parameter `index`. */
const INDEX_CALLBACKS: ReadonlyMap<string, number> = new Map([
  ['forEach', 1],
  ['map', 1],
  ['filter', 1],
  ['some', 1],
  ['every', 1],
  ['find', 1],
  ['findIndex', 1],
  ['findLast', 1],
  ['findLastIndex', 1],
  ['flatMap', 1],
  ['reduce', 2],
  ['reduceRight', 2],
]);
/** Methods that, called on an array, return an array (Symbol.species is unreachable: Symbol and `constructor` are refused). */
const ARRAY_RETURNING = new Set([
  'map',
  'filter',
  'slice',
  'concat',
  'flat',
  'flatMap',
  'sort',
  'reverse',
  'toSorted',
  'toReversed',
]);

/** Provably a real array: literals, Array.from/of, Object.keys/values/entries, Promise.all, and array methods on those. */
export function isArrayValued(node: N | null | undefined, folder: Folder, depth = 0): boolean {
  if (!node || depth > MAX_FOLD_DEPTH) return false;
  switch (node.type) {
    case 'ArrayExpression':
      return true;
    case 'Identifier': {
      const resolved = folder.resolveConstant(node);
      return !!resolved && resolved !== node && isArrayValued(resolved, folder, depth + 1);
    }
    case 'AwaitExpression': {
      const call: N | undefined = node.argument;
      return (
        call?.type === 'CallExpression' &&
        call.callee?.type === 'MemberExpression' &&
        !call.callee.computed &&
        ['all', 'allSettled'].includes(String(call.callee.property?.name)) &&
        folder.isGlobal(call.callee.object, 'Promise')
      );
    }
    case 'CallExpression': {
      const callee: N | undefined = node.callee;
      if (callee?.type !== 'MemberExpression' || callee.computed) return false;
      const name = String(callee.property?.name);
      if (folder.isGlobal(callee.object, 'Array')) return name === 'from' || name === 'of';
      if (folder.isGlobal(callee.object, 'Object'))
        return name === 'keys' || name === 'values' || name === 'entries';
      return ARRAY_RETURNING.has(name) && isArrayValued(callee.object, folder, depth + 1);
    }
    default:
      return false;
  }
}

/** Bindings of index parameters of inline callbacks passed to array methods on provable arrays. */
export function findIndexParams(calls: readonly N[], scopes: ScopeInfo, folder: Folder): Set<Binding> {
  const out = new Set<Binding>();
  for (const call of calls) {
    const callee: N | undefined = call.callee;
    if (callee?.type !== 'MemberExpression' || callee.computed) continue;
    const position = INDEX_CALLBACKS.get(String(callee.property?.name));
    const fn: N | undefined = call.arguments?.[0];
    if (
      position === undefined ||
      !fn ||
      (fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionExpression')
    )
      continue;
    const param: N | undefined = fn.params?.[position];
    if (param?.type !== 'Identifier' || !isArrayValued(callee.object, folder)) continue;
    const binding = scopes.scopeOf.get(fn)?.bindings.get(String(param.name));
    if (binding && binding.kind === 'param') out.add(binding);
  }
  return out;
}
