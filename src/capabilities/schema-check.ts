import type { JsonSchema } from '../domain/index.js';

/**
 * Checks a value against a manifest schema — the small subset `ManifestSchema` admits (type, properties,
 * required, items, enum, additionalProperties, minimum, maximum, maxLength) — with Ajv's verdict and Ajv's
 * first error (`allErrors: false`, its keyword order and messages), which is what checked every capability's
 * input and output before. An interpreter of that subset instead of Ajv because the check runs on every
 * command, and loading and compiling Ajv was ≈ 0.2 s of a CLI command's start-up (issue 20); the schemas are
 * a dozen keys, so there is nothing to compile. `schema-check.test.ts` holds it to Ajv on generated schemas
 * and values.
 *
 * Ajv's semantics kept on purpose, odd as some are: a property is present when `value[key] !== undefined`
 * (inherited ones included); numbers are not required to be finite, but NaN fails `minimum`/`maximum`;
 * `maxLength` counts code points; `enum` compares objects deeply and primitives with `===`.
 */
export interface SchemaError {
  /** JSON pointer of the value at fault ('' for the root). */
  instancePath: string;
  message: string;
}

export function checkSchema(schema: JsonSchema, value: unknown): SchemaError | undefined {
  return check(schema, value, '');
}

const pointer = (path: string, key: string | number) =>
  `${path}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;

const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);

function typeMatches(type: NonNullable<JsonSchema['type']>, v: unknown): boolean {
  switch (type) {
    case 'null':
      return v === null;
    case 'array':
      return Array.isArray(v);
    case 'object':
      return isObject(v);
    case 'integer':
      return typeof v === 'number' && !(v % 1) && !Number.isNaN(v);
    default:
      return typeof v === type;
  }
}

/** Ajv's keyword groups, in its order, with the keywords of our subset each holds. */
const GROUPS = [
  { type: 'number', keys: ['maximum', 'minimum'], is: (v: unknown) => typeof v === 'number' },
  { type: 'string', keys: ['maxLength'], is: (v: unknown) => typeof v === 'string' },
  { type: 'array', keys: ['items'], is: Array.isArray },
  { type: 'object', keys: ['required', 'additionalProperties', 'properties'], is: isObject },
] as const;

const uses = (schema: JsonSchema, keys: readonly string[]) =>
  keys.some((k) => (schema as Record<string, unknown>)[k] !== undefined);

function check(schema: JsonSchema, v: unknown, path: string): SchemaError | undefined {
  const fail = (message: string, at = path): SchemaError => ({ instancePath: at, message });
  const type = schema.type;
  // Ajv checks the type first unless the schema has keywords of that type's own group: then the type is
  // checked where that group runs (after `enum` and the groups before it), as its `else`.
  const deferred = GROUPS.find((g) => g.type === type && uses(schema, g.keys));
  if (type !== undefined && !deferred && !typeMatches(type, v)) return fail(`must be ${type}`);
  if (schema.enum !== undefined && !schema.enum.some((allowed) => enumEqual(v, allowed)))
    return fail('must be equal to one of the allowed values');
  for (const group of GROUPS) {
    if (!uses(schema, group.keys)) continue;
    if (!group.is(v)) {
      if (group === deferred) return fail(`must be ${type}`);
      continue;
    }
    const e = checkGroup(group.type, schema, v, path);
    if (e) return e;
  }
  return undefined;
}

function checkGroup(
  group: (typeof GROUPS)[number]['type'],
  schema: JsonSchema,
  v: unknown,
  path: string,
): SchemaError | undefined {
  const fail = (message: string): SchemaError => ({ instancePath: path, message });
  if (group === 'number') {
    const n = v as number;
    // `!(n <= max)`, not `n > max`: NaN fails a limit, as in Ajv.
    if (schema.maximum !== undefined && !(n <= schema.maximum)) return fail(`must be <= ${schema.maximum}`);
    if (schema.minimum !== undefined && !(n >= schema.minimum)) return fail(`must be >= ${schema.minimum}`);
  } else if (group === 'string') {
    if (schema.maxLength !== undefined && codePoints(v as string) > schema.maxLength)
      return fail(`must NOT have more than ${schema.maxLength} characters`);
  } else if (group === 'array') {
    const a = v as unknown[];
    for (let i = 0; i < a.length; i++) {
      const e = check(schema.items!, a[i], pointer(path, i));
      if (e) return e;
    }
  } else {
    const o = v as Record<string, unknown>;
    for (const key of schema.required ?? [])
      if (o[key] === undefined) return fail(`must have required property '${key}'`);
    const properties = schema.properties ?? {};
    const extra = schema.additionalProperties;
    if (extra !== undefined && extra !== true)
      for (const key in o) {
        if (Object.hasOwn(properties, key)) continue;
        if (extra === false) return fail('must NOT have additional properties');
        const e = check(extra, o[key], pointer(path, key));
        if (e) return e;
      }
    for (const key of Object.keys(properties)) {
      const item = o[key];
      if (item === undefined) continue;
      const e = check(properties[key]!, item, pointer(path, key));
      if (e) return e;
    }
  }
  return undefined;
}

/** Ajv's `maxLength` unit: UCS-2 code units with each surrogate pair counted once. */
function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    n++;
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
}

/** Ajv's enum: `===` against a primitive, deep equality (fast-deep-equal's) against an object or array. */
function enumEqual(v: unknown, allowed: unknown): boolean {
  return typeof allowed === 'object' && allowed !== null ? deepEqual(v, allowed) : v === allowed;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    if (a.constructor !== b.constructor) return false;
    if (Array.isArray(a)) {
      const bb = b as unknown[];
      if (a.length !== bb.length) return false;
      for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
      return true;
    }
    if (a instanceof RegExp && b instanceof RegExp) return a.source === b.source && a.flags === b.flags;
    // (A null-prototype object has neither: it is compared by its keys.)
    if (typeof a.valueOf === 'function' && a.valueOf !== Object.prototype.valueOf)
      return a.valueOf() === (b as object).valueOf();
    if (typeof a.toString === 'function' && a.toString !== Object.prototype.toString)
      return a.toString() === (b as object).toString();
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    for (const k of keys) if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    for (const k of keys)
      if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
    return true;
  }
  return a !== a && b !== b;
}
