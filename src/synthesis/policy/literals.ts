import type { N } from '../ast-utils.js';
import { scanNamedValue, scanText } from '../../domain/index.js';
import type { PolicyContext } from './context.js';
import { checkRegexSource } from './regex.js';

export function checkLiteral(node: N, key: string, parent: N | undefined, ctx: PolicyContext): void {
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

export function checkString(value: string, node: N, ctx: PolicyContext): void {
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
export function checkFoldedSecret(node: N, ctx: PolicyContext): void {
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

export function checkLiteralSize(node: N, ctx: PolicyContext): void {
  if (node.type === 'ArrayExpression' && (node.elements?.length ?? 0) > ctx.config.maxLiteralElements) {
    ctx.report(
      'oversized-literal',
      node,
      `array literal with ${node.elements.length} elements (max ${ctx.config.maxLiteralElements})`,
    );
  }
  if (node.type === 'ObjectExpression' && (node.properties?.length ?? 0) > ctx.config.maxLiteralElements) {
    ctx.report(
      'oversized-literal',
      node,
      `object literal with ${node.properties.length} properties (max ${ctx.config.maxLiteralElements})`,
    );
  }
}
