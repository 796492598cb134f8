import type { JsonSchema } from '../domain/index.js';

/** Schemas nest at most this deep in generated validators; deeper parts are not checked (documented). */
const MAX_SCHEMA_DEPTH = 8;

/**
 * Compiles the manifest's JSON-schema subset into the source of a validator function
 * `function <name>(v0) { …; return null; }` that returns the first problem as a string, or null.
 *
 * The module runs inside the sandbox with no host helpers, so the check is code of its own. Only schema
 * *values* vary and every one enters the text through JSON.stringify (a JavaScript literal); the text is then
 * parsed by acorn and re-checked by the analyser like the rest of the module. Property names are read as
 * constant computed keys, so a schema naming `constructor` or `__proto__` makes the transformed module unsafe.
 */
export function compileSchemaValidator(schema: JsonSchema | undefined, name: string): string {
  let counter = 0;
  const fresh = (): string => `v${++counter}`;
  const lit = (value: unknown): string => JSON.stringify(value) ?? 'null';

  const gen = (s: JsonSchema | undefined, x: string, path: string, depth: number): string[] => {
    if (!s || typeof s !== 'object' || depth > MAX_SCHEMA_DEPTH) return [];
    const out: string[] = [];
    const at = lit(path);
    switch (s.type) {
      case 'object':
        out.push(
          `if (typeof ${x} !== 'object' || ${x} === null || Array.isArray(${x})) return ${at} + ' must be an object';`,
        );
        break;
      case 'array':
        out.push(`if (!Array.isArray(${x})) return ${at} + ' must be an array';`);
        break;
      case 'string':
        out.push(`if (typeof ${x} !== 'string') return ${at} + ' must be a string';`);
        break;
      case 'number':
        out.push(`if (typeof ${x} !== 'number' || !isFinite(${x})) return ${at} + ' must be a number';`);
        break;
      case 'integer':
        out.push(`if (!Number.isInteger(${x})) return ${at} + ' must be an integer';`);
        break;
      case 'boolean':
        out.push(`if (typeof ${x} !== 'boolean') return ${at} + ' must be a boolean';`);
        break;
      case 'null':
        out.push(`if (${x} !== null) return ${at} + ' must be null';`);
        break;
      default:
        break;
    }
    if (Array.isArray(s.enum)) {
      const primitives = s.enum.filter(
        (e) => e === null || ['string', 'number', 'boolean'].includes(typeof e),
      );
      if (primitives.length === s.enum.length) {
        out.push(
          `if (!${lit(primitives)}.includes(${x})) return ${at} + ' must be one of ' + ${lit(primitives.map(String).join(', '))};`,
        );
      }
    }
    if (typeof s.minimum === 'number')
      out.push(`if (typeof ${x} === 'number' && ${x} < ${lit(s.minimum)}) return ${at} + ' is too small';`);
    if (typeof s.maximum === 'number')
      out.push(`if (typeof ${x} === 'number' && ${x} > ${lit(s.maximum)}) return ${at} + ' is too large';`);
    if (typeof s.maxLength === 'number') {
      out.push(
        `if (typeof ${x} === 'string' && ${x}.length > ${lit(s.maxLength)}) return ${at} + ' is too long';`,
      );
    }
    const props = s.properties && typeof s.properties === 'object' ? Object.entries(s.properties) : [];
    const required = Array.isArray(s.required)
      ? s.required.filter((r): r is string => typeof r === 'string')
      : [];
    if (props.length > 0 || required.length > 0 || s.additionalProperties === false) {
      const inner: string[] = [];
      for (const key of required) {
        inner.push(`if (${x}[${lit(key)}] === undefined) return ${lit(`${path}.${key}`)} + ' is required';`);
      }
      for (const [key, sub] of props) {
        const v = fresh();
        const body = gen(sub, v, `${path}.${key}`, depth + 1);
        if (body.length === 0) continue;
        inner.push(`const ${v} = ${x}[${lit(key)}];`, `if (${v} !== undefined) {`, ...body, '}');
      }
      if (s.additionalProperties === false) {
        const k = fresh();
        inner.push(
          `for (const ${k} of Object.keys(${x})) {`,
          `if (!${lit(props.map(([key]) => key))}.includes(${k})) return ${at} + ' has unexpected property ' + ${k};`,
          '}',
        );
      }
      out.push(`if (typeof ${x} === 'object' && ${x} !== null && !Array.isArray(${x})) {`, ...inner, '}');
    }
    if (s.items && typeof s.items === 'object') {
      const e = fresh();
      const body = gen(s.items, e, `${path}[]`, depth + 1);
      if (body.length > 0)
        out.push(`if (Array.isArray(${x})) {`, `for (const ${e} of ${x}) {`, ...body, '}', '}');
    }
    return out;
  };

  return [
    `function ${name}(v0) {`,
    ...gen(schema, 'v0', name.endsWith('Input') ? 'input' : 'output', 0),
    'return null;',
    '}',
  ].join('\n');
}
