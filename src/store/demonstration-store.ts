import type { Kysely, Selectable } from 'kysely';
import type { Demonstration } from '../domain/index.js';
import type { SqlFlavor } from './sql-flavor.js';
import type { Database, DemonstrationRow } from './sql-schema.js';
import { conflict, isoTime, listLimit, toJsonText } from './store-rules.js';
import type { DemonstrationRepository, ScreenRepository } from './store.js';

/** Demonstrations read per list unless a limit says otherwise. */
export const DEFAULT_DEMONSTRATION_LIMIT = 100;

/** The SQL repositories of migration 0010 (demonstrations and kept screens), shared by both dialects. */
export function demonstrationRepositories(
  db: Kysely<Database>,
  flavor: SqlFlavor,
): { demonstrations: DemonstrationRepository; screens: ScreenRepository } {
  const json = <T>(v: unknown): T => flavor.decodeJson(v) as T;
  const insertOnce = async (what: string, run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (err) {
      if (flavor.isUniqueViolation(err)) throw conflict(what, err);
      throw err;
    }
  };
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
  const demonstrations: DemonstrationRepository = {
    async add(d) {
      const row = {
        id: d.id,
        at: isoTime(d.at, 'demonstration.at'),
        user_id: d.userId,
        command: d.command,
        frame: toJsonText(d.frame),
        pattern_id: d.patternId,
        signature: d.signature,
        screen_ref: d.screenRef,
        actions: toJsonText(d.actions),
        expect: d.expect === undefined ? null : toJsonText(d.expect),
      };
      await insertOnce(`demonstration ${d.id}`, () => db.insertInto('demonstrations').values(row).execute());
    },
    async list(q) {
      let query = db.selectFrom('demonstrations').selectAll();
      if (q.patternId !== undefined) query = query.where('pattern_id', '=', q.patternId);
      const rows = await query
        .orderBy('at')
        .orderBy('id')
        .limit(listLimit(q.limit, DEFAULT_DEMONSTRATION_LIMIT))
        .execute();
      return rows.map(toDemonstration);
    },
    async count(q) {
      const r = await db
        .selectFrom('demonstrations')
        .where('pattern_id', '=', q.patternId)
        .select((eb) => eb.fn.countAll().as('c'))
        .executeTakeFirst();
      return Number(r?.c ?? 0);
    },
  };
  const screens: ScreenRepository = {
    async put(s) {
      const row = {
        id: s.id,
        at: isoTime(s.at, 'screen.at'),
        expires_at: s.expiresAt === undefined ? null : isoTime(s.expiresAt, 'screen.expiresAt'),
        data: Buffer.from(s.bytes).toString('base64'),
      };
      await insertOnce(`screen ${s.id}`, () => db.insertInto('screens').values(row).execute());
    },
    async get(id) {
      const r = await db.selectFrom('screens').selectAll().where('id', '=', id).executeTakeFirst();
      if (!r) return undefined;
      return {
        id: r.id,
        at: r.at,
        ...(r.expires_at === null ? {} : { expiresAt: r.expires_at }),
        bytes: new Uint8Array(Buffer.from(r.data, 'base64')),
      };
    },
    async keep(id) {
      const r = await db
        .updateTable('screens')
        .set({ expires_at: null })
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async purge(now) {
      const r = await db
        .deleteFrom('screens')
        .where('expires_at', 'is not', null)
        .where('expires_at', '<', isoTime(now, 'now'))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
  return { demonstrations, screens };
}
