import { generate } from 'astring';
import type { CapabilityManifest } from '../domain/index.js';
import { IroncliwError } from '../domain/index.js';
import type { SynthesisAnalysis } from './analyze.js';
import { analyze } from './analyze.js';
import type { Frame, N } from './ast-utils.js';
import { walkWithPath } from './ast-utils.js';
import type { AnalyzeOptions } from './config.js';
import { resolveConfig } from './config.js';
import { Folder } from './const-fold.js';
import { normaliseDefaultExport, parseModule, stripTypes } from './parse.js';
import { compileSchemaValidator } from './schema-codegen.js';
import { analyzeScopes } from './scope.js';
import { SECRET_PATTERNS } from './secret-scan.js';

export interface TransformResult {
  /** The transformed module (printed by astring from the rewritten AST). */
  code: string;
  /** analyze() of the transformed module, with `transformed` set to the code. */
  report: SynthesisAnalysis;
}

/** Every name the transform introduces starts with this; user code may not use it. */
const RESERVED = '__ironcliw';

type ManifestPart = Pick<CapabilityManifest, 'permissions' | 'inputSchema' | 'outputSchema'>;

/**
 * Rewrites a capability module on its AST (never by pasting strings into user code), prints it with astring,
 * then re-parses and re-analyses the result:
 * - `Math.random()` → `sdk.random()`, `Date.now()` → `sdk.clock.now()`, `new Date()` → `new Date(sdk.clock.now())`
 *   (inside `run`, where `sdk` is in scope): runs become replayable;
 * - run-time-key reads from module-created objects `d[k]` → `(Object.hasOwn(d, k) ? d[k] : undefined)`, so a
 *   key like "__proto__" or "constructor" can never reach a prototype;
 * - a safety wrapper: input validated against `inputSchema`, thrown values normalised to `Error` with redacted,
 *   capped messages, output JSON-copied, capped at `maxOutputBytes`, secret-shaped strings redacted and the
 *   result validated against `outputSchema`.
 * Idempotent: transform(transform(x).code) yields the same code (a wrapped module is recognised and unwrapped
 * first). Throws E_CODE_UNPARSABLE like analyze, and E_CAPABILITY_INVALID when the module has no
 * `export default async function` to wrap or uses the reserved `__ironcliw` prefix.
 */
export function transform(
  code: string,
  manifest: ManifestPart,
  options: AnalyzeOptions = {},
): TransformResult {
  const config = resolveConfig(options);
  const source = options.typescript ? stripTypes(code) : code;
  const parsed = parseModule(source);
  if (options.typescript) normaliseDefaultExport(parsed.program);
  const program = parsed.program as unknown as unknown as N;

  const parts = unwrap(program) ?? split(program);
  const assembled = assemble(parts, manifest, config.maxOutputBytes);
  rewrite(assembled, parts.sdkName, config.maxDepth);
  const out = generate(assembled as never);
  const report = analyze(out, { ...options, typescript: false, permissions: manifest.permissions });
  return { code: out, report: { ...report, transformed: out } };
}

interface Parts {
  /** Top-level declarations of the original module (helpers, constants), in order. */
  decls: N[];
  /** The original run function with only its input parameter. */
  inner: N;
  sdkName: string;
}

function split(program: N): Parts {
  const decls: N[] = [];
  let exported: N | null = null;
  for (const stmt of program.body as N[]) {
    if (stmt.type === 'ExportDefaultDeclaration') exported = stmt.declaration;
    else decls.push(stmt);
  }
  const fn = exported;
  if (
    !fn ||
    !['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression'].includes(fn.type) ||
    !fn.async
  ) {
    throw new IroncliwError(
      'E_CAPABILITY_INVALID',
      'cannot transform: no `export default async function run(input, sdk)`',
    );
  }
  if (
    JSON.stringify(program, (k, v: unknown) =>
      k === 'loc' ? undefined : typeof v === 'bigint' ? String(v) : v,
    ).includes(`"${RESERVED}`)
  ) {
    throw new IroncliwError(
      'E_CAPABILITY_INVALID',
      `cannot transform: identifiers starting with ${RESERVED} are reserved`,
    );
  }
  const sdkParam: N | undefined = fn.params?.[1];
  const sdkName = sdkParam?.type === 'Identifier' ? String(sdkParam.name) : 'sdk';
  const inner: N = {
    ...fn,
    type: fn.type === 'ArrowFunctionExpression' ? 'ArrowFunctionExpression' : 'FunctionExpression',
    // A non-identifier sdk parameter stays (and stays a violation); otherwise the closure's sdk is the wrapper's.
    params: sdkParam && sdkParam.type !== 'Identifier' ? fn.params : (fn.params ?? []).slice(0, 1),
  } as unknown as N;
  return { decls, inner, sdkName };
}

