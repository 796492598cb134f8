import { generate } from 'astring';
import type { CapabilityManifest } from '../domain/index.js';
import { IroncliwError } from '../domain/index.js';
import type { SynthesisAnalysis } from './analyze.js';
import { analyze } from './analyze.js';
import { isConcatRoot } from './policy/index.js';
import type { Frame, N } from './ast-utils.js';
import { staticKeyName, walkWithPath } from './ast-utils.js';
import type { AnalyzeOptions } from './config.js';
import { resolveConfig } from './config.js';
import { Folder } from './const-fold.js';
import { normaliseDefaultExport, parseModule, stripTypes } from './parse.js';
import { compileSchemaValidator } from './schema-codegen.js';
import { analyzeScopes } from './scope.js';
import {
  ENTROPY_LIMITS,
  REDACTED,
  REDACTION_SOURCES,
  REMOVED_CREDENTIAL,
  scanNamedValue,
  scanText,
} from './secret-scan.js';

export interface TransformResult {
  /** The transformed module (printed by astring from the rewritten AST). */
  code: string;
  /** analyze() of the transformed module, with `transformed` set to the code. */
  report: SynthesisAnalysis;
  /** Credential literals removed from the module. */
  credentials: CredentialSanitisation;
}

/** Every name the transform introduces starts with this; user code may not use it. */
const RESERVED = '__ironcliw';

/** mulberry32: a small, well-known 32-bit PRNG; seeded per run from `sdk.random()`, so runs replay. */
const SEEDED_RANDOM = `function ${RESERVED}Seeded(seed) {
  let state = Math.floor(Number(seed) * 4294967296) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}`;

type ManifestPart = Partial<Pick<CapabilityManifest, 'permissions' | 'inputSchema' | 'outputSchema'>>;

/**
 * Rewrites a capability module on its AST (never by pasting strings into user code), prints it with astring,
 * then re-parses and re-analyses the result:
 * - inside `run`: `Math.random()` → `__ironcliwRandom()`, a PRNG (mulberry32) seeded once per run from
 *   `await sdk.random()`; `Date.now()` → `__ironcliwNow` and `new Date()` → `new Date(__ironcliwNow)`, the run's
 *   start time from `await sdk.clock.now()`. SDK calls are asynchronous in the guest, so the per-run values are
 *   fetched by the wrapper and the rewritten expressions stay synchronous wherever they are. Runs replay;
 * - credential literals removed (see sanitiseCredentials);
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
  const credentials = sanitiseCredentials(parts, config.maxDepth);
  const uses = rewriteNondeterminism(parts, config.maxDepth);
  const assembled = assemble(parts, manifest, config.maxOutputBytes, uses);
  guardDynamicReads(assembled, config.maxDepth);
  const out = generate(assembled as never);
  const report = analyze(out, {
    ...options,
    typescript: false,
    ...(manifest.permissions ? { permissions: manifest.permissions } : {}),
  });
  return { code: out, report: { ...report, transformed: out }, credentials };
}

/**
 * The capability's own code inside a module `transform` wrote: its declarations and its run function as the
 * default export again, without the helpers and the safety wrapper the transform put around them (schema
 * checks, redaction, output cap). What the transform rewrote inside the run function (seeded randomness, the
 * run's clock, guarded key reads) stays, because that is what runs. For reading only (the dashboard shows it
 * first, the whole module folded below); the stored module is what runs. Undefined when `code` is not a
 * module this transform wrote (it does not parse, or has no wrapper).
 */
export function ownCode(code: string): string | undefined {
  let program: N;
  try {
    program = parseModule(code).program as unknown as N;
  } catch {
    return undefined;
  }
  const parts = unwrap(program);
  if (!parts) return undefined;
  const { inner, sdkName } = parts;
  const input: N = inner.params?.[0] ?? ({ type: 'Identifier', name: 'input' } as unknown as N);
  const params = [input, { type: 'Identifier', name: sdkName }];
  const declaration: N =
    inner.type === 'ArrowFunctionExpression'
      ? ({ ...inner, params } as unknown as N)
      : ({
          ...inner,
          type: 'FunctionDeclaration',
          id: inner.id ?? { type: 'Identifier', name: 'run' },
          params,
        } as unknown as N);
  const exported = { type: 'ExportDefaultDeclaration', declaration } as unknown as N;
  return generate({ type: 'Program', sourceType: 'module', body: [...parts.decls, exported] } as never);
}

