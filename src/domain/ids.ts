import { randomUUID } from 'node:crypto';

/** Sortable-enough unique ids with a readable prefix, e.g. `fail_3f2c…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
}
