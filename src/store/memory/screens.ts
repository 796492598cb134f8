import { conflict, isoTime } from '../store-rules.js';
import type { ScreenRepository } from '../store.js';
import type { MemoryState } from './memory-state.js';

export function screenRepository(s: MemoryState): ScreenRepository {
  return {
    put: async (screen) => {
      if (s.d.screens.has(screen.id)) throw conflict(`screen ${screen.id}`);
      s.d.screens.set(screen.id, {
        id: screen.id,
        at: isoTime(screen.at, 'screen.at'),
        ...(screen.expiresAt === undefined
          ? {}
          : { expiresAt: isoTime(screen.expiresAt, 'screen.expiresAt') }),
        data: Buffer.from(screen.bytes.buffer, screen.bytes.byteOffset, screen.bytes.byteLength).toString(
          'base64',
        ),
      });
    },
    get: async (id) => {
      const kept = s.d.screens.get(id);
      if (!kept) return undefined;
      return {
        id: kept.id,
        at: kept.at,
        ...(kept.expiresAt === undefined ? {} : { expiresAt: kept.expiresAt }),
        bytes: new Uint8Array(Buffer.from(kept.data, 'base64')),
      };
    },
    keep: async (id) => {
      const kept = s.d.screens.get(id);
      if (!kept) return false;
      delete kept.expiresAt;
      return true;
    },
    delete: async (id) => s.d.screens.delete(id),
    purge: async (now) => {
      const t = isoTime(now, 'now');
      let n = 0;
      for (const [id, kept] of s.d.screens)
        if (kept.expiresAt !== undefined && kept.expiresAt < t) {
          s.d.screens.delete(id);
          n++;
        }
      return n;
    },
  };
}
