import { parseCommand } from '../src/understanding/index.js';
import { parseConfig } from '../src/config/index.js';
import type { Figure } from './harness.js';
import type { CorpusScore } from './understanding-corpus.js';
import { describeFrame, loadCorpus, scoreCorpus } from './understanding-corpus.js';

/**
 * `npm run bench -- understanding`: the parser against the labelled corpus (test/fixtures/understanding), at
 * the default confidence threshold. Goals (DESIGN.md): frame accuracy ≥ 95% and wrong-but-served ≤ 1% on the
 * held-back test half; the dev half is the one rules are tuned on. Parse time over the whole corpus, p99.
 */
export function understandingFigures(): Figure[] {
  const threshold = parseConfig({}).understanding.minConfidence;
  const corpus = loadCorpus();
  const figures: Figure[] = [];
  for (const half of ['test', 'dev'] as const) {
    const entries = corpus.filter((e) => e.half === half);
    const s = scoreCorpus(entries, parseCommand, threshold);
    // The dev half's misses are listed (the test half's never are: nobody tunes on them).
    if (half === 'dev') process.stdout.write(listMisses(s));
    const tag = `${half} half, ${s.total} commands`;
    figures.push(
      {
        name: `understanding: frame accuracy (${tag})`,
        value: s.accuracy * 100,
        unit: '%',
        ...(half === 'test' ? { budget: { min: 95, unit: '%' } } : {}),
      },
      {
        name: `understanding: coverage, share served (${tag})`,
        value: s.coverage * 100,
        unit: '%',
        note: `threshold ${threshold}`,
      },
      {
        name: `understanding: wrong-but-served (${tag})`,
        value: s.wrongButServed * 100,
        unit: '%',
        // A budget given as "≤ 1%": the harness compares with `<`, so the bound is just above it.
        ...(half === 'test' ? { budget: { max: 1.0001, unit: '%' } } : {}),
      },
    );
  }
  const commands = corpus.map((e) => e.command);
  const parse = parseTimes(commands, 15);
  figures.push({
    name: `understanding: parse one corpus command (p99, ${commands.length} distinct)`,
    value: parse.p99,
    unit: 'µs',
    budget: { max: 100, unit: 'µs' },
    note:
      `p99 over commands of each one's median of ${parse.rounds} rounds (p50 ${parse.p50.toFixed(1)} µs); ` +
      `every parse's wall time: p99 ${parse.wallP99.toFixed(1)} µs, mean ${parse.mean.toFixed(1)} µs (GC and preemption included)`,
  });
  return figures;
}

/**
 * Parse time per command, robust to a busy machine: every command parsed once per round, and each command's time
 * is its median over the rounds. A parse of tens of µs is rarely preempted, so the median is the parse; the p99
 * of every single parse's wall time (also returned) read 88 µs to 4,850 µs between runs minutes apart at load
 * 4-10 on 2 cores, which measures the scheduler, not the parser. The mean keeps GC's share.
 */
function parseTimes(
  commands: readonly string[],
  rounds: number,
): { p50: number; p99: number; wallP99: number; mean: number; rounds: number } {
  for (const c of commands) parseCommand(c);
  const per = commands.map(() => [] as number[]);
  const all: number[] = [];
  for (let r = 0; r < rounds; r++)
    commands.forEach((c, i) => {
      const t = process.hrtime.bigint();
      parseCommand(c);
      const us = Number(process.hrtime.bigint() - t) / 1000;
      per[i]!.push(us);
      all.push(us);
    });
  const at = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)]!;
  const medians = per
    .map((xs) =>
      at(
        xs.sort((a, b) => a - b),
        0.5,
      ),
    )
    .sort((a, b) => a - b);
  all.sort((a, b) => a - b);
  return {
    p50: at(medians, 0.5),
    p99: at(medians, 0.99),
    wallP99: at(all, 0.99),
    mean: all.reduce((a, b) => a + b, 0) / all.length,
    rounds,
  };
}

/** One block per dev-half miss: the command, what it should be, what the parser made of it. */
export function listMisses(s: CorpusScore): string {
  if (!s.misses.length) return 'understanding: no dev-half misses\n';
  const lines = [`understanding: ${s.misses.length} dev-half misses (wrong-but-served first)`];
  const served = (m: CorpusScore['misses'][number]) => (m.why.startsWith('not served') ? 1 : 0);
  const order = [...s.misses].sort((a, b) => served(a) - served(b));
  for (const m of order) {
    lines.push(
      `  line ${m.entry.line}: ${m.entry.command}  [${m.why}]`,
      `    expected ${m.entry.expected ? describeFrame(m.entry.expected) : 'low (not served)'}`,
      `    got      ${describeFrame(m.got.frame)} (confidence ${m.got.confidence})`,
    );
  }
  return lines.join('\n') + '\n';
}
