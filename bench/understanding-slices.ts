import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { parseConfig } from '../src/config/index.js';
import type { CorpusEntry } from './understanding-corpus.js';
import { loadCorpus, scoreCorpus } from './understanding-corpus.js';
import type { UnderstandResult } from '../src/domain/index.js';

/**
 * The corpus figures split by the batches that added them, for comparing parsers on the same commands:
 * `node --import tsx bench/understanding-slices.ts [checkout]` scores this checkout's corpus with the parser of
 * `checkout` (default: this one), e.g. a frozen copy of main. Figures only: no command of either half is
 * printed. Line ranges are where each session's batches start in corpus.txt.
 */
const SLICES: Array<{ name: string; from: number; to: number }> = [
  { name: "session 9's corpus (before the tenth batch)", from: 1, to: 2176 },
  { name: "session 10's batches (tenth to twelfth)", from: 2177, to: 2576 },
  { name: "session 10's corpus (before the thirteenth batch)", from: 1, to: 2576 },
  { name: 'thirteenth batch (session 11)', from: 2577, to: 2716 },
  { name: 'fourteenth batch (session 11)', from: 2717, to: 2838 },
  { name: 'fifteenth batch (session 11)', from: 2839, to: 2929 },
  { name: 'sixteenth batch (session 11)', from: 2930, to: 3006 },
  { name: "session 11's batches (thirteenth to sixteenth)", from: 2577, to: 3006 },
  { name: 'seventeenth batch (round 2)', from: 3007, to: 3038 },
  { name: 'eighteenth batch (round 3)', from: 3039, to: 3236 },
  { name: 'before the eighteenth batch', from: 1, to: 3038 },
  { name: 'nineteenth batch (round 4)', from: 3237, to: 1e9 },
  { name: 'before the nineteenth batch', from: 1, to: 3236 },
  { name: 'whole half', from: 1, to: 1e9 },
];

const root = resolve(process.argv[2] ?? '.');
const mod = (await import(pathToFileURL(resolve(root, 'src/understanding/index.ts')).href)) as {
  parseCommand: (text: string) => UnderstandResult;
};
const threshold = parseConfig({}).understanding.minConfidence;
const corpus = loadCorpus();
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
for (const half of ['test', 'dev'] as const) {
  for (const slice of SLICES) {
    const entries = corpus.filter(
      (e: CorpusEntry) => e.half === half && e.line >= slice.from && e.line <= slice.to,
    );
    const s = scoreCorpus(entries, mod.parseCommand, threshold);
    const served = Math.round(s.coverage * s.total);
    const wrong = Math.round(s.wrongButServed * served);
    process.stdout.write(
      `${half} half, ${slice.name} (${s.total}): accuracy ${pct(s.accuracy)}, coverage ${pct(s.coverage)}, ` +
        `wrong-but-served ${(s.wrongButServed * 100).toFixed(2)}% (${wrong} of ${served})\n`,
    );
  }
}
