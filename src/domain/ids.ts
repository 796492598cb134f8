import { randomFillSync } from 'node:crypto';

/** Random bytes drawn in batches: an id is on every request's path, and one syscall per id is wasted work. */
const pool = Buffer.allocUnsafe(4096);
let offset = pool.length;
const ID_BYTES = 10;

/** Unique ids with a readable prefix and 80 random bits (CSPRNG), e.g. `fail_3f2c9a…` (20 hex digits). */
export function newId(prefix: string): string {
  if (offset + ID_BYTES > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return `${prefix}_${id}`;
}
