import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonSchema, Permission } from '../domain/index.js';
import { analyze, transform } from './index.js';

const PERMISSIONS: Permission[] = ['screen.capture', 'vision.analyze'];
const MANIFEST = {
  permissions: PERMISSIONS,
  inputSchema: {
    type: 'object',
    properties: {
      color: { type: 'string', enum: ['red', 'green', 'blue'] },
      region: { type: 'string', maxLength: 40 },
    },
    additionalProperties: false,
  } satisfies JsonSchema,
  outputSchema: {
    type: 'object',
    required: ['answer', 'data'],
    properties: {
      answer: { type: 'string' },
      data: { type: 'object', properties: { count: { type: 'integer', minimum: 0 } } },
    },
  } satisfies JsonSchema,
};

const NONDETERMINISTIC = `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const items = await sdk.vision.findShapes(screen, { color: input.color });
  const byColor = {};
  for (const it of items) byColor[it.color] = (byColor[it.color] || 0) + 1;
  const pick = items[Math.floor(Math.random() * items.length)];
  const stamp = Date.now();
  const when = new Date();
  return { answer: 'Counted ' + items.length + ' at ' + stamp + ' ' + when.getTime(), data: { count: items.length, byColor, pick } };
}`;

describe('transform', () => {
  it('rewrites randomness and time to the SDK and the result re-checks clean', () => {
    const before = analyze(NONDETERMINISTIC, { permissions: PERMISSIONS });
    expect(before.violations.map((v) => v.rule)).toEqual([
      'nondeterminism',
      'nondeterminism',
      'nondeterminism',
    ]);
    const { code, report } = transform(NONDETERMINISTIC, MANIFEST);
    expect(code).toContain('__ironcliwSeeded(await sdk.random())');
    expect(code).toContain('Number(await sdk.clock.now())');
    expect(code).toContain('Math.floor(__ironcliwRandom() * items.length)');
    expect(code).toContain('const stamp = __ironcliwNow;');
    expect(code).toContain('new Date(__ironcliwNow)');
    expect(code).not.toMatch(/Math\.random|Date\.now/);
    expect(report.violations).toEqual([]);
    expect(report.safe).toBe(true);
    expect(report.transformed).toBe(code);
  });

  it('guards run-time-key reads of local objects with Object.hasOwn', () => {
    const { code } = transform(NONDETERMINISTIC, MANIFEST);
    expect(code).toContain('Object.hasOwn(byColor, it.color) ? byColor[it.color] : undefined');
  });

  it('wraps with input/output validation, error normalisation, output cap and redaction', () => {
    const { code } = transform(NONDETERMINISTIC, MANIFEST);
    for (const part of [
      '__ironcliwValidateInput',
      '__ironcliwValidateOutput',
      '__ironcliwError',
      '__ironcliwFinish',
      '[REDACTED]',
      'must be one of',
    ]) {
      expect(code).toContain(part);
    }
    expect(code).toContain(String(256 * 1024));
  });

  it('is idempotent', () => {
    const once = transform(NONDETERMINISTIC, MANIFEST).code;
    expect(transform(once, MANIFEST).code).toBe(once);
  });

  it('keeps violations of hostile code visible after transforming', () => {
    const hostile = `export default async function run(input, sdk) { return input.constructor.constructor('return 1')(); }`;
    const { report } = transform(hostile, MANIFEST);
    expect(report.safe).toBe(false);
    expect(report.violations.map((v) => v.rule)).toContain('no-function-constructor');
  });

  it('refuses the reserved prefix and modules without a default export', () => {
    expect(() =>
      transform(
        `export default async function run(input, sdk) { const __ironcliwIn = 1; return __ironcliwIn; }`,
        MANIFEST,
      ),
    ).toThrowError(expect.objectContaining({ code: 'E_CAPABILITY_INVALID' }) as Error);
    expect(() => transform('const x = 1;', MANIFEST)).toThrowError(
      expect.objectContaining({ code: 'E_CAPABILITY_INVALID' }) as Error,
    );
  });

  it('property: transformed benign variants parse, re-check clean and are idempotent', () => {
    const expr = fc.constantFrom(
      'Math.random()',
      'Date.now()',
      'new Date().getTime()',
      'items.length',
      'sdk.random()',
      '1',
    );
    fc.assert(
      fc.property(
        fc.array(expr, { minLength: 1, maxLength: 5 }),
        fc.constantFrom('sdk', 'api'),
        (exprs, sdkName) => {
          const body = exprs.map((e, i) => `const v${i} = ${e.replace(/sdk\./g, sdkName + '.')};`).join('\n');
          const code = `export default async (input, ${sdkName}) => {
  const screen = await ${sdkName}.screen.capture();
  const items = await ${sdkName}.vision.findShapes(screen, {});
  ${body}
  return { answer: String(${exprs.map((_, i) => `v${i}`).join(' + ')}), data: { count: items.length } };
};`;
          const once = transform(code, MANIFEST);
          expect(once.report.violations).toEqual([]);
          expect(transform(once.code, MANIFEST).code).toBe(once.code);
        },
      ),
      { numRuns: 60 },
    );
  });
});
