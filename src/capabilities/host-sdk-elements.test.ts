import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launchBrowser, openTask } from '../../test/ui/harness.js';
import type { UiElement } from '../domain/index.js';
import { createProcessTier } from '../sandbox/index.js';
import { closeOcr, decodeImage } from '../vision/index.js';
import type { RgbaImage } from '../vision/index.js';
import { createVisionPort } from '../vision-port.js';
import { createHostSdk } from './index.js';

/**
 * `sdk.vision.elements` end to end on a real task page: the host SDK (permission `vision.analyze`, query
 * validation, region handles) over the real detector, and the same call made by guest code in the process
 * sandbox. The page's instruction quotes the button's label; only the button may come back as a button.
 */
describe.skipIf(!existsSync(CHROMIUM))('sdk.vision.elements', () => {
  let screen: RgbaImage;
  let target = '';
  beforeAll(async () => {
    const browser = await launchBrowser();
    try {
      const task = await openTask(browser, 'click-button', 11);
      target = task.target;
      screen = await decodeImage(await task.screenshot());
    } finally {
      await browser.close();
    }
  });
  afterAll(() => closeOcr());

  const sdk = (permissions: Array<'vision.analyze' | 'screen.capture'>) =>
    createHostSdk({ screen, vision: createVisionPort(), permissions });

  it('returns the button named in the instruction, never the quoted word of the sentence', async () => {
    const host = sdk(['screen.capture', 'vision.analyze']);
    const img = await host.call('screen.capture', []);
    const found = (await host.call('vision.elements', [
      img,
      { kind: 'button', text: target },
    ])) as UiElement[];
    expect(found).toHaveLength(1);
    expect(found[0]!.bbox.y).toBeGreaterThan(50); // below the 50 px instruction band
    const byText = (await host.call('vision.elements', [img, { text: target }])) as UiElement[];
    expect(byText[0]!.kind).toBe('button');
    expect(byText.some((e) => e.kind === 'text' && e.bbox.y < 50)).toBe(true);
    const band = await host.call('vision.region', [img, { x: 0, y: 0, width: 160, height: 50 }]);
    const inBand = (await host.call('vision.elements', [band, { kind: 'button' }])) as UiElement[];
    expect(inBand).toEqual([]);
  });

  it('needs vision.analyze and refuses malformed queries with E_INPUT_INVALID', async () => {
    const denied = sdk(['screen.capture']);
    const img = await denied.call('screen.capture', []);
    await expect(denied.call('vision.elements', [img, {}])).rejects.toMatchObject({
      code: 'E_PERMISSION_DENIED',
    });
    const host = sdk(['screen.capture', 'vision.analyze']);
    for (const q of [{ kind: 'spaceship' }, { text: 5 }, { near: { x: 'a' } }, 'button']) {
      await expect(host.call('vision.elements', [img, q]), JSON.stringify(q)).rejects.toMatchObject({
        code: 'E_INPUT_INVALID',
      });
    }
  });

  it('is callable from guest code in the process sandbox, where the host half checks the permission', async () => {
    const tier = createProcessTier({ poolSize: 1 });
    try {
      const host = sdk(['screen.capture', 'vision.analyze']);
      const r = await tier.run({
        code: `export default async function run(input, sdk) {
          const img = await sdk.screen.capture();
          const [b] = await sdk.vision.elements(img, { kind: 'button', text: input.label });
          return { kind: b.kind, text: b.text, x: b.bbox.x };
        }`,
        input: { label: target },
        permissions: ['screen.capture', 'vision.analyze'],
        limits: { timeoutMs: 20_000, memoryMb: 64 },
        host,
      });
      expect(r.status, r.error).toBe('ok');
      expect(r.output).toMatchObject({ kind: 'button' });
      expect(String((r.output as { text: string }).text).toLowerCase()).toBe(target.toLowerCase());
      expect(r.hostCalls.map((c) => c.method)).toEqual(['screen.capture', 'vision.elements']);
    } finally {
      await tier.close();
    }
  });
});
