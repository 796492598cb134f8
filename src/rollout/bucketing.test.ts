import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Rollout } from '../domain/index.js';
import {
  assignVersion,
  BUCKETS,
  bucketOf,
  compileRollout,
  DEFAULT_GRADUAL_STEPS,
  parsePolicy,
  servesUser,
  STAGE_PERCENTAGE,
} from './index.js';

const groups = { internalGroup: 'internal', betaGroup: 'beta' };
const rollout = (stage: Rollout['stage'], percentage: number): Rollout => ({
  id: 'r',
  capabilityId: 'c',
  version: 1,
  stage,
  percentage,
  rolloutKey: 'c:v1',
  stageEnteredAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

describe('bucketing', () => {
  it('is a pure function of key and user (same on every node and restart)', () => {
    // Pinned values: a change here would move users between buckets across a deploy.
    expect(bucketOf('c:v1', 'alice')).toBe(bucketOf('c:v1', 'alice'));
    expect([bucketOf('c:v1', 'alice'), bucketOf('c:v1', 'bob'), bucketOf('other', 'alice')])
      .toMatchInlineSnapshot(`
      [
        4199,
        6085,
        9314,
      ]
    `);
  });

  it('spreads users evenly (chi-squared over 100 cells, 200k users)', () => {
    const cells = new Array(100).fill(0);
    const n = 200_000;
    for (let i = 0; i < n; i++) cells[Math.floor(bucketOf('cap:v1', `user-${i}`) / 100)]++;
    const expected = n / 100;
    const chi2 = cells.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 99 degrees of freedom: the 99.9th percentile is ~148.
    expect(chi2).toBeLessThan(148);
  });

  it('is uniform over 1M user ids (chi-squared over all 10,000 buckets)', () => {
    const cells = new Uint32Array(BUCKETS);
    const n = 1_000_000;
    for (let i = 0; i < n; i++) cells[bucketOf('count-red-circles:v3', `user-${i}`)]!++;
    const expected = n / BUCKETS;
    let chi2 = 0;
    for (const c of cells) chi2 += (c - expected) ** 2 / expected;
    // 9,999 degrees of freedom: mean 9,999, sd ≈ 141; the 99.9th percentile is ≈ 10,439 and the 0.1th ≈ 9,570
    // (too uniform would mean the ids are not hashed at all).
    expect(chi2).toBeLessThan(10_439);
    expect(chi2).toBeGreaterThan(9_570);
    // The canary bucket range (1%) holds 1% of users.
    let canary = 0;
    for (let b = 0; b < STAGE_PERCENTAGE.canary; b++) canary += cells[b]!;
    expect(Math.abs(canary / n - 0.01)).toBeLessThan(0.0005);
  });

  it('gives the same buckets in another process (no per-process state)', () => {
    const users = Array.from({ length: 200 }, (_, i) => `user-${i}-ünï`);
    const here = users.map((u) => bucketOf('cap:v1', u));
    const module = fileURLToPath(new URL('./bucketing.ts', import.meta.url));
    const script = `const { bucketOf } = await import(${JSON.stringify(module)});
      const users = JSON.parse(process.argv[1]);
      process.stdout.write(JSON.stringify(users.map((u) => bucketOf('cap:v1', u))));`;
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, JSON.stringify(users)],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(JSON.parse(out)).toEqual(here);
  });

  it('uses different buckets for different rollouts', () => {
    let same = 0;
    for (let i = 0; i < 1000; i++)
      if (bucketOf('a', `u${i}`) < 1000 === bucketOf('b', `u${i}`) < 1000) same++;
    expect(same).toBeLessThan(900);
  });

  it('is standard MurmurHash3 x86_32 (reference vector), so other implementations can agree', async () => {
    const { default: murmurhash } = await import('murmurhash');
    expect(murmurhash.v3(new TextEncoder().encode('hello'), 0)).toBe(0x248bfa47);
    expect(bucketOf('hel', 'lo')).toBe(murmurhash.v3('hel:lo') % 10_000);
  });

  it('handles non-ASCII user ids', () => {
    expect(bucketOf('k', 'zoë')).not.toBe(bucketOf('k', 'zoe'));
  });
});

describe('servesUser', () => {
  it('serves development only to the internal group', () => {
    expect(servesUser(rollout('development', 0), { user: 'a', groups: ['internal'] }, groups).served).toBe(
      true,
    );
    expect(servesUser(rollout('development', 0), { user: 'a', groups: ['beta'] }, groups).served).toBe(false);
    expect(servesUser(rollout('development', 0), { user: 'a' }, groups).served).toBe(false);
  });

  it('keeps everyone already in when the percentage rises', () => {
    const users = Array.from({ length: 5000 }, (_, i) => `u${i}`);
    let previous = new Set<string>();
    for (const pct of [100, 1000, 2500, 5000, 7500, 10_000]) {
      const inNow = new Set(
        users.filter((u) => servesUser(rollout('gradual', pct), { user: u }, groups).served),
      );
      for (const u of previous) expect(inNow.has(u)).toBe(true);
      expect(Math.abs(inNow.size / users.length - pct / 10_000)).toBeLessThan(0.03);
      previous = inNow;
    }
  });

  it('grows monotonically along the whole ladder, default gradual steps included', () => {
    const ladder: Array<[Rollout['stage'], number]> = [
      ['canary', STAGE_PERCENTAGE.canary],
      ['beta', STAGE_PERCENTAGE.beta],
      ...DEFAULT_GRADUAL_STEPS.map((p): [Rollout['stage'], number] => ['gradual', p]),
      ['production', STAGE_PERCENTAGE.production],
    ];
    const users = Array.from({ length: 20_000 }, (_, i) => ({
      user: `m${i}`,
      groups: i % 50 === 0 ? ['beta'] : [],
    }));
    let previous: boolean[] = users.map(() => false);
    for (const [stage, pct] of ladder) {
      const now = users.map((u) => servesUser(rollout(stage, pct), u, groups).served);
      now.forEach((served, i) => {
        if (previous[i]) expect(served).toBe(true);
      });
      previous = now;
    }
    expect(previous.every(Boolean)).toBe(true);
  });

  it('serves the beta group from beta on, not in canary', () => {
    const betaUser = { user: 'b', groups: ['beta'] };
    // Choose a user whose bucket is outside 25%, so only group membership can admit them.
    expect(bucketOf('c:v1', 'b')).toBeGreaterThanOrEqual(2500);
    expect(servesUser(rollout('canary', 100), betaUser, groups).served).toBe(false);
    expect(servesUser(rollout('beta', 1000), betaUser, groups).served).toBe(true);
    expect(servesUser(rollout('gradual', 2500), betaUser, groups).served).toBe(true);
  });

  it('serves anonymous requests (no stable key) exactly what production serves, and nothing before it', () => {
    // Issue 15.5: at 100% an anonymous caller is never told the capability is "still rolling out".
    expect(servesUser(rollout('production', 10_000), { user: 'anonymous' }, groups).served).toBe(true);
    expect(servesUser(rollout('production', 10_000), { user: '' }, groups).served).toBe(true);
    for (const [stage, pct] of [
      ['gradual', 7500],
      ['beta', 1000],
      ['canary', 100],
      ['development', 0],
    ] as const) {
      expect(servesUser(rollout(stage, pct), { user: 'anonymous' }, groups).served).toBe(false);
      expect(servesUser(rollout(stage, pct), { user: '' }, groups).served).toBe(false);
    }
  });

  it('buckets an unverified user id but never treats it as a rollout target', () => {
    expect(servesUser(rollout('gradual', 10_000), { user: 'anon:ana' }, groups).served).toBe(true);
    const targeted = compileRollout(rollout('canary', 0), parsePolicy({ users: ['ana', 'anon:ana'] }));
    expect(assignVersion(targeted, { user: 'ana' }, groups).reason).toBe('target_user');
    expect(assignVersion(targeted, { user: 'anon:ana' }, groups)).toMatchObject({
      variant: 'stable',
      reason: 'not_in_rollout',
    });
  });

  it('never serves rolled-back rollouts, even to internal users', () => {
    expect(
      servesUser(rollout('rolled_back', 10_000), { user: 'a', groups: ['internal'] }, groups).served,
    ).toBe(false);
  });
});
