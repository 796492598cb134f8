import type { CapabilityManifest } from '../../domain/index.js';
import type { N } from '../ast-utils.js';
import { walkWithPath } from '../ast-utils.js';
import { parseModule } from '../parse.js';
import { compileSchemaValidator } from '../schema-codegen.js';
import { ENTROPY_LIMITS, REDACTED, REDACTION_SOURCES } from '../../domain/index.js';
import type { Parts } from './module-parts.js';
import { RESERVED } from './module-parts.js';

/** mulberry32: a small, well-known 32-bit PRNG; seeded per run from `sdk.random()`, so runs replay. */
const SEEDED_RANDOM = `function ${RESERVED}Seeded(seed) {
  let state = Math.floor(Number(seed) * 4294967296) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}`;

export type ManifestPart = Partial<Pick<CapabilityManifest, 'permissions' | 'inputSchema' | 'outputSchema'>>;

/**
 * The helpers and the wrapper are fixed text; only schema values (as JSON literals, via compileSchemaValidator),
 * the output cap (a number) and the redaction patterns (our own constants) vary. The text is parsed, and the
 * user's function is spliced in as an AST node.
 */
function helpersSource(manifest: ManifestPart, maxOutputBytes: number, uses: Uses): string {
  const literal = (source: string, flags: string): string => `/${new RegExp(source, flags).source}/${flags}`;
  const R = REDACTION_SOURCES;
  const known = R.known.map((source) => literal(source, 'g')).join(', ');
  const redacted = JSON.stringify(REDACTED);
  return `
const ${RESERVED}KnownSecrets = [${known}];
const ${RESERVED}Keyword = ${literal(R.keyword.source, R.keyword.flags)};
const ${RESERVED}Token = ${literal(R.token.source, R.token.flags)};
const ${RESERVED}Hex = ${literal(R.hex, '')};
const ${RESERVED}Placeholder = ${literal(R.placeholder.source, R.placeholder.flags)};
${compileSchemaValidator(manifest.inputSchema, `${RESERVED}ValidateInput`)}
${compileSchemaValidator(manifest.outputSchema, `${RESERVED}ValidateOutput`)}
function ${RESERVED}Entropy(text) {
  const counts = new Map();
  for (const ch of text) counts.set(ch, (counts.get(ch) || 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / text.length) * Math.log2(n / text.length);
  return bits;
}
function ${RESERVED}RedactText(text) {
  let out = text;
  for (const shape of ${RESERVED}KnownSecrets) out = out.replace(shape, ${redacted});
  out = out.replace(${RESERVED}Keyword, (match, value) =>
    ${RESERVED}Placeholder.test(value) || ${RESERVED}Entropy(value) <= ${JSON.stringify(ENTROPY_LIMITS.keywordValue)}
      ? match
      : match.slice(0, match.length - value.length) + ${redacted});
  out = out.replace(${RESERVED}Token, (token) =>
    ${RESERVED}Entropy(token) > (${RESERVED}Hex.test(token) ? ${JSON.stringify(ENTROPY_LIMITS.hex)} : ${JSON.stringify(ENTROPY_LIMITS.base64)}) ? ${redacted} : token);
  return out;
}
function ${RESERVED}Redact(value, depth) {
  if (typeof value === 'string') return ${RESERVED}RedactText(value);
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => ${RESERVED}Redact(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [${RESERVED}RedactText(key), ${RESERVED}Redact(item, depth + 1)]));
}
${uses.random ? SEEDED_RANDOM : ''}
function ${RESERVED}Error(err) {
  const message = err instanceof Error ? String(err.message) : String(err);
  return new Error(${RESERVED}RedactText(message.slice(0, 1000)));
}
function ${RESERVED}Finish(out) {
  const text = JSON.stringify(out);
  if (text === undefined) throw new TypeError('output is not JSON data');
  if (text.length > ${JSON.stringify(maxOutputBytes)}) throw new RangeError('output is larger than ' + ${JSON.stringify(maxOutputBytes)} + ' bytes');
  const clean = ${RESERVED}Redact(JSON.parse(text), 0);
  const problem = ${RESERVED}ValidateOutput(clean);
  if (problem !== null) throw new TypeError('invalid output: ' + problem);
  return clean;
}
export default async function run(${RESERVED}In, sdk) {
  const ${RESERVED}Problem = ${RESERVED}ValidateInput(${RESERVED}In);
  if (${RESERVED}Problem !== null) throw new TypeError('invalid input: ' + ${RESERVED}Problem);
  ${uses.random ? `const ${RESERVED}Random = ${RESERVED}Seeded(await sdk.random());` : ''}
  ${uses.now ? `const ${RESERVED}Now = Number(await sdk.clock.now());` : ''}
  let ${RESERVED}Out;
  try {
    ${RESERVED}Out = await ${RESERVED}Original(${RESERVED}In);
  } catch (${RESERVED}Err) {
    throw ${RESERVED}Error(${RESERVED}Err);
  }
  return ${RESERVED}Finish(${RESERVED}Out);
}
`;
}

export function assemble(parts: Parts, manifest: ManifestPart, maxOutputBytes: number, uses: Uses): N {
  const helpers = parseModule(helpersSource(manifest, maxOutputBytes, uses)).program as unknown as N;
  const body = helpers.body as N[];
  const exp = body[body.length - 1] as unknown as N;
  const wrapper = exp.declaration as unknown as N;
  // The wrapper text names its SDK parameter `sdk`; rename it (and its uses) to the user's name on the AST.
  walkWithPath(
    wrapper,
    (node) => {
      if (node.type === 'Identifier' && node.name === 'sdk') node.name = parts.sdkName;
    },
    64,
    () => undefined,
  );
  const tryStmt = (wrapper.body.body as N[]).find((st) => st.type === 'TryStatement') as N;
  tryStmt.block.body[0].expression.right.argument.callee = parts.inner;
  helpers.body = [...body.slice(0, -1), ...parts.decls, exp];
  return helpers;
}

export interface Uses {
  random: boolean;
  now: boolean;
}
