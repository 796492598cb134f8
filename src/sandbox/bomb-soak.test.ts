// Soak: 1,000 bomb runs through the process tier (and 200 through the container tier where bubblewrap works),
// then the parent's heap must be back at its baseline and the pool must hold exactly its children. Kept to
// cheap bombs (each stops in a few ms, CPU bombs at a 100 ms deadline) so the file stays near 10 s; run it
// alone with `npx vitest run src/sandbox/bomb-soak.test.ts`.
import { readFileSync, readdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createContainerTier, createProcessTier } from './index.js';
import { bwrapUsable } from './os-layers.js';
import type { ProcessPoolTier } from './process-tier.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const BOMBS: ReadonlyArray<{ code: string; allowed: string[] }> = [
  { code: `export default async () => { for (;;) {} }`, allowed: ['timeout'] },
  { code: `export default async () => 'x'.repeat(2 ** 29).length`, allowed: ['memory'] },
  { code: `export default async () => { let s = 'x'; for (;;) s += s; }`, allowed: ['memory', 'error'] },
  { code: `export default async () => 'y'.repeat(2 * 1024 * 1024)`, allowed: ['error'] },
  { code: `export default async () => { const f = () => f(); f(); }`, allowed: ['error'] },
  { code: `export default async () => { for (;;) await null; }`, allowed: ['timeout'] },
  {
    code: `export default async (input, sdk) => { for (;;) await sdk.log('z'.repeat(1000)); }`,
    allowed: ['violation', 'timeout'],
  },
  { code: `export default async () => new Uint8Array(2 ** 31 - 1).length`, allowed: ['memory', 'error'] },
  { code: `export default async () => { throw new Error('e'.repeat(1 << 20)); }`, allowed: ['error'] },
];

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / (1024 * 1024);
}

/** Live direct children of this process (the pool's children, nothing leaked). */
function childProcesses(): number[] {
  const me = String(process.pid);
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[1] === me && fields[0] !== 'Z') out.push(Number(d));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

async function soak(
  tier: ProcessPoolTier,
  runs: number,
): Promise<{ grownMb: number; statuses: Record<string, number> }> {
  const statuses: Record<string, number> = {};
  const one = async (i: number) => {
    const bomb = BOMBS[i % BOMBS.length]!;
    const r = await tier.run({
      code: bomb.code,
      input: {},
      permissions: [],
      limits: { timeoutMs: 100, memoryMb: 16, maxOutputBytes: 64 * 1024 },
      host: { call: async () => null },
    });
    // On a loaded machine any bomb may hit the deadline first; what matters here is that none is 'ok'.
    expect([...bomb.allowed, 'timeout'], `${bomb.code}: ${r.status} ${r.error ?? ''}`).toContain(r.status);
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  };
  const batch = async (from: number, n: number) => {
    // Two at a time: the pool's size, so children are always busy and none waits long.
    for (let i = from; i < from + n; i += 2) await Promise.all([one(i), one(i + 1)]);
  };
  await batch(0, 40);
  const before = heapMb();
  await batch(40, runs);
  const grownMb = heapMb() - before;
  return { grownMb, statuses };
}

describe('bomb soak', () => {
  it('1,000 bombs through the process tier: parent heap back to baseline, no stray children', async () => {
    const tier = createProcessTier({ poolSize: 2, maxHostCalls: 200 });
    expect(await tier.availability()).toEqual({ available: true });
    const { grownMb, statuses } = await soak(tier, 1000);
    console.log(
      `[sandbox] process tier, 1000 bombs: parent heap ${grownMb.toFixed(2)} MB vs baseline; ${JSON.stringify(statuses)}`,
    );
    // Baseline within 2 MB: a leak of even 2 KB per run would show as 2 MB here.
    expect(grownMb).toBeLessThan(2);
    const ok = await tier.run({
      code: 'export default async () => 1',
      input: {},
      permissions: [],
      limits: { timeoutMs: 2000, memoryMb: 16 },
    });
    expect(ok.status).toBe('ok');
    expect(tier.childPids().length).toBeLessThanOrEqual(2);
    await tier.close();
    expect(childProcesses()).toEqual([]);
  }, 120_000);

  it.skipIf(!bwrapUsable().ok)(
    '200 bombs through the container tier: same',
    async () => {
      const tier = createContainerTier({ poolSize: 2, maxHostCalls: 200 });
      expect(await tier.availability()).toEqual({ available: true });
      const { grownMb, statuses } = await soak(tier, 200);
      console.log(
        `[sandbox] container tier, 200 bombs: parent heap ${grownMb.toFixed(2)} MB vs baseline; ${JSON.stringify(statuses)}`,
      );
      expect(grownMb).toBeLessThan(2);
      await tier.close();
      expect(childProcesses()).toEqual([]);
    },
    60_000,
  );
});
