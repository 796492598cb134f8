import type { ColorName } from '../domain/index.js';
import { describe, expect, it } from 'vitest';
import { COLORS } from '../domain/index.js';
import { labelPixels, screenSummary, screenSummaryAndGrey } from './color-naming.js';
import { greyOf } from './text-lines.js';
import type { RgbaImage } from './index.js';
import { colorMask, colors, decodeImage, nameColor, PALETTE, randomScene, renderScene } from './index.js';
import { solidImage } from '../../test/support/vision.js';

const rgb = (hex: string) =>
  [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

describe('nameColor', () => {
  it('names every palette colour exactly', () => {
    for (const [name, hex] of Object.entries(PALETTE))
      expect(nameColor(...rgb(hex)), `${name} ${hex}`).toBe(name);
  });

  it.each([
    ['#ff0000', 'red'],
    ['#b71c1c', 'red'],
    ['#ffa500', 'orange'],
    ['#ffff00', 'yellow'],
    ['#00ff00', 'green'],
    ['#2e7d32', 'green'],
    ['#00ffff', 'cyan'],
    ['#008080', 'cyan'],
    ['#0000ff', 'blue'],
    ['#3f51b5', 'blue'],
    ['#800080', 'purple'],
    ['#673ab7', 'purple'],
    ['#ffc0cb', 'pink'],
    ['#e91e63', 'pink'],
    ['#8b4513', 'brown'],
    ['#a0522d', 'brown'],
    ['#ffffff', 'white'],
    ['#f1f3f6', 'white'],
    ['#dfe3ea', 'grey'],
    ['#808080', 'grey'],
    // Dark UI chrome is tinted blue-grey; it is still grey or black, not blue.
    ['#2e333b', 'grey'],
    ['#37474f', 'grey'],
    ['#1f2329', 'black'],
    ['#000000', 'black'],
  ] as const)('%s is %s', (hex, name) => {
    expect(nameColor(...rgb(hex))).toBe(name);
  });

  it('keeps the name under shading and anti-aliasing against light and dark backgrounds (≥ 95%)', () => {
    let ok = 0;
    let total = 0;
    const misses: string[] = [];
    const hues: ColorName[] = ['red', 'orange', 'yellow', 'green', 'cyan', 'blue', 'purple', 'pink'];
    for (const name of hues) {
      const [r, g, b] = rgb(PALETTE[name]);
      for (const [mix, bg] of [
        [0, 0],
        [0.15, 255],
        [0.25, 255],
        [0.15, 22],
        [0.25, 22],
        [0.25, 128],
      ] as const) {
        for (const shade of [0.85, 0.92, 1, 1.08]) {
          const c = (v: number) => Math.max(0, Math.min(255, Math.round(((1 - mix) * v + mix * bg) * shade)));
          total++;
          const got = nameColor(c(r), c(g), c(b));
          if (got === name) ok++;
          else misses.push(`${name} mix ${mix}/${bg} shade ${shade} → ${got}`);
        }
      }
    }
    // Brown is dark orange: only its own shading is fair to ask of it.
    for (const shade of [0.85, 0.92, 1, 1.08]) {
      total++;
      const [r, g, b] = rgb(PALETTE.brown).map((v) => Math.round(v * shade)) as [number, number, number];
      if (nameColor(r, g, b) === 'brown') ok++;
      else misses.push(`brown shade ${shade}`);
    }
    console.info(`colour naming under shading/anti-aliasing: ${ok}/${total}`, misses);
    expect(ok / total).toBeGreaterThanOrEqual(0.95);
  });
});

describe('colors and colorMask', () => {
  const img = solidImage(
    100,
    50,
    [255, 255, 255],
    [
      { rect: { x: 0, y: 0, width: 50, height: 50 }, rgb: [229, 57, 53] },
      { rect: { x: 50, y: 0, width: 10, height: 50 }, rgb: [30, 136, 229] },
    ],
  );

  it('gives the share of each colour, largest first', () => {
    expect(colors(img)).toEqual([
      { color: 'red', share: 0.5 },
      { color: 'white', share: 0.4 },
      { color: 'blue', share: 0.1 },
    ]);
    expect(colors(img, { x: 40, y: 0, width: 20, height: 10 })).toEqual([
      { color: 'red', share: 0.5 },
      { color: 'blue', share: 0.5 },
    ]);
  });

  it('masks one colour', () => {
    const m = colorMask(img, 'blue', { x: 45, y: 0, width: 20, height: 5 });
    expect(m.count).toBe(50);
    expect([...m.mask.subarray(0, 20)]).toEqual([
      ...Array(5).fill(0),
      ...Array(10).fill(255),
      ...Array(5).fill(0),
    ]);
  });

  it('rejects an unknown colour and an empty area', () => {
    expect(() => colorMask(img, 'mauve' as ColorName)).toThrow(
      expect.objectContaining({ code: 'E_INPUT_INVALID' }),
    );
    expect(() => colors(img, { x: 500, y: 0, width: 5, height: 5 })).toThrow(
      expect.objectContaining({ code: 'E_INPUT_INVALID' }),
    );
  });
});

describe('labelling a screen', () => {
  /** The 18-bit quantisation the lookup table uses (6 bits per channel, bin centres). */
  const naive = (img: RgbaImage, x: number, y: number) => {
    const i = (y * img.width + x) * 4;
    const q = (v: number) => (v >> 2) * 4 + 2;
    return COLORS.indexOf(nameColor(q(img.data[i]!), q(img.data[i + 1]!), q(img.data[i + 2]!))) + 1;
  };
  /** Long runs that cross row ends, and single-pixel noise: both paths of the run-length labelling. */
  const noisy = (): RgbaImage => {
    const width = 61;
    const height = 23;
    const data = new Uint8Array(width * height * 4);
    let seed = 7;
    for (let p = 0; p < width * height; p++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const run = p % 200 < 150; // a long run of one colour…
      const v = run ? [229, 57, 53] : [seed & 255, (seed >> 8) & 255, (seed >> 16) & 255]; // …then noise
      data.set([...v, 255], p * 4);
    }
    return { width, height, data };
  };

  it('names every pixel as nameColor does, for the whole screen and for a rectangle of it', async () => {
    for (const img of [noisy(), await decodeImage((await renderScene(randomScene(3))).png)]) {
      const whole = labelPixels(img, { x: 0, y: 0, width: img.width, height: img.height });
      const rect = { x: 5, y: 3, width: Math.min(40, img.width - 5), height: Math.min(17, img.height - 3) };
      const part = labelPixels(img, rect);
      const wrong: string[] = [];
      for (let y = 0; y < img.height; y++) {
        for (let x = 0; x < img.width; x++) {
          if (whole[y * img.width + x] !== naive(img, x, y)) wrong.push(`whole ${x},${y}`);
        }
      }
      for (let y = 0; y < rect.height; y++) {
        for (let x = 0; x < rect.width; x++) {
          if (part[y * rect.width + x] !== naive(img, rect.x + x, rect.y + y)) wrong.push(`rect ${x},${y}`);
        }
      }
      expect(wrong.slice(0, 5)).toEqual([]);
    }
  });

  it('gives the same shares for the whole screen as pixel by pixel', () => {
    const img = noisy();
    const counts = new Map<string, number>();
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        const c = COLORS[naive(img, x, y) - 1]!;
        counts.set(c, (counts.get(c) ?? 0) + 1);
      }
    }
    const total = img.width * img.height;
    const want = [...counts]
      .map(([color, n]) => ({ color, share: Math.round((n / total) * 10_000) / 10_000 }))
      .sort((a, b) => b.share - a.share);
    expect(colors(img)).toEqual(expect.arrayContaining(want));
    expect(colors(img)).toHaveLength(want.length);
    // The same image object again: the shared labelling pass gives the same answer.
    expect(colors(img)).toEqual(colors({ ...img }));
  });

  it('gives the summary and the grey in one pass, the same as each pass alone', async () => {
    const scene = await decodeImage((await renderScene(randomScene(5))).png);
    for (const img of [noisy(), scene]) {
      const whole = { x: 0, y: 0, width: img.width, height: img.height };
      const n = img.width * img.height;
      const grey = new Uint8Array(n + 9).fill(7);
      const fused = screenSummaryAndGrey(img, grey);
      // A copy of the image: its summary is computed apart, not read from the fused pass's cache.
      const apart = screenSummary({ ...img });
      expect(Buffer.from(grey.subarray(0, n)).equals(Buffer.from(greyOf(img, whole)))).toBe(true);
      expect(grey[n]).toBe(7);
      expect(Buffer.from(fused.chromatic).equals(Buffer.from(apart.chromatic))).toBe(true);
      expect([...fused.counts]).toEqual([...apart.counts]);
      expect(fused.chromatic.some((v) => v === 255)).toBe(true);
      // What colors() and findShapes() read afterwards is the fused pass's summary.
      expect(screenSummary(img)).toBe(fused);
    }
  });
});
