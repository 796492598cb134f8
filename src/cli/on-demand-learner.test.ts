import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { hasClaimableJob } from '../pipeline/index.js';
import type { Store } from '../store/index.js';
import { openStore } from '../store/index.js';
import type { Learner } from './learner.js';
import type { OnDemandLearner } from './on-demand-learner.js';
import { onDemandLearner } from './on-demand-learner.js';

/**
 * The supervision of serve's learner, with a stand-in for the process (its exits are the test's to make)
 * over a real store: what `claimable` reads is what the learner would claim.
 */
class FakeLearner {
  readonly child = Object.assign(new EventEmitter(), { pid: 0 }) as unknown as ChildProcess;
  stopped = false;
  constructor(pid: number) {
    (this.child as unknown as { pid: number }).pid = pid;
  }
  /** The process ends by itself (0: idle, as `learn --exit-when-idle` does). */
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.child.emit('exit', code, signal);
  }
  stop(): Promise<void> {
    this.stopped = true;
    this.exit(null, 'SIGTERM');
    return Promise.resolve();
  }
}

let store: Store;
let supervisor: OnDemandLearner | undefined;
let spawned: FakeLearner[] = [];

async function setUp(o: { pollMs?: number; always?: boolean } = {}): Promise<OnDemandLearner> {
  store = await openStore('memory:');
  spawned = [];
  supervisor = onDemandLearner({
    spawn: () => {
      const l = new FakeLearner(1000 + spawned.length);
      spawned.push(l);
      return l as unknown as Learner;
    },
    claimable: () => hasClaimableJob(store),
    pollMs: o.pollMs ?? 600_000,
    ...(o.always ? { always: true } : {}),
  });
  return supervisor;
}

const enqueue = (n: number) =>
  store.jobs.enqueue({ id: `job_${n}`, kind: 'generate', key: `generate:p${n}:v1`, payload: {} });

afterEach(async () => {
  await supervisor?.stop(0);
  supervisor = undefined;
  await store?.close();
});

describe("serve's learner on demand", () => {
  it('starts none while nothing is queued, and one when this server queues a job', async () => {
    const s = await setUp({ pollMs: 100 });
    await sleep(400);
    expect(spawned).toHaveLength(0);
    expect(s.current()).toBeUndefined();
    s.demand();
    expect(spawned).toHaveLength(1);
    // A second demand while it runs starts no second learner.
    s.demand();
    expect(spawned).toHaveLength(1);
    expect(s.current()).toBe(spawned[0]);
  });

  it("finds a job another node queued with its poll, and a dead learner's job once its lease ran out", async () => {
    const s = await setUp({ pollMs: 100 });
    await enqueue(1);
    await expect.poll(() => spawned.length, { timeout: 5000, interval: 20 }).toBe(1);
    // The learner claims the job and is killed mid-way (no exit code): the job is running under its lease.
    await store.jobs.claim('worker_dead', 1000);
    spawned[0]!.exit(null, 'SIGKILL');
    expect(s.current()).toBeUndefined();
    await sleep(300);
    // Still leased to the dead worker: nothing to claim yet, so no learner.
    expect(spawned).toHaveLength(1);
    // Once the lease ran out (and after the back-off for a learner that failed), a new one takes it over.
    await expect.poll(() => spawned.length, { timeout: 5000, interval: 20 }).toBe(2);
    expect(await store.jobs.claim('worker_new', 1000)).toMatchObject({ id: 'job_1', attempts: 2 });
  });

  it('starts a new learner for a job queued while the last one was exiting idle', async () => {
    // No poll within the test: only the read at the learner's exit can find the job.
    const s = await setUp();
    s.demand();
    expect(spawned).toHaveLength(1);
    // The learner decided it was idle and stopped claiming; meanwhile another node queues a job…
    await enqueue(2);
    // …and then the learner exits (code 0). The store still holds the job: a new learner starts for it.
    spawned[0]!.exit(0);
    await expect.poll(() => spawned.length, { timeout: 5000, interval: 20 }).toBe(2);
    expect(s.current()).toBe(spawned[1]);
  });

  it('starts a new learner when this server queued a job while the last one was exiting', async () => {
    const s = await setUp();
    s.demand();
    // Queued here, and announced while the learner is still there (exiting): remembered, not dropped.
    await enqueue(3);
    s.demand();
    expect(spawned).toHaveLength(1);
    spawned[0]!.exit(0);
    await expect.poll(() => spawned.length, { timeout: 5000, interval: 20 }).toBe(2);
  });

  it('starts none after an idle exit for jobs announced while it ran and since done', async () => {
    const s = await setUp();
    s.demand();
    // Announced while the learner ran, which claimed and finished it before exiting idle.
    await enqueue(6);
    s.demand();
    const job = await store.jobs.claim('worker_learner', 60_000);
    await store.jobs.complete(job!.id, 'worker_learner', {});
    spawned[0]!.exit(0);
    await sleep(200);
    expect(spawned).toHaveLength(1);
  });

  it('starts none after an idle exit when nothing is queued', async () => {
    const s = await setUp();
    s.demand();
    spawned[0]!.exit(0);
    await sleep(200);
    expect(spawned).toHaveLength(1);
    expect(s.current()).toBeUndefined();
  });

  it('backs off before starting again a learner that failed', async () => {
    const s = await setUp();
    await enqueue(4);
    s.demand();
    spawned[0]!.exit(1);
    // The job is still queued, but a learner that cannot start must not be restarted in a loop.
    await sleep(300);
    expect(spawned).toHaveLength(1);
    s.demand();
    expect(spawned).toHaveLength(1);
    await expect.poll(() => spawned.length, { timeout: 5000, interval: 20 }).toBe(2);
  });

  it('reads the store again a second after it was away, not only at the next poll', async () => {
    const store = await openStore('memory:');
    let away = true;
    const learners: FakeLearner[] = [];
    const said: string[] = [];
    supervisor = onDemandLearner({
      spawn: () => {
        const l = new FakeLearner(1);
        learners.push(l);
        return l as unknown as Learner;
      },
      claimable: () => (away ? Promise.reject(new Error('E_DB_UNAVAILABLE')) : hasClaimableJob(store)),
      pollMs: 600_000,
      log: (m) => said.push(m),
    });
    await store.jobs.enqueue({ id: 'job_x', kind: 'generate', key: 'generate:px:v1', payload: {} });
    await sleep(1500);
    expect(learners).toHaveLength(0);
    expect(said).toHaveLength(1);
    away = false;
    await expect.poll(() => learners.length, { timeout: 5000, interval: 20 }).toBe(1);
    await supervisor.stop(0);
    await store.close();
  });

  it('with always (memory.learnerIdleMs = 0) starts one at once, and stop() stops it and starts no other', async () => {
    const s = await setUp({ always: true, pollMs: 100 });
    expect(spawned).toHaveLength(1);
    await enqueue(5);
    await s.stop(1000);
    expect(spawned[0]!.stopped).toBe(true);
    s.demand();
    await sleep(300);
    expect(spawned).toHaveLength(1);
  });
});
