import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { RgbaImage } from '../index.js';
import {
  clearElementCache,
  clearOcrMemo,
  closeOcr,
  decodeImage,
  detectElements,
  ocrWorkers,
  renderScene,
  setElementCacheScreens,
} from '../index.js';

afterAll(() => closeOcr());

const screen = async (): Promise<RgbaImage> =>
  decodeImage(
    (
      await renderScene({
        width: 480,
        height: 320,
        theme: 'light',
        titlebar: { title: 'Invoices' },
        elements: [
          { type: 'button', label: 'Save', x: 20, y: 20 },
          { type: 'button', label: 'Export', x: 110, y: 20 },
          { type: 'text', text: 'Invoice 2024-0117 is overdue', x: 20, y: 120, size: 14 },
        ],
      })
    ).png,
  );

/** The same pixels in a new image object (a fresh capture of an unchanged screen). */
const copy = (img: RgbaImage): RgbaImage => ({
  width: img.width,
  height: img.height,
  data: img.data.slice(),
});

/** Whether OCR was asked to read anything during `fn`: the worker pool is closed first, a read starts it. */
async function readsDuring<T>(fn: () => Promise<T>): Promise<{ value: T; read: boolean }> {
  await closeOcr();
  const value = await fn();
  return { value, read: ocrWorkers() > 0 };
}

describe('elements() caches (issue 18)', () => {
  beforeEach(() => {
    clearElementCache();
    clearOcrMemo();
  });

  it('answers an unchanged screen in a new image object from its pixels, without OCR', async () => {
    const img = await screen();
    const first = await detectElements(img);
    expect(first.filter((e) => e.kind === 'button').map((e) => e.text)).toEqual(['Save', 'Export']);
    clearOcrMemo();
    const again = await readsDuring(() => detectElements(copy(img)));
    expect(again.read).toBe(false);
    expect(again.value).toEqual(first);
  });

  it('reads a changed screen again, but not the pieces of text it read before', async () => {
    const img = await screen();
    const first = await detectElements(img);
    // One background pixel a grey level darker: another screen to the cache, the same text to OCR.
    const changed = copy(img);
    const i = (300 * changed.width + 400) * 4;
    for (let c = 0; c < 3; c++) changed.data[i + c] = changed.data[i + c]! - 1;
    const memoised = await readsDuring(() => detectElements(changed));
    expect(memoised.read).toBe(false);
    expect(memoised.value).toEqual(first);
    // With the readings forgotten too, the text is read again and comes out the same.
    clearElementCache();
    clearOcrMemo();
    const fresh = await readsDuring(() => detectElements(copy(changed)));
    expect(fresh.read).toBe(true);
    expect(fresh.value).toEqual(first);
  });

  it('tells screens apart by every pixel, also in rows its quick sample skips', async () => {
    const img = await screen();
    await detectElements(img);
    // Screens are first looked up by a digest of every 16th row; row 1 is not in it, but the full digest is.
    const changed = copy(img);
    const i = (1 * changed.width + 5) * 4;
    for (let c = 0; c < 3; c++) changed.data[i + c] = changed.data[i + c]! ^ 1;
    clearOcrMemo();
    expect((await readsDuring(() => detectElements(changed))).read).toBe(true);
    // While a screen is being read, a copy of it is answered by that reading, found by its sample.
    clearElementCache();
    clearOcrMemo();
    const twice = await readsDuring(() =>
      Promise.all([detectElements(copy(img)), detectElements(copy(img))]),
    );
    expect(twice.value[1]).toEqual(twice.value[0]);
    // The same element objects: one reading, not two.
    expect(twice.value[1][0]).toBe(twice.value[0][0]);
  });

  it('a query with a kind gives what the full reading gives for that kind', async () => {
    const img = await screen();
    const all = await detectElements(img);
    clearElementCache();
    clearOcrMemo();
    const buttons = await detectElements(copy(img), { kind: 'button' });
    expect(buttons).toEqual(all.filter((e) => e.kind === 'button'));
    expect(await detectElements(copy(img), { kind: 'button', text: 'export' })).toEqual([
      all.find((e) => e.text === 'Export'),
    ]);
  });

  it('keeps no screen with a cache size of 0', async () => {
    const img = await screen();
    await detectElements(img);
    setElementCacheScreens(0);
    try {
      clearOcrMemo();
      expect((await readsDuring(() => detectElements(copy(img)))).read).toBe(true);
    } finally {
      setElementCacheScreens(16);
    }
    expect(() => setElementCacheScreens(-1)).toThrow(RangeError);
  });
});
