import { describe, expect, it } from 'vitest';
import { createInlineTier } from './index.js';

describe('inline tier', () => {
  it("refuses anything whose origin is not 'builtin'", async () => {
    await using tier = createInlineTier();
    for (const origin of ['generated', 'imported', undefined] as const) {
      const r = await tier.run({
        code: 'export default () => 1',
        input: {},
        permissions: [],
        limits: { timeoutMs: 500, memoryMb: 16 },
        ...(origin ? { origin } : {}),
      });
      expect(r.status).toBe('violation');
      expect(r.error).toMatch(/trusted built-ins only/);
    }
  });

  it('runs a trusted built-in in-process with the same SDK bridge and permission checks', async () => {
    await using tier = createInlineTier();
    expect(await tier.availability()).toEqual({ available: true });
    const host = {
      call: async (m: string) =>
        m === 'vision.findShapes' ? [{ kind: 'shape', bbox: { x: 0, y: 0, width: 1, height: 1 } }] : null,
    };
    const ok = await tier.run({
      code: `export default async function run(input, sdk) { const items = await sdk.vision.findShapes({ $image: 'i', width: 1, height: 1 }, {}); return { count: items.length }; }`,
      input: {},
      permissions: ['vision.analyze'],
      limits: { timeoutMs: 1000, memoryMb: 16 },
      host,
      origin: 'builtin',
    });
    expect(ok).toMatchObject({ status: 'ok', output: { count: 1 } });
    const denied = await tier.run({
      code: `export default async function run(input, sdk) { return sdk.actions.click({ x: 1, y: 1 }).catch(() => 'denied'); }`,
      input: {},
      permissions: [],
      limits: { timeoutMs: 1000, memoryMb: 16 },
      host,
      origin: 'builtin',
    });
    expect(denied.status).toBe('violation');
    expect(denied.violations).toEqual(['permission:actions.click']);
  });
});
