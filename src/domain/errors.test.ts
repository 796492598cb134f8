import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, IroncliwError, toIroncliwError } from './errors.js';

describe('error catalogue', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

  it('documents every code with its HTTP status', () => {
    const rows = new Map(
      doc
        .split('\n')
        .map((l) => l.split('|').map((c) => c.trim()))
        .filter((cells) => /^`E_[A-Z_]+`$/.test(cells[1] ?? ''))
        .map((cells) => [cells[1]!.slice(1, -1), cells[2]]),
    );
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(rows.has(code), `docs/errors.md lacks ${code}`).toBe(true);
      expect(rows.get(code)).toBe(String(spec.status));
    }
  });

  it('documents no code that does not exist', () => {
    const documented = [...doc.matchAll(/^\| `(E_[A-Z_]+)` +\|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('carries code, status, hint and cause', () => {
    const cause = new Error('boom');
    const err = new IroncliwError('E_DB_UNAVAILABLE', 'db down', { cause });
    expect(err.code).toBe('E_DB_UNAVAILABLE');
    expect(err.status).toBe(503);
    expect(err.hint).toMatch(/database/);
    expect(err.cause).toBe(cause);
    expect(err.toJSON()).toEqual({ code: 'E_DB_UNAVAILABLE', message: 'db down', hint: err.hint });
  });

  it('wraps foreign errors as E_INTERNAL without losing them', () => {
    const wrapped = toIroncliwError(new TypeError('x'));
    expect(wrapped.code).toBe('E_INTERNAL');
    expect(wrapped.cause).toBeInstanceOf(TypeError);
    const same = new IroncliwError('E_USAGE', 'u');
    expect(toIroncliwError(same)).toBe(same);
  });
});
