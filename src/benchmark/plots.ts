import { quantileSorted } from './stats.js';
import { escapeSvg, niceTicks } from './svg-text.js';
import type { BenchmarkRun } from './types.js';

/**
 * Plots as plain SVG text (no canvas, no fonts to load): a latency histogram, the latency CDF and the load
 * curve. Each function returns one standalone `<svg>`; `renderBenchmarkSvg` stacks all three.
 */

const W = 640;
const H = 260;
const M = { left: 60, right: 60, top: 34, bottom: 42 };

const esc = escapeSvg;

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toPrecision(2);
}

const ticks = niceTicks;

interface Frame {
  x: (v: number) => number;
  y: (v: number) => number;
  parts: string[];
}

function frame(
  title: string,
  xLabel: string,
  yLabel: string,
  xr: [number, number],
  yr: [number, number],
): Frame {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (v: number) => M.left + ((v - xr[0]) / (xr[1] - xr[0] || 1)) * pw;
  const y = (v: number) => M.top + ph - ((v - yr[0]) / (yr[1] - yr[0] || 1)) * ph;
  const parts = [
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<line x1="${M.left}" y1="${M.top + ph}" x2="${M.left + pw}" y2="${M.top + ph}" stroke="#333"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + ph}" stroke="#333"/>`,
    `<text x="${M.left + pw / 2}" y="${H - 8}" text-anchor="middle" font-size="11">${esc(xLabel)}</text>`,
    `<text x="14" y="${M.top + ph / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 14 ${M.top + ph / 2})">${esc(yLabel)}</text>`,
  ];
  for (const t of ticks(xr[0], xr[1]))
    parts.push(
      `<line x1="${x(t).toFixed(1)}" y1="${M.top + ph}" x2="${x(t).toFixed(1)}" y2="${M.top + ph + 4}" stroke="#333"/>`,
      `<text x="${x(t).toFixed(1)}" y="${M.top + ph + 16}" text-anchor="middle" font-size="10">${fmt(t)}</text>`,
    );
  for (const t of ticks(yr[0], yr[1]))
    parts.push(
      `<line x1="${M.left}" y1="${y(t).toFixed(1)}" x2="${M.left + pw}" y2="${y(t).toFixed(1)}" stroke="#eee"/>`,
      `<text x="${M.left - 6}" y="${(y(t) + 3).toFixed(1)}" text-anchor="end" font-size="10">${fmt(t)}</text>`,
    );
  return { x, y, parts };
}

function svg(parts: string[], height = H): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif">${parts.join('')}</svg>`;
}

type Plotted = Pick<BenchmarkRun, 'samplesMs' | 'latency' | 'capabilityId' | 'version'>;

/** Histogram of the latency samples: 30 bins from the minimum to the p99.9, plus one bar for the rest. */
export function latencyHistogramSvg(run: Plotted, bins = 30): string {
  const s = [...run.samplesMs].sort((a, b) => a - b);
  const title = `Latency histogram — ${run.capabilityId} v${run.version} (n=${run.latency.count})`;
  if (s.length === 0) return svg(frame(title, 'latency (ms)', 'requests', [0, 1], [0, 1]).parts);
  const lo = s[0]!;
  const hi = Math.max(lo + 1e-3, quantileSorted(s, 0.999));
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins + 1).fill(0);
  for (const v of s) counts[v > hi ? bins : Math.min(bins - 1, Math.floor((v - lo) / width))]!++;
  const f = frame(title, 'latency (ms)', 'requests (sample)', [lo, hi + width], [0, Math.max(...counts)]);
  for (let i = 0; i <= bins; i++) {
    if (!counts[i]) continue;
    const x0 = f.x(lo + i * width);
    const x1 = f.x(lo + (i + 1) * width);
    const y0 = f.y(counts[i]!);
    f.parts.push(
      `<rect x="${x0.toFixed(1)}" y="${y0.toFixed(1)}" width="${Math.max(1, x1 - x0 - 1).toFixed(1)}" height="${(f.y(0) - y0).toFixed(1)}" fill="${i === bins ? '#c0392b' : '#2e86c1'}"><title>${fmt(lo + i * width)}–${i === bins ? fmt(s[s.length - 1]!) : fmt(lo + (i + 1) * width)} ms: ${counts[i]}</title></rect>`,
    );
  }
  for (const [name, v] of [
    ['p50', run.latency.p50],
    ['p99', run.latency.p99],
  ] as const) {
    if (v > hi + width) continue;
    f.parts.push(
      `<line x1="${f.x(v).toFixed(1)}" y1="${M.top}" x2="${f.x(v).toFixed(1)}" y2="${f.y(0).toFixed(1)}" stroke="#e67e22" stroke-dasharray="4 3"/>`,
      `<text x="${(f.x(v) + 3).toFixed(1)}" y="${M.top + 10}" font-size="10" fill="#e67e22">${name} ${fmt(v)}</text>`,
    );
  }
  return svg(f.parts);
}

