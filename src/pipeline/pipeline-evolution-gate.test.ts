import { describe, expect, it } from 'vitest';
import type { Pattern, RolloutStage } from '../domain/index.js';
import { generaliseFrame } from '../discovery/index.js';
import { FAMILIES, familyFor } from '../generation/index.js';
import type { Store } from '../store/index.js';
import { createMemoryStore } from '../store/index.js';
import { synthesize } from '../synthesis/index.js';
import { frameSignature, parseCommand } from '../understanding/index.js';
import type { CandidateVerifier } from './index.js';
import { GENERATE_JOB, Pipeline } from './index.js';
import { THRESHOLDS } from '../../test/support/failures.js';

/**
 * Issue 19, "Evolution that changes nothing is not a version": without an LLM the template family writes the
 * same module again for every evolution. Such a candidate is not registered (and never reaches the verifier:
 * reaching it fails these tests); the pattern says why and what would help. Versions per capability are
 * rate-limited.
 */
const unreachableVerifier: CandidateVerifier = {
  verify: () => Promise.reject(new Error('an identical candidate must not be verified')),
};
const COMMAND = 'count the red circles';
const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** A pattern with v1 registered from its template family, live at `stage`, and 3 of 4 answers reported wrong. */
async function seed(store: Store, stage: RolloutStage) {
  const { frame } = parseCommand(COMMAND);
  const g = generaliseFrame(frame);
  const pattern: Pattern = {
    id: 'pat_red',
    signature: frameSignature(frame),
    frame: g.frame,
    parameters: g.parameters,
    count: 3,
    distinctUsers: 3,
    firstSeen: iso(T0 - 7200_000),
    lastSeen: iso(T0 - 7200_000),
    status: 'generated',
  };
  const emitted = familyFor(pattern, FAMILIES)!.emit(pattern, 1, []);
  const id = emitted.manifest.id;
  const code = synthesize(emitted.code, {
    permissions: emitted.manifest.permissions,
    inputSchema: emitted.manifest.inputSchema,
    outputSchema: emitted.manifest.outputSchema,
  }).code;
  await store.patterns.upsert({ ...pattern, capabilityId: id });
  await store.capabilities.put({
    manifest: { ...emitted.manifest, origin: { ...emitted.manifest.origin, patternId: pattern.id } },
    code,
  });
  await store.events.append({
    id: 'evt_reg1',
    at: iso(T0 - 7200_000),
    capabilityId: id,
    version: 1,
    kind: 'register',
    toStage: 'development',
    reason: 'registered',
    numbers: {},
    actor: 'system',
  });
  await store.rollouts.save({
    id: 'rol1',
    capabilityId: id,
    version: 1,
    stage,
    percentage: stage === 'production' ? 10_000 : 0,
    rolloutKey: `${id}:v1`,
    stageEnteredAt: iso(T0 - 3600_000),
    updatedAt: iso(T0 - 3600_000),
  });
  await store.rolloutMetrics.add([
    {
      capabilityId: id,
      version: 1,
      stage: 'production',
      windowStart: iso(T0 - 3600_000),
      counts: { requests: 12, ok: 12, 'feedback:negative': 3, 'feedback:positive': 1 },
    },
  ]);
  return { id, pattern };
}

function pipeline(store: Store, now: () => number, versionLimit?: { max: number; windowMs: number }) {
  return new Pipeline({
    store,
    thresholds: THRESHOLDS,
    families: FAMILIES,
    verifier: unreachableVerifier,
    onRegistered: async () => {},
    workerId: 'w-test',
    now: () => new Date(now()),
    ...(versionLimit ? { versionLimit } : {}),
  });
}

describe('evolution that changes nothing', () => {
  for (const stage of ['production', 'rolled_back'] as const) {
    it(`registers no byte-identical v2 of a ${stage} v1 and tells the pattern what would help`, async () => {
      const store = createMemoryStore();
      const { id, pattern } = await seed(store, stage);
      const p = pipeline(store, () => T0);
      const decided = await p.considerEvolution(id);
      expect(decided).toMatchObject({ created: true, decision: { evolve: true } });
      await p.idle(30_000);

      expect(await store.capabilities.versions(id)).toHaveLength(1);
      const [job] = await store.jobs.list();
      expect(job).toMatchObject({
        key: `${GENERATE_JOB}:${pattern.id}:v2`,
        status: 'done',
        result: { rejected: 'identical', identicalTo: 1 },
      });
      const reject = (await store.events.list({ capabilityId: id })).find((e) => e.kind === 'reject');
      expect(reject).toMatchObject({ version: 2, numbers: { identicalTo: 1 }, actor: 'system' });
      expect(reject!.reason).toContain(`same module and manifest as v1 (${stage})`);
      const after = await store.patterns.get(pattern.id);
      expect(after).toMatchObject({ status: 'generated', capabilityId: id });
      expect(after!.statusReason).toContain('demonstration');
      expect(after!.statusReason).toContain('v2 not registered');
      // The rollout is untouched: no new version restarts at development.
      expect(await store.rollouts.get(id)).toMatchObject({ version: 1, stage });
      // More complaints do not queue the same nothing again.
      const again = await p.considerEvolution(id);
      expect(again).toMatchObject({ created: false });
      expect(again.skipped).toContain('v2 would change nothing (identical to v1)');
      expect(await store.jobs.list()).toHaveLength(1);
      await p.close();
    });
  }

  it('rate-limits versions per capability (pipeline.maxVersionsPerWindow) and says until when', async () => {
    const store = createMemoryStore();
    const { id, pattern } = await seed(store, 'production');
    // Two more registrations within the hour (e.g. versions a person promoted and later rolled back).
    for (const [n, ago] of [
      [2, 1800_000],
      [3, 600_000],
    ] as const)
      await store.events.append({
        id: `evt_reg${n}`,
        at: iso(T0 - ago),
        capabilityId: id,
        version: 1,
        kind: 'register',
        reason: 'registered',
        numbers: {},
        actor: 'system',
      });
    let now = T0;
    const p = pipeline(store, () => now, { max: 2, windowMs: 3600_000 });
    const limited = await p.considerEvolution(id);
    expect(limited.created).toBe(false);
    expect(limited.skipped).toContain('2 versions registered in the last 60 min');
    expect(limited.skipped).toContain('pipeline.maxVersionsPerWindow 2');
    // The window frees up when the older of the two counted registrations leaves it.
    expect(limited.skipped).toContain(`next possible after ${iso(T0 - 1800_000 + 3600_000)}`);
    expect(await store.jobs.list()).toEqual([]);
    expect((await store.patterns.get(pattern.id))!.statusReason).toBe(limited.skipped);
    now = T0 + 1800_001;
    expect(await p.considerEvolution(id)).toMatchObject({ created: true });
    await p.close();
  });
});
