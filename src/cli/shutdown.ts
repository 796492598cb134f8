import type { Io } from './kit.js';
import { EXIT } from './kit.js';

/**
 * Bounded graceful shutdown for the long-running commands (`serve`, `learn`). The first SIGINT/SIGTERM (or
 * another trigger, e.g. the learner's parent being gone) starts a graceful stop; it must finish within
 * `deadlineMs` (config server.shutdownTimeoutMs), else the process exits at the deadline. A second signal
 * exits at once. Why a deadline: whatever was served (an OCR worker, a request that never ends, a learning
 * job in the middle of a benchmark), a supervisor's stop must not hang; nothing is lost by exiting, since
 * failures are stored before they are answered and learning jobs are durable leases that resume.
 */
interface ShutdownOptions {
  io: Io;
  deadlineMs: number;
  /** What is stopping, for the messages ("server", "learner"). */
  what: string;
  /** Exits the process (a parameter so the forced paths can be observed). */
  exit?: (code: number) => void;
}

/**
 * A signal that arrived after the first one but before stopWithin armed its own handler. Why: with no listener
 * left, Node restores the default action and a SIGTERM kills the process outright (exit by signal, not 1) —
 * a supervisor that sees "shutting down" and signals again at once could hit that window on a busy machine.
 */
let early: NodeJS.Signals | undefined;
const holdEarly = (signal: NodeJS.Signals) => {
  early ??= signal;
};

/** Resolves with the reason once the first SIGINT/SIGTERM arrives or `also` fires. */
export function shutdownRequested(also?: (trigger: (reason: string) => void) => void): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => trigger(signal);
    const trigger = (reason: string) => {
      // Held until stopWithin listens: a later signal is never met by the default action.
      process.on('SIGINT', holdEarly);
      process.on('SIGTERM', holdEarly);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(reason);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    also?.(trigger);
  });
}

/**
 * Runs `stop` under the deadline. Resolves when it finished in time (the caller then returns exit 0);
 * otherwise the process exits with 1 at the deadline, or at once on a second signal. The deadline stays
 * armed (unref'd) after `stop`: if something still keeps the process alive then, it is named and the
 * process exits anyway.
 */
export async function stopWithin(options: ShutdownOptions, stop: () => Promise<void>): Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopped = false;
  const again = (signal: NodeJS.Signals) => {
    options.io.err(`${options.what}: second ${signal} — exiting now without finishing the shutdown`);
    exit(EXIT.no);
  };
  process.on('SIGINT', again);
  process.on('SIGTERM', again);
  process.off('SIGINT', holdEarly);
  process.off('SIGTERM', holdEarly);
  if (early) {
    again(early);
    return;
  }
  const timer = setTimeout(() => {
    if (stopped) {
      options.io.err(
        `${options.what}: stopped, but something still kept the process alive after ${options.deadlineMs} ms — exiting (please report this)`,
      );
      exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok);
      return;
    }
    options.io.err(
      `${options.what}: shutdown did not finish within ${options.deadlineMs} ms (config server.shutdownTimeoutMs) — exiting now; unfinished learning jobs resume on the next start`,
    );
    exit(EXIT.no);
  }, options.deadlineMs);
  // The deadline only bounds the stop; it must never be what keeps the process alive.
  timer.unref();
  await stop();
  stopped = true;
}
