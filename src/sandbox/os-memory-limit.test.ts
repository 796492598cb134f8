// QuickJS-in-WebAssembly does not enforce its own memory limit (its allocator counts ~8 bytes per block in
// this build). The engine's heap wall normally stops a bomb; this file switches that wall off and shows the OS
// layer — the child's address-space rlimit — stopping the same bomb on its own, with the host unharmed.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcessTier } from './index.js';
import type { ProcessPoolTier } from './process-tier.js';

const BOMB = `export default async function run() { const keep = []; for (;;) keep.push(new ArrayBuffer(16 * 1024 * 1024)); }`;
const limits = { timeoutMs: 10_000, memoryMb: 64 };

function addressSpaceLimitMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max address space'));
  const n = Number(line?.split(/\s+/)[3]);
  return Number.isFinite(n) ? n / (1024 * 1024) : Infinity;
}

describe('OS layer stops the QuickJS memory bomb', () => {
  let bare: ProcessPoolTier;
  let walled: ProcessPoolTier;
  beforeAll(async () => {
    // maxMemoryMb sizes the child's address-space rlimit: small, so the OS wall is close.
    bare = createProcessTier({ poolSize: 1, engineMemoryWall: false, maxMemoryMb: 64 });
    walled = createProcessTier({ poolSize: 1, maxMemoryMb: 64 });
    expect(await bare.availability()).toEqual({ available: true });
    expect(await walled.availability()).toEqual({ available: true });
  });
  afterAll(async () => {
    await Promise.all([bare.close(), walled.close()]);
  });

  it('the engine alone would let it grow far past memoryMb; the rlimit stops it as status memory', async () => {
    const layers = (await bare.capabilities()).layers;
    expect(layers.find((l) => l.name === 'engine-memory-wall')?.active).toBe(false);
    expect(layers.find((l) => l.name === 'rlimits')?.active).toBe(true);
    const pid = bare.childPids()[0] as number;
    const asMb = addressSpaceLimitMb(pid);
    expect(asMb).toBeLessThan(4096);
    const hostRss0 = process.memoryUsage().rss;

    const r = await bare.run({ code: BOMB, input: {}, permissions: [], limits });
    expect(r.status, r.error).toBe('memory');
    // Evidence that the engine did not stop it: the guest heap grew to many times its 64 MB budget before
    // the kernel refused more address space (a QuickJS limit that worked would have stopped it at 64).
    if (r.resources.peakMemoryMb > 0) expect(r.resources.peakMemoryMb).toBeGreaterThan(limits.memoryMb * 2);
    expect(r.resources.peakMemoryMb).toBeLessThan(asMb);
    // The host did not pay for it.
    expect((process.memoryUsage().rss - hostRss0) / (1024 * 1024)).toBeLessThan(64);

    // The pool replaced or kept a healthy child.
    const ok = await bare.run({ code: 'export default async () => 42', input: {}, permissions: [], limits });
    expect(ok).toMatchObject({ status: 'ok', output: 42 });
  });

  it('with the engine wall on, the same bomb stops at its budget', async () => {
    const r = await walled.run({ code: BOMB, input: {}, permissions: [], limits });
    expect(r.status).toBe('memory');
    expect(r.resources.peakMemoryMb).toBeLessThanOrEqual(limits.memoryMb * 1.1);
  });
});
