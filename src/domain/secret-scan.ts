/**
 * Secrets in literals and comments, detect-secrets style: known token formats first, then keyword
 * assignments with high-entropy values, then generic high-entropy hex/base64 tokens. Generated code is stored,
 * shown on the dashboard and may be shared, so a credential in it is a leak (and, in a generated module, a sign
 * of prompt-injected exfiltration setup).
 *
 * Shared by two stages: synthesis/ scans code with it, runtime/ redacts every capability's output with it. It
 * lives in domain/ (pure, no imports) so the request path does not load the synthesis gate's parsers
 * (esbuild, acorn, astring) just to redact an answer (issue 20, CLI start-up).
 */

export type SecretRule = 'secret-literal' | 'high-entropy-string';

export interface SecretFinding {
  rule: SecretRule;
  /** What matched, e.g. "AWS access key" — never the secret itself. */
  kind: string;
}

/**
 * Known formats. Every pattern is linear (no nested quantifiers) and anchored on a literal prefix, so scanning
 * hostile text cannot backtrack catastrophically. Sources are exported so the transform's run-time redactor
 * uses the very same shapes.
 */
export const SECRET_PATTERNS: ReadonlyArray<{ kind: string; source: string }> = [
  { kind: 'AWS access key id', source: '(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}' },
  { kind: 'GitHub token', source: 'gh[pousr]_[A-Za-z0-9]{36,255}' },
  { kind: 'GitHub fine-grained token', source: 'github_pat_[A-Za-z0-9_]{22,255}' },
  { kind: 'Slack token', source: 'xox[abposr]-[A-Za-z0-9-]{10,255}' },
  { kind: 'Stripe live key', source: '[sr]k_live_[0-9a-zA-Z]{20,255}' },
  { kind: 'Google API key', source: 'AIza[0-9A-Za-z_-]{35}' },
  { kind: 'private key', source: '-----BEGIN [A-Z ]{0,40}PRIVATE KEY( BLOCK)?-----' },
  {
    kind: 'JSON Web Token',
    source: 'eyJ[A-Za-z0-9_-]{8,2048}\\.eyJ[A-Za-z0-9_-]{8,4096}\\.[A-Za-z0-9_-]{8,1024}',
  },
];

const KNOWN = SECRET_PATTERNS.map((p) => ({ kind: p.kind, re: new RegExp(p.source) }));

/** Names that announce a credential (detect-secrets KeywordDetector, trimmed). */
const SECRET_NAME =
  /(?:pass(?:word|wd)?|pwd|secret|api[_-]?key|apikey|access[_-]?key|auth[_-]?token|token|private[_-]?key|credential)s?$/i;
/** `password=…`, `api_key: …` inside text (URLs, config strings, headers). */
const KEYWORD_ASSIGNMENT =
  /(?:password|passwd|pwd|secret|api[_-]?key|apikey|access[_-]?key|auth[_-]?token|token)["']?\s{0,3}[:=]\s{0,3}["']?([^\s"'&,;]{8,256})/gi;
const TOKEN = /[A-Za-z0-9+/=_-]{33,4096}/g;
const HEX = /^[0-9a-fA-F]+$/;

/** detect-secrets defaults: hex > 3.0 bits/char, base64 > 4.5 bits/char; keyword values need > 3.0. */
export const ENTROPY_LIMITS = Object.freeze({ hex: 3.0, base64: 4.5, keywordValue: 3.0 });

export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Placeholders that look like keyword values but are not secrets. */
const PLACEHOLDER =
  /^(?:x+|\*+|<[^>]*>|\$\{[^}]*\}|your[_-].*|example.*|changeme|placeholder|redacted|\[redacted\])$/i;
function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value);
}

/** Sources of the scanner's patterns, for the transform's in-module redactor (the same shapes, run in the guest). */
export const REDACTION_SOURCES = Object.freeze({
  known: SECRET_PATTERNS.map((p) => p.source),
  keyword: { source: KEYWORD_ASSIGNMENT.source, flags: KEYWORD_ASSIGNMENT.flags },
  token: { source: TOKEN.source, flags: TOKEN.flags },
  hex: HEX.source,
  placeholder: { source: PLACEHOLDER.source, flags: PLACEHOLDER.flags },
});

