import { IroncliwError } from '../../domain/index.js';
import { conflict, viaJson } from '../store-rules.js';
import type { CapabilityRepository, StoredCapability } from '../store.js';
import type { MemoryState } from './memory-state.js';
import { by, copy } from './memory-state.js';

export function capabilityRepository(s: MemoryState): CapabilityRepository {
  return {
    put: async (cap) => {
      const { id, version } = cap.manifest;
      if (!Number.isSafeInteger(version)) {
        throw new IroncliwError(
          'E_CAPABILITY_INVALID',
          `capability ${id} has a non-integer version ${version}`,
        );
      }
      if (s.d.capabilities.some((c) => c.manifest.id === id && c.manifest.version === version)) {
        throw conflict(`capability ${id} v${version}`);
      }
      s.d.capabilities.push(
        viaJson({ manifest: cap.manifest, code: cap.code, createdAt: new Date().toISOString() }),
      );
    },
    get: async (id, version) => {
      const matching = s.d.capabilities.filter(
        (c) => c.manifest.id === id && (version === undefined || c.manifest.version === version),
      );
      return copy(matching.sort((a, b) => b.manifest.version - a.manifest.version)[0]);
    },
    list: async () => {
      const latest = new Map<string, StoredCapability>();
      for (const c of s.d.capabilities) {
        const prev = latest.get(c.manifest.id);
        if (!prev || prev.manifest.version < c.manifest.version) latest.set(c.manifest.id, c);
      }
      return viaJson([...latest.values()].sort(by((c) => c.manifest.id)));
    },
    versions: async (id) =>
      viaJson(
        s.d.capabilities
          .filter((c) => c.manifest.id === id)
          .map((c) => c.manifest)
          .sort((a, b) => a.version - b.version),
      ),
  };
}
