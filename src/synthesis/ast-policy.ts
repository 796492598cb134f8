import type { Comment } from 'acorn';
import { recursive as walkRecursive, simple as walkSimple } from 'acorn-walk';
import safeRegex from 'safe-regex2';
import type { Permission, SdkMethod, Violation } from '../domain/index.js';
import { SDK_METHODS, isSdkMethod } from '../domain/index.js';
import type { Frame, N } from './ast-utils.js';
import { position, staticKeyName, walkWithPath } from './ast-utils.js';
import type { SynthesisConfig } from './config.js';
import { Folder, findIndexParams, isConstantTruthy } from './const-fold.js';
import type { RuleId } from './rules.js';
import { RULES } from './rules.js';
import type { Binding, ScopeInfo } from './scope.js';
import { analyzeScopes } from './scope.js';
import { REMOVED_CREDENTIAL, scanNamedValue, scanText } from './secret-scan.js';
import { ValueFacts } from './value-facts.js';
import type { WriteIndex } from './write-index.js';
import { collectWrites } from './write-index.js';

/**
 * The node-type ALLOWLIST: ES2022 minus everything a screen capability does not need. A type not listed here is
 * a violation (mapped to a specific rule where one exists), so new syntax is rejected until someone decides.
 * Not listed on purpose: classes (`extends`/`super` reach prototypes), `this`, generators, labels, tagged
 * templates, `with`, `debugger`, imports/exports other than the one default export, `import()`, `import.meta`.
 */
export const ALLOWED_NODE_TYPES: ReadonlySet<string> = new Set([
  'Program',
  'ExportDefaultDeclaration',
  'FunctionDeclaration',
  'FunctionExpression',
  'ArrowFunctionExpression',
  'BlockStatement',
  'EmptyStatement',
  'ExpressionStatement',
  'IfStatement',
  'ReturnStatement',
  'ThrowStatement',
  'TryStatement',
  'CatchClause',
  'ForStatement',
  'ForOfStatement',
  'ForInStatement',
  'WhileStatement',
  'DoWhileStatement',
  'BreakStatement',
  'ContinueStatement',
  'SwitchStatement',
  'SwitchCase',
  'VariableDeclaration',
  'VariableDeclarator',
  'Identifier',
  'Literal',
  'TemplateLiteral',
  'TemplateElement',
  'ArrayExpression',
  'ObjectExpression',
  'Property',
  'SpreadElement',
  'RestElement',
  'ArrayPattern',
  'ObjectPattern',
  'AssignmentPattern',
  'MemberExpression',
  'ChainExpression',
  'CallExpression',
  'NewExpression',
  'UnaryExpression',
  'BinaryExpression',
  'LogicalExpression',
  'ConditionalExpression',
  'AssignmentExpression',
  'UpdateExpression',
  'SequenceExpression',
  'AwaitExpression',
]);

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

