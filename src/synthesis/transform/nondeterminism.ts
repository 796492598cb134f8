import type { N } from '../ast-utils.js';
import { walkWithPath } from '../ast-utils.js';
import type { Replacement } from './ast-rewrite.js';
import { applyReplacements, identifier } from './ast-rewrite.js';
import type { Parts } from './module-parts.js';
import { RESERVED, userProgram } from './module-parts.js';
import type { Uses } from './safety-wrapper.js';

/**
 * Rewrites the wall clock and Math.random inside the user's run function (including its nested functions) to
 * the per-run values the wrapper provides. Top-level helper functions cannot see them: calls there stay (and
 * stay `nondeterminism` findings). Returns which of the two the code now uses — also on a second pass, where
 * the names are already there, so the output is the same (idempotence).
 */
export function rewriteNondeterminism(parts: Parts, maxDepth: number): Uses {
  const { folder } = userProgram(parts, maxDepth);
  const call0 = (node: N, object: string, method: string): boolean =>
    node.type === 'CallExpression' &&
    node.callee?.type === 'MemberExpression' &&
    !node.callee.computed &&
    node.callee.property?.name === method &&
    folder.isGlobal(node.callee.object, object) &&
    (node.arguments?.length ?? 0) === 0;
  const uses: Uses = { random: false, now: false };
  const replacements: Replacement[] = [];
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
            callee: identifier(`${RESERVED}Random`),
            arguments: [],
            optional: false,
          } as unknown as N,
        });
      } else if (call0(node, 'Date', 'now')) {
        uses.now = true;
        replacements.push({ parent, key, node, with: identifier(`${RESERVED}Now`) });
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
          with: { ...node, arguments: [identifier(`${RESERVED}Now`)] } as unknown as N,
        });
      }
    },
    maxDepth,
    () => undefined,
  );
  applyReplacements(replacements);
  return uses;
}
