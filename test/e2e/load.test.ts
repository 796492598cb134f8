import { beforeAll, describe, expect, it } from 'vitest';
import type { BusyVsIdle, PhaseOutcome } from '../../bench/busy-vs-idle.js';
import { busyVsIdle } from '../../bench/busy-vs-idle.js';
import { FAILING_COMMANDS } from '../../bench/load-mix.js';

/**
 * The service under load, over real sockets on loopback: 200 concurrent clients (autocannon, in a worker
 * thread) for 10 s (2 s warm-up + 8 s measured) against `app.listen({port: 0})` on a fresh SQLite store, rate
 * limit off. 90% of the requests are a handled built-in command (`what can you do`), 10% commands no
 * capability handles yet — 20 distinct ones with a screen, recorded as failures and folded into patterns.
 * Three runs of that load on fresh services: idle (the failing commands all come from one user, so no pattern
 * reaches the distinct-users threshold and no job runs), busy (they come from several users: patterns are
 * ready within the warm-up and generation + production-level verification jobs run through the measured
 * window), idle again. As `ironcliw serve` runs, learning happens in a learner process at nice 19 on the same
 * store; rollout timers and the per-request work are the same in all three.
 * This test asserts behaviour under that load; the latency budget (handled p99 busy ≤ 1.2× idle) is a figure
 * of `npm run bench -- http`, which measures the same three runs (timed budgets do not belong in tests).
 * How it is measured and what the numbers were: docs/performance.md.
 */
describe('HTTP service under load (200 clients, 10% failing commands feeding the pipeline)', () => {
  let r: BusyVsIdle;
  let phases: PhaseOutcome[];

  beforeAll(async () => {
    r = await busyVsIdle({ connections: 200, durationMs: 8000, warmupMs: 2000 });
    phases = [r.idle[0], r.busy, r.idle[1]];
  }, 150_000);

  it('answers every request: no 5xx, no connection errors or timeouts, every non-2xx with an error code', () => {
    for (const { load } of phases) {
      expect(load.connectionErrors, JSON.stringify(load.errorKinds)).toBe(0);
      expect(load.timeouts).toBe(0);
      const fiveXx = Object.entries(load.statuses).filter(([s]) => Number(s) >= 500);
      expect(fiveXx).toEqual([]);
      expect(load.non2xxWithoutCode).toBe(0);
      expect(load.answered).toBeGreaterThan(1000);
    }
  });

  it('answers the handled command and records the failing ones as failures', () => {
    for (const { load, activity } of phases) {
      const handled = load.answers.handled!;
      expect(handled.ok).toBeGreaterThan(0);
      expect(handled.notOk + handled.other).toBe(0);
      const failing = load.answers.failing!;
      // A learned capability starts in development (internal group only): these users still get failures.
      expect(failing.notOk).toBeGreaterThan(0);
      expect(failing.other).toBe(0);
      // Every failing answer was recorded durably before it was sent.
      expect(activity.failuresRecorded).toBeGreaterThanOrEqual(failing.notOk);
      expect(load.byKind.handled!.count).toBeGreaterThan(8 * load.byKind.failing!.count);
    }
  });

  it('had learning due through the busy run (and the learner at work), and only there', () => {
    const a = r.busy.activity;
    // Patterns of all the failing commands reached the generation threshold and queued jobs…
    const jobs = Object.values(a.jobs).reduce((x, y) => x + y, 0);
    expect(jobs).toBeGreaterThanOrEqual(FAILING_COMMANDS.length / 2);
    // …so learning was due through (nearly) the whole measured window, with the learner process running
    // beside the server. At nice 19 it takes only CPU the server leaves: on a machine saturated by this
    // load (and, in CI, by other test files) it may get none until the load ends — deferred, not lost, so it
    // must have held or finished a job during the load or within 30 s after it.
    expect(a.samples).toBeGreaterThan(10);
    expect(a.busyShare).toBeGreaterThanOrEqual(0.9);
    expect(a.learnerWorkedAfterMs, JSON.stringify(a)).toBeDefined();
    expect(a.learnerWorkedAfterMs!).toBeLessThan(30_000);
    // Idle: the same failures were recorded, but from one user, so no pattern was ready and no job queued.
    for (const idle of r.idle) {
      expect(idle.activity.busyShare).toBe(0);
      expect(idle.activity.jobs).toEqual({});
      expect(idle.activity.patterns).toBeGreaterThanOrEqual(FAILING_COMMANDS.length / 2);
    }
  });
});
