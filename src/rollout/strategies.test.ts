import { describe, expect, it } from 'vitest';
import type { Rollout } from '../domain/index.js';
import {
  assignVersion,
  bucketOf,
  compileRollout,
  EXPERIMENT_SEED,
  judge,
  latencyBucket,
  latencyQuantile,
  LATENCY_BOUNDS_MS,
  parsePolicy,
  windowStats,
} from './index.js';
import type { WindowStats } from './index.js';

const routing = { internalGroup: 'internal', betaGroup: 'beta' };
const rollout = (stage: Rollout['stage'], percentage: number, over: Partial<Rollout> = {}): Rollout => ({
  id: 'r1',
  capabilityId: 'cap',
  version: 3,
  stage,
  percentage,
  rolloutKey: 'cap:v3',
  stageEnteredAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});
const users = (n: number) => Array.from({ length: n }, (_, i) => `s${i}`);

describe('assignVersion', () => {
  it('sends users outside the bucket, and everyone when rolled back, to the stable version', () => {
    const c = compileRollout(rollout('canary', 100), undefined, 2);
    const inside = users(20_000).find((u) => bucketOf('cap:v3', u) < 100)!;
    const outside = users(100).find((u) => bucketOf('cap:v3', u) >= 100)!;
    expect(assignVersion(c, { user: inside }, routing)).toEqual({
      variant: 'canary',
      version: 3,
      reason: 'bucket',
    });
    expect(assignVersion(c, { user: outside }, routing)).toEqual({
      variant: 'stable',
      version: 2,
      reason: 'not_in_rollout',
    });
    const back = compileRollout(rollout('rolled_back', 0), undefined, 2);
    expect(assignVersion(back, { user: inside, groups: ['internal'] }, routing)).toEqual({
      variant: 'stable',
      version: 2,
      reason: 'inactive',
    });
    // No earlier version: stable means "nothing" (a clean failure).
    expect(assignVersion(compileRollout(rollout('rolled_back', 0)), { user: inside }, routing).version).toBe(
      undefined,
    );
  });

  it('applies targeting, exclusions and the feature flag in order', () => {
    const policy = parsePolicy({
      users: ['carol'],
      groups: ['pilots'],
      excludeUsers: ['eve'],
      excludeGroups: ['legal'],
    });
    const c = compileRollout(rollout('canary', 0), policy, 1);
    expect(assignVersion(c, { user: 'carol' }, routing).reason).toBe('target_user');
    expect(assignVersion(c, { user: 'x', groups: ['pilots'] }, routing).reason).toBe('target_group');
    expect(assignVersion(c, { user: 'x', groups: ['internal'] }, routing).reason).toBe('internal_group');
    // Exclusion wins over every admitting rule.
    expect(assignVersion(c, { user: 'eve', groups: ['internal', 'pilots'] }, routing).reason).toBe(
      'excluded',
    );
    expect(assignVersion(c, { user: 'carol', groups: ['legal'] }, routing).reason).toBe('excluded');
    expect(assignVersion(c, { user: 'anonymous', groups: ['internal'] }, routing).reason).toBe('anonymous');
    // Targets wait for canary: development is the internal group only.
    const dev = compileRollout(rollout('development', 0), policy, 1);
    expect(assignVersion(dev, { user: 'carol' }, routing).variant).toBe('stable');
    const off = compileRollout(rollout('production', 10_000), { ...policy, enabled: false }, 1);
    expect(assignVersion(off, { user: 'carol', groups: ['internal'] }, routing)).toEqual({
      variant: 'stable',
      version: 1,
      reason: 'flag_off',
    });
  });

  it('keeps serving exactly the same users while paused', () => {
    const live = compileRollout(rollout('beta', 1000));
    const paused = compileRollout(rollout('paused', 1000, { pausedFrom: 'beta' }));
    for (const u of users(3000)) {
      for (const groups of [[], ['beta']]) {
        expect(assignVersion(paused, { user: u, groups }, routing).variant).toBe(
          assignVersion(live, { user: u, groups }, routing).variant,
        );
      }
    }
  });

  it('splits admitted users between two versions by a separate seed, the same way every time', () => {
    const policy = parsePolicy({ experiment: { control: 2, treatmentShare: 5000 } });
    const c = compileRollout(rollout('gradual', 5000), policy, 1);
    const counts = { canary: 0, control: 0, stable: 0 };
    const all = users(20_000);
    for (const u of all) {
      const a = assignVersion(c, { user: u }, routing);
      counts[a.variant]++;
      expect(assignVersion(c, { user: u }, routing)).toEqual(a);
      if (a.variant === 'control') expect(a.version).toBe(2);
      if (a.variant !== 'stable')
        expect(bucketOf('cap:v3', u, EXPERIMENT_SEED) >= 5000).toBe(a.variant === 'control');
    }
    // Half admitted, half of those in each arm: the seeds are independent.
    expect(counts.stable / all.length).toBeCloseTo(0.5, 1);
    expect(counts.canary / (counts.canary + counts.control)).toBeCloseTo(0.5, 1);
  });
});

