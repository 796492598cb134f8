import { generate } from 'astring';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Permission } from '../domain/index.js';
import { IroncliwError } from '../domain/index.js';
import { analyze, RULES, synthesize } from './index.js';

/**
 * Property tests over generated programs (fast-check). Programs are built as ESTree ASTs from a small grammar
 * and printed with astring, so they cover syntax combinations nobody wrote by hand. Nothing is executed.
 */

const PERMS: Permission[] = ['screen.capture', 'vision.analyze'];
type Node = Record<string, unknown> & { type: string };

const id = (name: string): Node => ({ type: 'Identifier', name });
const lit = (value: string | number | boolean | null): Node => ({ type: 'Literal', value });
const member = (object: Node, name: string): Node => ({
  type: 'MemberExpression',
  object,
  property: id(name),
  computed: false,
  optional: false,
});
const call = (callee: Node, args: Node[] = []): Node => ({
  type: 'CallExpression',
  callee,
  arguments: args,
  optional: false,
});
const moduleOf = (body: Node[], topLevel: Node[] = []): string =>
  generate({
    type: 'Program',
    sourceType: 'module',
    body: [
      ...topLevel,
      {
        type: 'ExportDefaultDeclaration',
        declaration: {
          type: 'FunctionDeclaration',
          id: id('run'),
          async: true,
          generator: false,
          params: [id('input'), id('sdk')],
          body: { type: 'BlockStatement', body },
        },
      },
    ],
  } as never);

/** Only IroncliwError E_CODE_UNPARSABLE may escape; everything else must be a well-formed report. */
function expectNoCrash(
  fn: () => { safe: boolean; score: number; violations: Array<{ rule: string }> },
): void {
  let report;
  try {
    report = fn();
  } catch (err) {
    expect(err).toBeInstanceOf(IroncliwError);
    expect((err as IroncliwError).code).toBe('E_CODE_UNPARSABLE');
    return;
  }
  expect(report.score).toBeGreaterThanOrEqual(0);
  expect(report.score).toBeLessThanOrEqual(1);
  for (const v of report.violations) expect(RULES).toHaveProperty([v.rule]);
  if (
    report.violations.some((v) => ['critical', 'high'].includes(RULES[v.rule as keyof typeof RULES].severity))
  )
    expect(report.safe).toBe(false);
}

// ---------------------------------------------------------------------------------------------------------------
// Hostile-ish grammar: any mix of allowed and forbidden names, keys and syntax.

const NAMES = [
  'input',
  'sdk',
  'Math',
  'JSON',
  'Object',
  'x',
  'd',
  'items',
  'process',
  'eval',
  'Function',
  'undefined',
  'Date',
];
const PROPS = [
  'constructor',
  '__proto__',
  'prototype',
  'length',
  'color',
  'random',
  'now',
  'screen',
  'capture',
  'vision',
  'findShapes',
  'call',
  'keys',
  'log',
  'assign',
];
const STRINGS = ['constructor', '__proto__', 'con', 'structor', 'red', 'AKIAIOSFODNN7EXAMPLE', '(a+)+$', ''];

