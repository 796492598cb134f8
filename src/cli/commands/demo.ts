import { Option } from 'commander';
import type { RegisterCommand } from '../kit.js';
import { configFrom, positiveInt, table } from '../kit.js';
import { probeAddress, serveUntilStopped } from '../serving.js';

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(0)}%`);

/**
 * `ironcliw demo`: the whole learning loop on a fresh store in under a minute, then a summary. With --serve,
 * the dashboard on that store afterwards, served and stopped as `serve` is (cli/serving.ts): a taken port is
 * refused before the demo starts, the first SIGINT/SIGTERM stops it within server.shutdownTimeoutMs.
 */
export const registerDemo: RegisterCommand = (program, { io, setExit }) => {
  program
    .command('demo')
    .description('watch Ironcliw learn, verify, roll out and roll back capabilities (fresh store, < 60 s)')
    .option('--db <url>', 'store to fill (default: a fresh temporary SQLite file)')
    .option('--serve', 'afterwards, serve the dashboard on that store until Ctrl-C')
    .addOption(
      new Option('--port <n>', 'port for --serve (env IRONCLIW_PORT, default 7878)').argParser(
        positiveInt('--port'),
      ),
    )
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { db?: string; serve?: boolean; port?: number; json?: boolean }) => {
      const port = opts.port !== undefined ? { port: opts.port } : {};
      if (opts.serve) {
        // A taken port costs a line now, not after the minute of the demo.
        const { host, port: chosen } = await configFrom({}, port);
        await probeAddress(host, chosen);
      }
      const { runDemo } = await import('../../demo/index.js');
      const summary = await runDemo({
        ...(opts.db ? { db: opts.db } : {}),
        ...(opts.json ? {} : { log: (line: string) => io.out(line) }),
      });
      if (opts.json) io.out(JSON.stringify(summary));
      else {
        io.out('');
        io.out(
          table(
            summary.capabilities.map((c) => ({
              capability: c.id,
              version: c.version,
              stage: c.stage,
              'window requests': c.requests,
              success: pct(c.successRate),
              p99: c.p99Ms === null ? '—' : `${c.p99Ms.toFixed(1)} ms`,
              feedback: pct(c.positiveFeedbackShare),
            })),
            ['capability', 'version', 'stage', 'window requests', 'success', 'p99', 'feedback'],
          ),
        );
        io.out(
          `\n${summary.decisions.length} decisions stored with their reasons and numbers; took ${(summary.durationMs / 1000).toFixed(1)} s`,
        );
        io.out(`store: ${summary.db}  (inspect: ironcliw status --db ${summary.db})`);
      }
      setExit(0);
      if (!opts.serve) return;
      const config = await configFrom({ db: summary.db }, port);
      const { createIroncliw } = await import('../../ironcliw.js');
      await serveUntilStopped(await createIroncliw(config), {
        io,
        config,
        what: 'demo',
        banner: (address) => `dashboard: ${address}/  (Ctrl-C to stop)`,
      });
    });
};