/** Empirical CDF of the latency samples, with the percentiles of the report marked. */
export function latencyCdfSvg(run: Plotted): string {
  const s = [...run.samplesMs].sort((a, b) => a - b);
  const title = `Latency CDF — ${run.capabilityId} v${run.version}`;
  if (s.length === 0) return svg(frame(title, 'latency (ms)', 'fraction ≤ x', [0, 1], [0, 1]).parts);
  const f = frame(
    title,
    'latency (ms)',
    'fraction of requests ≤ latency',
    [0, s[s.length - 1]! * 1.02],
    [0, 1],
  );
  // At most ~400 points: every k-th order statistic, plus the last.
  const step = Math.max(1, Math.floor(s.length / 400));
  const pts: string[] = [];
  for (let i = 0; i < s.length; i += step)
    pts.push(`${f.x(s[i]!).toFixed(1)},${f.y((i + 1) / s.length).toFixed(1)}`);
  pts.push(`${f.x(s[s.length - 1]!).toFixed(1)},${f.y(1).toFixed(1)}`);
  f.parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="#2e86c1" stroke-width="2"/>`);
  for (const [name, q, v] of [
    ['p50', 0.5, run.latency.p50],
    ['p90', 0.9, run.latency.p90],
    ['p99', 0.99, run.latency.p99],
  ] as const) {
    f.parts.push(
      `<circle cx="${f.x(v).toFixed(1)}" cy="${f.y(q).toFixed(1)}" r="3" fill="#e67e22"/>`,
      `<text x="${(f.x(v) + 5).toFixed(1)}" y="${(f.y(q) + 12).toFixed(1)}" font-size="10" fill="#e67e22">${name} ${fmt(v)} ms</text>`,
    );
  }
  return svg(f.parts);
}

/** Throughput (bars, left axis) and p50/p99 latency (lines, right axis) over the run. */
export function loadCurveSvg(
  run: Pick<BenchmarkRun, 'loadCurve' | 'capabilityId' | 'version' | 'model'>,
): string {
  const c = run.loadCurve;
  const model =
    run.model.kind === 'open' ? `open ${run.model.ratePerSec}/s` : `closed ×${run.model.concurrency}`;
  const title = `Load curve — ${run.capabilityId} v${run.version} (${model})`;
  if (c.length === 0) return svg(frame(title, 'time (s)', 'req/s', [0, 1], [0, 1]).parts);
  const width = c.length > 1 ? c[1]!.t - c[0]!.t : c[0]!.t;
  const rate = c.map((p) => p.completed / (width || 1));
  const maxLat = Math.max(...c.map((p) => p.p99), 1e-3);
  const f = frame(
    title,
    'time (s)',
    'throughput (req/s)',
    [0, c[c.length - 1]!.t],
    [0, Math.max(...rate, 1)],
  );
  const ly = (v: number) => f.y(0) - (v / maxLat) * (f.y(0) - M.top);
  c.forEach((p, i) => {
    const x0 = f.x(p.t - width);
    const x1 = f.x(p.t);
    f.parts.push(
      `<rect x="${x0.toFixed(1)}" y="${f.y(rate[i]!).toFixed(1)}" width="${Math.max(1, x1 - x0 - 1).toFixed(1)}" height="${(f.y(0) - f.y(rate[i]!)).toFixed(1)}" fill="#aed6f1"><title>${fmt(p.t)} s: ${fmt(rate[i]!)} req/s, ${p.errors} errors</title></rect>`,
    );
  });
  for (const [key, colour] of [
    ['p50', '#27ae60'],
    ['p99', '#c0392b'],
  ] as const) {
    const pts = c.map((p) => `${f.x(p.t - width / 2).toFixed(1)},${ly(p[key]).toFixed(1)}`).join(' ');
    f.parts.push(`<polyline points="${pts}" fill="none" stroke="${colour}" stroke-width="2"/>`);
  }
  const rx = W - M.right;
  for (const t of ticks(0, maxLat))
    f.parts.push(`<text x="${rx + 6}" y="${(ly(t) + 3).toFixed(1)}" font-size="10">${fmt(t)}</text>`);
  f.parts.push(
    `<text x="${W - 14}" y="${M.top + (H - M.top - M.bottom) / 2}" text-anchor="middle" font-size="11" transform="rotate(90 ${W - 14} ${M.top + (H - M.top - M.bottom) / 2})">latency ms (p50 green, p99 red)</text>`,
  );
  return svg(f.parts);
}

/** All three plots stacked in one SVG document (what `ironcliw bench --plot` writes). */
export function renderBenchmarkSvg(run: BenchmarkRun): string {
  const inner = [latencyHistogramSvg(run), latencyCdfSvg(run), loadCurveSvg(run)].map(
    (s, i) =>
      `<g transform="translate(0 ${i * H})">${s.replace(/^<svg[^>]*>/, '').replace(/<\/svg>$/, '')}</g>`,
  );
  return svg(inner, 3 * H);
}
