import { runDemo } from '../../demo/index.js';
import { buildServer } from '../../server/index.js';
import { createIroncliw } from '../../ironcliw.js';
import type { RegisterCommand } from '../kit.js';
import { table } from '../kit.js';

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(0)}%`);

/** `ironcliw demo`: the whole learning loop on a fresh store in under a minute, then a summary. */
export const registerDemo: RegisterCommand = (program, { io, setExit }) => {
  program
    .command('demo')
    .description('watch Ironcliw learn, verify, roll out and roll back capabilities (fresh store, < 60 s)')
    .option('--db <url>', 'store to fill (default: a fresh temporary SQLite file)')
    .option('--serve', 'afterwards, serve the dashboard on that store until Ctrl-C')
    .option('--port <n>', 'port for --serve (default 7878)', (v) => Number(v))
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { db?: string; serve?: boolean; port?: number; json?: boolean }) => {
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
      const ironcliw = await createIroncliw({
        db: summary.db,
        ...(opts.port !== undefined ? { port: opts.port } : {}),
      });
      const app = await buildServer(ironcliw);
      const address = await app.listen({ port: ironcliw.config.port, host: ironcliw.config.host });
      io.out(`dashboard: ${address}/  (Ctrl-C to stop)`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await app.close();
      await ironcliw.close();
    });
};
