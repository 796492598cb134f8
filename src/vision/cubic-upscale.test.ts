import { describe, expect, it } from 'vitest';
import { cubicUpscale } from './cubic-upscale.js';
import { loadSharp } from './image-io.js';

/** What the OCR strips were made with before: sharp's cubic resize of a one-channel image. */
async function sharpUpscale(
  grey: Uint8Array,
  width: number,
  height: number,
  factor: number,
): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(grey, { raw: { width, height, channels: 1 } })
    .resize({ width: width * factor, height: height * factor, kernel: 'cubic' })
    .toColourspace('b-w')
    .raw()
    .toBuffer();
}

/** A deterministic pseudo-random image: noise, or text-like (mostly background with dark and light strokes). */
function image(width: number, height: number, seed: number, textLike: boolean): Uint8Array {
  const out = new Uint8Array(width * height);
  let s = seed;
  for (let i = 0; i < out.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const r = (s >> 8) & 255;
    out[i] = textLike ? (r < 40 ? 0 : r < 60 ? 128 : r < 70 ? 255 : 230) : r;
  }
  return out;
}

describe('cubicUpscale', () => {
  it('is sharp’s cubic resize, pixel for pixel, at every factor the OCR uses', async () => {
    let cases = 0;
    for (const factor of [2, 3, 4]) {
      for (const [width, height] of [
        [1, 1],
        [2, 3],
        [7, 5],
        [40, 14],
        [63, 17],
        [150, 30],
      ] as const) {
        for (const textLike of [false, true]) {
          const grey = image(width, height, width * 31 + height * 7 + factor, textLike);
          const js = cubicUpscale(grey, width, height, factor);
          const ref = await sharpUpscale(grey, width, height, factor);
          expect(js.length).toBe(ref.length);
          // One message per case rather than thousands: how many pixels differ.
          const differ = js.reduce((n, v, i) => n + (v === ref[i] ? 0 : 1), 0);
          expect({ factor, width, height, textLike, differ }).toEqual({
            factor,
            width,
            height,
            textLike,
            differ: 0,
          });
          cases++;
        }
      }
    }
    expect(cases).toBe(36);
  });

  it('returns a copy at factor 1 and refuses a factor that is not a whole number from 1', () => {
    const grey = image(4, 3, 1, false);
    const same = cubicUpscale(grey, 4, 3, 1);
    expect([...same]).toEqual([...grey]);
    expect(same.buffer).not.toBe(grey.buffer);
    expect(() => cubicUpscale(grey, 4, 3, 1.5)).toThrow(/whole number/);
    expect(() => cubicUpscale(grey, 4, 3, 0)).toThrow(/whole number/);
  });
});
