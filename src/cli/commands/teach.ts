import { resolve } from 'node:path';
import { parseExpectation, taughtFailure } from '../../discovery/index.js';
import { IroncliwError } from '../../domain/index.js';
import { parseCommand } from '../../understanding/index.js';
import { expectationProblem } from '../../verification/index.js';
import type { CommonOpts, RegisterCommand } from '../kit.js';
import { EXIT, withCommon, withIroncliw } from '../kit.js';

interface TeachOpts extends CommonOpts {
  screen: string;
  expect?: string;
  demo?: string;
  user: string;
  groups: string;
}

/**
 * `ironcliw teach "<command>" --screen s.png --expect '<json>'`: the command runs as usual; when nothing
 * serves it (or the answer differs from the expectation) a failure carrying the expectation is recorded,
 * and the expectation becomes a test case of the capability generated for the command's pattern. A wrong
 * answer of a live capability also counts as negative feedback for the version that gave it.
 */
export const registerTeach: RegisterCommand = (program, { io, setExit }) => {
  withCommon(
    program
      .command('teach')
      .description(
        'teach the expected answer to a command on a screen, e.g. ironcliw teach "count the red circles" --screen s.png --expect \'{"count": 3}\'',
      )
      .argument('<command>', 'the command text')
      .requiredOption('--screen <file>', 'PNG/JPEG screenshot the command is about')
      .option('--expect <json>', 'the expected data fields, e.g. \'{"count": 3}\'')
      .option(
        '--demo <json>',
        'what should happen, e.g. \'{"actions":[{"type":"click","x":74,"y":120},{"type":"type","text":"Kasey"},{"type":"press","key":"Enter"}]}\'',
      )
      .option('--user <id>', 'who is teaching', 'teacher')
      .option('--groups <list>', 'comma-separated groups, e.g. internal', ''),
  ).action(async (text: string, opts: TeachOpts) => {
    if (opts.demo !== undefined) return demonstrate(text, opts);
    if (opts.expect === undefined)
      throw new IroncliwError('E_USAGE', 'teach needs --expect <json>, --demo <json>, or both', {
        hint: `e.g. ironcliw teach "click the Save button" --screen s.png --demo '{"actions":[{"type":"click","x":74,"y":120}]}'`,
      });
    const expect = parseExpectation(opts.expect);
    const screenRef = resolve(opts.screen);
    const groups = opts.groups
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean);
    await withIroncliw(opts, async (ironcliw) => {
      const response = await ironcliw.processCommand(
        text,
        { user: opts.user, groups },
        { screen: { path: screenRef } },
      );
      const { frame } = parseCommand(text);
      const base = { command: text.trim(), frame, userId: opts.user, screenRef, expect, at: new Date() };
      let out: Record<string, unknown>;
      if (response.ok) {
        const problem = expectationProblem(expect, response.result.data);
        if (!problem) {
          out = {
            recorded: false,
            matches: true,
            capability: response.capability,
            answer: response.result.answer,
          };
        } else {
          await ironcliw.feedback(response.requestId, false);
          const failure = taughtFailure({
            ...base,
            category: 'invalid_output',
            message: `taught: the answer does not match the expectation — ${problem}`,
            capabilityId: response.capability.id,
          });
          await ironcliw.store.failures.record(failure);
          out = {
            recorded: true,
            matches: false,
            failureId: failure.id,
            problem,
            capability: response.capability,
            answer: response.result.answer,
          };
        }
      } else {
        const failure = taughtFailure({
          ...base,
          category: response.failure.category,
          message: `taught: ${response.failure.message}`,
        });
        await ironcliw.store.failures.record(failure);
        out = {
          recorded: true,
          matches: false,
          failureId: failure.id,
          commandFailure: response.failure,
        };
      }
      if (opts.json) io.out(JSON.stringify(out));
      else if (out.matches)
        io.out(`✓ already right: ${String(out.answer)} (${response.ok ? response.capability.id : ''})`);
      else
        io.out(
          `recorded ${String(out.failureId)} with the expectation ${JSON.stringify(expect)}` +
            (out.problem ? `\n  the current answer is wrong: ${String(out.problem)}` : '') +
            `\n  it becomes a test case of the capability learned for this command`,
        );
      setExit(EXIT.ok);
    });
  });

  /**
   * `teach --demo`: a demonstration (actions, and the `--expect` fields if given). Learning runs here, to the
   * end (at most config demonstrations.waitMs), so the answer says what was learned.
   */
  async function demonstrate(text: string, opts: TeachOpts): Promise<void> {
    const demo = parseDemo(opts.demo!);
    const expect = opts.expect === undefined ? demo.expect : parseExpectation(opts.expect);
    const groups = opts.groups
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean);
    await withIroncliw(opts, async (ironcliw) => {
      const out = await ironcliw.demonstrate(
        text,
        { user: opts.user, groups },
        {
          screen: { path: resolve(opts.screen) },
          ...(demo.actions ? { actions: demo.actions } : {}),
          ...(expect ? { expect } : {}),
          wait: true,
        },
      );
      if (opts.json) io.out(JSON.stringify(out));
      else
        io.out(
          `recorded demonstration ${out.demonstrationId} (${out.demonstrations} for pattern ${out.patternId})\n  ${out.status}` +
            (out.current && !out.current.matches
              ? `\n  ${out.current.capabilityId} v${out.current.version} did otherwise: ${out.current.problem ?? ''} (negative feedback recorded)`
              : ''),
        );
      // "No" when learning refused what was shown; asking for another demonstration is an answer, not a failure.
      setExit(/^(rejected|cannot learn)/.test(out.status) ? EXIT.no : EXIT.ok);
    });
  }
};

/** `--demo` JSON: `{"actions": [...], "expect"?: {...}}` (the actions are checked against the screen later). */
function parseDemo(json: string): { actions?: unknown; expect?: Record<string, unknown> } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new IroncliwError('E_INPUT_INVALID', `--demo is not JSON: ${(err as Error).message}`, {
      hint: `e.g. --demo '{"actions":[{"type":"click","x":74,"y":120}]}'`,
    });
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new IroncliwError(
      'E_INPUT_INVALID',
      '--demo must be a JSON object {"actions": [...], "expect"?: {...}}',
    );
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => k !== 'actions' && k !== 'expect');
  if (unknown)
    throw new IroncliwError('E_INPUT_INVALID', `--demo has an unknown field "${unknown.slice(0, 40)}"`);
  return {
    ...(o.actions !== undefined ? { actions: o.actions } : {}),
    ...(o.expect !== undefined ? { expect: o.expect as Record<string, unknown> } : {}),
  };
}