const { expr } = fc.letrec<{ expr: Node }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...NAMES).map(id),
    fc.oneof(fc.constantFrom(...STRINGS), fc.integer({ min: -2, max: 3 })).map((v) => lit(v)),
    fc.tuple(tie('expr'), fc.constantFrom(...PROPS)).map(([o, p]) => member(o, p)),
    fc.tuple(tie('expr'), tie('expr')).map(([o, p]) => ({
      type: 'MemberExpression',
      object: o,
      property: p,
      computed: true,
      optional: false,
    })),
    fc.tuple(tie('expr'), fc.array(tie('expr'), { maxLength: 2 })).map(([c, a]) => call(c, a)),
    fc
      .tuple(tie('expr'), fc.array(tie('expr'), { maxLength: 2 }))
      .map(([c, a]) => ({ type: 'NewExpression', callee: c, arguments: a })),
    fc
      .tuple(fc.constantFrom('+', '-', '===', '<'), tie('expr'), tie('expr'))
      .map(([operator, left, right]) => ({ type: 'BinaryExpression', operator, left, right })),
    fc
      .tuple(tie('expr'), tie('expr'))
      .map(([left, right]) => ({ type: 'LogicalExpression', operator: '||', left, right })),
    fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([test, consequent, alternate]) => ({
      type: 'ConditionalExpression',
      test,
      consequent,
      alternate,
    })),
    fc.array(tie('expr'), { maxLength: 3 }).map((elements) => ({ type: 'ArrayExpression', elements })),
    fc.array(fc.tuple(fc.constantFrom(...PROPS), tie('expr')), { maxLength: 3 }).map((ps) => ({
      type: 'ObjectExpression',
      properties: ps.map(([k, v]) => ({
        type: 'Property',
        key: id(k),
        value: v,
        kind: 'init',
        computed: false,
        method: false,
        shorthand: false,
      })),
    })),
    tie('expr').map((body) => ({
      type: 'ArrowFunctionExpression',
      params: [id('x')],
      body,
      expression: true,
      async: false,
      generator: false,
    })),
    tie('expr').map((argument) => ({ type: 'AwaitExpression', argument })),
    fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => ({ type: 'SequenceExpression', expressions: [a, b] })),
    fc.tuple(tie('expr'), tie('expr')).map(([target, value]) => ({
      type: 'AssignmentExpression',
      operator: '=',
      left: target.type === 'MemberExpression' || target.type === 'Identifier' ? target : id('x'),
      right: value,
    })),
    tie('expr').map((e) => ({
      type: 'TemplateLiteral',
      quasis: [
        { type: 'TemplateElement', value: { raw: 'a', cooked: 'a' }, tail: false },
        { type: 'TemplateElement', value: { raw: '', cooked: '' }, tail: true },
      ],
      expressions: [e],
    })),
    tie('expr').map((e) => ({
      type: 'TaggedTemplateExpression',
      tag: e,
      quasi: {
        type: 'TemplateLiteral',
        quasis: [{ type: 'TemplateElement', value: { raw: 'x', cooked: 'x' }, tail: true }],
        expressions: [],
      },
    })),
  ),
}));

const stmt: fc.Arbitrary<Node> = fc.oneof(
  fc.tuple(fc.constantFrom('x', 'd', 'k', 'items'), expr).map(([name, init]) => ({
    type: 'VariableDeclaration',
    kind: 'const',
    declarations: [{ type: 'VariableDeclarator', id: id(name), init }],
  })),
  expr.map((expression) => ({ type: 'ExpressionStatement', expression })),
  expr.map((argument) => ({ type: 'ReturnStatement', argument })),
  fc.tuple(expr, expr).map(([test, e]) => ({
    type: 'IfStatement',
    test,
    consequent: { type: 'ExpressionStatement', expression: e },
    alternate: null,
  })),
  fc.tuple(expr, expr).map(([right, e]) => ({
    type: 'ForOfStatement',
    await: false,
    left: {
      type: 'VariableDeclaration',
      kind: 'const',
      declarations: [{ type: 'VariableDeclarator', id: id('it'), init: null }],
    },
    right,
    body: { type: 'ExpressionStatement', expression: e },
  })),
  expr.map((e) => ({
    type: 'WhileStatement',
    test: lit(true),
    body: { type: 'ExpressionStatement', expression: e },
  })),
);

