/**
 * A bounded map that forgets the least recently used entry first: the element detector's per-screen cache and
 * OCR's per-piece memo (issue 18). `limit` 0 keeps nothing.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private limit: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    // Most recently used last: Map keeps insertion order.
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    if (this.limit <= 0) return;
    this.map.set(key, value);
    this.trim();
  }

  /** The keys, least recently used first (reading them does not use them). */
  keys(): K[] {
    return [...this.map.keys()];
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  /** Sets the limit, dropping the oldest entries beyond it. */
  resize(limit: number): void {
    this.limit = limit;
    this.trim();
  }

  private trim(): void {
    while (this.map.size > Math.max(0, this.limit)) this.map.delete(this.map.keys().next().value as K);
  }
}

/** Checks a cache size given by config or a caller: a non-negative integer. */
export function cacheLimit(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer, got ${n}`);
  return n;
}