describe('policy', () => {
  it('defaults the gradual steps to 25/50/75 and refuses bad ones naming the field', () => {
    expect(parsePolicy({}).steps).toEqual([2500, 5000, 7500]);
    expect(parsePolicy({ steps: [2000, 4000, 8000, 9000] }).steps).toEqual([2000, 4000, 8000, 9000]);
    for (const [bad, field] of [
      [{ steps: [5000, 2500] }, 'steps'],
      [{ steps: [500] }, 'steps.0'],
      [{ steps: [10_000] }, 'steps.0'],
      [{ users: 'bob' }, 'users'],
      [{ percentage: 50 }, '(policy)'],
      [{ experiment: { control: 0 } }, 'experiment.control'],
    ] as const) {
      expect(() => parsePolicy(bad)).toThrow(
        expect.objectContaining({ code: 'E_INPUT_INVALID', details: { field } }),
      );
    }
  });
});

describe('latency histogram', () => {
  it('buckets by upper bound and interpolates quantiles like Prometheus', () => {
    expect(latencyBucket(0)).toBe(0);
    expect(LATENCY_BOUNDS_MS[latencyBucket(100)]).toBe(100);
    expect(LATENCY_BOUNDS_MS[latencyBucket(100.01)]).toBe(150);
    expect(LATENCY_BOUNDS_MS[latencyBucket(1e9)]).toBe(Number.POSITIVE_INFINITY);
    // 100 requests: 98 in (5,10], 2 in (100,150] → p99 halfway into (100,150].
    const counts = { 'latency_le:10': 98, 'latency_le:150': 2 };
    expect(latencyQuantile(counts, 0.5)).toBeCloseTo(5 + (5 * 50) / 98, 6);
    expect(latencyQuantile(counts, 0.99)).toBeCloseTo(125, 6);
    expect(latencyQuantile({ 'latency_le:inf': 5 }, 0.99)).toBe(30_000);
    expect(latencyQuantile({}, 0.99)).toBeNaN();
  });
});