/** Recognises this transform's own output and takes it apart again (for idempotence). */
function unwrap(program: N): Parts | null {
  const body = program.body as N[];
  const exp = body.find((s) => s.type === 'ExportDefaultDeclaration');
  const wrapper: N | undefined = exp?.declaration;
  if (wrapper?.type !== 'FunctionDeclaration' || wrapper.params?.[0]?.name !== `${RESERVED}In`) return null;
  const tryStmt: N | undefined = wrapper.body?.body?.[3];
  const call: N | undefined = tryStmt?.block?.body?.[0]?.expression?.right?.argument;
  const inner: N | undefined = call?.callee;
  const sdkParam: N | undefined = wrapper.params?.[1];
  if (
    tryStmt?.type !== 'TryStatement' ||
    call?.type !== 'CallExpression' ||
    !inner ||
    sdkParam?.type !== 'Identifier'
  )
    return null;
  if (inner.type !== 'FunctionExpression' && inner.type !== 'ArrowFunctionExpression') return null;
  const decls = body.filter((s) => s !== exp && !declaresReserved(s));
  return { decls, inner, sdkName: String(sdkParam.name) };
}

function declaresReserved(stmt: N): boolean {
  if (stmt.type === 'FunctionDeclaration') return String(stmt.id?.name).startsWith(RESERVED);
  if (stmt.type === 'VariableDeclaration') {
    return (stmt.declarations as N[]).some(
      (d) => d.id?.type === 'Identifier' && String(d.id.name).startsWith(RESERVED),
    );
  }
  return false;
}

/**
 * The helpers and the wrapper are fixed text; only schema values (as JSON literals, via compileSchemaValidator),
 * the output cap (a number) and the redaction patterns (our own constants) vary. The text is parsed, and the
 * user's function is spliced in as an AST node.
 */
function helpersSource(manifest: ManifestPart, maxOutputBytes: number): string {
  const shapes = SECRET_PATTERNS.map((p) => `/${p.source.replace(/\//g, '\\/')}/g`).join(', ');
  return `
const ${RESERVED}SecretShapes = [${shapes}];
${compileSchemaValidator(manifest.inputSchema, `${RESERVED}ValidateInput`)}
${compileSchemaValidator(manifest.outputSchema, `${RESERVED}ValidateOutput`)}
function ${RESERVED}Redact(value, depth) {
  if (typeof value === 'string') {
    let text = value;
    for (const shape of ${RESERVED}SecretShapes) text = text.replace(shape, '[REDACTED]');
    return text;
  }
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => ${RESERVED}Redact(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, ${RESERVED}Redact(item, depth + 1)]));
}
function ${RESERVED}Error(err) {
  const message = err instanceof Error ? String(err.message) : String(err);
  return new Error(${RESERVED}Redact(message.slice(0, 1000), 0));
}
function ${RESERVED}Finish(out) {
  const text = JSON.stringify(out);
  if (text === undefined) throw new TypeError('output is not JSON data');
  if (text.length > ${JSON.stringify(maxOutputBytes)}) throw new RangeError('output is larger than ' + ${JSON.stringify(maxOutputBytes)} + ' bytes');
  const clean = ${RESERVED}Redact(JSON.parse(text), 0);
  const problem = ${RESERVED}ValidateOutput(clean);
  if (problem !== null) throw new TypeError('invalid output: ' + problem);
  return clean;
}
export default async function run(${RESERVED}In, sdk) {
  const ${RESERVED}Problem = ${RESERVED}ValidateInput(${RESERVED}In);
  if (${RESERVED}Problem !== null) throw new TypeError('invalid input: ' + ${RESERVED}Problem);
  let ${RESERVED}Out;
  try {
    ${RESERVED}Out = await ${RESERVED}Original(${RESERVED}In);
  } catch (${RESERVED}Err) {
    throw ${RESERVED}Error(${RESERVED}Err);
  }
  return ${RESERVED}Finish(${RESERVED}Out);
}
`;
}

function assemble(parts: Parts, manifest: ManifestPart, maxOutputBytes: number): N {
  const helpers = parseModule(helpersSource(manifest, maxOutputBytes)).program as unknown as unknown as N;
  const body = helpers.body as N[];
  const exp = body[body.length - 1] as unknown as N;
  const wrapper = exp.declaration as unknown as N;
  wrapper.params[1].name = parts.sdkName;
  const tryStmt = wrapper.body.body[3] as unknown as N;
  tryStmt.block.body[0].expression.right.argument.callee = parts.inner;
  helpers.body = [...body.slice(0, -1), ...parts.decls, exp];
  return helpers;
}

