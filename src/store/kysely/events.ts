import type { Selectable } from 'kysely';
import type { DecisionEvent } from '../../domain/index.js';
import type { EventRow } from '../sql-schema.js';
import { DEFAULT_LIMITS, isoTime, listLimit, toJsonText } from '../store-rules.js';
import type { EventRepository } from '../store.js';
import type { SqlRepositoryKit } from './sql-repository.js';
import { num, opt } from './sql-repository.js';

export function eventRepository({ json, table }: SqlRepositoryKit): EventRepository {
  const toEvent = (r: Selectable<EventRow>): DecisionEvent => ({
    id: r.id,
    at: r.at,
    capabilityId: r.capability_id,
    version: num(r.version),
    kind: r.kind as DecisionEvent['kind'],
    ...opt('fromStage', r.from_stage as DecisionEvent['fromStage'] | null),
    ...opt('toStage', r.to_stage as DecisionEvent['toStage'] | null),
    reason: r.reason,
    numbers: json(r.numbers),
    actor: r.actor as DecisionEvent['actor'],
    ...opt('by', r.decided_by),
  });

  const events = table('events', toEvent);

  return {
    async append(e) {
      await events.insert(`event ${e.id}`, {
        id: e.id,
        at: isoTime(e.at, 'event.at'),
        capability_id: e.capabilityId,
        version: e.version,
        kind: e.kind,
        from_stage: e.fromStage ?? null,
        to_stage: e.toStage ?? null,
        reason: e.reason,
        numbers: toJsonText(e.numbers),
        actor: e.actor,
        decided_by: e.by ?? null,
      });
    },
    list: async (q = {}) =>
      events.list({ capability_id: q.capabilityId }, ['seq'], listLimit(q.limit, DEFAULT_LIMITS.events)),
  };
}
