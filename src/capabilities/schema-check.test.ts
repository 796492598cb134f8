import { createRequire } from 'node:module';
import type * as AjvModule from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../domain/index.js';
import { ManifestSchema, schemaProblem } from './index.js';
import { checkSchema } from './schema-check.js';

/**
 * The manifest-schema check is held to Ajv — what checked capability inputs and outputs before (issue 20
 * replaced it for start-up) — with the options it ran with: same verdict, same first error, on generated
 * schemas of the subset ManifestSchema admits and on values shaped like them and not.
 */
const { Ajv } = createRequire(import.meta.url)('ajv') as typeof AjvModule;
const ajv = new Ajv({ allErrors: false, strict: false, validateSchema: false });

function viaAjv(schema: JsonSchema, value: unknown) {
  const validate = ajv.compile(schema as object);
  if (validate(value)) return undefined;
  const e = validate.errors![0]!;
  return { instancePath: e.instancePath, message: e.message };
}

const KEYS = ['a', 'b', 'n', 'x/y', 'constructor'];
const key = fc.constantFrom(...KEYS);
const scalar = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('', '😀😀', 'a😀', '\ud800'),
  fc.integer({ min: -5, max: 5 }),
  fc.double({ noDefaultInfinity: false }),
  fc.constantFrom(NaN, Infinity, -Infinity, 0.5, -0),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { maxDepth: 2, withCrossShrink: true },
    scalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(key, fc.oneof(tie('v'), fc.constant(undefined)), { maxKeys: 3 }).map((d) => ({ ...d })),
  ),
})).v;

/** Schemas of the subset, nested at most `depth` levels (Ajv compiles each one: kept small). */
const schemaAt = (depth: number): fc.Arbitrary<JsonSchema> =>
  fc
    .record<Record<string, unknown>>(
      {
        type: fc.constantFrom('object', 'string', 'number', 'integer', 'boolean', 'array', 'null'),
        ...(depth > 0
          ? {
              properties: fc.dictionary(key, schemaAt(depth - 1), { maxKeys: 2 }).map((d) => ({ ...d })),
              items: schemaAt(depth - 1),
              additionalProperties: fc.oneof(fc.boolean(), schemaAt(depth - 1)),
            }
          : { additionalProperties: fc.boolean() }),
        required: fc.uniqueArray(key, { maxLength: 3 }),
        enum: fc.array(value, { minLength: 1, maxLength: 3 }),
        minimum: fc.integer({ min: -3, max: 3 }),
        maximum: fc.integer({ min: -3, max: 3 }),
        maxLength: fc.integer({ min: 0, max: 4 }),
      },
      { requiredKeys: [] },
    )
    .map((d) => ({ ...d }) as JsonSchema);
const schema = schemaAt(2);

describe('checkSchema (the manifest-schema subset)', () => {
  it('gives Ajv’s verdict and first error on generated schemas and values', () => {
    fc.assert(
      fc.property(schema, value, (s, v) => {
        expect(checkSchema(s, v)).toEqual(viaAjv(s, v));
      }),
      { numRuns: 400 },
    );
  });

  it('gives Ajv’s verdict on values that mostly fit a generated schema', () => {
    // A value built from the schema's own pieces reaches the nested keywords more often than a random one.
    const fitting = (s: JsonSchema, depth = 0): fc.Arbitrary<unknown> => {
      if (depth > 3) return value;
      const props = Object.entries(s.properties ?? {});
      return fc.oneof(
        fc
          .record(Object.fromEntries(props.map(([k, p]) => [k, fitting(p, depth + 1)])), {
            requiredKeys: [],
          })
          .map((d) => ({ ...d })),
        fc.array(s.items ? fitting(s.items, depth + 1) : value, { maxLength: 3 }),
        s.enum?.length ? fc.constantFrom(...s.enum) : value,
        value,
      );
    };
    fc.assert(
      fc.property(
        schema.chain((s) => fc.tuple(fc.constant(s), fitting(s))),
        ([s, v]) => {
          expect(checkSchema(s, v)).toEqual(viaAjv(s, v));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('only generates schemas ManifestSchema admits (so the comparison is about the real subset)', () => {
    fc.assert(
      fc.property(schema, (s) => {
        expect(ManifestSchema.shape.outputSchema.safeParse(s).success).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('schemaProblem names where and what, as before', () => {
    const s: JsonSchema = {
      type: 'object',
      properties: { answer: { type: 'string', maxLength: 3 }, data: { type: 'object' } },
      required: ['answer'],
      additionalProperties: false,
    };
    expect(schemaProblem(s, { answer: 'yes' })).toBeUndefined();
    expect(schemaProblem(s, {})).toBe("(root) must have required property 'answer'");
    expect(schemaProblem(s, { answer: 'four' })).toBe('/answer must NOT have more than 3 characters');
    expect(schemaProblem(s, { answer: 'ok', extra: 1 })).toBe('(root) must NOT have additional properties');
    expect(schemaProblem(s, { answer: 'ok', data: [] })).toBe('/data must be object');
    expect(schemaProblem({ type: 'array', items: { enum: ['a', 1] } }, ['a', 2])).toBe(
      '/1 must be equal to one of the allowed values',
    );
  });
});
