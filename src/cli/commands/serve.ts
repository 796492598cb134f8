import { Option } from 'commander';
import type { CommonOpts, RegisterCommand } from '../kit.js';
import { configFrom, positiveInt, withCommon } from '../kit.js';
import { probeAddress, serveUntilStopped } from '../serving.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * `ironcliw serve`: the HTTP API and dashboard, with learning in a low-priority child. It stops on the first
 * SIGINT/SIGTERM within config server.shutdownTimeoutMs (exit 0), exits at once on a second one (exit 1),
 * and leaves no process behind either way (cli/serving.ts).
 */
export const registerServe: RegisterCommand = (program, { io }) => {
  withCommon(
    program
      .command('serve')
      .description('run the HTTP API and dashboard')
      .addOption(
        new Option('--port <n>', 'port (env IRONCLIW_PORT, default 7878)').argParser(positiveInt('--port')),
      )
      .option('--host <host>', 'interface to bind (default 127.0.0.1)')
      .addOption(
        new Option(
          '--log-level <level>',
          'request and server logs (JSON lines on stdout; default warn)',
        ).choices(LOG_LEVELS),
      ),
  ).action(async (opts: CommonOpts & { port?: number; host?: string; logLevel?: string }) => {
    const config = await configFrom(opts, {
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      ...(opts.host ? { host: opts.host } : {}),
      ...(opts.logLevel ? { server: { logLevel: opts.logLevel } } : {}),
    });
    await probeAddress(config.host, config.port);
    const [{ createIroncliw }, { spawnLearner }, { onDemandLearner }, { hasClaimableJob }] =
      await Promise.all([
        import('../../ironcliw.js'),
        import('../learner.js'),
        import('../on-demand-learner.js'),
        import('../../pipeline/index.js'),
      ]);
    // Learning runs in a low-priority child process unless configured inline or the store cannot be shared.
    const shared = !['memory:', ':memory:', 'sqlite::memory:'].includes(config.db);
    const separate = config.pipeline.enabled && config.pipeline.learner === 'process' && shared;
    const ironcliw = await createIroncliw(config, {
      startWorkers: config.pipeline.enabled && !separate,
      serving: true,
      // Screen scans for requests run on a worker thread: the serving loop stays free (docs/security.md).
      offloadVision: true,
      // Text is read in a child process that exits when idle, giving OCR's memory back (issue 20).
      visionProcess: true,
    });
    // Idle: collect the last requests' garbage (their screens) rather than hold it until the next request.
    if (config.memory.idleGcMs > 0) {
      const { idleCollector } = await import('../idle-gc.js');
      const collector = idleCollector({ idleMs: config.memory.idleGcMs });
      ironcliw.on('command', () => collector.touch());
    }
    // The learner runs only while there is learning to do (config memory.learnerIdleMs; issue 20).
    const always = config.memory.learnerIdleMs === 0;
    await serveUntilStopped(ironcliw, {
      io,
      config,
      what: 'serve',
      // Structured JSON logs (pino) on stdout, at config key server.logLevel.
      logLevel: config.server.logLevel,
      companion: () => {
        if (!separate) return undefined;
        const learner = onDemandLearner({
          spawn: () =>
            spawnLearner({
              db: config.db,
              priority: config.pipeline.learnerPriority,
              exitWhenIdle: !always,
              ...(opts.config ? { config: opts.config } : {}),
            }),
          claimable: () => hasClaimableJob(ironcliw.store),
          pollMs: config.memory.learnerPollMs,
          always,
          log: (msg) => io.err(`serve: ${msg}`),
        });
        const off = ironcliw.on('job', () => learner.demand());
        // PostgreSQL announces jobs other nodes queue (LISTEN/NOTIFY): no waiting for the poll there.
        const unsubscribe = ironcliw.store.changes
          ?.subscribe((change) => {
            if (change.table === 'jobs' || change.table === '*') learner.look();
          })
          .catch(() => undefined);
        return {
          pid: () => learner.current()?.child.pid,
          stop: async (graceMs: number) => {
            off();
            // Not awaited: a feed still connecting to a database that is away must not hold the stop.
            void unsubscribe?.then((u) => u?.());
            await learner.stop(graceMs);
          },
        };
      },
      banner: (address, companion) =>
        `Ironcliw is serving on ${address} (dashboard: ${address}/, store: ${config.db}; learning ${
          !separate
            ? config.pipeline.enabled
              ? 'inline'
              : 'off'
            : always
              ? `in process ${companion?.pid?.()}`
              : 'in a process started when a job is queued'
        })`,
    });
  });
};
