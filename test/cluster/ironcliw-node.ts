/**
 * `ironcliw` from source, for the multi-process tests: the same `main` that bin/ironcliw.js runs from dist,
 * loaded through tsx so the tests need no build step. Spawned as `node --import tsx ironcliw-node.ts serve …`.
 */
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
