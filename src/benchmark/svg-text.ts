/** Small helpers shared by every SVG plot (src/benchmark/plots.ts, bench/memory-plot.ts). */

/** Text made safe inside SVG markup. */
export function escapeSvg(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** "Nice" axis ticks covering [lo, hi]: about `n` of them, each a multiple of 1, 2 or 5 × a power of ten. */
export function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Math.round(v / step) * step);
  return out;
}