/** What credential sanitisation did. */
export interface CredentialSanitisation {
  /** Secret-bearing literals replaced by `''` because nothing reads them. */
  removedUnused: number;
  /** Secret-bearing literals the code uses, replaced by `__ironcliwRemovedCredential` (→ `needs-credential`). */
  removedUsed: number;
}

/**
 * Removes every secret-shaped literal (the scanner's findings: known token formats, keyword assignments,
 * credential-named values, high-entropy tokens) from the user's part of the module, so stored and shown code
 * never carries one. A literal nothing reads (an unused declaration) becomes `''`; one the code uses becomes the
 * identifier `__ironcliwRemovedCredential`, which the analyser reports as `needs-credential` — the capability is
 * rejected, on this pass and on every re-check of the stored code. Comments are dropped by the printer.
 */
function sanitiseCredentials(parts: Parts, maxDepth: number): CredentialSanitisation {
  const program = {
    type: 'Program',
    sourceType: 'module',
    body: [...parts.decls, { type: 'ExpressionStatement', expression: parts.inner }],
  } as unknown as N;
  const scopes = analyzeScopes(program, maxDepth);
  const folder = new Folder(scopes);
  const read = new Set<unknown>();
  for (const [ref, binding] of scopes.refs) if (binding && !scopes.writeRefs.has(ref)) read.add(binding);
  const result: CredentialSanitisation = { removedUnused: 0, removedUsed: 0 };
  const replacements: Array<{ parent: N; key: string; node: N; with: N }> = [];

  const nameOf = (node: N, key: string, parent: N | undefined): string | undefined => {
    if (parent?.type === 'VariableDeclarator' && key === 'init' && parent.id?.type === 'Identifier')
      return String(parent.id.name);
    if (parent?.type === 'AssignmentExpression' && key === 'right') {
      if (parent.left?.type === 'Identifier') return String(parent.left.name);
      if (parent.left?.type === 'MemberExpression' && !parent.left.computed)
        return String(parent.left.property?.name);
    }
    if (parent?.type === 'AssignmentPattern' && key === 'right' && parent.left?.type === 'Identifier')
      return String(parent.left.name);
    if (parent?.type === 'Property' && key === 'value') return staticKeyName(parent.key, !!parent.computed);
    return undefined;
  };
  const carriesSecret = (node: N, key: string, parent: N | undefined): boolean => {
    if (node.type === 'Literal') {
      if (typeof node.value !== 'string') return false;
      if (scanText(node.value).length > 0) return true;
      const name = nameOf(node, key, parent);
      return name !== undefined && scanNamedValue(name, node.value) !== null;
    }
    if (node.type === 'TemplateLiteral') {
      const chunk = ((node.quasis ?? []) as N[]).some(
        (q) => typeof q.value?.cooked === 'string' && scanText(String(q.value.cooked)).length > 0,
      );
      if (chunk) return true;
    }
    if ((node.type === 'BinaryExpression' || node.type === 'TemplateLiteral') && isConcatRoot(node, parent)) {
      const folded = folder.fold(node);
      return !!folded && [...folded.strings].some((v) => scanText(v).length > 0);
    }
    return false;
  };

  walkWithPath(
    program,
    (node, key, path) => {
      const parent = path[path.length - 1]?.node;
      if (!parent || !carriesSecret(node, key, parent)) return;
      const unusedDeclaration =
        parent.type === 'VariableDeclarator' &&
        key === 'init' &&
        parent.id?.type === 'Identifier' &&
        !read.has(scopes.scopeOf.get(parent)?.bindings.get(String(parent.id.name)));
      if (unusedDeclaration) {
        result.removedUnused++;
        replacements.push({
          parent,
          key,
          node,
          with: { type: 'Literal', value: '', raw: "''" } as unknown as N,
        });
        return;
      }
      result.removedUsed++;
      const marker = { type: 'Identifier', name: REMOVED_CREDENTIAL } as unknown as N;
      if (parent.type === 'Property' && key === 'key') parent.computed = true;
      replacements.push({ parent, key, node, with: marker });
    },
    maxDepth,
    () => undefined,
  );
  for (const r of replacements) {
    const slot: unknown = r.parent[r.key];
    if (Array.isArray(slot)) {
      const i = slot.indexOf(r.node);
      if (i >= 0) slot[i] = r.with;
    } else if (slot === r.node) {
      r.parent[r.key] = r.with;
      // `{ key }` shorthand printed from the value: make it a plain property.
      if (r.parent.type === 'Property') r.parent.shorthand = false;
    }
  }
  return result;
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
  if (sdkParam && sdkParam.type !== 'Identifier') {
    // Splicing would detach the pattern from the real sdk and hide it from the sdk-escape rule.
    throw new IroncliwError(
      'E_CAPABILITY_INVALID',
      'cannot transform: the sdk parameter must be a plain identifier',
    );
  }
  const sdkName = sdkParam?.type === 'Identifier' ? String(sdkParam.name) : 'sdk';
  const inner: N = {
    ...fn,
    type: fn.type === 'ArrowFunctionExpression' ? 'ArrowFunctionExpression' : 'FunctionExpression',
    // The closure's sdk is the wrapper's.
    params: (fn.params ?? []).slice(0, 1),
  } as unknown as N;
  return { decls, inner, sdkName };
}

