import type { Selectable } from 'kysely';
import type { CapabilityManifest } from '../../domain/index.js';
import { IroncliwError } from '../../domain/index.js';
import type { CapabilityRow } from '../sql-schema.js';
import { toJsonText } from '../store-rules.js';
import type { CapabilityRepository, StoredCapability } from '../store.js';
import type { SqlRepositoryKit } from './sql-repository.js';

export function capabilityRepository({ db, json, table }: SqlRepositoryKit): CapabilityRepository {
  const toCapability = (r: Selectable<CapabilityRow>): StoredCapability => ({
    manifest: json(r.manifest),
    code: r.code,
    createdAt: r.created_at,
  });

  const capabilities = table('capabilities', toCapability);

  return {
    async put(cap) {
      const { id, version } = cap.manifest;
      if (!Number.isSafeInteger(version)) {
        throw new IroncliwError(
          'E_CAPABILITY_INVALID',
          `capability ${id} has a non-integer version ${version}`,
        );
      }
      await capabilities.insert(`capability ${id} v${version}`, {
        id,
        version,
        manifest: toJsonText(cap.manifest),
        code: cap.code,
        created_at: new Date().toISOString(),
      });
    },
    async get(id, version) {
      let q = db.selectFrom('capabilities').selectAll().where('id', '=', id);
      q = version === undefined ? q.orderBy('version', 'desc').limit(1) : q.where('version', '=', version);
      const r = await q.executeTakeFirst();
      return r ? toCapability(r) : undefined;
    },
    async list() {
      const rows = await db
        .selectFrom('capabilities as c')
        .selectAll('c')
        .where(({ eb, selectFrom }) =>
          eb(
            'c.version',
            '=',
            selectFrom('capabilities as c2')
              .select((e) => e.fn.max('c2.version').as('v'))
              .whereRef('c2.id', '=', 'c.id'),
          ),
        )
        .orderBy('c.id')
        .execute();
      return rows.map(toCapability);
    },
    async versions(id) {
      const rows = await db
        .selectFrom('capabilities')
        .select('manifest')
        .where('id', '=', id)
        .orderBy('version')
        .execute();
      return rows.map((r) => json<CapabilityManifest>(r.manifest));
    },
  };
}
