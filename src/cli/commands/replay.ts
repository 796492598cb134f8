import type { CommonOpts, RegisterCommand } from '../kit.js';
import { EXIT, withCommon, withIroncliw } from '../kit.js';

/** `ironcliw replay <trace.jsonl>`: sends each line through Ironcliw and reports outcomes and expectations. */
export const registerReplay: RegisterCommand = (program, { io, setExit }) => {
  withCommon(
    program
      .command('replay')
      .description('replay a JSON-lines trace of user commands, e.g. ironcliw replay trace.jsonl --wait')
      .argument('<trace>', 'JSON lines: {user, groups?, command, screen?, feedback?, expect?}')
      .option('--wait', 'wait for learning after each failed line, so later lines meet what it taught'),
  ).action(async (file: string, opts: CommonOpts & { wait?: boolean }) => {
    const { readTrace, replay } = await import('../../demo/index.js');
    // Validated as a whole first: a bad line refuses the trace before anything is sent or stored.
    const { lines, baseDir } = readTrace(file);
    await withIroncliw(opts, async (ironcliw) => {
      const { results, summary } = await replay(ironcliw, lines, {
        baseDir,
        wait: Boolean(opts.wait),
        onResult: (r) => {
          if (opts.json) return;
          const outcome = r.response.ok
            ? `✓ ${r.response.result.answer}`
            : `✗ ${r.response.failure.category}: ${r.response.failure.message}`;
          const expectation =
            r.expectationMet === undefined
              ? ''
              : r.expectationMet
                ? '  [expected ✓]'
                : `  [expected ✗ ${r.expectationProblem}]`;
          io.out(`${String(r.line).padStart(3)} ${r.user}: ${r.command}\n      ${outcome}${expectation}`);
        },
      });
      if (opts.json)
        io.out(
          JSON.stringify({
            results: results.map((r) => ({
              ...r.response,
              line: r.line,
              ...(r.expectationMet === undefined
                ? {}
                : {
                    expectationMet: r.expectationMet,
                    ...(r.expectationProblem ? { expectationProblem: r.expectationProblem } : {}),
                  }),
            })),
            summary,
          }),
        );
      else
        io.out(
          `\n${summary.lines} lines: ${summary.answered} answered, ${summary.failed} failed ${JSON.stringify(summary.failuresByCategory)}; ` +
            `expectations ${summary.expectations.met}/${summary.expectations.checked}; capabilities learned ${summary.capabilitiesLearned}; ${summary.durationMs} ms`,
        );
      setExit(summary.expectations.met === summary.expectations.checked ? EXIT.ok : EXIT.no);
    });
  });
};