describe('property: random programs never crash the gate', () => {
  it('random ASTs from a grammar: analyze and synthesize return well-formed reports', () => {
    let transformed = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.array(stmt, { minLength: 1, maxLength: 6 }), (body) => {
        runs++;
        const code = moduleOf(body);
        expectNoCrash(() => analyze(code, { permissions: PERMS }));
        expectNoCrash(() => {
          const { report, code: out } = synthesize(code, { permissions: PERMS });
          if (report.transformed !== undefined) {
            transformed++;
            // What synthesize says is what a fresh check of the stored code says.
            expect(report.transformed).toBe(out);
            const again = analyze(out, { permissions: PERMS });
            expect(again.violations).toEqual(report.violations);
            expect(synthesize(out, { permissions: PERMS }).code).toBe(out);
          }
          return report;
        });
      }),
      { numRuns: 100 },
    );
    // Not vacuous: most generated programs parse and go all the way through the transform.
    expect(transformed).toBeGreaterThan(runs * 0.5);
  });

  it('random bytes and random unicode text', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.string({ unit: 'binary', maxLength: 200 }),
        (bytes, text) => {
          for (const code of [
            Buffer.from(bytes).toString('utf8'),
            Buffer.from(bytes).toString('latin1'),
            text,
          ]) {
            expectNoCrash(() => analyze(code));
            expectNoCrash(() => synthesize(code).report);
          }
        },
      ),
      { numRuns: 120 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Benign grammar: generator-style programs (SDK calls, literals, Math/JSON/String, array methods, templates,
// local dictionaries, nondeterminism). The transform must always produce a module that parses, re-checks with
// zero violations, and is a fixed point.

const vars = ['a', 'b', 'c'] as const;
const benignExpr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(
      '1',
      "'red'",
      'input.color',
      'items.length',
      'Math.random()',
      'Date.now()',
      'new Date().getTime()',
      'count',
      '`n=${count}`',
      'JSON.stringify(byColor)',
      "items.map((it) => it.color).join(', ')",
      'items.filter((it) => it.bbox.width > 2).length',
      "Object.keys(byColor).sort().join(' ')",
      'byColor[input.color]',
    ),
    fc.tuple(tie('e'), tie('e')).map(([x, y]) => `(${x} + ${y})`),
    fc.tuple(tie('e'), tie('e')).map(([x, y]) => `Math.max(Number(${x}) || 0, Number(${y}) || 0)`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([x, y, z]) => `(${x} ? ${y} : ${z})`),
    tie('e').map((x) => `String(${x}).toUpperCase()`),
    tie('e').map((x) => `[${x}, 2].map((v, i) => v + i)`),
  ),
})).e;

const benignStmt: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom(...vars), benignExpr).map(([v, e]) => `out.${v} = ${e};`),
  benignExpr.map((e) => `sdk.log(${e});`),
  benignExpr.map((e) => `if (${e}) { count += 1; }`),
  benignExpr.map(
    (e) => `for (const it of items) { byColor[it.color] = (byColor[it.color] || 0) + (${e} ? 1 : 0); }`,
  ),
  benignExpr.map((e) => `notes[input.color || 'none'] = String(${e});`),
);

describe('property: transform output of generator-style programs re-checks clean', () => {
  it('parses, has zero violations, is safe and idempotent', () => {
    fc.assert(
      fc.property(fc.array(benignStmt, { maxLength: 6 }), (stmts) => {
        const code = `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const items = await sdk.vision.findShapes(screen, { color: input.color });
  const byColor = {};
  const notes = {};
  const out = { a: 0, b: 0, c: 0 };
  let count = 0;
  ${stmts.join('\n  ')}
  return { answer: 'There are ' + items.length + ' shapes.', data: { count: items.length, out, byColor, notes } };
}`;
        const before = analyze(code, { permissions: PERMS });
        // Only nondeterminism may be found before the transform.
        expect(before.violations.filter((v) => v.rule !== 'nondeterminism')).toEqual([]);
        const { report, code: out } = synthesize(code, { permissions: PERMS });
        expect(report.violations).toEqual([]);
        expect(report.safe).toBe(true);
        expect(analyze(out, { permissions: PERMS }).violations).toEqual([]);
        expect(out).not.toMatch(/Math\.random\(\)|Date\.now\(\)/);
        expect(synthesize(out, { permissions: PERMS }).code).toBe(out);
      }),
      { numRuns: 40 },
    );
  });
});
