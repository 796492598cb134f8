import { describe, expect, it } from 'vitest';
import { IroncliwError } from '../domain/index.js';
import { FAMILIES } from '../generation/index.js';
import type { Store } from '../store/index.js';
import { createMemoryStore } from '../store/index.js';
import type { CandidateVerifier } from './index.js';
import { Pipeline } from './index.js';
import { THRESHOLDS, failureOf } from '../../test/support/failures.js';

/**
 * The pipeline through a database outage (the multi-process test is test/cluster/db-outage.test.ts): a
 * real in-memory store behind a switch that makes every call fail as the SQL store does when PostgreSQL
 * is away (E_DB_UNAVAILABLE), so the moment of the cut is exact.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Switched {
  store: Store;
  down: boolean;
  /** Called before every repository call ("failures.list"); may set `down`. */
  before?: (call: string) => void;
  calls: string[];
}

function switched(inner: Store): Switched {
  const s: Switched = { store: inner, down: false, calls: [] };
  const guard = (call: string) => {
    s.calls.push(call);
    s.before?.(call);
    if (s.down) throw new IroncliwError('E_DB_UNAVAILABLE', 'the database is unreachable (ECONNREFUSED)');
  };
  const wrap = <T extends object>(name: string, repo: T): T =>
    new Proxy(repo, {
      get(target, key, receiver) {
        const v = Reflect.get(target, key, receiver) as unknown;
        if (typeof v !== 'function') return v;
        return async (...args: unknown[]) => {
          guard(`${name}.${String(key)}`);
          return (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
  const repos = (r: Omit<Store, 'transaction' | 'close' | 'ping'>) => ({
    dialect: r.dialect,
    failures: wrap('failures', r.failures),
    patterns: wrap('patterns', r.patterns),
    capabilities: wrap('capabilities', r.capabilities),
    reports: wrap('reports', r.reports),
    rollouts: wrap('rollouts', r.rollouts),
    events: wrap('events', r.events),
    jobs: wrap('jobs', r.jobs),
    rolloutMetrics: wrap('rolloutMetrics', r.rolloutMetrics),
    servedRequests: wrap('servedRequests', r.servedRequests),
    rolloutPolicies: wrap('rolloutPolicies', r.rolloutPolicies),
    demonstrations: wrap('demonstrations', r.demonstrations),
    screens: wrap('screens', r.screens),
  });
  s.store = {
    ...repos(inner),
    async transaction(fn) {
      guard('transaction');
      return inner.transaction((tx) => fn(repos(tx)));
    },
    async ping() {
      guard('ping');
      return inner.ping();
    },
    close: () => inner.close(),
  };
  return s;
}

/** Turns every candidate down with a stated reason: these tests are about the job, not the candidate. */
const rejectingVerifier = (calls: { n: number }): CandidateVerifier => ({
  async verify() {
    calls.n++;
    return {
      synthesis: { safe: true, score: 1, violations: [] },
      verification: {
        level: 'standard',
        passed: false,
        decision: 'reject',
        riskScore: 1,
        checks: [{ name: 'test', passed: false, detail: 'this test rejects every candidate' }],
      },
      sandboxReports: [],
    } as Awaited<ReturnType<CandidateVerifier['verify']>>;
  },
});

describe('pipeline through a database outage', () => {
  it('keeps a job the outage interrupted (never rejects its pattern for it) and resumes it when the store is back', async () => {
    const inner = createMemoryStore();
    const s = switched(inner);
    const verified = { n: 0 };
    const p = new Pipeline({
      store: s.store,
      thresholds: THRESHOLDS,
      families: FAMILIES,
      verifier: rejectingVerifier(verified),
      onRegistered: async () => {},
      workerId: 'w-outage',
      leaseMs: 60_000,
    });
    const failures = ['ana', 'ben', 'cleo'].map((u) =>
      failureOf('count the green circles on the toolbar', u),
    );
    for (const f of failures) await inner.failures.record(f);
    const job = (await p.observeNow(failures[2]!))!;
    // The database goes away while the job reads the failures it learns from (after it marked the
    // pattern generating).
    s.before = (call) => {
      if (call === 'failures.list' && s.calls.includes('patterns.setStatus')) s.down = true;
    };
    p.start();
    try {
      for (let i = 0; i < 100 && !s.down; i++) await sleep(10);
      expect(s.down).toBe(true);
      await sleep(300); // the worker hits the outage, then retries (and fails) while it lasts
      expect(await inner.jobs.get(job.id)).toMatchObject({ status: 'running', lockedBy: 'w-outage' });
      const pattern = await inner.patterns.get((job.payload as { patternId: string }).patternId);
      expect(pattern!.status).toBe('generating');
      expect(verified.n).toBe(0);

      s.before = undefined;
      s.down = false;
      // Resumed by the same worker under its lease (well before the 60 s lease could run out).
      for (let i = 0; i < 300 && (await inner.jobs.get(job.id))!.status === 'running'; i++) await sleep(10);
      const done = await inner.jobs.get(job.id);
      expect(done).toMatchObject({ status: 'done', attempts: 1 });
      expect(verified.n).toBe(1);
      const decided = await inner.patterns.get(pattern!.id);
      // The verifier's verdict, not the outage, decided the pattern.
      expect(decided!.status).toBe('rejected');
      expect(decided!.statusReason).toMatch(/this test rejects every candidate/);
    } finally {
      s.down = false;
      await p.close();
    }
  });

  it('observes again a failure whose observation the outage cut short, without a worker loop', async () => {
    const inner = createMemoryStore();
    const s = switched(inner);
    // A serve-only node: it observes failures but runs no workers (learning runs elsewhere).
    const p = new Pipeline({
      store: s.store,
      thresholds: THRESHOLDS,
      families: FAMILIES,
      verifier: rejectingVerifier({ n: 0 }),
      onRegistered: async () => {},
    });
    try {
      const failures = ['ana', 'ben', 'cleo'].map((u) => failureOf('where is the yellow square', u));
      for (const f of failures.slice(0, 2)) {
        await inner.failures.record(f);
        await p.observeNow(f);
      }
      // The third is recorded (the runtime answered it), then the database goes away before it is observed.
      await inner.failures.record(failures[2]!);
      s.down = true;
      p.observe(failures[2]!);
      await sleep(1500); // one retry happens while it is still down
      const sig = failures[0]!.signature;
      expect(await inner.patterns.getBySignature(sig)).toMatchObject({ count: 2, status: 'collecting' });
      expect(await inner.jobs.list()).toHaveLength(0);

      s.down = false;
      for (let i = 0; i < 200 && !(await inner.jobs.list()).length; i++) await sleep(10);
      expect(await inner.patterns.getBySignature(sig)).toMatchObject({ count: 3, status: 'queued' });
      expect(await inner.jobs.list()).toHaveLength(1);
    } finally {
      s.down = false;
      await p.close();
    }
  });
});
