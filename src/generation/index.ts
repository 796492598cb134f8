import type { Pattern } from '../domain/index.js';
import { countShapesFamily } from './count-shapes-family.js';
import type { GeneratorFamily } from './family.js';

export type { GeneratorFamily } from './family.js';
export { countShapesFamily } from './count-shapes-family.js';

/** Families in order of preference; the first that accepts a pattern generates for it. */
export const FAMILIES: readonly GeneratorFamily[] = [countShapesFamily];

export function familyFor(
  pattern: Pattern,
  families: readonly GeneratorFamily[] = FAMILIES,
): GeneratorFamily | undefined {
  return families.find((f) => f.accepts(pattern));
}
