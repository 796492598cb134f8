import type { JsonSchema } from '../domain/index.js';
import { schemaProblem } from '../capabilities/index.js';
import { analyze } from '../synthesis/index.js';

const NUMBER_WORDS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
];
const ACTION_TYPES = new Set(['click', 'type', 'press', 'hover', 'drag']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether `answer` states `count` (digits, a number word, or "no"/"none" for zero). */
function answerStates(answer: string, count: number): boolean {
  const text = answer.toLowerCase();
  if (new RegExp(`(^|[^0-9.])${count}([^0-9]|$)`).test(text)) return true;
  const word = NUMBER_WORDS[count];
  if (word && new RegExp(`\\b${word}\\b`).test(text)) return true;
  return count === 0 && /\b(no|none|nothing|not any)\b/.test(text);
}

/**
 * What is wrong with one capability output (empty when nothing): the manifest's `outputSchema` (Ajv), the
 * Result contract (DESIGN.md: `{answer: non-empty string, data: object}`), and agreement between the answer and
 * the data — a count the answer states must be `data.count`, `data.items` must hold that many, `data.present`
 * must say whether there are any, and actions must be well-formed.
 */
export function outputProblems(schema: JsonSchema, output: unknown): string[] {
  const problems: string[] = [];
  const bySchema = schemaProblem(schema, output);
  if (bySchema) problems.push(`outputSchema: ${bySchema}`);
  if (!isRecord(output)) return [...problems, 'output is not an object {answer, data}'];
  const { answer, data } = output;
  if (typeof answer !== 'string' || answer.trim() === '') problems.push('answer is empty or not a string');
  if (!isRecord(data)) return [...problems, 'data is not an object'];
  if (data.count !== undefined) {
    const count = data.count;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0)
      problems.push(`data.count ${JSON.stringify(count)} is not a non-negative integer`);
    else {
      if (Array.isArray(data.items) && data.items.length !== count)
        problems.push(`data.count is ${count} but data.items holds ${data.items.length}`);
      if (typeof answer === 'string' && answer.trim() !== '' && !answerStates(answer, count))
        problems.push(`the answer does not state data.count ${count}: "${answer.slice(0, 80)}"`);
      if (typeof data.present === 'boolean' && data.present !== count > 0)
        problems.push(`data.present is ${data.present} but data.count is ${count}`);
    }
  }
  if (data.actions !== undefined) {
    if (!Array.isArray(data.actions)) problems.push('data.actions is not an array');
    else if (data.actions.some((a) => !isRecord(a) || !ACTION_TYPES.has(a.type as string)))
      problems.push('data.actions holds an entry that is not {type: click|hover|drag|type|press, …}');
  }
  return problems;
}

export interface SecretFinding {
  /** Where in the output (JSON path) or which log line. */
  where: string;
  /** What matched, e.g. "AWS access key id" — never the secret itself. */
  kind: string;
}

/** Longest string scanned in one literal (synthesis refuses larger literals), and the overlap of windows. */
const WINDOW = 8000;
const OVERLAP = 256;
/** Literals per synthetic module, below the synthesis code-size cap. */
const MODULE_BUDGET = 150_000;
const SECRET_RULES = new Set(['secret-literal', 'high-entropy-string']);

/** Every string in a value with its path; `key=value` too, so `{apiKey: "…"}` reads like an assignment. */
function collectStrings(v: unknown, path: string, out: Array<{ where: string; text: string }>, depth = 0) {
  if (depth > 20 || out.length > 10_000) return;
  if (typeof v === 'string') out.push({ where: path, text: v });
  else if (Array.isArray(v)) v.forEach((x, i) => collectStrings(x, `${path}[${i}]`, out, depth + 1));
  else if (isRecord(v))
    for (const [k, x] of Object.entries(v)) {
      const p = `${path}.${k}`;
      if (typeof x === 'string') out.push({ where: p, text: `${k}=${x}` });
      collectStrings(x, p, out, depth + 1);
    }
}

/**
 * Secret-shaped strings in what a capability produced (its outputs and log lines): cloud keys, tokens, private
 * keys, JWTs, credential assignments, long high-entropy tokens. The detectors are the static gate's own
 * (synthesis `secret-literal` / `high-entropy-string`, detect-secrets style): the strings are handed to
 * `analyze` as literals of a module that is only parsed, never run, so there is one definition of "looks
 * like a secret" in the code base.
 */
export function findSecrets(values: Array<{ where: string; value: unknown }>): SecretFinding[] {
  const strings: Array<{ where: string; text: string }> = [];
  for (const v of values) collectStrings(v.value, v.where, strings);
  const pieces: Array<{ where: string; literal: string }> = [];
  for (const s of strings) {
    // U+2028/2029 would shift the parser's line numbers, which map findings back to strings.
    const text = s.text.replace(/[\u2028\u2029]/g, ' ');
    for (let i = 0; i < text.length; i += WINDOW - OVERLAP) {
      pieces.push({ where: s.where, literal: JSON.stringify(text.slice(i, i + WINDOW)) });
      if (i + WINDOW >= text.length) break;
    }
  }
  const findings: SecretFinding[] = [];
  const seen = new Set<string>();
  const prefix = 'export default async function run(input, sdk) { return [';
  for (let start = 0; start < pieces.length;) {
    const batch: Array<{ where: string; from: number; to: number }> = [];
    let code = prefix;
    let end = start;
    while (
      end < pieces.length &&
      (batch.length === 0 || code.length + pieces[end]!.literal.length < MODULE_BUDGET)
    ) {
      const p = pieces[end]!;
      if (batch.length) code += ',';
      batch.push({ where: p.where, from: code.length, to: code.length + p.literal.length });
      code += p.literal;
      end++;
    }
    code += ']; }';
    for (const v of analyze(code).violations) {
      if (!SECRET_RULES.has(v.rule)) continue;
      const hit = batch.find((b) => v.column >= b.from && v.column < b.to);
      const kind = v.message.replace(/ in a string literal$/, '');
      const key = `${hit?.where ?? '?'}|${kind}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push({ where: hit?.where ?? '(output)', kind });
    }
    start = end;
  }
  return findings;
}
