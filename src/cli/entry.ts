/** The `ironcliw` process entry (bin/ironcliw.js loads its build; child processes such as the learner start it). */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
