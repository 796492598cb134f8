import { isoTime } from '../store-rules.js';
import type { ScreenRepository } from '../store.js';
import type { SqlRepositoryKit } from './sql-repository.js';
import { num, updated } from './sql-repository.js';

/** Since migration 0010: kept screenshots, the image as base64 text (the same column type on both dialects). */
export function screenRepository({ db, table }: SqlRepositoryKit): ScreenRepository {
  const screens = table('screens', (r) => ({
    id: r.id,
    at: r.at,
    ...(r.expires_at === null ? {} : { expiresAt: r.expires_at }),
    bytes: new Uint8Array(Buffer.from(r.data, 'base64')),
  }));

  return {
    async put(s) {
      await screens.insert(`screen ${s.id}`, {
        id: s.id,
        at: isoTime(s.at, 'screen.at'),
        expires_at: s.expiresAt === undefined ? null : isoTime(s.expiresAt, 'screen.expiresAt'),
        // A view, not Buffer.from(bytes), which would copy the image first (a failed command's screen is
        // written on the request's path).
        data: Buffer.from(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength).toString('base64'),
      });
    },
    get: (id) => screens.find('id', id),
    async keep(id) {
      const r = await db
        .updateTable('screens')
        .set({ expires_at: null })
        .where('id', '=', id)
        .executeTakeFirst();
      return updated(r);
    },
    async delete(id) {
      const r = await db.deleteFrom('screens').where('id', '=', id).executeTakeFirst();
      return num(r.numDeletedRows) > 0;
    },
    async purge(now) {
      const r = await db
        .deleteFrom('screens')
        .where('expires_at', 'is not', null)
        .where('expires_at', '<', isoTime(now, 'now'))
        .executeTakeFirst();
      return num(r.numDeletedRows);
    },
  };
}
