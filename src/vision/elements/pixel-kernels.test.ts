import { describe, expect, it } from 'vitest';
import { loadOpenCv } from '../opencv.js';
import { contrastMasks, INK_CONTRAST } from './pixel-analysis.js';
import { labelMask } from './pixel-kernels.js';

/** A seeded mask: filled and hollow rectangles, diagonal strokes and speckle, at odd sizes. */
function mask(seed: number, width: number, height: number): Uint8Array {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const m = new Uint8Array(width * height);
  const set = (x: number, y: number) => {
    if (x >= 0 && y >= 0 && x < width && y < height) m[y * width + x] = 1;
  };
  for (let k = 0; k < 12; k++) {
    const x0 = Math.floor(rnd() * width);
    const y0 = Math.floor(rnd() * height);
    const w = 1 + Math.floor(rnd() * width * 0.3);
    const h = 1 + Math.floor(rnd() * height * 0.3);
    const hollow = rnd() < 0.5;
    for (let y = y0; y < y0 + h; y++)
      for (let x = x0; x < x0 + w; x++)
        if (!hollow || y === y0 || y === y0 + h - 1 || x === x0 || x === x0 + w - 1) set(x, y);
  }
  // Diagonal strokes join only 8-connected; speckle makes many small components touching corner to corner.
  for (let k = 0; k < 6; k++) {
    let x = Math.floor(rnd() * width);
    let y = Math.floor(rnd() * height);
    const dx = rnd() < 0.5 ? 1 : -1;
    for (let i = 0; i < 30; i++) set((x += dx), y++);
  }
  for (let i = 0; i < width * height * 0.08; i++) set(Math.floor(rnd() * width), Math.floor(rnd() * height));
  return m;
}

describe('labelMask (connected components by runs)', () => {
  it("labels as OpenCV's connectedComponentsWithStats does, label for label, 4- and 8-connected", async () => {
    const { cv } = await loadOpenCv();
    for (const [seed, width, height] of [
      [1, 97, 61],
      [2, 160, 210],
      [3, 33, 200],
      [4, 301, 47],
      [5, 64, 64],
    ] as const) {
      const m = mask(seed, width, height);
      for (const connectivity of [4, 8] as const) {
        const mat = new cv.Mat(height, width, cv.CV_8UC1);
        const labels = new cv.Mat();
        const stats = new cv.Mat();
        const centroids = new cv.Mat();
        try {
          mat.data.set(m);
          const n = cv.connectedComponentsWithStats(mat, labels, stats, centroids, connectivity, cv.CV_32S);
          const mine = labelMask(m, width, height, connectivity);
          expect(mine.blobs.length, `seed ${seed}, ${connectivity}-connected`).toBe(n - 1);
          expect(Array.from(mine.labels)).toEqual(Array.from(labels.data32S as Int32Array));
          const s = stats.data32S as Int32Array;
          const want = mine.blobs.map((_, k) => {
            const i = (k + 1) * 5;
            return {
              id: k + 1,
              x0: s[i]!,
              y0: s[i + 1]!,
              x1: s[i]! + s[i + 2]!,
              y1: s[i + 1]! + s[i + 3]!,
              area: s[i + 4]!,
            };
          });
          expect(mine.blobs).toEqual(want);
        } finally {
          mat.delete();
          labels.delete();
          stats.delete();
          centroids.delete();
        }
      }
    }
  });

  it('joins diagonal neighbours only when 8-connected, and an empty mask has no components', () => {
    // 1 0
    // 0 1
    const m = Uint8Array.from([1, 0, 0, 1]);
    expect(labelMask(m, 2, 2, 4).blobs).toHaveLength(2);
    expect(labelMask(m, 2, 2, 8).blobs).toHaveLength(1);
    expect(labelMask(new Uint8Array(12), 4, 3, 8)).toEqual({ labels: new Int32Array(12), blobs: [] });
  });
});

describe('contrastMasks (flat and ink, four pixels a step)', () => {
  it('marks the same pixels as a comparison byte by byte, every gradient value, any length', () => {
    for (const n of [0, 1, 3, 4, 5, 1027, 4096 + 2]) {
      let s = n + 1;
      const grad = new Uint8Array(n);
      // Every value 0..255 in turn, then random ones: both sides of both thresholds and the top bit.
      for (let i = 0; i < n; i++) grad[i] = i < 256 ? i : (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
      const flat = new Uint8Array(n).fill(9);
      const ink = new Uint8Array(n).fill(9);
      contrastMasks(grad, flat, ink);
      const wantFlat = Array.from(grad, (g) => (g < 16 ? 1 : 0));
      const wantInk = Array.from(grad, (g) => (g >= INK_CONTRAST ? 1 : 0));
      expect(Array.from(flat), `n ${n}`).toEqual(wantFlat);
      expect(Array.from(ink), `n ${n}`).toEqual(wantInk);
    }
  });
});
