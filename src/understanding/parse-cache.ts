import type { UnderstandResult } from '../domain/index.js';
import { parseCommand } from './parser.js';

/** Distinct command texts remembered. Real traffic repeats itself ("what can you do", a team's few asks). */
export const PARSE_CACHE_ENTRIES = 2000;

/** Deep-freezes a parse result: it is shared by every request with the same text, so no one may change it. */
function freezeDeep<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) freezeDeep(v);
  }
  return value;
}

/**
 * `parseCommand` with a bounded least-recently-used memory, for the request path: parsing is pure (same
 * text, same frame), and on a repeated command it was the largest single cost of a handled request. The
 * results are frozen, so a caller that tried to edit a shared frame would throw instead of corrupting
 * the next request's.
 */
export class ParseCache {
  private readonly entries = new Map<string, UnderstandResult>();
  hits = 0;
  misses = 0;

  constructor(private readonly capacity = PARSE_CACHE_ENTRIES) {}

  parse(text: string): UnderstandResult {
    const found = this.entries.get(text);
    if (found) {
      this.hits++;
      // Map keeps insertion order: re-inserting marks the entry as the most recently used.
      this.entries.delete(text);
      this.entries.set(text, found);
      return found;
    }
    this.misses++;
    const result = freezeDeep(parseCommand(text));
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(text, result);
    return result;
  }

  get size(): number {
    return this.entries.size;
  }
}
