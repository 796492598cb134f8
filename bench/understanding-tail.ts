import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { UnderstandResult } from '../src/domain/index.js';
import { parseCommand } from '../src/understanding/index.js';
import { loadCorpus } from './understanding-corpus.js';

/**
 * Parse time of each corpus command, robust to a busy machine: `node --import tsx bench/understanding-tail.ts
 * [other/src/understanding/index.ts]`. Every command is parsed once per round, 25 rounds, and each command's
 * time is its median over the rounds (a parse of tens of µs is rarely preempted, so the median is the
 * parse, not the scheduler); the figures are percentiles over commands of those medians, which is what the
 * `understanding` suite's p99 over a cycle through the corpus approaches on an idle machine. With the path of
 * another parser's index (e.g. an older commit's tree from `git archive`), both are timed in the same rounds,
 * alternately (which goes first alternates by round), so both see the same load. Not a suite: the budget is judged by `npm run bench -- understanding`.
 */

type Parse = (text: string) => UnderstandResult;

async function main(): Promise<void> {
  const commands = loadCorpus().map((e) => e.command);
  const parsers: Array<[string, Parse]> = [['this parser', parseCommand]];
  const other = process.argv[2];
  if (other) {
    const mod = (await import(pathToFileURL(resolve(other)).href)) as { parseCommand: Parse };
    parsers.push([other, mod.parseCommand]);
  }
  const rounds = 25;
  const times = parsers.map(() => commands.map(() => [] as number[]));
  for (let w = 0; w < 3; w++) for (const c of commands) for (const [, p] of parsers) p(c);
  for (let r = 0; r < rounds; r++)
    for (let i = 0; i < commands.length; i++)
      // Which parser goes first alternates by round (the second parse of a text finds the caches warm).
      for (let j = 0; j < parsers.length; j++) {
        const k = (j + r) % parsers.length;
        const t = process.hrtime.bigint();
        parsers[k]![1](commands[i]!);
        times[k]![i]!.push(Number(process.hrtime.bigint() - t) / 1000);
      }
  parsers.forEach(([name], k) => {
    const med = times[k]!.map((xs, i) => {
      xs.sort((a, b) => a - b);
      return [xs[Math.floor(xs.length / 2)]!, commands[i]!] as const;
    });
    med.sort((a, b) => a[0] - b[0]);
    const q = (p: number) => med[Math.min(med.length - 1, Math.floor(med.length * p))]![0].toFixed(1);
    process.stdout.write(
      `${name}: per-command median parse time over ${med.length} commands (${rounds} rounds) — ` +
        `p50 ${q(0.5)} µs, p90 ${q(0.9)} µs, p99 ${q(0.99)} µs, max ${q(1)} µs\n`,
    );
    if (k === 0) for (const [v, c] of med.slice(-8)) process.stdout.write(`  ${v.toFixed(1)} µs  ${c}\n`);
  });
}

await main();
