import type { Frame, N } from '../ast-utils.js';
import type { PolicyContext } from './context.js';
import { localKind, nestedLiteral } from './local-literals.js';
import { isAssignmentPattern } from './member-writes.js';
import { checkPropertyName, keyNames } from './properties.js';

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

export function checkMember(node: N, key: string, path: readonly Frame[], ctx: PolicyContext): void {
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