/** Recognises this transform's own output and takes it apart again (for idempotence). */
function unwrap(program: N): Parts | null {
  const body = program.body as N[];
  const exp = body.find((s) => s.type === 'ExportDefaultDeclaration');
  const wrapper: N | undefined = exp?.declaration;
  if (wrapper?.type !== 'FunctionDeclaration' || wrapper.params?.[0]?.name !== `${RESERVED}In`) return null;
  const tryStmt: N | undefined = (wrapper.body?.body as N[] | undefined)?.find(
    (st) => st.type === 'TryStatement',
  );
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
function helpersSource(manifest: ManifestPart, maxOutputBytes: number, uses: Uses): string {
  const literal = (source: string, flags: string): string => `/${new RegExp(source, flags).source}/${flags}`;
  const R = REDACTION_SOURCES;
  const known = R.known.map((source) => literal(source, 'g')).join(', ');
  const redacted = JSON.stringify(REDACTED);
  return `
const ${RESERVED}KnownSecrets = [${known}];
const ${RESERVED}Keyword = ${literal(R.keyword.source, R.keyword.flags)};
const ${RESERVED}Token = ${literal(R.token.source, R.token.flags)};
const ${RESERVED}Hex = ${literal(R.hex, '')};
const ${RESERVED}Placeholder = ${literal(R.placeholder.source, R.placeholder.flags)};
${compileSchemaValidator(manifest.inputSchema, `${RESERVED}ValidateInput`)}
${compileSchemaValidator(manifest.outputSchema, `${RESERVED}ValidateOutput`)}
function ${RESERVED}Entropy(text) {
  const counts = new Map();
  for (const ch of text) counts.set(ch, (counts.get(ch) || 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / text.length) * Math.log2(n / text.length);
  return bits;
}
function ${RESERVED}RedactText(text) {
  let out = text;
  for (const shape of ${RESERVED}KnownSecrets) out = out.replace(shape, ${redacted});
  out = out.replace(${RESERVED}Keyword, (match, value) =>
    ${RESERVED}Placeholder.test(value) || ${RESERVED}Entropy(value) <= ${JSON.stringify(ENTROPY_LIMITS.keywordValue)}
      ? match
      : match.slice(0, match.length - value.length) + ${redacted});
  out = out.replace(${RESERVED}Token, (token) =>
    ${RESERVED}Entropy(token) > (${RESERVED}Hex.test(token) ? ${JSON.stringify(ENTROPY_LIMITS.hex)} : ${JSON.stringify(ENTROPY_LIMITS.base64)}) ? ${redacted} : token);
  return out;
}
function ${RESERVED}Redact(value, depth) {
  if (typeof value === 'string') return ${RESERVED}RedactText(value);
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => ${RESERVED}Redact(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [${RESERVED}RedactText(key), ${RESERVED}Redact(item, depth + 1)]));
}
${uses.random ? SEEDED_RANDOM : ''}
function ${RESERVED}Error(err) {
  const message = err instanceof Error ? String(err.message) : String(err);
  return new Error(${RESERVED}RedactText(message.slice(0, 1000)));
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
  ${uses.random ? `const ${RESERVED}Random = ${RESERVED}Seeded(await sdk.random());` : ''}
  ${uses.now ? `const ${RESERVED}Now = Number(await sdk.clock.now());` : ''}
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

function assemble(parts: Parts, manifest: ManifestPart, maxOutputBytes: number, uses: Uses): N {
  const helpers = parseModule(helpersSource(manifest, maxOutputBytes, uses)).program as unknown as N;
  const body = helpers.body as N[];
  const exp = body[body.length - 1] as unknown as N;
  const wrapper = exp.declaration as unknown as N;
  // The wrapper text names its SDK parameter `sdk`; rename it (and its uses) to the user's name on the AST.
  walkWithPath(
    wrapper,
    (node) => {
      if (node.type === 'Identifier' && node.name === 'sdk') node.name = parts.sdkName;
    },
    64,
    () => undefined,
  );
  const tryStmt = (wrapper.body.body as N[]).find((st) => st.type === 'TryStatement') as N;
  tryStmt.block.body[0].expression.right.argument.callee = parts.inner;
  helpers.body = [...body.slice(0, -1), ...parts.decls, exp];
  return helpers;
}

interface Uses {
  random: boolean;
  now: boolean;
}

/**
 * Rewrites the wall clock and Math.random inside the user's run function (including its nested functions) to
 * the per-run values the wrapper provides. Top-level helper functions cannot see them: calls there stay (and
 * stay `nondeterminism` findings). Returns which of the two the code now uses — also on a second pass, where
 * the names are already there, so the output is the same (idempotence).
 */
function rewriteNondeterminism(parts: Parts, maxDepth: number): Uses {
  const program = {
    type: 'Program',
    sourceType: 'module',
    body: [...parts.decls, { type: 'ExpressionStatement', expression: parts.inner }],
  } as unknown as N;
  const scopes = analyzeScopes(program, maxDepth);
  const folder = new Folder(scopes);
  const id = (name: string): N => ({ type: 'Identifier', name }) as unknown as N;
  const call0 = (node: N, object: string, method: string): boolean =>
    node.type === 'CallExpression' &&
    node.callee?.type === 'MemberExpression' &&
    !node.callee.computed &&
    node.callee.property?.name === method &&
    folder.isGlobal(node.callee.object, object) &&
    (node.arguments?.length ?? 0) === 0;
  const uses: Uses = { random: false, now: false };
  const replacements: Array<{ parent: N; key: string; node: N; with: N }> = [];
  walkWithPath(
    parts.inner,
    (node, key, path) => {
      const parent = path[path.length - 1]?.node;
      if (node.type === 'Identifier' && node.name === `${RESERVED}Random`) uses.random = true;
      if (node.type === 'Identifier' && node.name === `${RESERVED}Now`) uses.now = true;
      if (!parent) return;
      if (call0(node, 'Math', 'random')) {
        uses.random = true;
        replacements.push({
          parent,
          key,
          node,
          with: {
            type: 'CallExpression',
            callee: id(`${RESERVED}Random`),
            arguments: [],
            optional: false,
          } as unknown as N,
        });
      } else if (call0(node, 'Date', 'now')) {
        uses.now = true;
        replacements.push({ parent, key, node, with: id(`${RESERVED}Now`) });
      } else if (
        node.type === 'NewExpression' &&
        folder.isGlobal(node.callee, 'Date') &&
        (node.arguments?.length ?? 0) === 0
      ) {
        uses.now = true;
        replacements.push({
          parent,
          key,
          node,
          with: { ...node, arguments: [id(`${RESERVED}Now`)] } as unknown as N,
        });
      }
    },
    maxDepth,
    () => undefined,
  );
  applyReplacements(replacements);
  return uses;
}

function applyReplacements(replacements: ReadonlyArray<{ parent: N; key: string; node: N; with: N }>): void {
  for (const r of replacements) {
    const slot: unknown = r.parent[r.key];
    if (Array.isArray(slot)) {
      const i = slot.indexOf(r.node);
      if (i >= 0) slot[i] = r.with;
    } else if (slot === r.node) r.parent[r.key] = r.with;
  }
}

/** Guards run-time-key reads of module-created objects; applied to the assembled module (final scoping). */
function guardDynamicReads(program: N, maxDepth: number): void {
  const scopes = analyzeScopes(program, maxDepth);
  const folder = new Folder(scopes);
  const replacements: Array<{ parent: N; key: string; node: N; with: N }> = [];
  const id = (name: string): N => ({ type: 'Identifier', name }) as unknown as N;
  walkWithPath(
    program,
    (node, key, path) => {
      const parent = path[path.length - 1]?.node;
      if (!parent || node.type !== 'MemberExpression' || !needsOwnGuard(node, key, path, folder)) return;
      const test = {
        type: 'CallExpression',
        callee: {
          type: 'MemberExpression',
          object: id('Object'),
          property: id('hasOwn'),
          computed: false,
          optional: false,
        },
        arguments: [node.object, node.property],
        optional: false,
      } as unknown as N;
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
    },
    maxDepth,
    () => undefined,
  );
  applyReplacements(replacements);
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
