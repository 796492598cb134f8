import { describe, expect, it } from 'vitest';
import { ParseCache } from './parse-cache.js';
import { parseCommand } from './parser.js';

describe('ParseCache', () => {
  it('answers exactly what parseCommand answers, once per distinct text', () => {
    const cache = new ParseCache(10);
    const texts = [
      'count the green circles on the toolbar',
      'what can you do',
      'click "Save" then press enter',
    ];
    for (const t of texts) expect(cache.parse(t)).toEqual(parseCommand(t));
    for (const t of texts) expect(cache.parse(t)).toBe(cache.parse(t));
    expect(cache.misses).toBe(3);
    expect(cache.hits).toBe(6);
  });

  it('shares frozen results, so a caller cannot change the next request’s frame', () => {
    const cache = new ParseCache(10);
    const r = cache.parse('count the green circles on the toolbar');
    expect(() => {
      (r.frame.target as { color?: string }).color = 'red';
    }).toThrow(TypeError);
    expect(cache.parse('count the green circles on the toolbar').frame.target.color).toBe('green');
  });

  it('keeps at most its capacity, dropping the least recently used text', () => {
    const cache = new ParseCache(2);
    cache.parse('help');
    cache.parse('list capabilities');
    cache.parse('help'); // now most recent
    cache.parse('describe the screen'); // evicts 'list capabilities'
    expect(cache.size).toBe(2);
    const misses = cache.misses;
    cache.parse('help');
    expect(cache.misses).toBe(misses);
    cache.parse('list capabilities');
    expect(cache.misses).toBe(misses + 1);
  });
});
