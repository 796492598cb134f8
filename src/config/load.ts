import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { IroncliwError } from '../domain/index.js';
import { ConfigSchema } from './schema.js';
import type { IroncliwConfig } from './schema.js';

/** Layers the config (defaults ← file ← environment ← overrides), validates it against the schema and freezes it. */
function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

function mergeDeep(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    const prev = out[k];
    out[k] =
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      prev &&
      typeof prev === 'object' &&
      !Array.isArray(prev)
        ? mergeDeep(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

function envOverrides(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (env.IRONCLIW_DB) o.db = env.IRONCLIW_DB;
  if (env.IRONCLIW_HOST) o.host = env.IRONCLIW_HOST;
  if (env.IRONCLIW_PORT) {
    const port = Number(env.IRONCLIW_PORT);
    o.port = Number.isInteger(port) ? port : env.IRONCLIW_PORT;
  }
  if (env.IRONCLIW_API_KEY) o.apiKey = env.IRONCLIW_API_KEY;
  return o;
}

export interface LoadConfigOptions {
  /** Folder holding ironcliw.config.json (default: cwd). */
  cwd?: string;
  /** Explicit config file; missing → error (unlike the default file, which is optional). */
  file?: string;
  env?: NodeJS.ProcessEnv;
  overrides?: Record<string, unknown>;
}

/** Validates one layered config; throws E_CONFIG_INVALID naming the offending key. */
export function loadConfig(options: LoadConfigOptions = {}): IroncliwConfig {
  const cwd = options.cwd ?? process.cwd();
  const file = options.file ? resolve(cwd, options.file) : resolve(cwd, 'ironcliw.config.json');
  let fromFile: Record<string, unknown> = {};
  if (options.file || existsSync(file)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new IroncliwError('E_CONFIG_INVALID', `cannot read config file ${file}`, { cause });
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error('not a JSON object');
      fromFile = parsed as Record<string, unknown>;
    } catch (cause) {
      throw new IroncliwError(
        'E_CONFIG_INVALID',
        `config file ${file} is not a JSON object: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
  }
  const merged = mergeDeep(
    mergeDeep(fromFile, envOverrides(options.env ?? process.env)),
    options.overrides ?? {},
  );
  return parseConfig(merged);
}

export function parseConfig(input: unknown): IroncliwConfig {
  const result = ConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.join('.') || '(root)';
    throw new IroncliwError('E_CONFIG_INVALID', `config key "${path}": ${issue?.message ?? 'invalid'}`, {
      details: { issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
    });
  }
  return deepFreeze(result.data);
}
