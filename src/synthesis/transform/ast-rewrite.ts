import type { N } from '../ast-utils.js';

/** One node to put in place of another, found during a walk and applied after it (never while walking). */
export interface Replacement {
  parent: N;
  key: string;
  node: N;
  with: N;
}

export function identifier(name: string): N {
  return { type: 'Identifier', name } as unknown as N;
}

export function applyReplacements(replacements: readonly Replacement[]): void {
  for (const r of replacements) {
    const slot: unknown = r.parent[r.key];
    if (Array.isArray(slot)) {
      const i = slot.indexOf(r.node);
      if (i >= 0) slot[i] = r.with;
    } else if (slot === r.node) {
      r.parent[r.key] = r.with;
      // `{ key }` shorthand printed from the value: make it a plain property.
      if (r.parent.type === 'Property') r.parent.shorthand = false;
    }
  }
}
