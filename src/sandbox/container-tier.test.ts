import { existsSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapUsable } from './os-layers.js';
import { createContainerTier } from './process-tier.js';
import type { ProcessPoolTier } from './process-tier.js';

// Reported as skipped (never passed) where bubblewrap is missing or cannot create namespaces.
const usable = bwrapUsable();

describe('container tier availability', () => {
  it('reports availability honestly', async () => {
    const tier = createContainerTier({ poolSize: 1 });
    const a = await tier.availability();
    expect(a.available).toBe(usable.ok);
    if (!usable.ok) expect(a.reason).toContain('bwrap');
    await tier.close();
  });
});

describe.skipIf(!usable.ok)('container tier (bubblewrap)', () => {
  const SECRET = `container-secret-${process.pid}`;
  const MARKER = join(tmpdir(), `ironcliw-container-marker-${process.pid}`);
  let tier: ProcessPoolTier;
  beforeAll(async () => {
    process.env['IRONCLIW_CONTAINER_TEST_SECRET'] = SECRET;
    tier = createContainerTier({ poolSize: 1 });
    expect(await tier.availability()).toEqual({ available: true });
  });
  afterAll(async () => {
    await tier.close();
    delete process.env['IRONCLIW_CONTAINER_TEST_SECRET'];
    rmSync(MARKER, { force: true });
  });

  it('runs a module with the host SDK', async () => {
    const r = await tier.run({
      code: `export default async function run(input, sdk) { return { n: input.n * 2, t: await sdk.clock.now() }; }`,
      input: { n: 21 },
      permissions: [],
      limits: { timeoutMs: 2000, memoryMb: 32 },
      host: { call: async () => 7 },
    });
    expect(r).toMatchObject({ status: 'ok', output: { n: 42, t: 7 } });
  });

  it('contains an infinite loop and a memory bomb, then still serves', async () => {
    const loop = await tier.run({
      code: `export default async () => { for (;;) {} }`,
      input: {},
      permissions: [],
      limits: { timeoutMs: 300, memoryMb: 32 },
    });
    expect(loop.status).toBe('timeout');
    const bomb = await tier.run({
      code: `export default async () => 'x'.repeat(2 ** 29).length`,
      input: {},
      permissions: [],
      limits: { timeoutMs: 2000, memoryMb: 32 },
    });
    expect(bomb.status).toBe('memory');
    const ok = await tier.run({
      code: `export default async () => 1`,
      input: {},
      permissions: [],
      limits: { timeoutMs: 2000, memoryMb: 32 },
    });
    expect(ok.status).toBe('ok');
  });

  it('puts the child in its own namespaces and leaks no environment', async () => {
    const r = await tier.run({
      code: `export default async function run() { return [typeof process, typeof std, typeof os]; }`,
      input: {},
      permissions: [],
      limits: { timeoutMs: 2000, memoryMb: 32 },
    });
    expect(JSON.stringify(r)).not.toContain(SECRET);
    expect(r.output).toEqual(['undefined', 'undefined', 'undefined']);
    expect(existsSync(MARKER)).toBe(false);
    // bwrap's pid is the child we spawned; its descendants live in new namespaces.
    for (const pid of tier.childPids()) expect(readlinkSync(`/proc/${pid}/ns/net`)).toBeTruthy();
    const layers = (await tier.capabilities()).layers;
    expect(layers.find((l) => l.name === 'bubblewrap')?.active).toBe(true);
  });

  it('close() leaves no child', async () => {
    const t = createContainerTier({ poolSize: 1 });
    await t.availability();
    const pids = t.childPids();
    await t.close();
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});