/** Scans free text (a string literal, a template chunk, a comment). */
export function scanText(text: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  // Bound the work on hostile input: literal size is capped by its own rule, comments are sliced.
  const sample = text.length > 100_000 ? text.slice(0, 100_000) : text;
  for (const { kind, re } of KNOWN) {
    if (re.test(sample)) findings.push({ rule: 'secret-literal', kind });
  }
  for (const m of sample.matchAll(KEYWORD_ASSIGNMENT)) {
    const value = m[1] ?? '';
    if (!isPlaceholder(value) && shannonEntropy(value) > ENTROPY_LIMITS.keywordValue) {
      findings.push({ rule: 'secret-literal', kind: 'credential assignment' });
      break;
    }
  }
  if (findings.length === 0) {
    for (const m of sample.matchAll(TOKEN)) {
      const token = m[0];
      if (
        HEX.test(token)
          ? shannonEntropy(token) > ENTROPY_LIMITS.hex
          : shannonEntropy(token) > ENTROPY_LIMITS.base64
      ) {
        findings.push({
          rule: 'high-entropy-string',
          kind: HEX.test(token) ? 'high-entropy hex' : 'high-entropy base64',
        });
        break;
      }
    }
  }
  return findings;
}

/** A string bound to a credential-like name (`const apiKey = '…'`, `{ password: '…' }`). */
export function scanNamedValue(name: string, value: string): SecretFinding | null {
  if (!SECRET_NAME.test(name) || value.length < 8 || isPlaceholder(value)) return null;
  return shannonEntropy(value) > ENTROPY_LIMITS.keywordValue
    ? { rule: 'secret-literal', kind: `value of "${name}"` }
    : null;
}

/** The identifier the transform puts where it removed a credential the module uses (an unknown global). */
export const REMOVED_CREDENTIAL = '__ironcliwRemovedCredential';

/** What secret-shaped text is replaced with, in code (sanitised literals) and in outputs. */
export const REDACTED = '[REDACTED]';

const KNOWN_GLOBAL = SECRET_PATTERNS.map((p) => new RegExp(p.source, 'g'));

/**
 * Replaces every secret-shaped part of `text` with `[REDACTED]`: known token formats, the value of keyword
 * assignments (`password=…`, with the same entropy test as the scanner) and high-entropy hex/base64 tokens.
 * Linear patterns only, so hostile text cannot make it backtrack.
 */
export function redactText(text: string): { text: string; count: number } {
  let count = 0;
  let out = text;
  for (const re of KNOWN_GLOBAL) {
    out = out.replace(re, () => {
      count++;
      return REDACTED;
    });
  }
  out = out.replace(KEYWORD_ASSIGNMENT, (match, value: string) => {
    if (isPlaceholder(value) || shannonEntropy(value) <= ENTROPY_LIMITS.keywordValue) return match;
    count++;
    return match.slice(0, match.length - value.length) + REDACTED;
  });
  out = out.replace(TOKEN, (token) => {
    const secret = HEX.test(token)
      ? shannonEntropy(token) > ENTROPY_LIMITS.hex
      : shannonEntropy(token) > ENTROPY_LIMITS.base64;
    if (!secret) return token;
    count++;
    return REDACTED;
  });
  return { text: out, count };
}

/** Nesting beyond this is returned as `[REDACTED]` rather than walked (outputs are JSON data; this is a guard). */
const MAX_REDACT_DEPTH = 64;

/**
 * Output redaction for the runtime and the sandbox: a copy of `value` (JSON-like data) with every secret-shaped
 * string — values and object keys — redacted as {@link redactText} does. Non-data values (functions, symbols)
 * become `undefined`; cycles and nesting deeper than 64 become `[REDACTED]`. Never mutates its argument.
 *
 * @example
 *   redactSecrets({ answer: 'key AKIAIOSFODNN7EXAMPLE' }) // → { answer: 'key [REDACTED]' }
 */
export function redactSecrets<T>(value: T): T {
  const seen = new Set<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return redactText(v).text;
    if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v;
    if (typeof v !== 'object') return undefined;
    if (depth > MAX_REDACT_DEPTH || seen.has(v)) return REDACTED;
    seen.add(v);
    try {
      if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(v)) {
        // An own data property, so a key "__proto__" stays a key instead of replacing the prototype.
        Object.defineProperty(out, redactText(key).text, {
          value: walk(item, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    } finally {
      seen.delete(v);
    }
  };
  return walk(value, 0) as T;
}
