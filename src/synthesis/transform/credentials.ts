import type { N } from '../ast-utils.js';
import { staticKeyName, walkWithPath } from '../ast-utils.js';
import { isConcatRoot } from '../policy/index.js';
import { REMOVED_CREDENTIAL, scanNamedValue, scanText } from '../../domain/index.js';
import type { Replacement } from './ast-rewrite.js';
import { applyReplacements, identifier } from './ast-rewrite.js';
import type { Parts } from './module-parts.js';
import { userProgram } from './module-parts.js';

/** What credential sanitisation did. */
export interface CredentialSanitisation {
  /** Secret-bearing literals replaced by `''` because nothing reads them. */
  removedUnused: number;
  /** Secret-bearing literals the code uses, replaced by `__ironcliwRemovedCredential` (→ `needs-credential`). */
  removedUsed: number;
}

/**
 * Removes every secret-shaped literal (the scanner's findings: known token formats, keyword assignments,
 * credential-named values, high-entropy tokens) from the user's part of the module, so stored and shown code
 * never carries one. A literal nothing reads (an unused declaration) becomes `''`; one the code uses becomes the
 * identifier `__ironcliwRemovedCredential`, which the analyser reports as `needs-credential` — the capability is
 * rejected, on this pass and on every re-check of the stored code. Comments are dropped by the printer.
 */
export function sanitiseCredentials(parts: Parts, maxDepth: number): CredentialSanitisation {
  const { program, scopes, folder } = userProgram(parts, maxDepth);
  const read = new Set<unknown>();
  for (const [ref, binding] of scopes.refs) if (binding && !scopes.writeRefs.has(ref)) read.add(binding);
  const result: CredentialSanitisation = { removedUnused: 0, removedUsed: 0 };
  const replacements: Replacement[] = [];

  const nameOf = (node: N, key: string, parent: N | undefined): string | undefined => {
    if (parent?.type === 'VariableDeclarator' && key === 'init' && parent.id?.type === 'Identifier')
      return String(parent.id.name);
    if (parent?.type === 'AssignmentExpression' && key === 'right') {
      if (parent.left?.type === 'Identifier') return String(parent.left.name);
      if (parent.left?.type === 'MemberExpression' && !parent.left.computed)
        return String(parent.left.property?.name);
    }
    if (parent?.type === 'AssignmentPattern' && key === 'right' && parent.left?.type === 'Identifier')
      return String(parent.left.name);
    if (parent?.type === 'Property' && key === 'value') return staticKeyName(parent.key, !!parent.computed);
    return undefined;
  };
  const carriesSecret = (node: N, key: string, parent: N | undefined): boolean => {
    if (node.type === 'Literal') {
      if (typeof node.value !== 'string') return false;
      if (scanText(node.value).length > 0) return true;
      const name = nameOf(node, key, parent);
      return name !== undefined && scanNamedValue(name, node.value) !== null;
    }
    if (node.type === 'TemplateLiteral') {
      const chunk = ((node.quasis ?? []) as N[]).some(
        (q) => typeof q.value?.cooked === 'string' && scanText(String(q.value.cooked)).length > 0,
      );
      if (chunk) return true;
    }
    if ((node.type === 'BinaryExpression' || node.type === 'TemplateLiteral') && isConcatRoot(node, parent)) {
      const folded = folder.fold(node);
      return !!folded && [...folded.strings].some((v) => scanText(v).length > 0);
    }
    return false;
  };

  walkWithPath(
    program,
    (node, key, path) => {
      const parent = path[path.length - 1]?.node;
      if (!parent || !carriesSecret(node, key, parent)) return;
      const unusedDeclaration =
        parent.type === 'VariableDeclarator' &&
        key === 'init' &&
        parent.id?.type === 'Identifier' &&
        !read.has(scopes.scopeOf.get(parent)?.bindings.get(String(parent.id.name)));
      if (unusedDeclaration) {
        result.removedUnused++;
        replacements.push({
          parent,
          key,
          node,
          with: { type: 'Literal', value: '', raw: "''" } as unknown as N,
        });
        return;
      }
      result.removedUsed++;
      const marker = identifier(REMOVED_CREDENTIAL);
      if (parent.type === 'Property' && key === 'key') parent.computed = true;
      replacements.push({ parent, key, node, with: marker });
    },
    maxDepth,
    () => undefined,
  );
  applyReplacements(replacements);
  return result;
}
