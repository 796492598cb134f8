import { installGenerated } from './service-cost-bench.js';
import { startService } from './busy-vs-idle.js';

/**
 * The server of the `http-cost` suite with `IRONCLIW_BENCH_SERVICE_COST_SERVER=process`: in a process of its
 * own, as `ironcliw serve` runs it (forked by service-cost-bench.ts, told what to do over IPC), a real server
 * on loopback over a fresh SQLite store, with the given commands' generated capabilities installed at 100%.
 * A caller is never in the server's process, so what the server does after an answer has left (a failure
 * folded into its pattern) is not what the caller waits for; measured from inside the server's process, it is.
 */
type Ask = { failuresOf: string } | { close: true };

const commands = JSON.parse(process.argv[2] ?? '[]') as string[];
const service = await startService(false);
for (const command of commands) await installGenerated(service.ironcliw, command);
await service.ironcliw.refresh();
// The bench went away without closing it: nothing is left running.
process.on('disconnect', () => process.exit(0));
process.on('message', (m: Ask) => {
  void (async () => {
    if ('failuresOf' in m) {
      const failures = await service.ironcliw.store.failures.list({ limit: 1000 });
      process.send!({ failures: failures.filter((f) => f.command === m.failuresOf).length });
    } else {
      await service.close();
      process.exit(0);
    }
  })();
});
process.send!({ url: service.url });
