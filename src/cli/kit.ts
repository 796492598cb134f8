import { IroncliwError } from '../domain/index.js';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { IroncliwConfig } from '../config/index.js';
import { loadConfig } from '../config/index.js';
import type { CreateOptions, Ironcliw } from '../ironcliw.js';
import { createIroncliw } from '../ironcliw.js';

/**
 * What every CLI command shares. A command lives in `commands/<name>.ts` as `register(program, ctx)`;
 * it prints through `ctx.io`, sets its exit code with `ctx.setExit`, and throws IroncliwError for bad input
 * (main turns that into exit 2 with the code and hint).
 */
/** Exit codes (DESIGN.md): 0 success, 1 the answer is "no" (failed, unsafe, rejected), 2 bad usage or input. */
export const EXIT = { ok: 0, no: 1, usage: 2 } as const;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export const defaultIo: Io = {
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
};

export interface CommonOpts {
  db?: string;
  config?: string;
  json?: boolean;
}

export function configFrom(opts: CommonOpts, extra: Record<string, unknown> = {}): IroncliwConfig {
  return loadConfig({
    ...(opts.config ? { file: opts.config } : {}),
    overrides: { ...(opts.db ? { db: opts.db } : {}), ...extra },
  });
}

export function positiveInt(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
}

export function withCommon(cmd: Command): Command {
  return cmd
    .option(
      '--db <url>',
      'store: file path, sqlite:<path>, :memory: or postgres://… (default .ironcliw/ironcliw.db, env IRONCLIW_DB)',
    )
    .option('--config <file>', 'config file (default ./ironcliw.config.json if present)')
    .option('--json', 'print JSON');
}

export async function withIroncliw<T>(
  opts: CommonOpts,
  fn: (i: Ironcliw) => Promise<T>,
  extra: Record<string, unknown> = {},
  create: Omit<CreateOptions, 'startWorkers'> = {},
): Promise<T> {
  const ironcliw = await createIroncliw(configFrom(opts, extra), { ...create, startWorkers: false });
  try {
    return await fn(ironcliw);
  } finally {
    await ironcliw.close();
  }
}

export function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  if (!rows.length) return '(none)';
  const cells = rows.map((r) => columns.map((c) => String(r[c] ?? '')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

interface CliContext {
  io: Io;
  setExit: (code: number) => void;
}

export type RegisterCommand = (program: Command, ctx: CliContext) => void;

/** Reads a JSON file the user named (a manifest, an input…): unreadable or not JSON is E_INPUT_INVALID. */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new IroncliwError('E_INPUT_INVALID', `cannot read ${what} ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new IroncliwError('E_INPUT_INVALID', `${what} ${path} is not JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
}
