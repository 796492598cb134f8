import type { Figure } from './harness.js';
import { printTable, verdict } from './harness.js';
import { SUITES } from './suites.js';

/**
 * `npm run bench [-- <suite>…]`: every performance figure this build can measure, with its DESIGN.md budget
 * and, where a peer exists, the peer measured in the same run. Exit code 1 if any budget fails.
 */
async function main(filters: string[]): Promise<number> {
  const figures: Figure[] = [];
  const started = Date.now();
  const chosen = SUITES.filter((s) => !filters.length || filters.some((f) => s.name.includes(f)));
  if (!chosen.length) {
    process.stderr.write(
      `no bench suite matches ${filters.join(', ')}; suites: ${SUITES.map((s) => s.name).join(', ')}\n`,
    );
    return 2;
  }
  for (const suite of chosen) {
    process.stdout.write(`… ${suite.name}\n`);
    figures.push(...(await suite.figures()));
  }
  printTable(figures);
  process.stdout.write(
    `\n${figures.length} figures in ${((Date.now() - started) / 1000).toFixed(1)} s on Node ${process.version}\n`,
  );
  return figures.some((f) => verdict(f) === 'FAIL') ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
