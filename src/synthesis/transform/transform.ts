import { generate } from 'astring';
import type { SynthesisAnalysis } from '../analyze.js';
import { analyze } from '../analyze.js';
import type { N } from '../ast-utils.js';
import type { AnalyzeOptions } from '../config.js';
import { resolveConfig } from '../config.js';
import { normaliseDefaultExport, parseModule, stripTypes } from '../parse.js';
import type { CredentialSanitisation } from './credentials.js';
import { sanitiseCredentials } from './credentials.js';
import { guardDynamicReads } from './dynamic-reads.js';
import { split, unwrap } from './module-parts.js';
import { rewriteNondeterminism } from './nondeterminism.js';
import type { ManifestPart } from './safety-wrapper.js';
import { assemble } from './safety-wrapper.js';

export interface TransformResult {
  /** The transformed module (printed by astring from the rewritten AST). */
  code: string;
  /** analyze() of the transformed module, with `transformed` set to the code. */
  report: SynthesisAnalysis;
  /** Credential literals removed from the module. */
  credentials: CredentialSanitisation;
}

/**
 * Rewrites a capability module on its AST (never by pasting strings into user code), prints it with astring,
 * then re-parses and re-analyses the result:
 * - inside `run`: `Math.random()` → `__ironcliwRandom()`, a PRNG (mulberry32) seeded once per run from
 *   `await sdk.random()`; `Date.now()` → `__ironcliwNow` and `new Date()` → `new Date(__ironcliwNow)`, the run's
 *   start time from `await sdk.clock.now()`. SDK calls are asynchronous in the guest, so the per-run values are
 *   fetched by the wrapper and the rewritten expressions stay synchronous wherever they are. Runs replay;
 * - credential literals removed (see sanitiseCredentials);
 * - run-time-key reads from module-created objects `d[k]` → `(Object.hasOwn(d, k) ? d[k] : undefined)`, so a
 *   key like "__proto__" or "constructor" can never reach a prototype;
 * - a safety wrapper: input validated against `inputSchema`, thrown values normalised to `Error` with redacted,
 *   capped messages, output JSON-copied, capped at `maxOutputBytes`, secret-shaped strings redacted and the
 *   result validated against `outputSchema`.
 * Idempotent: transform(transform(x).code) yields the same code (a wrapped module is recognised and unwrapped
 * first). Throws E_CODE_UNPARSABLE like analyze, and E_CAPABILITY_INVALID when the module has no
 * `export default async function` to wrap or uses the reserved `__ironcliw` prefix.
 */
export function transform(
  code: string,
  manifest: ManifestPart,
  options: AnalyzeOptions = {},
): TransformResult {
  const config = resolveConfig(options);
  const source = options.typescript ? stripTypes(code) : code;
  const parsed = parseModule(source);
  if (options.typescript) normaliseDefaultExport(parsed.program);
  const program = parsed.program as unknown as unknown as N;

  const parts = unwrap(program) ?? split(program);
  const credentials = sanitiseCredentials(parts, config.maxDepth);
  const uses = rewriteNondeterminism(parts, config.maxDepth);
  const assembled = assemble(parts, manifest, config.maxOutputBytes, uses);
  guardDynamicReads(assembled, config.maxDepth);
  const out = generate(assembled as never);
  const report = analyze(out, {
    ...options,
    typescript: false,
    ...(manifest.permissions ? { permissions: manifest.permissions } : {}),
  });
  return { code: out, report: { ...report, transformed: out }, credentials };
}

/**
 * The capability's own code inside a module `transform` wrote: its declarations and its run function as the
 * default export again, without the helpers and the safety wrapper the transform put around them (schema
 * checks, redaction, output cap). What the transform rewrote inside the run function (seeded randomness, the
 * run's clock, guarded key reads) stays, because that is what runs. For reading only (the dashboard shows it
 * first, the whole module folded below); the stored module is what runs. Undefined when `code` is not a
 * module this transform wrote (it does not parse, or has no wrapper).
 */
export function ownCode(code: string): string | undefined {
  let program: N;
  try {
    program = parseModule(code).program as unknown as N;
  } catch {
    return undefined;
  }
  const parts = unwrap(program);
  if (!parts) return undefined;
  const { inner, sdkName } = parts;
  const input: N = inner.params?.[0] ?? ({ type: 'Identifier', name: 'input' } as unknown as N);
  const params = [input, { type: 'Identifier', name: sdkName }];
  const declaration: N =
    inner.type === 'ArrowFunctionExpression'
      ? ({ ...inner, params } as unknown as N)
      : ({
          ...inner,
          type: 'FunctionDeclaration',
          id: inner.id ?? { type: 'Identifier', name: 'run' },
          params,
        } as unknown as N);
  const exported = { type: 'ExportDefaultDeclaration', declaration } as unknown as N;
  return generate({ type: 'Program', sourceType: 'module', body: [...parts.decls, exported] } as never);
}
