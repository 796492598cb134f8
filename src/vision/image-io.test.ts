import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { cropImage, decodeImage, encodePng, loadImageFile, pngSize } from './index.js';
import { pngHeaderOnly, solidImage } from '../../test/support/vision.js';

const dir = await mkdtemp(join(tmpdir(), 'ironcliw-vision-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const good = await encodePng(
  solidImage(64, 48, [255, 255, 255], [{ rect: { x: 8, y: 8, width: 10, height: 10 }, rgb: [229, 57, 53] }]),
);

describe('decodeImage', () => {
  it('decodes PNG and JPEG to RGBA', async () => {
    const img = await decodeImage(good);
    expect([img.width, img.height, img.data.length]).toEqual([64, 48, 64 * 48 * 4]);
    expect([...img.data.subarray((10 * 64 + 10) * 4, (10 * 64 + 10) * 4 + 4)]).toEqual([229, 57, 53, 255]);
    const jpeg = await sharp(good).jpeg({ quality: 90 }).toBuffer();
    const j = await decodeImage(jpeg);
    expect([j.width, j.height, j.data.length]).toEqual([64, 48, 64 * 48 * 4]);
  });

  it.each([
    ['zero bytes', Buffer.alloc(0)],
    ['text, not an image', Buffer.from('hello world, this is not a PNG at all')],
    ['a truncated PNG', good.subarray(0, Math.floor(good.length * 0.6))],
    ['a PNG signature and nothing else', good.subarray(0, 8)],
  ])('rejects %s as E_IMAGE_INVALID', async (_name, bytes) => {
    await expect(decodeImage(bytes)).rejects.toMatchObject({ code: 'E_IMAGE_INVALID' });
  });

  it('refuses a 20000×20000 image from its header, without decoding it', async () => {
    const bomb = await pngHeaderOnly(20_000, 20_000);
    expect((await sharp(bomb, { limitInputPixels: false }).metadata()).width).toBe(20_000);
    const before = process.memoryUsage().rss;
    await expect(decodeImage(bomb)).rejects.toMatchObject({
      code: 'E_IMAGE_TOO_LARGE',
      details: { width: 20_000, height: 20_000 },
    });
    // Decoding would allocate 1.6 GB; refusing from the header costs next to nothing.
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
  });

  it('rejects a PNG whose header says 0×0 as E_IMAGE_INVALID', async () => {
    await expect(decodeImage(await pngHeaderOnly(0, 0))).rejects.toMatchObject({ code: 'E_IMAGE_INVALID' });
  });

  it('rejects a truncated JPEG, and other formats sharp could read (SVG, GIF), as E_IMAGE_INVALID', async () => {
    const jpeg = await sharp(good).jpeg({ quality: 90 }).toBuffer();
    await expect(decodeImage(jpeg.subarray(0, Math.floor(jpeg.length / 2)))).rejects.toMatchObject({
      code: 'E_IMAGE_INVALID',
    });
    // SVG would be rasterised by librsvg (scripts aside, a billion-laughs file can hang it): never accepted.
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    );
    await expect(decodeImage(svg)).rejects.toMatchObject({ code: 'E_IMAGE_INVALID' });
    const gif = await sharp(good).gif().toBuffer();
    await expect(decodeImage(gif)).rejects.toMatchObject({ code: 'E_IMAGE_INVALID' });
  });

  it('sizes a PNG from its header as sharp does, and still refuses one whose header lies about its pixels', async () => {
    expect(pngSize(good)).toEqual({ width: 64, height: 48 });
    expect(pngSize(await pngHeaderOnly(20_000, 30_000))).toEqual({ width: 20_000, height: 30_000 });
    const jpeg = await sharp(good).jpeg().toBuffer();
    expect(pngSize(jpeg)).toBeUndefined();
    expect(pngSize(good.subarray(0, 20))).toBeUndefined();
    // A header claiming 8×6 over 64×48 pixels: the decoder, not the header, has the last word.
    const lying = Buffer.from(good);
    lying.writeUInt32BE(8, 16);
    lying.writeUInt32BE(6, 20);
    await expect(decodeImage(lying)).rejects.toMatchObject({ code: 'E_IMAGE_INVALID' });
  });

  it('applies a custom pixel limit', async () => {
    await expect(decodeImage(good, { maxPixels: 1000 })).rejects.toMatchObject({ code: 'E_IMAGE_TOO_LARGE' });
    await expect(decodeImage(good, { maxPixels: 64 * 48 })).resolves.toMatchObject({ width: 64 });
  });
});

describe('loadImageFile', () => {
  it('loads a file', async () => {
    const path = join(dir, 'screen.png');
    await writeFile(path, good);
    expect((await loadImageFile(path)).width).toBe(64);
  });

  it('reports a missing or unreadable file as E_SCREEN_UNREADABLE', async () => {
    await expect(loadImageFile(join(dir, 'missing.png'))).rejects.toMatchObject({
      code: 'E_SCREEN_UNREADABLE',
    });
    await expect(loadImageFile(dir)).rejects.toMatchObject({ code: 'E_SCREEN_UNREADABLE' });
  });

  it('reports a file that is not an image as E_IMAGE_INVALID', async () => {
    const path = join(dir, 'notes.png');
    await writeFile(path, 'not an image');
    await expect(loadImageFile(path)).rejects.toMatchObject({ code: 'E_IMAGE_INVALID' });
  });
});

describe('cropImage', () => {
  it('copies the pixels of a rectangle, clamped to the image', async () => {
    const img = await decodeImage(good);
    const crop = cropImage(img, { x: 8, y: 8, width: 10, height: 10 });
    expect([crop.width, crop.height]).toEqual([10, 10]);
    expect([...crop.data.subarray(0, 4)]).toEqual([229, 57, 53, 255]);
    expect(cropImage(img, { x: 60, y: 40, width: 100, height: 100 })).toMatchObject({ width: 4, height: 8 });
  });

  it('rejects a rectangle outside the image as E_INPUT_INVALID', async () => {
    const img = await decodeImage(good);
    expect(() => cropImage(img, { x: 100, y: 0, width: 10, height: 10 })).toThrow(
      expect.objectContaining({ code: 'E_INPUT_INVALID' }),
    );
  });
});
