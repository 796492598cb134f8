import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generaliseFrame } from '../../src/discovery/index.js';
import type { Pattern } from '../../src/domain/index.js';
import { familyFor } from '../../src/generation/index.js';
import type { Ironcliw } from '../../src/ironcliw.js';
import { createIroncliw } from '../../src/ironcliw.js';
import { synthesize } from '../../src/synthesis/index.js';
import { frameSignature, parseCommand } from '../../src/understanding/index.js';
import { decodeImage, renderScene } from '../../src/vision/index.js';
import type { RgbaImage } from '../../src/vision/index.js';

/**
 * The wording of generated answers, read as a user would: "1 red square", never "1 red squares". Each
 * capability is what the pipeline would generate for the command (template family, static gate and
 * transforms), served at production; it runs in the sandbox.
 */
let ironcliw: Ironcliw;
const screens: Record<number, RgbaImage> = {};

async function learn(command: string): Promise<void> {
  const understood = parseCommand(command);
  const { frame, parameters } = generaliseFrame(understood.frame);
  const at = new Date().toISOString();
  const pattern: Pattern = {
    id: `pat_${command.replaceAll(' ', '_')}`,
    signature: frameSignature(frame),
    frame,
    parameters,
    count: 3,
    distinctUsers: 3,
    firstSeen: at,
    lastSeen: at,
    status: 'generated',
  };
  const generated = familyFor(pattern)!.emit(pattern, 1, []);
  // The wording is under test, not the speed of a busy machine.
  const emitted = {
    ...generated,
    manifest: { ...generated.manifest, limits: { timeoutMs: 60_000, memoryMb: 64 } },
  };
  const { code, report } = synthesize(emitted.code, {
    permissions: emitted.manifest.permissions,
    inputSchema: emitted.manifest.inputSchema,
    outputSchema: emitted.manifest.outputSchema,
  });
  expect(report.safe).toBe(true);
  const id = emitted.manifest.id;
  await ironcliw.store.capabilities.put({ manifest: emitted.manifest, code });
  await ironcliw.store.rollouts.save({
    id: `rol_${id}`,
    capabilityId: id,
    version: 1,
    stage: 'production',
    percentage: 10_000,
    rolloutKey: `${id}:v1`,
    stageEnteredAt: at,
    updatedAt: at,
  });
}

async function answer(command: string, squares: number): Promise<string> {
  const r = await ironcliw.processCommand(command, { user: 'ana' }, { screen: { image: screens[squares]! } });
  if (!r.ok) throw new Error(`${command}: ${r.failure.message}`);
  return r.result.answer;
}

beforeAll(async () => {
  ironcliw = await createIroncliw({ db: 'memory:', sandbox: { timeoutMs: 60_000 } }, { startWorkers: false });
  for (const n of [0, 1, 2]) {
    const { png } = await renderScene({
      width: 640,
      height: 400,
      elements: Array.from({ length: n }, (_, i) => ({
        type: 'shape' as const,
        shape: 'square' as const,
        color: 'red' as const,
        region: 'content' as const,
        x: 40 + 80 * i,
        y: 40,
        size: 40,
      })),
    });
    screens[n] = await decodeImage(png);
  }
  for (const command of [
    'are there any red squares',
    'find the red squares',
    'count the red squares larger than 10 pixels',
  ])
    await learn(command);
  await ironcliw.refresh();
}, 120_000);
afterAll(() => ironcliw?.close());

describe('generated answers', () => {
  it('say "1 red square" for one, and the plural for none or several', async () => {
    expect(await answer('are there any red squares', 1)).toBe('Yes, I see 1 red square.');
    expect(await answer('are there any red squares', 2)).toBe('Yes, I see 2 red squares.');
    expect(await answer('are there any red squares', 0)).toBe('No, I see no red squares.');
    expect(await answer('find the red squares', 1)).toMatch(/^Found 1 red square: red square at /);
    expect(await answer('count the red squares larger than 10 pixels', 1)).toBe('There is 1 red square.');
    expect(await answer('count the red squares larger than 10 pixels', 2)).toBe('There are 2 red squares.');
  });
});
