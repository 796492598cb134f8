import type { ColorName } from '../domain/index.js';
import { describe, expect, it } from 'vitest';
import { colorMask, colors, nameColor, PALETTE } from './index.js';
import { solidImage } from './test-helpers.js';

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
