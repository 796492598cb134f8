import type { Learner } from './learner.js';

/**
 * `serve`'s learner, run only while there is learning to do (issue 20: an idle learner held ≈ 300 MB). The
 * learner process is started when a job is queued — at once for a job this server enqueued (`demand()`,
 * from the runtime's `job` event), within `pollMs` for one another node enqueued or one whose learner died
 * mid-way (its lease ran out): `claimable()` reads the store. The learner exits by itself once idle
 * (`ironcliw learn --exit-when-idle`, config memory.learnerIdleMs); the next job starts a new one.
 *
 * Nothing is lost in between, because jobs are durable and claimed under a lease: a job queued while the
 * learner is deciding to exit is still queued when it has exited, and the store is read again at every exit.
 * A learner that exits with an error is
 * started again only after a back-off (1 s, doubling to 60 s), so a learner that cannot start does not spin.
 */
export interface OnDemandLearnerOptions {
  /** Starts a learner process (spawnLearner with `--exit-when-idle`). */
  spawn: () => Learner;
  /** Whether a learning job waits for a worker (hasClaimableJob on the store). */
  claimable: () => Promise<boolean>;
  /** How often the store is read while no learner runs (config memory.learnerPollMs). */
  pollMs: number;
  /** Start one now and keep one running (config memory.learnerIdleMs = 0: the learner never exits idle). */
  always?: boolean;
  /** Told each time a learner process starts. */
  onStart?: (pid: number | undefined) => void;
  log?: (msg: string) => void;
}

export interface OnDemandLearner {
  /** A job was queued here: start a learner unless one runs (the store is read again when that one exits). */
  demand(): void;
  /** Something may have been queued elsewhere (a store change feed said so): read the store now. */
  look(): void;
  /** The learner process running now, if any (for tests and the banner). */
  current(): Learner | undefined;
  /** Stops looking for work and stops the learner (SIGTERM, SIGKILL after `graceMs`). */
  stop(graceMs: number): Promise<void>;
}

const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 60_000;
/** A learner that ran at least this long before failing resets the back-off. */
const HEALTHY_RUN_MS = 30_000;
/** After a failed read of the store (it is away), the next one. */
const REREAD_MS = 1000;

export function onDemandLearner(options: OnDemandLearnerOptions): OnDemandLearner {
  let learner: Learner | undefined;
  let stopping = false;
  let checking = false;
  let backoffMs = 0;
  let retry: NodeJS.Timeout | undefined;

  const start = () => {
    if (stopping || learner || retry) return;
    const l = options.spawn();
    learner = l;
    const startedAt = performance.now();
    let ended = false;
    const onEnd = (failed: boolean) => {
      if (ended) return;
      ended = true;
      if (learner === l) learner = undefined;
      if (stopping) return;
      if (failed) {
        backoffMs =
          performance.now() - startedAt >= HEALTHY_RUN_MS
            ? MIN_BACKOFF_MS
            : Math.min(MAX_BACKOFF_MS, Math.max(MIN_BACKOFF_MS, backoffMs * 2));
        options.log?.(`learner exited with an error; starting it again in ${backoffMs} ms if work is left`);
        retry = setTimeout(() => {
          retry = undefined;
          after();
        }, backoffMs);
        retry.unref();
      } else {
        backoffMs = 0;
        after();
      }
    };
    l.child.once('exit', (code, signal) => onEnd(code !== 0 || signal !== null));
    l.child.once('error', () => onEnd(true));
    options.onStart?.(l.child.pid);
  };

  /**
   * After a learner ended: another one if a job waits in the store. Read, not remembered: a job queued while
   * the learner ran was announced then (and is in the store), but most of those it has run since.
   */
  const after = () => {
    if (options.always) start();
    else check();
  };

  /** A read asked for while one was in flight: that one may have read the store before the job landed. */
  let again = false;
  let reread: NodeJS.Timeout | undefined;
  /** Said once per outage, not once a second. */
  let storeAway = false;
  const check = () => {
    if (stopping || learner || retry) return;
    if (checking) {
      again = true;
      return;
    }
    checking = true;
    again = false;
    options.claimable().then(
      (yes) => {
        checking = false;
        storeAway = false;
        if (yes) start();
        else if (again) check();
      },
      (err: unknown) => {
        checking = false;
        // The store is away: read it again in a second (or at the poll, if sooner), not only at the poll.
        if (!storeAway) options.log?.(`cannot read the store for learning jobs: ${String(err)}`);
        storeAway = true;
        clearTimeout(reread);
        reread = setTimeout(check, Math.min(options.pollMs, REREAD_MS));
        reread.unref();
      },
    );
  };

  const poll = setInterval(check, options.pollMs);
  // Looking for work must never be what keeps serve alive.
  poll.unref();
  if (options.always) start();
  else check();

  return {
    demand() {
      // With a learner running, it claims the job (or leaves it in the store, read again when it exits).
      if (!stopping && !learner) start();
    },
    look: () => check(),
    current: () => learner,
    async stop(graceMs) {
      stopping = true;
      clearInterval(poll);
      clearTimeout(retry);
      clearTimeout(reread);
      retry = undefined;
      await learner?.stop(graceMs);
    },
  };
}
