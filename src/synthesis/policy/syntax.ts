import type { N } from '../ast-utils.js';
import type { PolicyContext } from './context.js';

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

export function reportDisallowedType(node: N, ctx: PolicyContext): void {
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

export function checkFunctionSyntax(node: N, ctx: PolicyContext): void {
  if (node.generator) ctx.report('disallowed-syntax', node, 'generator functions are not allowed');
}
