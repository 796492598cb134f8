import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { IroncliwError } from '../domain/index.js';
import type { Ironcliw } from '../ironcliw.js';
import type { CommandResponse } from '../runtime/index.js';

/**
 * Traces: JSON lines of what users sent, replayed through a real Ironcliw (`ironcliw replay`, the demo).
 * A line is `{user, groups?, command, screen?, feedback?, expect?}`; `screen` is a PNG/JPEG path relative to
 * the trace file; `expect` states what the answer should be, so a trace doubles as an acceptance test.
 */
const ExpectZ = z
  .object({
    ok: z.boolean().optional(),
    /** Text the answer must contain (case-insensitive). */
    answer: z.string().max(2000).optional(),
    /** Fields `result.data` must have, compared deeply (a subset match). */
    data: z.record(z.string(), z.unknown()).optional(),
    category: z.string().optional(),
  })
  .strict();

export const TraceLineZ = z
  .object({
    user: z.string().min(1).max(200),
    groups: z.array(z.string().min(1).max(100)).max(50).optional(),
    command: z.string(),
    screen: z.string().min(1).max(4096).optional(),
    feedback: z.enum(['positive', 'negative']).optional(),
    expect: ExpectZ.optional(),
  })
  .strict();

export type TraceLine = z.infer<typeof TraceLineZ>;

export interface ReplayResult {
  line: number;
  user: string;
  command: string;
  response: CommandResponse;
  /** undefined when the line had no expectation. */
  expectationMet?: boolean;
  expectationProblem?: string;
  feedbackRecorded?: boolean;
}

export interface ReplaySummary {
  lines: number;
  answered: number;
  failed: number;
  failuresByCategory: Record<string, number>;
  expectations: { checked: number; met: number };
  capabilitiesLearned: number;
  durationMs: number;
}

/**
 * Reads and validates a whole trace before anything runs, so a bad line 40 never leaves lines 1–39 half
 * applied. Errors name the line.
 */
export function readTrace(file: string): { lines: TraceLine[]; baseDir: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new IroncliwError('E_INPUT_INVALID', `cannot read trace ${file}: ${(cause as Error).message}`, {
      cause,
    });
  }
  return { lines: parseTrace(text, file), baseDir: dirname(resolve(file)) };
}

export function parseTrace(text: string, name = 'trace'): TraceLine[] {
  const lines: TraceLine[] = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim() || raw.trimStart().startsWith('//')) return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new IroncliwError('E_INPUT_INVALID', `${name} line ${i + 1} is not JSON`, {
        details: { line: i + 1 },
        hint: 'Each line is one JSON object: {"user": "ana", "command": "count the red circles"}.',
      });
    }
    const r = TraceLineZ.safeParse(value);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new IroncliwError(
        'E_INPUT_INVALID',
        `${name} line ${i + 1}: ${issue?.path.join('.') || '(line)'} ${issue?.message ?? 'is invalid'}`,
        { details: { line: i + 1 } },
      );
    }
    lines.push(r.data);
  });
  if (!lines.length) throw new IroncliwError('E_INPUT_INVALID', `${name} has no lines`);
  return lines;
}

function subsetProblem(expected: unknown, actual: unknown, path: string): string | undefined {
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return `${path} is ${JSON.stringify(actual)}`;
    for (const [k, v] of Object.entries(expected)) {
      const p = subsetProblem(v, (actual as Record<string, unknown>)[k], `${path}.${k}`);
      if (p) return p;
    }
    return undefined;
  }
  return Object.is(expected, actual)
    ? undefined
    : `${path} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;
}

/** What is wrong with a response given an expectation, or undefined when it is met. */
export function expectationProblem(
  expect: NonNullable<TraceLine['expect']>,
  r: CommandResponse,
): string | undefined {
  if (expect.ok !== undefined && r.ok !== expect.ok)
    return r.ok ? 'answered, expected a failure' : `failed (${r.failure.category}), expected an answer`;
  if (expect.category !== undefined && (r.ok || r.failure.category !== expect.category))
    return `category is ${r.ok ? 'none (answered)' : r.failure.category}, expected ${expect.category}`;
  if (expect.answer !== undefined || expect.data !== undefined) {
    if (!r.ok) return `failed (${r.failure.category}: ${r.failure.message}), expected an answer`;
    if (expect.answer !== undefined && !r.result.answer.toLowerCase().includes(expect.answer.toLowerCase()))
      return `answer "${r.result.answer}" does not contain "${expect.answer}"`;
    if (expect.data !== undefined) return subsetProblem(expect.data, r.result.data, 'data');
  }
  return undefined;
}

export interface ReplayOptions {
  baseDir?: string;
  /** Wait for learning after every failed line, so later lines meet what earlier ones taught. */
  wait?: boolean;
  waitTimeoutMs?: number;
  onResult?: (r: ReplayResult) => void;
}

export async function replay(ironcliw: Ironcliw, lines: TraceLine[], options: ReplayOptions = {}) {
  const started = performance.now();
  const learnedBefore = (await ironcliw.capabilities.list()).length;
  const results: ReplayResult[] = [];
  for (const [i, line] of lines.entries()) {
    const screen = line.screen
      ? { path: isAbsolute(line.screen) ? line.screen : resolve(options.baseDir ?? '.', line.screen) }
      : undefined;
    const response = await ironcliw.processCommand(
      line.command,
      { user: line.user, groups: line.groups ?? [] },
      screen ? { screen } : {},
    );
    const result: ReplayResult = { line: i + 1, user: line.user, command: line.command, response };
    if (line.expect) {
      const problem = expectationProblem(line.expect, response);
      result.expectationMet = !problem;
      if (problem) result.expectationProblem = problem;
    }
    if (line.feedback && response.ok) {
      await ironcliw.feedback(response.requestId, line.feedback === 'positive');
      result.feedbackRecorded = true;
    }
    if (options.wait && !response.ok) await ironcliw.waitForLearning(options.waitTimeoutMs ?? 120_000);
    results.push(result);
    options.onResult?.(result);
  }
  if (options.wait) await ironcliw.waitForLearning(options.waitTimeoutMs ?? 120_000);
  const failuresByCategory: Record<string, number> = {};
  for (const r of results)
    if (!r.response.ok)
      failuresByCategory[r.response.failure.category] =
        (failuresByCategory[r.response.failure.category] ?? 0) + 1;
  const checked = results.filter((r) => r.expectationMet !== undefined);
  const summary: ReplaySummary = {
    lines: results.length,
    answered: results.filter((r) => r.response.ok).length,
    failed: results.filter((r) => !r.response.ok).length,
    failuresByCategory,
    expectations: { checked: checked.length, met: checked.filter((r) => r.expectationMet).length },
    capabilitiesLearned: (await ironcliw.capabilities.list()).length - learnedBefore,
    durationMs: Math.round(performance.now() - started),
  };
  return { results, summary };
}
