import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Violation } from '../domain/index.js';
import { IroncliwError, scanNamedValue, scanText, shannonEntropy } from '../domain/index.js';
import { analyze, DEFAULT_SYNTHESIS_CONFIG, isSafe, RULES, safetyScore } from './index.js';

const ok = (body: string): string => `export default async function run(input, sdk) {\n${body}\n}`;

describe('analyze: errors and limits', () => {
  it('throws E_CODE_UNPARSABLE with line and column', () => {
    try {
      analyze('export default async function run(input, sdk) {\n  return (1;\n}');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(IroncliwError);
      expect((err as IroncliwError).code).toBe('E_CODE_UNPARSABLE');
      expect((err as IroncliwError).details).toEqual({ line: 2, column: 11 });
    }
  });

  it('maps TypeScript syntax errors to E_CODE_UNPARSABLE', () => {
    expect(() => analyze('const x: = 1;', { typescript: true })).toThrowError(
      expect.objectContaining({ code: 'E_CODE_UNPARSABLE' }) as Error,
    );
  });

  it('rejects oversized modules without parsing them', () => {
    const report = analyze('x'.repeat(300 * 1024));
    expect(report.violations.map((v) => v.rule)).toEqual(['code-too-large']);
    expect(report.safe).toBe(false);
    expect(analyze(ok('return 1;'), { maxCodeBytes: 10 }).violations[0]?.rule).toBe('code-too-large');
  });

  it('stops at the nesting limit', () => {
    const deep = ok(`return ${'['.repeat(150)}1${']'.repeat(150)};`);
    const report = analyze(deep, { maxDepth: 100 });
    expect(report.violations.map((v) => v.rule)).toContain('nesting-too-deep');
    expect(report.safe).toBe(false);
  });

  it('oversized array literal', () => {
    const report = analyze(ok(`return [${'0,'.repeat(20)}0];`), { maxLiteralElements: 10 });
    expect(report.violations.map((v) => v.rule)).toEqual(['oversized-literal']);
  });

  it('skips the permission check when no permissions are given, and reports what is needed', () => {
    const report = analyze(ok("await sdk.actions.type('hi'); return 1;"));
    expect(report.safe).toBe(true);
    expect(report.requiredPermissions).toEqual(['actions.type']);
    expect(analyze(ok("await sdk.actions.type('hi'); return 1;"), { permissions: [] }).safe).toBe(false);
  });

  it('nondeterminism alone lowers the score but does not reject', () => {
    const report = analyze(ok('return { answer: String(Math.random()), data: {} };'));
    expect(report.violations.map((v) => v.rule)).toEqual(['nondeterminism']);
    expect(report.score).toBe(0.9);
    expect(report.safe).toBe(true);
  });
});

describe('safety score', () => {
  const v = (severity: Violation['severity']): Violation => ({
    rule: 'x',
    severity,
    message: '',
    line: 1,
    column: 0,
  });
  const w = DEFAULT_SYNTHESIS_CONFIG.severityWeights;
  it('is multiplicative over documented weights', () => {
    expect(safetyScore([], w)).toBe(1);
    expect(safetyScore([v('critical')], w)).toBe(0.5);
    expect(safetyScore([v('high'), v('medium')], w)).toBe(0.675);
    expect(
      safetyScore(
        Array.from({ length: 50 }, () => v('critical')),
        w,
      ),
    ).toBe(0);
  });
  it('decides separately from the score', () => {
    expect(isSafe([v('high')], 0.99, 0.8)).toBe(false);
    expect(isSafe([v('medium'), v('medium')], 0.81, 0.8)).toBe(true);
    expect(isSafe([v('medium'), v('medium'), v('medium')], 0.729, 0.8)).toBe(false);
  });
});

describe('secret scan', () => {
  it('finds known formats and keyword assignments, not prose', () => {
    expect(scanText('AKIAIOSFODNN7EXAMPLE').map((f) => f.rule)).toEqual(['secret-literal']);
    expect(scanText('There are 3 green circles in the toolbar.')).toEqual([]);
    expect(scanText('password=changeme')).toEqual([]);
    expect(scanText('123e4567-e89b-12d3-a456-426614174000')).toEqual([]);
    expect(scanText('d41d8cd98f00b204e9800998ecf8427e11').map((f) => f.rule)).toEqual([
      'high-entropy-string',
    ]);
    expect(scanNamedValue('apiKey', 'sk-9fA7kQ2xL0pZ4mB8')?.rule).toBe('secret-literal');
    expect(scanNamedValue('label', 'sk-9fA7kQ2xL0pZ4mB8')).toBeNull();
    expect(shannonEntropy('aaaa')).toBe(0);
  });
});

describe('docs', () => {
  it('docs/synthesis.md documents every rule id with its severity', () => {
    const doc = readFileSync(new URL('../../docs/synthesis.md', import.meta.url), 'utf8');
    for (const [id, spec] of Object.entries(RULES)) {
      expect(doc).toMatch(new RegExp('`' + id + '`[^\\n]*\\|\\s*' + spec.severity));
    }
  });
});

describe('property: the analyser never crashes', () => {
  const fragments = [
    'export default async function run(input, sdk) {',
    '}',
    '{',
    '(',
    ')',
    '[',
    ']',
    'const x = ',
    'let ',
    'sdk.',
    'input.',
    'constructor',
    '__proto__',
    "['constr' + 'uctor']",
    '`${',
    '`',
    '=>',
    'async ',
    'await ',
    'for (;;) ',
    'while (true) ',
    'return ',
    ';',
    ',',
    '?.',
    '/(a+)+$/',
    'new ',
    'Function',
    'eval',
    'import(',
    'class ',
    'this',
    'x',
    '1',
    "'s'",
    '\\u0063',
    '...',
    '=',
    '+',
    '!',
    '?',
    ':',
    'function* ',
    'yield ',
    'label: ',
    'break ',
    '\n',
  ];
  const check = (code: string): void => {
    try {
      const report = analyze(code, { permissions: ['screen.capture'] });
      expect(report.score).toBeGreaterThanOrEqual(0);
      expect(report.score).toBeLessThanOrEqual(1);
      for (const v of report.violations) expect(RULES).toHaveProperty([v.rule]);
    } catch (err) {
      expect((err as IroncliwError).code).toBe('E_CODE_UNPARSABLE');
    }
  };
  it('random strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => check(s)),
      { numRuns: 300 },
    );
  });
  it('garbled token soup', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 60 }), (parts) =>
        check(parts.join(' ')),
      ),
      { numRuns: 500 },
    );
  });
  it('mutated valid programs', () => {
    const base = ok(
      "const a = await sdk.screen.capture();\nconst d = {};\nfor (const it of input.items) d[it.k] = (d[it.k] || 0) + 1;\nreturn { answer: 'x', data: { d } };",
    );
    fc.assert(
      fc.property(fc.nat(base.length), fc.nat(base.length), fc.constantFrom(...fragments), (i, j, ins) => {
        const [a, b] = i < j ? [i, j] : [j, i];
        check(base.slice(0, a) + ins + base.slice(b));
      }),
      { numRuns: 500 },
    );
  });
  it('pathological nesting', () => {
    for (const n of [500, 2000, 20000]) {
      check(ok(`return ${'('.repeat(n)}1${')'.repeat(n)};`));
      check(ok(`${'{'.repeat(n)}${'}'.repeat(n)} return 1;`));
      check(ok(`return ${'-'.repeat(n)}1;`));
    }
  });
});