describe('judge', () => {
  const stats = (over: Partial<Record<string, number>>): WindowStats =>
    windowStats(over as Record<string, number>);
  const input = (s: WindowStats, over: Partial<Parameters<typeof judge>[0]> = {}) => ({
    stage: 'canary' as const,
    stats: s,
    openForMs: 3600_000,
    next: 'beta' as const,
    cap: 'production' as const,
    capReason: 'approved',
    ...over,
  });
  const healthy = { requests: 300, ok: 300, 'latency_le:20': 300 };

  it('is inconclusive below the minimum sample, never pass', () => {
    const v = judge(input(stats({ requests: 199, ok: 199, 'latency_le:20': 199 })));
    expect(v).toMatchObject({
      status: 'inconclusive',
      action: 'none',
      numbers: { requests: 199, minSamples: 200 },
    });
    expect(judge(input(stats({})))).toMatchObject({ status: 'inconclusive' });
  });

  it('rolls back on success < 95% or errors > 5%, even early once the errors exceed a whole sample', () => {
    expect(
      judge(input(stats({ requests: 200, ok: 189, 'fail:error': 11, 'latency_le:20': 200 }))),
    ).toMatchObject({
      status: 'rollback',
      numbers: { errorRate: 0.055, successRate: 0.945, fail_error: 11 },
    });
    // 94% success from failures that are not errors of the capability (e.g. permission) still rolls back.
    expect(
      judge(input(stats({ requests: 200, ok: 188, 'fail:permission': 12, 'latency_le:20': 200 }))),
    ).toMatchObject({ status: 'rollback', reason: expect.stringMatching(/^success 94\.0%/) });
    expect(
      judge(input(stats({ requests: 200, ok: 190, 'fail:timeout': 10, 'latency_le:20': 200 }))),
    ).toMatchObject({
      status: 'pass',
    });
    expect(
      judge(input(stats({ requests: 30, ok: 19, 'fail:error': 11, 'latency_le:20': 30 }))),
    ).toMatchObject({
      status: 'rollback',
      reason: expect.stringContaining('already exceed'),
    });
    expect(
      judge(input(stats({ requests: 30, ok: 20, 'fail:error': 10, 'latency_le:20': 30 }))),
    ).toMatchObject({
      status: 'inconclusive',
    });
  });

  it('pauses on p99 > 100 ms or positive feedback < 80%', () => {
    expect(
      judge(input(stats({ requests: 300, ok: 300, 'latency_le:20': 290, 'latency_le:150': 10 }))),
    ).toMatchObject({ status: 'pause', reason: expect.stringMatching(/^p99 1\d\d\.\d ms > 100 ms/) });
    expect(
      judge(input(stats({ ...healthy, 'feedback:positive': 16, 'feedback:negative': 4 }))),
    ).toMatchObject({ status: 'pass', action: 'promote' });
    expect(
      judge(input(stats({ ...healthy, 'feedback:positive': 15, 'feedback:negative': 5 }))),
    ).toMatchObject({ status: 'pause', numbers: { positive: 15, negative: 5, positiveShare: 0.75 } });
    // Too little feedback is not judged.
    expect(judge(input(stats({ ...healthy, 'feedback:negative': 19 })))).toMatchObject({ action: 'promote' });
  });

  it('names the gradual step in its reasons: gradual 25% → gradual 50%, not gradual → gradual', () => {
    const gradual = stats({ requests: 1000, ok: 1000, 'latency_le:20': 1000 });
    const at25 = {
      stage: 'gradual' as const,
      percentage: 2500,
      next: 'gradual' as const,
      nextPercentage: 5000,
    };
    expect(judge(input(gradual, at25))).toMatchObject({
      action: 'promote',
      reason: expect.stringMatching(/: gradual 25% → gradual 50%$/),
    });
    expect(judge(input(gradual, { ...at25, openForMs: 60_000 }))).toMatchObject({
      action: 'none',
      reason: expect.stringContaining('dwelling in gradual 25% ('),
    });
    expect(
      judge(input(gradual, { ...at25, next: 'production', nextPercentage: 10_000, percentage: 7500 })),
    ).toMatchObject({ reason: expect.stringMatching(/: gradual 75% → production$/) });
  });

  it('promotes a pass only after the dwell and within the risk cap', () => {
    expect(judge(input(stats(healthy), { openForMs: 60_000 }))).toMatchObject({
      status: 'pass',
      action: 'none',
      reason: expect.stringContaining('dwelling'),
    });
    expect(judge(input(stats(healthy), { cap: 'canary', capReason: 'conditional' }))).toMatchObject({
      status: 'pass',
      action: 'none',
      reason: expect.stringContaining('held at canary'),
    });
    expect(judge(input(stats(healthy)))).toMatchObject({ action: 'promote' });
    expect(
      judge(
        input(stats({ ...healthy, requests: 1000, ok: 1000, 'latency_le:20': 1000 }), {
          stage: 'production',
          next: undefined,
        }),
      ),
    ).toMatchObject({
      status: 'pass',
      action: 'none',
    });
  });
});
