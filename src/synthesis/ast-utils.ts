import type { Node } from 'acorn';

/**
 * A loosely typed ESTree node. The policy looks at shapes it does not trust (hostile input), so every field is
 * read defensively instead of relying on acorn's discriminated unions.
 */
export type N = Node & Record<string, any>;

export function isNode(value: unknown): value is N {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}

/** Child nodes in source order, with the key they hang under. */
export function childEntries(node: N): Array<[string, N]> {
  const out: Array<[string, N]> = [];
  for (const key of Object.keys(node)) {
    if (key === 'loc' || key === 'range' || key === 'regex') continue;
    const value: unknown = node[key];
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) out.push([key, item]);
    } else if (isNode(value)) {
      out.push([key, value]);
    }
  }
  return out;
}

export interface Frame {
  node: N;
  /** The key under which `node` hangs from the previous frame's node. */
  key: string;
}

/**
 * Depth-first walk with the ancestor path. Stops descending below `maxDepth` and reports it once, so hostile
 * nesting cannot exhaust the host stack (acorn already refuses the worst cases).
 */
export function walkWithPath(
  root: N,
  enter: (node: N, key: string, path: readonly Frame[]) => void,
  maxDepth: number,
  onTooDeep: (node: N) => void,
): void {
  const path: Frame[] = [];
  let reported = false;
  const visit = (node: N, key: string): void => {
    if (path.length > maxDepth) {
      if (!reported) onTooDeep(node);
      reported = true;
      return;
    }
    enter(node, key, path);
    path.push({ node, key });
    for (const [childKey, child] of childEntries(node)) visit(child, childKey);
    path.pop();
  };
  visit(root, '');
}

export function position(node: N | undefined): { line: number; column: number } {
  return { line: node?.loc?.start.line ?? 0, column: node?.loc?.start.column ?? 0 };
}

/** The Identifier name or string/number Literal value of a non-computed key, or undefined. */
export function staticKeyName(key: N | undefined, computed: boolean): string | undefined {
  if (!key) return undefined;
  if (!computed && key.type === 'Identifier') return String(key.name);
  if (key.type === 'Literal' && (typeof key.value === 'string' || typeof key.value === 'number')) {
    return String(key.value);
  }
  return undefined;
}
