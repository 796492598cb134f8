import { IroncliwError } from '../../domain/index.js';
import type { N } from '../ast-utils.js';
import { Folder } from '../const-fold.js';
import type { ScopeInfo } from '../scope.js';
import { analyzeScopes } from '../scope.js';

/** Every name the transform introduces starts with this; user code may not use it. */
export const RESERVED = '__ironcliw';

export interface Parts {
  /** Top-level declarations of the original module (helpers, constants), in order. */
  decls: N[];
  /** The original run function with only its input parameter. */
  inner: N;
  sdkName: string;
}

export function split(program: N): Parts {
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
export function unwrap(program: N): Parts | null {
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
 * The user's part of the module as a program of its own (its declarations, then its run function as an
 * expression), with its scopes and a constant folder: what the rewrites of that part analyse.
 */
export function userProgram(
  parts: Parts,
  maxDepth: number,
): { program: N; scopes: ScopeInfo; folder: Folder } {
  const program = {
    type: 'Program',
    sourceType: 'module',
    body: [...parts.decls, { type: 'ExpressionStatement', expression: parts.inner }],
  } as unknown as N;
  const scopes = analyzeScopes(program, maxDepth);
  return { program, scopes, folder: new Folder(scopes) };
}