/** Property names that are dangerous wherever they appear (member access, destructuring, folded keys). */
const PROPERTY_RULES: ReadonlyMap<string, RuleId> = new Map<string, RuleId>([
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

/** String methods that turn a string argument into a regular expression. */
const REGEX_TAKING_METHODS: ReadonlySet<string> = new Set(['match', 'matchAll', 'search']);

export interface PolicyInput {
  program: N;
  comments: readonly Comment[];
  config: SynthesisConfig;
  permissions?: ReadonlySet<Permission>;
}

export interface PolicyResult {
  violations: Violation[];
  /** SDK methods the module calls (statically, by the only form allowed). */
  sdkMethods: SdkMethod[];
  /** Permissions those calls need. */
  requiredPermissions: Permission[];
}

/** Runs every AST rule over one parsed module. Pure: never evaluates the code. */
export function checkPolicy(input: PolicyInput): PolicyResult {
  const { program, config } = input;
  const violations: Violation[] = [];
  const seen = new Set<string>();
  const report = (rule: RuleId, node: N | undefined, message: string): void => {
    const { line, column } = position(node);
    const key = `${rule}:${line}:${column}:${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    violations.push({ rule, severity: RULES[rule].severity, message, line, column });
  };

  const scopes = analyzeScopes(program, config.maxDepth);
  const calls: N[] = [];
  const forOfs: N[] = [];
  try {
    walkSimple(program as never, {
      CallExpression: (n: unknown) => void calls.push(n as N),
      ForOfStatement: (n: unknown) => void forOfs.push(n as N),
    });
  } catch {
    // Stack exhaustion on pathological nesting: fewer known index parameters only makes the policy stricter.
  }
  const indexParams = findIndexParams(calls, scopes, new Folder(scopes));
  const folder = new Folder(scopes, indexParams);
  const sdkMethods = new Set<SdkMethod>();

  const run = checkModuleShape(program, report);
  const sdkBinding = findSdkBinding(run, scopes, report);

  const inputParam: N | undefined = run?.params?.[0];
  const inputBinding =
    inputParam?.type === 'Identifier'
      ? (scopes.scopeOf.get(run as N)?.bindings.get(String(inputParam.name)) ?? null)
      : null;
  const facts = new ValueFacts(scopes, folder, inputBinding, sdkBinding, calls, forOfs);
  const writes = collectWrites(program, scopes, config.maxDepth);
  const ctx: Ctx = {
    scopes,
    folder,
    facts,
    writes,
    report,
    sdkBinding,
    sdkMethods,
    permissions: input.permissions,
    config,
  };

  walkWithPath(
    program,
    (node, key, path) => checkNode(node, key, path, ctx),
    config.maxDepth,
    (node) => report('nesting-too-deep', node, `syntax nested deeper than ${config.maxDepth} levels`),
  );

  for (const comment of input.comments) {
    for (const f of scanText(comment.value)) {
      report(
        f.rule,
        { type: 'Comment', start: comment.start, end: comment.end, loc: comment.loc } as N,
        `${f.kind} in a comment`,
      );
    }
  }

  const requiredPermissions = new Set<Permission>();
  for (const m of sdkMethods) {
    const p = SDK_METHODS[m];
    if (p) requiredPermissions.add(p);
  }
  violations.sort((a, b) => a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
  return {
    violations,
    sdkMethods: [...sdkMethods].sort(),
    requiredPermissions: [...requiredPermissions].sort(),
  };
}

interface Ctx {
  scopes: ScopeInfo;
  folder: Folder;
  facts: ValueFacts;
  writes: WriteIndex;
  report: (rule: RuleId, node: N | undefined, message: string) => void;
  sdkBinding: Binding | null;
  sdkMethods: Set<SdkMethod>;
  permissions: ReadonlySet<Permission> | undefined;
  config: SynthesisConfig;
}

// ---------------------------------------------------------------------------------------------------------------
// Module shape

function checkModuleShape(program: N, report: Ctx['report']): N | null {
  let run: N | null = null;
  let defaults = 0;
  for (const stmt of program.body ?? []) {
    switch (stmt.type) {
      case 'ExportDefaultDeclaration': {
        defaults++;
        const d: N | undefined = stmt.declaration;
        const isFn =
          d?.type === 'FunctionDeclaration' ||
          d?.type === 'FunctionExpression' ||
          d?.type === 'ArrowFunctionExpression';
        if (!isFn || !d.async || d.generator) {
          report('module-shape', stmt, 'the default export must be `async function run(input, sdk)`');
        } else run = d;
        break;
      }
      case 'FunctionDeclaration':
      case 'EmptyStatement':
        break;
      case 'VariableDeclaration':
        // Module-level `let`/`var` survives between runs of a cached module: state shared across users.
        if (stmt.kind !== 'const')
          report(
            'module-shape',
            stmt,
            `top-level \`${stmt.kind}\` is shared state; use const or move it into run`,
          );
        break;
      case 'ImportDeclaration':
        break; // no-import reports it
      case 'ExportNamedDeclaration':
      case 'ExportAllDeclaration':
        report('module-shape', stmt, 'only one `export default` is allowed; no other exports');
        break;
      default:
        // Top-level statements run when the module loads, outside run's deadline and inputs.
        report(
          'module-shape',
          stmt,
          `top-level ${stmt.type} runs at load time; only declarations are allowed`,
        );
    }
  }
  if (defaults === 0)
    report('module-shape', program, 'missing `export default async function run(input, sdk)`');
  return run;
}

