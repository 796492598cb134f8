import type { FastifyInstance } from 'fastify';
import { createServer } from 'node:net';
import type { IroncliwConfig } from '../config/index.js';
import { IroncliwError } from '../domain/index.js';
import type { Ironcliw } from '../ironcliw.js';
import type { Io } from './kit.js';
import { shutdownRequested, stopWithin } from './shutdown.js';

/**
 * Serving the HTTP API and dashboard until stopped, for `serve` and `demo --serve`: a taken port is one line
 * (E_PORT_IN_USE, exit 2) with nothing left running, the first SIGINT/SIGTERM stops within
 * config server.shutdownTimeoutMs (exit 0), a second one exits at once (exit 1). This module stays light:
 * the server (Fastify) loads only once the address is known to be free.
 */

/** What listen() failing means to the person who ran the command. */
export function listenError(err: unknown, host: string, port: number): unknown {
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
 * failure, and it should cost the user a line, not the seconds of opening the store and the sandbox pool
 * (or, for `demo --serve`, the minute of the demo). listen() still handles the address being taken in between.
 */
export function probeAddress(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err) => reject(listenError(err, host, port)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** A process that serves next to the server (serve's learner), stopped with what is left of the deadline. */
export interface Companion {
  stop(graceMs: number): Promise<void>;
  /** Its process id now, if it runs (for the banner). */
  pid?(): number | undefined;
}

export interface ServeOptions {
  io: Io;
  /** host, port, server.logLevel and server.shutdownTimeoutMs are read from it. */
  config: IroncliwConfig;
  /** What is stopping, for the shutdown messages ("serve", "demo"). */
  what: string;
  /** Request and server logs (pino, JSON lines on stdout) at this level; none when omitted. */
  logLevel?: string;
  /** Started once the server listens. */
  companion?: () => Companion | undefined;
  /** The line printed once the server listens (and the companion started). */
  banner: (address: string, companion?: Companion) => string;
}

/**
 * Serves `ironcliw` until the first SIGINT/SIGTERM, then stops gracefully under the deadline. Owns `ironcliw`:
 * it is closed on every path, a failed start included (nothing may outlive it: the sandbox pool, OCR workers,
 * the store), and a failed listen is thrown as `listenError`.
 */
export async function serveUntilStopped(ironcliw: Ironcliw, options: ServeOptions): Promise<void> {
  const { io, config } = options;
  let app: FastifyInstance;
  try {
    const { buildServer } = await import('../server/index.js');
    app = await buildServer(ironcliw, options.logLevel ? { logger: { level: options.logLevel } } : {});
  } catch (err) {
    await ironcliw.close();
    throw err;
  }
  let address: string;
  try {
    address = await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await app.close();
    await ironcliw.close();
    throw listenError(err, config.host, config.port);
  }
  const companion = options.companion?.();
  io.out(options.banner(address, companion));
  const signal = await shutdownRequested();
  const deadlineMs = config.server.shutdownTimeoutMs;
  const started = performance.now();
  io.out(
    `${signal}: shutting down within ${deadlineMs} ms — finishing in-flight requests; unfinished learning jobs resume on the next start`,
  );
  // Graceful: the server stops accepting, answers what is in flight, then the pipeline stops claiming
  // jobs and waits for the running one; a job cut short keeps its lease and is taken over later.
  await stopWithin({ io, deadlineMs, what: options.what }, async () => {
    await app.close();
    // The companion gets what is left of the deadline (less a margin for closing this process), then SIGKILL.
    const left = deadlineMs - (performance.now() - started);
    await companion?.stop(Math.max(0, Math.min(left - 500, left * 0.8)));
    await ironcliw.close();
  });
  io.out(`stopped in ${Math.round(performance.now() - started)} ms`);
}
