import type { Selectable } from 'kysely';
import type { Demonstration } from '../../domain/index.js';
import type { DemonstrationRow } from '../sql-schema.js';
import { DEFAULT_LIMITS, isoTime, listLimit, toJsonText } from '../store-rules.js';
import type { DemonstrationRepository } from '../store.js';
import type { SqlRepositoryKit } from './sql-repository.js';
import { jsonOrNull, num } from './sql-repository.js';

/** Since migration 0010: what a user showed the assistant to do, for a pattern it could not yet handle. */
export function demonstrationRepository({ db, json, table }: SqlRepositoryKit): DemonstrationRepository {
  const toDemonstration = (r: Selectable<DemonstrationRow>): Demonstration => ({
    id: r.id,
    at: r.at,
    userId: r.user_id,
    command: r.command,
    frame: json(r.frame),
    patternId: r.pattern_id,
    signature: r.signature,
    screenRef: r.screen_ref,
    actions: json(r.actions),
    ...(r.expect === null ? {} : { expect: json<Record<string, unknown>>(r.expect) }),
  });

  const demonstrations = table('demonstrations', toDemonstration);

  return {
    async add(d) {
      await demonstrations.insert(`demonstration ${d.id}`, {
        id: d.id,
        at: isoTime(d.at, 'demonstration.at'),
        user_id: d.userId,
        command: d.command,
        frame: toJsonText(d.frame),
        pattern_id: d.patternId,
        signature: d.signature,
        screen_ref: d.screenRef,
        actions: toJsonText(d.actions),
        expect: jsonOrNull(d.expect),
      });
    },
    list: async (q) =>
      demonstrations.list(
        { pattern_id: q.patternId },
        ['at', 'id'],
        listLimit(q.limit, DEFAULT_LIMITS.demonstrations),
      ),
    async count(q) {
      const r = await db
        .selectFrom('demonstrations')
        .where('pattern_id', '=', q.patternId)
        .select((eb) => eb.fn.countAll().as('c'))
        .executeTakeFirst();
      return num(r?.c);
    },
  };
}