function findSdkBinding(run: N | null, scopes: ScopeInfo, report: Ctx['report']): Binding | null {
  if (!run) return null;
  const param: N | undefined = run.params?.[1];
  if (!param) return null;
  if (param.type !== 'Identifier') {
    // Destructuring `{ vision }` hides which methods are called from the permission check.
    report('sdk-escape', param, 'the sdk parameter must be a plain identifier (no destructuring or default)');
    return null;
  }
  return scopes.scopeOf.get(run)?.bindings.get(String(param.name)) ?? null;
}

// ---------------------------------------------------------------------------------------------------------------
// Per node

function checkNode(node: N, key: string, path: readonly Frame[], ctx: Ctx): void {
  const { report } = ctx;
  const parent = path[path.length - 1]?.node;

  if (!ALLOWED_NODE_TYPES.has(node.type)) {
    reportDisallowedType(node, ctx);
    return;
  }

  switch (node.type) {
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
      if (node.generator) report('disallowed-syntax', node, 'generator functions are not allowed');
      break;
    case 'ExportDefaultDeclaration':
      if (parent?.type !== 'Program') report('module-shape', node, 'export default must be top-level');
      break;
    case 'Property':
      checkProperty(node, parent, ctx);
      break;
    case 'Identifier':
      if (ctx.scopes.refs.has(node)) checkReference(node, key, path, ctx);
      break;
    case 'MemberExpression':
      checkMember(node, key, path, ctx);
      break;
    case 'CallExpression':
    case 'NewExpression':
      checkCall(node, ctx);
      break;
    case 'Literal':
      checkLiteral(node, key, parent, ctx);
      break;
    case 'BinaryExpression':
    case 'TemplateLiteral':
      if (isConcatRoot(node, parent)) checkFoldedSecret(node, ctx);
      break;
    case 'TemplateElement': {
      const cooked = node.value?.cooked;
      if (typeof cooked === 'string') checkString(cooked, node, ctx);
      break;
    }
    case 'ArrayExpression':
      if ((node.elements?.length ?? 0) > ctx.config.maxLiteralElements) {
        report(
          'oversized-literal',
          node,
          `array literal with ${node.elements.length} elements (max ${ctx.config.maxLiteralElements})`,
        );
      }
      break;
    case 'ObjectExpression':
      if ((node.properties?.length ?? 0) > ctx.config.maxLiteralElements) {
        report(
          'oversized-literal',
          node,
          `object literal with ${node.properties.length} properties (max ${ctx.config.maxLiteralElements})`,
        );
      }
      break;
    case 'WhileStatement':
    case 'DoWhileStatement':
    case 'ForStatement':
      if (isConstantTruthy(node.test, ctx.folder) && !hasExit(node.body)) {
        report(
          'infinite-loop',
          node,
          'loop condition is always true and the body has no break, return or throw',
        );
      }
      break;
    case 'UnaryExpression':
      if (node.operator === 'delete' && node.argument?.type === 'MemberExpression')
        checkMemberWrite(node.argument, ctx, { kind: 'delete' });
      break;
    case 'AssignmentExpression':
      if (node.left?.type === 'MemberExpression')
        checkMemberWrite(node.left, ctx, {
          kind: 'assign',
          operator: String(node.operator),
          value: node.right,
        });
      break;
    case 'UpdateExpression':
      if (node.argument?.type === 'MemberExpression')
        checkMemberWrite(node.argument, ctx, { kind: 'update' });
      break;
    case 'ForInStatement':
    case 'ForOfStatement':
      if (node.left?.type === 'MemberExpression') checkMemberWrite(node.left, ctx, { kind: 'pattern' });
      break;
    case 'ArrayPattern':
    case 'ObjectPattern':
      if (isAssignmentPattern(path)) {
        for (const target of patternMemberTargets(node)) checkMemberWrite(target, ctx, { kind: 'pattern' });
      }
      break;
    default:
      break;
  }
}

