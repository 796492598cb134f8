import type { Selectable } from 'kysely';
import type { Rollout } from '../../domain/index.js';
import type { RolloutRow } from '../sql-schema.js';
import { isoTime } from '../store-rules.js';
import type { RolloutRepository } from '../store.js';
import type { SqlRepositoryKit } from './sql-repository.js';
import { num, opt, updated } from './sql-repository.js';

export function rolloutRepository({ db, table }: SqlRepositoryKit): RolloutRepository {
  const toRollout = (r: Selectable<RolloutRow>): Rollout => ({
    id: r.id,
    capabilityId: r.capability_id,
    version: num(r.version),
    stage: r.stage as Rollout['stage'],
    percentage: num(r.percentage),
    ...opt('pausedFrom', r.paused_from as Rollout['stage'] | null),
    rolloutKey: r.rollout_key,
    stageEnteredAt: r.stage_entered_at,
    updatedAt: r.updated_at,
  });

  const rollouts = table('rollouts', toRollout);

  /** The columns a save writes, besides the key. */
  const columns = (r: Rollout) => ({
    id: r.id,
    version: r.version,
    stage: r.stage,
    percentage: r.percentage,
    paused_from: r.pausedFrom ?? null,
    rollout_key: r.rolloutKey,
    stage_entered_at: isoTime(r.stageEnteredAt, 'rollout.stageEnteredAt'),
    updated_at: isoTime(r.updatedAt, 'rollout.updatedAt'),
  });

  return {
    async save(r) {
      await rollouts.upsert('capability_id', { capability_id: r.capabilityId, ...columns(r) });
    },
    get: (capabilityId) => rollouts.find('capability_id', capabilityId),
    list: (q = {}) => rollouts.list({ stage: q.stage }, ['capability_id']),
    async replaceIf(r, expectedUpdatedAt) {
      const expected = isoTime(expectedUpdatedAt, 'expectedUpdatedAt');
      // One UPDATE … WHERE updated_at = expected: the check and the write are a single atomic statement.
      const result = await db
        .updateTable('rollouts')
        .set(columns(r))
        .where('capability_id', '=', r.capabilityId)
        .where('updated_at', '=', expected)
        .executeTakeFirst();
      return updated(result);
    },
  };
}
