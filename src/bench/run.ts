import type { Figure } from './harness.js';
import { printTable, verdict } from './harness.js';
import { routingFigures } from './routing-bench.js';

/**
 * `npm run bench`: every performance figure this build can measure, with its DESIGN.md budget and, where a
 * peer exists, the peer measured in the same run. Exit code 1 if any budget fails.
 */
async function main(): Promise<number> {
  const figures: Figure[] = [];
  const started = Date.now();
  figures.push(...routingFigures());
  printTable(figures);
  process.stdout.write(
    `\n${figures.length} figures in ${((Date.now() - started) / 1000).toFixed(1)} s on Node ${process.version}\n`,
  );
  return figures.some((f) => verdict(f) === 'FAIL') ? 1 : 0;
}

process.exitCode = await main();
