import type { N } from '../ast-utils.js';
import type { Binding, ScopeInfo } from '../scope.js';
import type { PolicyContext, Report } from './context.js';

export function checkModuleShape(program: N, report: Report): N | null {
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

export function findSdkBinding(run: N | null, scopes: ScopeInfo, report: Report): Binding | null {
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

export function checkExportPlacement(node: N, parent: N | undefined, ctx: PolicyContext): void {
  if (parent?.type !== 'Program') ctx.report('module-shape', node, 'export default must be top-level');
}