function reportDisallowedType(node: N, ctx: Ctx): void {
  const { report } = ctx;
  switch (node.type) {
    case 'ImportDeclaration':
      report('no-import', node, 'imports are not allowed; the only authority is the sdk parameter');
      return;
    case 'ImportExpression':
      report('no-dynamic-import', node, 'dynamic import() is not allowed');
      return;
    case 'WithStatement':
      report('no-with', node, '`with` is not allowed');
      return;
    case 'DebuggerStatement':
      report('no-debugger', node, '`debugger` is not allowed');
      return;
    case 'ExportNamedDeclaration':
    case 'ExportAllDeclaration':
      return; // module-shape reported at top level
    case 'MetaProperty':
      if (node.meta?.name === 'import') report('no-import', node, '`import.meta` is not allowed');
      else report('disallowed-syntax', node, `\`${node.meta?.name}.${node.property?.name}\` is not allowed`);
      return;
    case 'ClassDeclaration':
    case 'ClassExpression':
      report(
        'disallowed-syntax',
        node,
        'classes are not allowed (extends/super reach prototypes); use plain functions',
      );
      return;
    case 'ThisExpression':
      report('disallowed-syntax', node, '`this` is not allowed');
      return;
    case 'TaggedTemplateExpression':
      report(
        'disallowed-syntax',
        node,
        'tagged templates are not allowed (they call functions without parentheses)',
      );
      return;
    case 'LabeledStatement':
      report('disallowed-syntax', node, 'labels are not allowed');
      return;
    case 'YieldExpression':
      report('disallowed-syntax', node, 'generators are not allowed');
      return;
    default:
      report('disallowed-syntax', node, `${node.type} is not allowed`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Names and references

function checkPropertyName(name: string, node: N, isWrite: boolean, ctx: Ctx, how: string): boolean {
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

function checkProperty(node: N, parent: N | undefined, ctx: Ctx): void {
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
function keyNames(key: N | undefined, computed: boolean, ctx: Ctx): string[] | null {
  const s = staticKeyName(key, computed);
  if (s !== undefined) return [s];
  const f = ctx.folder.fold(key);
  if (!f) return null;
  return [...f.strings];
}

function checkReference(node: N, key: string, path: readonly Frame[], ctx: Ctx): void {
  const binding = ctx.scopes.refs.get(node);
  const name = String(node.name);
  const parent = path[path.length - 1]?.node;
  if (binding === null || binding === undefined) {
    checkGlobal(node, name, key, parent, path, ctx);
    return;
  }
  if (ctx.sdkBinding && binding === ctx.sdkBinding) checkSdkUse(node, key, path, ctx);
}

function checkGlobal(
  node: N,
  name: string,
  key: string,
  parent: N | undefined,
  path: readonly Frame[],
  ctx: Ctx,
): void {
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
  void path;
}

/**
 * The only allowed use of `sdk`: a direct call `sdk.group.method(...)` / `sdk.method(...)` with static names.
 * Anything else (aliasing, passing it on, `sdk[x]`, destructuring, `.call`) would hide calls from the
 * permission check.
 */
function checkSdkUse(node: N, key: string, path: readonly Frame[], ctx: Ctx): void {
  const { report } = ctx;
  if (ctx.scopes.writeRefs.has(node)) {
    report('sdk-escape', node, 'the sdk parameter must not be reassigned');
    return;
  }
  const segments: string[] = [];
  let idx = path.length - 1;
  let curKey = key;
  let computed = false;
  while (segments.length < 2) {
    const p = path[idx]?.node;
    if (p?.type !== 'MemberExpression' || curKey !== 'object') break;
    if (p.computed || p.property?.type !== 'Identifier') {
      computed = true;
      break;
    }
    segments.push(String(p.property.name));
    curKey = path[idx]?.key ?? '';
    idx--;
    if (isSdkMethod(segments.join('.'))) break;
  }
  const holder = path[idx]?.node;
  const called = holder?.type === 'CallExpression' && curKey === 'callee' && segments.length > 0 && !computed;
  const method = segments.join('.');
  if (!called) {
    if (computed) report('sdk-escape', node, 'computed access on sdk hides which method is called');
    else if (segments.length === 0)
      report('sdk-escape', node, 'sdk must not be aliased, passed on or stored');
    else report('sdk-escape', node, `sdk.${method} must be called directly, not taken as a value`);
    return;
  }
  if (!isSdkMethod(method)) {
    report('unknown-sdk-method', node, `sdk.${method} is not an SDK method`);
    return;
  }
  ctx.sdkMethods.add(method);
  const needed = SDK_METHODS[method];
  if (needed && ctx.permissions && !ctx.permissions.has(needed)) {
    report(
      'permission-mismatch',
      node,
      `sdk.${method} needs permission ${needed}, which the manifest does not declare`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Members, writes, calls

/** An identifier always bound to a literal the module created (const/let never reassigned, reduce accumulator). */
function localKind(node: N | undefined, ctx: Ctx): 'object' | 'array' | null {
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
function nestedLiteral(node: N, ctx: Ctx): N | null {
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

/** Climbs through value-forwarding wrappers (`a || b`, `c ? a : b`, `(0, a)`, `await a`) to the real consumer. */
function consumerOf(path: readonly Frame[], key: string, node: N): { parent: N | undefined; key: string } {
  let idx = path.length - 1;
  let curKey = key;
  let cur = node;
  for (;;) {
    const p = path[idx]?.node;
    if (!p) return { parent: undefined, key: curKey };
    const forwards =
      p.type === 'LogicalExpression' ||
      p.type === 'ChainExpression' ||
      p.type === 'AwaitExpression' ||
      (p.type === 'ConditionalExpression' && curKey !== 'test') ||
      (p.type === 'SequenceExpression' && p.expressions?.[p.expressions.length - 1] === cur);
    if (!forwards) return { parent: p, key: curKey };
    cur = p;
    curKey = path[idx]?.key ?? '';
    idx--;
  }
}

function isWriteChain(path: readonly Frame[], key: string): boolean {
  // Climb `.object` links: `a.prototype.x = 1` writes through `a.prototype`.
  let idx = path.length - 1;
  let curKey = key;
  for (;;) {
    const p = path[idx]?.node;
    if (!p) return false;
    if (p.type === 'MemberExpression' && curKey === 'object') {
      curKey = path[idx]?.key ?? '';
      idx--;
      continue;
    }
    if (p.type === 'AssignmentExpression' && curKey === 'left') return true;
    if (p.type === 'UpdateExpression') return true;
    if (p.type === 'UnaryExpression' && p.operator === 'delete') return true;
    if ((p.type === 'ForInStatement' || p.type === 'ForOfStatement') && curKey === 'left') return true;
    if (p.type === 'CallExpression' && curKey === 'arguments' && p.arguments?.[0] && isAssignCallee(p.callee))
      return true;
    if (['ArrayPattern', 'ObjectPattern', 'AssignmentPattern', 'RestElement', 'Property'].includes(p.type)) {
      return isAssignmentPattern(path.slice(0, idx + 1));
    }
    return false;
  }
}

function isAssignCallee(callee: N | undefined): boolean {
  return callee?.type === 'MemberExpression' && !callee.computed && callee.property?.name === 'assign';
}

function checkMember(node: N, key: string, path: readonly Frame[], ctx: Ctx): void {
  const names = keyNames(node.property, !!node.computed, ctx);
  const write = isWriteChain(path, key);
  if (names !== null) {
    for (const name of names)
      checkPropertyName(name, node.property ?? node, write, ctx, node.computed ? ' (computed key)' : '');
    return;
  }
  if (ctx.folder.isPrimitive(node.property)) return; // numeric index: can never name a dangerous property
  const parent = path[path.length - 1]?.node;
  const directTarget =
    (parent?.type === 'AssignmentExpression' && key === 'left') ||
    parent?.type === 'UpdateExpression' ||
    (parent?.type === 'UnaryExpression' && parent.operator === 'delete');
  if (directTarget) return; // a write target: checkMemberWrite decides
  const consumer = consumerOf(path, key, node);
  const called =
    (consumer.parent?.type === 'CallExpression' || consumer.parent?.type === 'NewExpression') &&
    consumer.key === 'callee';
  const readable =
    localKind(node.object, ctx) === 'object' ||
    ctx.facts.isFreshReadOnlyObject(node.object) ||
    (node.object?.type === 'MemberExpression' &&
      nestedLiteral(node.object, ctx)?.type === 'ObjectExpression');
  if (readable && !called) return;
  ctx.report(
    'unsafe-computed-member',
    node,
    called
      ? 'calling a member chosen by a run-time key'
      : 'computed access with a run-time key is only allowed on an object literal the module created',
  );
}

type WriteContext =
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
function checkMemberWrite(target: N, ctx: Ctx, how: WriteContext): void {
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
function isStorableValue(value: N | undefined, target: N, ctx: Ctx, depth: number): boolean {
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

function isAssignmentPattern(path: readonly Frame[]): boolean {
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

function patternMemberTargets(pattern: N): N[] {
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

function checkCall(node: N, ctx: Ctx): void {
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

function isProtoSafeSource(source: N, ctx: Ctx): boolean {
  if (ctx.facts.isDeep(source)) return true;
  if (source.type !== 'ObjectExpression') return false;
  return ((source.properties ?? []) as N[]).every((p) => {
    if (p.type === 'SpreadElement') return ctx.facts.isDeep(p.argument);
    if (!p.computed || keyNames(p.key, true, ctx) !== null) return true;
    return ctx.facts.isShallow(p.value);
  });
}

function checkRegExpConstructor(call: N, ctx: Ctx): void {
  const arg: N | undefined = call.arguments?.[0];
  const resolved = ctx.folder.resolveConstant(arg);
  if (resolved?.type === 'Literal' && resolved.regex) return;
  const f = ctx.folder.fold(arg);
  if (!f || f.primitive || f.strings.size === 0) {
    ctx.report('redos', call, 'RegExp with a pattern that is not a constant cannot be checked');
    return;
  }
  for (const s of f.strings) checkRegexSource(s, call, ctx);
}

function checkRegexSource(source: string, node: N, ctx: Ctx): void {
  let safe: boolean;
  try {
    safe = safeRegex(source);
  } catch {
    // A pattern safe-regex2 cannot parse cannot be shown safe.
    safe = false;
  }
  if (!safe)
    ctx.report('redos', node, `regular expression /${truncate(source, 60)}/ may backtrack catastrophically`);
}

// ---------------------------------------------------------------------------------------------------------------
// Literals

function checkLiteral(node: N, key: string, parent: N | undefined, ctx: Ctx): void {
  if (node.regex) {
    checkRegexSource(String(node.regex.pattern), node, ctx);
    return;
  }
  if (typeof node.value !== 'string') return;
  checkString(node.value, node, ctx);
  let name: string | undefined;
  if (parent?.type === 'VariableDeclarator' && key === 'init' && parent.id?.type === 'Identifier')
    name = parent.id.name;
  else if (parent?.type === 'AssignmentExpression' && key === 'right') {
    name =
      parent.left?.type === 'Identifier'
        ? parent.left.name
        : parent.left?.type === 'MemberExpression' && !parent.left.computed
          ? parent.left.property?.name
          : undefined;
  } else if (parent?.type === 'AssignmentPattern' && key === 'right' && parent.left?.type === 'Identifier')
    name = parent.left.name;
  if (name) {
    const f = scanNamedValue(String(name), node.value);
    if (f) ctx.report(f.rule, node, `${f.kind} looks like a credential`);
  }
}

function checkString(value: string, node: N, ctx: Ctx): void {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > ctx.config.maxStringLiteralBytes) {
    ctx.report(
      'oversized-literal',
      node,
      `string literal of ${bytes} bytes (max ${ctx.config.maxStringLiteralBytes})`,
    );
  }
  for (const f of scanText(value)) ctx.report(f.rule, node, `${f.kind} in a string literal`);
}

/** The outermost node of a `+`/template chain (a secret split into parts is only whole there). */
export function isConcatRoot(node: N, parent: N | undefined): boolean {
  if (node.type === 'BinaryExpression' && node.operator !== '+') return false;
  if (node.type === 'TemplateLiteral' && (node.expressions?.length ?? 0) === 0) return false;
  return (
    !(parent?.type === 'BinaryExpression' && parent.operator === '+') && parent?.type !== 'TemplateLiteral'
  );
}

/** `'AKIA' + 'IOSF…'`, `` `${a}${b}` `` with constant parts: scan what the chain folds to. */
function checkFoldedSecret(node: N, ctx: Ctx): void {
  const folded = ctx.folder.fold(node);
  if (!folded) return;
  for (const value of folded.strings) {
    const findings = scanText(value);
    if (findings.length > 0) {
      ctx.report(findings[0]!.rule, node, `${findings[0]!.kind} assembled from constant parts`);
      return;
    }
  }
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) + '…' : s;
}

// ---------------------------------------------------------------------------------------------------------------
// Loops

/**
 * Does the loop body contain a way out: `return`, `throw`, or a `break` that targets this loop (not one inside
 * a nested loop or switch)? Nested functions do not count (their return leaves them, not the loop).
 */
function hasExit(body: N | undefined): boolean {
  if (!body) return false;
  let found = false;
  type St = { depth: number };
  type Cont = (n: N, st: St) => void;
  const skip = (): void => undefined;
  const nestedLoop =
    (children: (n: N) => Array<N | null | undefined>) =>
    (n: N, st: St, c: Cont): void => {
      st.depth++;
      for (const child of children(n)) if (child) c(child, st);
      st.depth--;
    };
  const visitors: Record<string, (n: N, st: St, c: Cont) => void> = {
    ReturnStatement: () => {
      found = true;
    },
    ThrowStatement: () => {
      found = true;
    },
    BreakStatement: (n, st) => {
      // Labels are refused by their own rule; a labelled break is still counted as an exit.
      if (st.depth === 0 || n.label) found = true;
    },
    FunctionDeclaration: skip,
    FunctionExpression: skip,
    ArrowFunctionExpression: skip,
    WhileStatement: nestedLoop((n) => [n.test, n.body]),
    DoWhileStatement: nestedLoop((n) => [n.body, n.test]),
    ForStatement: nestedLoop((n) => [n.init, n.test, n.update, n.body]),
    ForInStatement: nestedLoop((n) => [n.right, n.body]),
    ForOfStatement: nestedLoop((n) => [n.right, n.body]),
    SwitchStatement: nestedLoop((n) => [
      n.discriminant,
      ...((n.cases ?? []) as N[]).flatMap((cs) => (cs.consequent ?? []) as N[]),
    ]),
  };
  try {
    walkRecursive(body as never, { depth: 0 }, visitors as never);
  } catch {
    // acorn-walk throws on node types it does not know (only syntax already refused) or on stack exhaustion.
    return true;
  }
  return found;
}