/** AST rewrites, applied to the assembled module so scoping is that of the final code. */
function rewrite(program: N, sdkName: string, maxDepth: number): void {
  const scopes = analyzeScopes(program, maxDepth);
  const folder = new Folder(scopes);
  const exp = (program.body as N[]).find((s) => s.type === 'ExportDefaultDeclaration');
  const wrapper: N | undefined = exp?.declaration;
  const sdkBinding = wrapper ? scopes.scopeOf.get(wrapper)?.bindings.get(sdkName) : undefined;
  const replacements: Array<{ parent: N; key: string; node: N; with: N }> = [];

  const sdkInScope = (node: N): boolean => {
    const scope = scopes.scopeOf.get(node);
    return !!scope && !!sdkBinding && scopes.lookup(scope, sdkName) === sdkBinding;
  };
  const id = (name: string): N => ({ type: 'Identifier', name }) as unknown as N;
  const member = (object: N, name: string): N =>
    ({
      type: 'MemberExpression',
      object,
      property: id(name),
      computed: false,
      optional: false,
    }) as unknown as N;
  const call = (callee: N, args: N[] = []): N =>
    ({ type: 'CallExpression', callee, arguments: args, optional: false }) as unknown as N;
  const staticCall = (node: N, object: string, method: string): boolean =>
    node.type === 'CallExpression' &&
    node.callee?.type === 'MemberExpression' &&
    !node.callee.computed &&
    node.callee.property?.name === method &&
    folder.isGlobal(node.callee.object, object) &&
    (node.arguments?.length ?? 0) === 0;

  walkWithPath(
    program,
    (node, key, path) => {
      const parent = path[path.length - 1]?.node;
      if (!parent) return;
      if (staticCall(node, 'Math', 'random') && sdkInScope(node)) {
        replacements.push({ parent, key, node, with: call(member(id(sdkName), 'random')) });
      } else if (staticCall(node, 'Date', 'now') && sdkInScope(node)) {
        replacements.push({ parent, key, node, with: call(member(member(id(sdkName), 'clock'), 'now')) });
      } else if (
        node.type === 'NewExpression' &&
        folder.isGlobal(node.callee, 'Date') &&
        (node.arguments?.length ?? 0) === 0 &&
        sdkInScope(node)
      ) {
        replacements.push({
          parent,
          key,
          node,
          with: { ...node, arguments: [call(member(member(id(sdkName), 'clock'), 'now'))] } as unknown as N,
        });
      } else if (node.type === 'MemberExpression' && needsOwnGuard(node, key, path, folder)) {
        const test = call(member(id('Object'), 'hasOwn'), [node.object, node.property]);
        replacements.push({
          parent,
          key,
          node,
          with: {
            type: 'ConditionalExpression',
            test,
            consequent: node,
            alternate: id('undefined'),
          } as unknown as N,
        });
      }
    },
    maxDepth,
    () => undefined,
  );
  for (const r of replacements) {
    const slot: unknown = r.parent[r.key];
    if (Array.isArray(slot)) {
      const i = slot.indexOf(r.node);
      if (i >= 0) slot[i] = r.with;
    } else if (slot === r.node) r.parent[r.key] = r.with;
  }
}

/** A read `d[k]` from a module-created object literal with a pure run-time key, not yet guarded. */
function needsOwnGuard(node: N, key: string, path: readonly Frame[], folder: Folder): boolean {
  if (!node.computed || node.object?.type !== 'Identifier') return false;
  if (folder.constantInit(folder.bindingOf(node.object))?.type !== 'ObjectExpression') return false;
  if (folder.fold(node.property) !== null) return false;
  if (!isPureKey(node.property, 0)) return false;
  const parent = path[path.length - 1]?.node;
  // Writes stay writes.
  if (parent?.type === 'AssignmentExpression' && key === 'left') return false;
  if (
    parent?.type === 'UpdateExpression' ||
    (parent?.type === 'UnaryExpression' && parent.operator === 'delete')
  )
    return false;
  if (
    [
      'ArrayPattern',
      'ObjectPattern',
      'Property',
      'AssignmentPattern',
      'RestElement',
      'ForInStatement',
      'ForOfStatement',
    ].includes(String(parent?.type))
  ) {
    return false;
  }
  // Already guarded: the consequent of `Object.hasOwn(d, k) ? d[k] : undefined`.
  if (parent?.type === 'ConditionalExpression' && key === 'consequent') {
    const t: N | undefined = parent.test;
    if (
      t?.type === 'CallExpression' &&
      t.callee?.type === 'MemberExpression' &&
      t.callee.property?.name === 'hasOwn' &&
      folder.isGlobal(t.callee.object, 'Object')
    ) {
      return false;
    }
  }
  return true;
}

/** Keys evaluated twice by the guard must have no side effects: identifiers and static member chains. */
function isPureKey(node: N | undefined, depth: number): boolean {
  if (!node || depth > 16) return false;
  if (node.type === 'Identifier') return true;
  return node.type === 'MemberExpression' && !node.computed && isPureKey(node.object, depth + 1);
}
