import { describe, expect, it } from 'vitest';
import type { Rollout } from '../domain/index.js';
import { bucketOf, servesUser } from './index.js';

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

  it('never serves rolled-back rollouts, even to internal users', () => {
    expect(
      servesUser(rollout('rolled_back', 10_000), { user: 'a', groups: ['internal'] }, groups).served,
    ).toBe(false);
  });
});
