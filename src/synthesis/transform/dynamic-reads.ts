import type { Frame, N } from '../ast-utils.js';
import { walkWithPath } from '../ast-utils.js';
import { Folder } from '../const-fold.js';
import { analyzeScopes } from '../scope.js';
import type { Replacement } from './ast-rewrite.js';
import { applyReplacements, identifier } from './ast-rewrite.js';

/** Guards run-time-key reads of module-created objects; applied to the assembled module (final scoping). */
export function guardDynamicReads(program: N, maxDepth: number): void {
  const scopes = analyzeScopes(program, maxDepth);
  const folder = new Folder(scopes);
  const replacements: Replacement[] = [];
  walkWithPath(
    program,
    (node, key, path) => {
      const parent = path[path.length - 1]?.node;
      if (!parent || node.type !== 'MemberExpression' || !needsOwnGuard(node, key, path, folder)) return;
      const test = {
        type: 'CallExpression',
        callee: {
          type: 'MemberExpression',
          object: identifier('Object'),
          property: identifier('hasOwn'),
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
          alternate: identifier('undefined'),
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
