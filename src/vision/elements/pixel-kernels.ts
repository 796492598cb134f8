import type { Blob } from './pixel-analysis.js';

/**
 * Connected components of a mask by runs: each row's runs of set pixels are joined to the runs they touch in
 * the row above (union-find on runs), then every run is filled with its component's label. A screen is mostly
 * long runs of one colour, so this touches each pixel once to find the runs and once to fill the labels; the
 * OpenCV call it replaces labelled in WASM, and its label maps then had to be copied out of the WASM heap:
 * 10-14 ms a map on a 1920×1080 screen against 2-3 ms here (minimum of 40 calls, load ≈ 10).
 *
 * `mask` holds 1 for set pixels and 0 for unset. Labels are 1, 2, … (0: unset) in OpenCV's order, so the
 * detector sees the same components in the same order: 4-connected, by each component's first pixel in raster
 * order; 8-connected, by its first 2×2 block in raster order of blocks (OpenCV labels blocks of 2×2).
 */
/** The run arrays of {@link labelMask}, grown as needed and reused. */
let runs = {
  cap: 1024,
  ry: new Int32Array(1024),
  rx0: new Int32Array(1024),
  rx1: new Int32Array(1024),
  parent: new Int32Array(1024),
};

/**
 * `into`: a label map to write into (its first width × height entries; zeroed here) instead of a new one, for
 * a map not kept past the caller's synchronous use.
 */
export function labelMask(
  mask: Uint8Array,
  width: number,
  height: number,
  connectivity: 4 | 8,
  into?: Int32Array,
): { labels: Int32Array; blobs: Blob[] } {
  // Runs in raster order: row, first and past-last column. The arrays are kept for the next call (this one
  // is synchronous): a 1920×1080 screen has ≈ 10⁵ runs, a few MB of garbage a call otherwise.
  let { cap, ry, rx0, rx1, parent } = runs;
  let n = 0;
  const root = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const d = connectivity === 8 ? 1 : 0;
  // The runs of the row above the current one, and the current row.
  let prevStart = 0;
  let prevEnd = 0;
  let rowY = -1;
  let rowStart = 0;
  let k = 0;
  const add = (y: number, x0: number, x: number) => {
    if (y !== rowY) {
      // A new row: the runs of the last one are the row above only if it was the one just before.
      if (y === rowY + 1) {
        prevStart = rowStart;
        prevEnd = n;
      } else prevStart = prevEnd = n;
      rowY = y;
      rowStart = n;
      k = prevStart;
    }
    if (n === cap) {
      cap *= 2;
      const grow = (a: Int32Array) => {
        const b = new Int32Array(cap);
        b.set(a);
        return b;
      };
      ry = grow(ry);
      rx0 = grow(rx0);
      rx1 = grow(rx1);
      parent = grow(parent);
      runs = { cap, ry, rx0, rx1, parent };
    }
    ry[n] = y;
    rx0[n] = x0;
    rx1[n] = x;
    parent[n] = n;
    // Runs of the row above that touch this one: they end after this one starts (less the diagonal step).
    while (k < prevEnd && rx1[k]! + d <= x0) k++;
    for (let j = k; j < prevEnd && rx0[j]! < x + d; j++) {
      const a = root(j);
      const b = root(n);
      // The older run stays the root: a component's label follows its first pixel.
      if (a < b) parent[b] = a;
      else if (b < a) parent[a] = b;
    }
    n++;
  };
  // Runs over the whole buffer with the native indexOf (set: any non-zero byte is 1 here), cut at row ends.
  const total = width * height;
  for (let pos = 0; pos < total;) {
    const s = mask.indexOf(1, pos);
    if (s < 0) break;
    let e = mask.indexOf(0, s);
    if (e < 0) e = total;
    for (let at = s; at < e;) {
      const y = (at / width) | 0;
      const end = Math.min(e, (y + 1) * width);
      add(y, at - y * width, end - y * width);
      at = end;
    }
    pos = e;
  }
  // Labels in OpenCV's order: 4-connected, by each component's first pixel in raster order (its oldest run,
  // the root); 8-connected, OpenCV labels 2×2 blocks in raster order, so by its first block.
  const order = new Int32Array(n).fill(-1);
  let roots = 0;
  for (let i = 0; i < n; i++) if (root(i) === i) order[i] = roots++;
  if (connectivity === 8) {
    const bw = (width + 1) >> 1;
    const first = new Float64Array(n).fill(Infinity);
    for (let i = 0; i < n; i++) {
      const r = parent[i]!;
      const key = (ry[i]! >> 1) * bw + (rx0[i]! >> 1);
      if (key < first[r]!) first[r] = key;
    }
    const rs: number[] = [];
    for (let i = 0; i < n; i++) if (parent[i] === i) rs.push(i);
    rs.sort((p, q) => first[p]! - first[q]!);
    rs.forEach((r, k) => (order[r] = k));
  }
  const labels = into
    ? into.fill(0, 0, width * height).subarray(0, width * height)
    : new Int32Array(width * height);
  const blobs: Blob[] = new Array<Blob>(roots);
  for (let i = 0; i < n; i++) {
    const r = parent[i]!;
    const id = order[r]! + 1;
    const y = ry[i]!;
    const x0 = rx0[i]!;
    const x1 = rx1[i]!;
    const b = blobs[id - 1];
    if (!b) blobs[id - 1] = { id, x0, y0: y, x1, y1: y + 1, area: x1 - x0 };
    else {
      if (x0 < b.x0) b.x0 = x0;
      if (x1 > b.x1) b.x1 = x1;
      b.y1 = y + 1;
      b.area += x1 - x0;
    }
    labels.fill(id, y * width + x0, y * width + x1);
  }
  return { labels, blobs };
}
