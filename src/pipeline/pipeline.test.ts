import { describe, expect, it } from 'vitest';
import { newId } from '../domain/index.js';
import { FAMILIES } from '../generation/index.js';
import type { Store } from '../store/index.js';
import { createMemoryStore } from '../store/index.js';
import type { CandidateVerifier } from './index.js';
import { GENERATE_JOB, Pipeline } from './index.js';
import { THRESHOLDS, failureOf } from '../../test/support/failures.js';

/** These tests stop before verification; reaching it would be a bug in what they pin. */
const unreachableVerifier: CandidateVerifier = {
  verify: () => Promise.reject(new Error('verification must not run in this test')),
};

function pipeline(store: Store, extra: Partial<ConstructorParameters<typeof Pipeline>[0]> = {}) {
  return new Pipeline({
    store,
    thresholds: THRESHOLDS,
    families: FAMILIES,
    verifier: unreachableVerifier,
    onRegistered: async () => {},
    workerId: 'w-test',
    ...extra,
  });
}

describe('pipeline crash recovery', () => {
  it('re-observes failures a crash recorded but never folded into a pattern, and queues the job', async () => {
    const store = createMemoryStore();
    // Recorded (as the runtime does before answering), then the process died before observing them.
    const failures = ['ana', 'ben', 'cleo'].map((u) =>
      failureOf('count the green circles on the toolbar', u),
    );
    for (const f of failures) await store.failures.record(f);
    // Another pattern, fully observed but below its thresholds: left as it is.
    const lone = failureOf('find the red circles', 'ana');
    await store.failures.record(lone);
    const p = pipeline(store);
    await p.observeNow(lone);
    const loneBefore = await store.patterns.getBySignature(lone.signature);

    expect(await p.recover()).toBe(1);
    const recovered = await store.patterns.getBySignature(failures[0]!.signature);
    expect(recovered).toMatchObject({ count: 3, distinctUsers: 3, status: 'queued' });
    const jobs = await store.jobs.list();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ kind: GENERATE_JOB, payload: { patternId: recovered!.id, version: 1 } });
    expect(await store.patterns.getBySignature(lone.signature)).toEqual(loneBefore);
    // Idempotent: a second sweep finds nothing to do and queues nothing.
    expect(await p.recover()).toBe(0);
    expect(await store.jobs.list()).toHaveLength(1);
  });

  it('re-observes a pattern a crash left collecting over its thresholds (no job was queued)', async () => {
    const store = createMemoryStore();
    const failures = ['ana', 'ben', 'cleo'].map((u) => failureOf('where is the yellow square', u));
    for (const f of failures) await store.failures.record(f);
    const p = pipeline(store);
    // Observed up to the upsert, as if the process died before enqueueing.
    await store.patterns.upsert({
      id: newId('pat'),
      signature: failures[0]!.signature,
      frame: failures[0]!.frame,
      parameters: [],
      count: 3,
      distinctUsers: 3,
      firstSeen: failures[0]!.at,
      lastSeen: failures[2]!.at,
      status: 'collecting',
    });
    expect(await p.recover()).toBe(1);
    expect(await store.jobs.list()).toHaveLength(1);
  });

  it('gives a job up after maxAttempts claims, marking it failed and its pattern rejected with the reason', async () => {
    const store = createMemoryStore();
    const failures = ['ana', 'ben', 'cleo'].map((u) =>
      failureOf('count the green circles on the toolbar', u),
    );
    for (const f of failures) await store.failures.record(f);
    const p = pipeline(store, { maxAttempts: 2 });
    const job = (await p.observeNow(failures[2]!))!;
    expect(job).toBeDefined();
    // Two workers claimed it and died (their leases ran out at once).
    expect(await store.jobs.claim('dead-1', -1)).toMatchObject({ id: job.id, attempts: 1 });
    expect(await store.jobs.claim('dead-2', -1)).toMatchObject({ id: job.id, attempts: 2 });

    expect(await p.runOnce()).toBe(true);
    const failed = await store.jobs.get(job.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 3 });
    expect(failed!.error).toMatch(/gave up after 2 attempts/);
    const pattern = await store.patterns.get((job.payload as { patternId: string }).patternId);
    expect(pattern).toMatchObject({ status: 'rejected' });
    expect(pattern!.statusReason).toMatch(/gave up after 2 attempts/);
    expect(await p.runOnce()).toBe(false);
  });
});

