import type { Learner } from './learner.js';

/**
 * `serve`'s learner, run only while there is learning to do (issue 20: an idle learner held ≈ 300 MB). The
 * learner process is started when a job is queued — at once for a job this server enqueued (`demand()`,
 * from the runtime's `job` event), within `pollMs` for one another node enqueued or one whose learner died
 * mid-way (its lease ran out): `claimable()` reads the store. The learner exits by itself once idle
 * (`ironcliw learn --exit-when-idle`, config memory.learnerIdleMs); the next job starts a new one.
 *
 * Nothing is lost in between, because jobs are durable and claimed under a lease: a job queued while the
 * learner is deciding to exit is still queued when it has exited, and the store is read again at every exit
 * (a demand seen meanwhile starts the next learner without asking). A learner that exits with an error is
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
  /** A job was queued here: start a learner unless one runs (then it is read again when that one exits). */
  demand(): void;
  /** The learner process running now, if any (for tests and the banner). */
  current(): Learner | undefined;
  /** Stops looking for work and stops the learner (SIGTERM, SIGKILL after `graceMs`). */
  stop(graceMs: number): Promise<void>;
}

const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 60_000;
/** A learner that ran at least this long before failing resets the back-off. */
const HEALTHY_RUN_MS = 30_000;

export function onDemandLearner(options: OnDemandLearnerOptions): OnDemandLearner {
  let learner: Learner | undefined;
  let stopping = false;
  /** A job was queued while a learner ran: the next exit starts another without reading the store. */
  let demanded = false;
  let checking = false;
  let backoffMs = 0;
  let retry: NodeJS.Timeout | undefined;

  const start = () => {
    if (stopping || learner || retry) return;
    demanded = false;
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

  /** After a learner ended: another one if a job was queued meanwhile or waits in the store. */
  const after = () => {
    if (options.always || demanded) start();
    else check();
  };

  const check = () => {
    if (stopping || learner || retry || checking) return;
    checking = true;
    options.claimable().then(
      (yes) => {
        checking = false;
        if (yes) start();
      },
      (err: unknown) => {
        checking = false;
        // The store is away: the next poll reads it again.
        options.log?.(`cannot read the store for learning jobs: ${String(err)}`);
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
      if (stopping) return;
      if (learner) demanded = true;
      else start();
    },
    current: () => learner,
    async stop(graceMs) {
      stopping = true;
      clearInterval(poll);
      clearTimeout(retry);
      retry = undefined;
      await learner?.stop(graceMs);
    },
  };
}
