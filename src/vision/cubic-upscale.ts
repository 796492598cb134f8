/**
 * A one-channel image enlarged by a whole factor with Catmull-Rom (bicubic) interpolation, computed the way
 * libvips does for sharp's `resize({kernel: 'cubic'})`, pixel for pixel: the OCR strips were always made with
 * sharp, and the same strips read the same (cubic-upscale.test.ts compares the two on random images).
 *
 * Why not sharp: each call of sharp costs ≈ 0.5 ms on the main thread (its options cross into C++) and more
 * in libvips's thread pool, which a strip of a few thousand pixels does not need: seven small strips took ≈ 8 ms
 * of wall time in sharp (load 5 on 2 cores), a task page's seven pieces ≈ 0.7 ms of CPU here.
 *
 * The arithmetic, found by matching sharp 0.35's output (libvips's bicubic interpolator, edges extended by copy;
 * the test holds it to that): the output pixel X samples the input at X / factor − 0.5, the fraction rounded to
 * 1/64; the four weights are Catmull-Rom's at that fraction, times 4096 and truncated; rows are interpolated
 * first, each rounded to an integer, then the column, rounded half away from zero and clipped to 0..255. Should a
 * later sharp resize differently, the test fails: these strips stay as they were, which is what the OCR's
 * accuracy figures were measured on.
 */

/** Subpixel steps of a sample position (VIPS_TRANSFORM_SCALE). */
const STEPS = 64;
/** Fixed-point scale of the weights (VIPS_INTERPOLATE_SCALE). */
const ONE = 4096;
const SHIFT = 12;

/** Per output coordinate: the first of its four input taps (before clamping) and their weights. */
interface Taps {
  first: Int32Array;
  weights: Int32Array;
}

function tapsOf(outSize: number, factor: number): Taps {
  const first = new Int32Array(outSize);
  const weights = new Int32Array(outSize * 4);
  for (let o = 0; o < outSize; o++) {
    const x = o / factor - 0.5;
    let i = Math.floor(x);
    let step = Math.floor((x - i) * STEPS + 0.5);
    if (step >= STEPS) {
      i++;
      step = 0;
    }
    const f = step / STEPS;
    const f2 = f * f;
    const f3 = f2 * f;
    first[o] = i - 1;
    weights[o * 4] = Math.trunc((-0.5 * f3 + f2 - 0.5 * f) * ONE);
    weights[o * 4 + 1] = Math.trunc((1.5 * f3 - 2.5 * f2 + 1) * ONE);
    weights[o * 4 + 2] = Math.trunc((-1.5 * f3 + 2 * f2 + 0.5 * f) * ONE);
    weights[o * 4 + 3] = Math.trunc((0.5 * f3 - 0.5 * f2) * ONE);
  }
  return { first, weights };
}

/** `grey` (width × height, one byte a pixel) enlarged `factor` times (a whole number from 1). */
export function cubicUpscale(grey: Uint8Array, width: number, height: number, factor: number): Buffer {
  if (!Number.isInteger(factor) || factor < 1)
    throw new RangeError(`the upscale factor must be a whole number from 1, got ${factor}`);
  const outW = width * factor;
  const outH = height * factor;
  if (factor === 1) return Buffer.from(grey.subarray(0, width * height));
  const xs = tapsOf(outW, factor);
  const ys = tapsOf(outH, factor);
  const clampX = (v: number) => (v < 0 ? 0 : v >= width ? width - 1 : v);
  // Each input row interpolated along x once (libvips rounds this pass to whole values, not clipped).
  const rows = new Int32Array(height * outW);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const at = y * outW;
    for (let o = 0; o < outW; o++) {
      const x0 = xs.first[o]!;
      const w = o * 4;
      const v =
        xs.weights[w]! * grey[row + clampX(x0)]! +
        xs.weights[w + 1]! * grey[row + clampX(x0 + 1)]! +
        xs.weights[w + 2]! * grey[row + clampX(x0 + 2)]! +
        xs.weights[w + 3]! * grey[row + clampX(x0 + 3)]!;
      rows[at + o] = (v + ONE / 2) >> SHIFT;
    }
  }
  const out = Buffer.allocUnsafe(outW * outH);
  const clampY = (v: number) => (v < 0 ? 0 : v >= height ? height - 1 : v);
  for (let o = 0; o < outH; o++) {
    const y0 = ys.first[o]!;
    const r0 = clampY(y0) * outW;
    const r1 = clampY(y0 + 1) * outW;
    const r2 = clampY(y0 + 2) * outW;
    const r3 = clampY(y0 + 3) * outW;
    const w0 = ys.weights[o * 4]!;
    const w1 = ys.weights[o * 4 + 1]!;
    const w2 = ys.weights[o * 4 + 2]!;
    const w3 = ys.weights[o * 4 + 3]!;
    const at = o * outW;
    for (let x = 0; x < outW; x++) {
      const v = w0 * rows[r0 + x]! + w1 * rows[r1 + x]! + w2 * rows[r2 + x]! + w3 * rows[r3 + x]!;
      const r = v >= 0 ? (v + ONE / 2) >> SHIFT : -((-v + ONE / 2) >> SHIFT);
      out[at + x] = r < 0 ? 0 : r > 255 ? 255 : r;
    }
  }
  return out;
}
