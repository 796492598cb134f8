import { Option } from 'commander';
import { createServer } from 'node:net';
import { IroncliwError } from '../../domain/index.js';
import { createIroncliw } from '../../ironcliw.js';
import { buildServer } from '../../server/index.js';
import type { CommonOpts, RegisterCommand } from '../kit.js';
import { configFrom, positiveInt, withCommon } from '../kit.js';
import { spawnLearner } from '../learner.js';
import { shutdownRequested, stopWithin } from '../shutdown.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** What listen() failing means to the person who ran `serve`. */
function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as { code?: string }).code;
  if (code === 'EADDRINUSE')
    return new IroncliwError('E_PORT_IN_USE', `${host}:${port} is in use`, { cause: err });
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL')
    return new IroncliwError(
      'E_USAGE',
      `cannot listen on ${host}:${port} (${code === 'EACCES' ? 'permission denied' : 'no such address here'})`,
      { cause: err, hint: 'Choose another address with --host/--port (or IRONCLIW_HOST/IRONCLIW_PORT).' },
    );
  return err;
}

/**
 * Binds and releases the address before anything else starts: a taken port is the most common start-up
 * failure, and it should cost the user a line, not the seconds of opening the store and the sandbox pool.
 * (listen() below still handles the address being taken in between.)
 */
function probeAddress(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err) => reject(listenError(err, host, port)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/**
 * `ironcliw serve`: the HTTP API and dashboard, with learning in a low-priority child. It stops on the first
 * SIGINT/SIGTERM within config server.shutdownTimeoutMs (exit 0), exits at once on a second one (exit 1),
 * and leaves no process behind either way.
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
    const config = configFrom(opts, {
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      ...(opts.host ? { host: opts.host } : {}),
      ...(opts.logLevel ? { server: { logLevel: opts.logLevel } } : {}),
    });
    await probeAddress(config.host, config.port);
    // Learning runs in a low-priority child process unless configured inline or the store cannot be shared.
    const shared = !['memory:', ':memory:', 'sqlite::memory:'].includes(config.db);
    const separate = config.pipeline.enabled && config.pipeline.learner === 'process' && shared;
    const ironcliw = await createIroncliw(config, {
      startWorkers: config.pipeline.enabled && !separate,
      serving: true,
      // Screen scans for requests run on a worker thread: the serving loop stays free (docs/security.md).
      offloadVision: true,
    });
    let address: string;
    // Structured JSON logs (pino) on stdout, at config key server.logLevel.
    const app = await buildServer(ironcliw, { logger: { level: config.server.logLevel } }).catch(
      async (err: unknown) => {
        await ironcliw.close();
        throw err;
      },
    );
    try {
      address = await app.listen({ port: config.port, host: config.host });
    } catch (err) {
      // Nothing may outlive a failed start: the sandbox pool, OCR workers and store close before the error.
      await app.close();
      await ironcliw.close();
      throw listenError(err, config.host, config.port);
    }
    const learner = separate
      ? spawnLearner({
          db: config.db,
          priority: config.pipeline.learnerPriority,
          ...(opts.config ? { config: opts.config } : {}),
        })
      : undefined;
    io.out(
      `Ironcliw is serving on ${address} (dashboard: ${address}/, store: ${config.db}; learning ${learner ? `in process ${learner.child.pid}` : config.pipeline.enabled ? 'inline' : 'off'})`,
    );
    const signal = await shutdownRequested();
    const deadlineMs = config.server.shutdownTimeoutMs;
    const started = performance.now();
    io.out(
      `${signal}: shutting down within ${deadlineMs} ms — finishing in-flight requests; unfinished learning jobs resume on the next start`,
    );
    // Graceful: the server stops accepting, answers what is in flight, then the pipeline stops claiming
    // jobs and waits for the running one; a job cut short keeps its lease and is taken over later.
    await stopWithin({ io, deadlineMs, what: 'serve' }, async () => {
      await app.close();
      // The learner gets what is left of the deadline (less a margin for closing this process), then SIGKILL.
      const left = deadlineMs - (performance.now() - started);
      await learner?.stop(Math.max(0, Math.min(left - 500, left * 0.8)));
      await ironcliw.close();
    });
    io.out(`stopped in ${Math.round(performance.now() - started)} ms`);
  });
};