describe('pipeline signals for a learner started on demand (issue 20)', () => {
  it('tells onJobQueued of the job once a pattern is over its thresholds, not before', async () => {
    const store = createMemoryStore();
    const queued: string[] = [];
    const p = pipeline(store, { hooks: { onJobQueued: (job) => queued.push(job.key) } });
    const failures = ['ana', 'ben', 'cleo'].map((u) => failureOf('where is the yellow square', u));
    for (const f of failures.slice(0, 2)) {
      await store.failures.record(f);
      await p.observeNow(f);
    }
    // Two failures from two users: under minOccurrences (3), nothing is queued, nobody is told.
    expect(queued).toEqual([]);
    await store.failures.record(failures[2]!);
    const job = await p.observeNow(failures[2]!);
    expect(job).toBeDefined();
    expect(queued).toEqual([job!.key]);
    expect(await store.jobs.get(job!.id)).toMatchObject({ status: 'queued' });
  });

  it('is idle (idleFor > 0) only while no job runs', async () => {
    const store = createMemoryStore();
    let release!: () => void;
    const verifying = new Promise<void>((resolve) => (release = resolve));
    let entered = false;
    const p = pipeline(store, {
      verifier: {
        verify: async () => {
          entered = true;
          await verifying;
          throw new Error('this test stops at verification');
        },
      },
    });
    for (const u of ['ana', 'ben', 'cleo']) {
      const f = failureOf('where is the yellow square', u);
      await store.failures.record(f);
      await p.observeNow(f);
    }
    const running = p.runOnce();
    await expect.poll(() => entered, { timeout: 10_000 }).toBe(true);
    expect(p.idleFor()).toBe(0);
    expect(p.idleFor(Date.now() + 60_000)).toBe(0);
    release();
    expect(await running).toBe(true);
    const [job] = await store.jobs.list();
    expect(job).toMatchObject({ status: 'failed' });
    // Nothing in hand: idle from the moment the job ended.
    expect(p.idleFor(Date.now() + 60_000)).toBeGreaterThanOrEqual(59_000);
  });
});

describe('observing a failure', () => {
  it('starts once the turn that recorded it is over (its answer is written first), and idle() waits for it', async () => {
    const store = createMemoryStore();
    const reads: string[] = [];
    const watched: Store = {
      ...store,
      failures: {
        ...store.failures,
        list: (q) => {
          reads.push('failures.list');
          return store.failures.list(q);
        },
      },
    };
    const f = failureOf('count the green circles on the toolbar', 'ana');
    await store.failures.record(f);
    const p = pipeline(watched);
    p.observe(f);
    // Everything the rest of this turn does — here, a long chain of promise steps, as a request's last
    // store writes and its answer are — runs before the observation touches the store.
    for (let i = 0; i < 1000; i++) await Promise.resolve();
    expect(reads).toEqual([]);
    expect(await store.patterns.getBySignature(f.signature)).toBeUndefined();
    await p.idle(10_000);
    expect(reads).toEqual(['failures.list']);
    expect(await store.patterns.getBySignature(f.signature)).toMatchObject({
      count: 1,
      status: 'collecting',
    });
    await p.close();
  });

  it('folds a burst of one pattern once, after its delay, with the counts and times of every failure in it', async () => {
    const store = createMemoryStore();
    let reads = 0;
    const watched: Store = {
      ...store,
      failures: {
        ...store.failures,
        list: (q) => {
          reads++;
          return store.failures.list(q);
        },
      },
    };
    const t0 = Date.parse('2026-12-07T10:00:00.000Z');
    const burst = ['ana', 'ben', 'ana', 'cleo'].map((u, i) => ({
      ...failureOf('count the green circles on the toolbar', u),
      at: new Date(t0 + i * 10).toISOString(),
    }));
    const p = pipeline(watched, { observeDelayMs: 50, now: () => new Date(t0 + 1000) });
    for (const f of burst) {
      await store.failures.record(f);
      p.observe(f);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(reads).toBe(0);
    // Its delay over, without idle(): one fold for the four, and the job their thresholds call for.
    for (let i = 0; i < 100 && !(await store.jobs.list()).length; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(reads).toBe(1);
    expect(await store.patterns.getBySignature(burst[0]!.signature)).toMatchObject({
      count: 4,
      distinctUsers: 3,
      firstSeen: burst[0]!.at,
      lastSeen: burst[3]!.at,
      status: 'queued',
    });
    expect(await store.jobs.list()).toHaveLength(1);
    await p.close();
  });

  it('folds apart what lands in different patterns: a blocked request, another signature, a partly understood command', async () => {
    const store = createMemoryStore();
    const failures = [
      failureOf('click the "Export" button', 'ana'),
      failureOf('click the "Delete" button', 'ben'),
      failureOf('find the red circles', 'ana'),
      { ...failureOf('count the widgets frobnicated', 'ana'), category: 'low_confidence' as const },
      failureOf('click the "Open" button', 'cleo'),
    ];
    // A long delay: only idle() starts the folds here.
    const p = pipeline(store, { observeDelayMs: 60_000 });
    for (const f of failures) {
      await store.failures.record(f);
      p.observe(f);
    }
    expect(await store.patterns.list()).toEqual([]);
    await p.idle(10_000);
    const patterns = await store.patterns.list();
    const bySignature = new Map(patterns.map((x) => [x.signature, x]));
    expect(bySignature.get('click:button[label]')).toMatchObject({ count: 2, distinctUsers: 2 });
    expect(bySignature.get('blocked:click:button[label]')).toMatchObject({ count: 1, status: 'blocked' });
    expect(bySignature.get(failures[2]!.signature)).toMatchObject({ count: 1 });
    expect(patterns.filter((x) => x.signature.startsWith('text:'))).toHaveLength(1);
    expect(patterns).toHaveLength(4);
    await p.close();
  });

  it('folds what is still waiting when it closes', async () => {
    const store = createMemoryStore();
    const f = failureOf('where is the yellow square', 'ana');
    await store.failures.record(f);
    const p = pipeline(store, { observeDelayMs: 60_000 });
    p.observe(f);
    await p.close();
    expect(await store.patterns.getBySignature(f.signature)).toMatchObject({ count: 1 });
  });
});
