import { recursive as walkRecursive } from 'acorn-walk';
import type { N } from '../ast-utils.js';
import { isConstantTruthy } from '../const-fold.js';
import type { PolicyContext } from './context.js';

export function checkLoop(node: N, ctx: PolicyContext): void {
  if (isConstantTruthy(node.test, ctx.folder) && !hasExit(node.body)) {
    ctx.report(
      'infinite-loop',
      node,
      'loop condition is always true and the body has no break, return or throw',
    );
  }
}

/**
 * Does the loop body contain a way out: `return`, `throw`, or a `break` that targets this loop (not one inside
 * a nested loop or switch)? Nested functions do not count (their return leaves them, not the loop).
 */
function hasExit(body: N | undefined): boolean {
  if (!body) return false;
  let found = false;
  type St = { depth: number };
  type Cont = (n: N, st: St) => void;
  const skip = (): void => undefined;
  const nestedLoop =
    (children: (n: N) => Array<N | null | undefined>) =>
    (n: N, st: St, c: Cont): void => {
      st.depth++;
      for (const child of children(n)) if (child) c(child, st);
      st.depth--;
    };
  const visitors: Record<string, (n: N, st: St, c: Cont) => void> = {
    ReturnStatement: () => {
      found = true;
    },
    ThrowStatement: () => {
      found = true;
    },
    BreakStatement: (n, st) => {
      // Labels are refused by their own rule; a labelled break is still counted as an exit.
      if (st.depth === 0 || n.label) found = true;
    },
    FunctionDeclaration: skip,
    FunctionExpression: skip,
    ArrowFunctionExpression: skip,
    WhileStatement: nestedLoop((n) => [n.test, n.body]),
    DoWhileStatement: nestedLoop((n) => [n.body, n.test]),
    ForStatement: nestedLoop((n) => [n.init, n.test, n.update, n.body]),
    ForInStatement: nestedLoop((n) => [n.right, n.body]),
    ForOfStatement: nestedLoop((n) => [n.right, n.body]),
    SwitchStatement: nestedLoop((n) => [
      n.discriminant,
      ...((n.cases ?? []) as N[]).flatMap((cs) => (cs.consequent ?? []) as N[]),
    ]),
  };
  try {
    walkRecursive(body as never, { depth: 0 }, visitors as never);
  } catch {
    // acorn-walk throws on node types it does not know (only syntax already refused) or on stack exhaustion.
    return true;
  }
  return found;
}
