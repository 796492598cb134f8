import type { Capability, CapabilityManifest, Permission } from '../../src/domain/index.js';

/**
 * Capabilities with known behaviour, written for these tests and run through the real process sandbox
 * (pooled child processes with QuickJS) — never in this process.
 */
export function capability(
  id: string,
  code: string,
  version = 1,
  permissions: Permission[] = [],
): Capability {
  const manifest: CapabilityManifest = {
    id,
    name: id,
    version,
    description: 'benchmark test capability',
    intents: [{ action: 'count', targetKind: 'shape', slots: [], examples: [] }],
    permissions,
    inputSchema: { type: 'object' },
    outputSchema: { type: 'object', required: ['answer', 'data'] },
    limits: { timeoutMs: 2000, memoryMb: 64 },
    origin: { kind: 'generated', generator: 'test', failureIds: [] },
  };
  return { manifest, code };
}

/** Waits on one host call; the host decides how long it takes. */
export const WAITS_ON_HOST = `export default async function run(input, sdk) {
  const t = await sdk.clock.now();
  return { answer: 'ok', data: { t } };
}`;

/** Keeps a module-level cache sized by the history it is handed: memory retained at the end grows every request. */
export const LEAKING = `const cache = [];
export default async function run(input, sdk) {
  for (let i = 0; i < input.history * 200; i++) cache.push('entry ' + i + ' ' + 'x'.repeat(64));
  return { answer: String(cache.length), data: { size: cache.length } };
}`;

/** Retains a random amount (0..~500 KB) per request: noisy memory with no trend. */
export const CLEAN_NOISY = `const cache = [];
export default async function run(input, sdk) {
  const n = Math.floor((await sdk.random()) * 4000);
  for (let i = 0; i < n; i++) cache.push('entry ' + i + ' ' + 'x'.repeat(64));
  return { answer: String(cache.length), data: { size: cache.length } };
}`;

/** A bit of CPU work after a host call; `extra` is the deliberate slow-down of the second version. */
export function hashing(extra: number): string {
  return `export default async function run(input, sdk) {
  const t = await sdk.clock.now();
  let h = 0;
  for (let i = 0; i < ${1000 + extra}; i++) h = (h * 31 + i) | 0;
  return { answer: String(h), data: { h, t } };
}`;
}
