import { parse as acornParse } from 'acorn';
import type { Comment, Program } from 'acorn';
import { transformSync } from 'esbuild';
import { IroncliwError } from '../domain/index.js';

export interface ParsedModule {
  /** The JavaScript that was parsed (TypeScript already stripped). */
  code: string;
  program: Program;
  comments: Comment[];
}

/**
 * TypeScript → ES2022 with esbuild (types only; no bundling, no module resolution). esbuild never runs the
 * code; its errors become E_CODE_UNPARSABLE with the position it reports.
 */
export function stripTypes(code: string): string {
  try {
    return transformSync(code, { loader: 'ts', format: 'esm', target: 'es2022' }).code;
  } catch (err) {
    const first = (
      err as { errors?: Array<{ text?: string; location?: { line?: number; column?: number } }> }
    ).errors?.[0];
    throw new IroncliwError('E_CODE_UNPARSABLE', `TypeScript: ${first?.text ?? (err as Error).message}`, {
      cause: err,
      details: { line: first?.location?.line ?? 0, column: first?.location?.column ?? 0 },
    });
  }
}

/** Parses one ES2022 module. Syntax errors (including acorn's own stack guard) → E_CODE_UNPARSABLE. */
export function parseModule(code: string): ParsedModule {
  const comments: Comment[] = [];
  try {
    const program = acornParse(code, {
      ecmaVersion: 2022,
      sourceType: 'module',
      locations: true,
      // Hashbangs and HTML comments are not module syntax we want to accept.
      allowHashBang: false,
      onComment: comments,
    });
    return { code, program, comments };
  } catch (err) {
    const loc = (err as { loc?: { line: number; column: number } }).loc;
    // A RangeError here means acorn itself ran out of stack on pathological nesting.
    const message = err instanceof SyntaxError ? err.message : `cannot parse: ${(err as Error).message}`;
    throw new IroncliwError('E_CODE_UNPARSABLE', message, {
      cause: err,
      details: { line: loc?.line ?? 0, column: loc?.column ?? 0 },
    });
  }
}

/**
 * esbuild prints `export default async function run…` as `async function run…; export { run as default }` (and
 * arrows as `var stdin_default = async (…) => …`). Folds that exact shape back into one ExportDefaultDeclaration
 * so TypeScript input meets the same module-shape rule. Only applied to esbuild output.
 */
export function normaliseDefaultExport(program: Program): void {
  const body = program.body as unknown as Array<Record<string, any>>;
  const exportIdx = body.findIndex(
    (s) =>
      s.type === 'ExportNamedDeclaration' &&
      !s.source &&
      !s.declaration &&
      s.specifiers?.length === 1 &&
      (s.specifiers[0].exported?.name ?? s.specifiers[0].exported?.value) === 'default' &&
      s.specifiers[0].local?.type === 'Identifier',
  );
  if (exportIdx < 0) return;
  const local = String(body[exportIdx]?.specifiers[0].local.name);
  const declIdx = body.findIndex(
    (s) =>
      (s.type === 'FunctionDeclaration' && s.id?.name === local) ||
      (s.type === 'VariableDeclaration' &&
        s.declarations?.length === 1 &&
        s.declarations[0].id?.type === 'Identifier' &&
        s.declarations[0].id.name === local &&
        ['FunctionExpression', 'ArrowFunctionExpression'].includes(s.declarations[0].init?.type)),
  );
  if (declIdx < 0) return;
  const decl = body[declIdx] as Record<string, any>;
  const declaration = decl.type === 'FunctionDeclaration' ? decl : decl.declarations[0].init;
  body[declIdx] = {
    type: 'ExportDefaultDeclaration',
    declaration,
    start: decl.start,
    end: decl.end,
    loc: decl.loc,
  };
  body.splice(exportIdx, 1);
}
