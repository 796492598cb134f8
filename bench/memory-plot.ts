import { escapeSvg, niceTicks } from '../src/benchmark/index.js';
import type { Role } from './process-tree.js';

/** One reading of the tree: seconds since the start, the phase it fell in, MB per role and in total. */
export interface MemorySample {
  t: number;
  phase: string;
  mb: Record<Role | 'total', number>;
}

const W = 760;
const H = 340;
const M = { left: 58, right: 150, top: 36, bottom: 44 };
const COLOURS: Record<string, string> = {
  total: '#111',
  serve: '#1f77b4',
  learner: '#d62728',
  'serve sandbox': '#2ca02c',
  'learner sandbox': '#9467bd',
  'serve vision': '#ff7f0e',
};
const PHASE_FILL = ['#f4f4f4', '#fff'];

const esc = escapeSvg;
const ticks = (lo: number, hi: number) => niceTicks(lo, hi, 6);

/**
 * The resident-memory series of a `serve` tree as one standalone SVG (no fonts or scripts to load): a line
 * per role and the total, the phases as shaded bands with their names, the budget and the leak bound
 * (idle + 10%) as dashed lines.
 */
export function memorySeriesSvg(
  samples: readonly MemorySample[],
  o: { title: string; budgetMb: number; idleMb?: number; growthBound?: number },
): string {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const tMax = Math.max(1, samples.at(-1)?.t ?? 1);
  const yMax = Math.max(o.budgetMb * 1.1, ...samples.map((s) => s.mb.total * 1.05));
  const x = (t: number) => M.left + (t / tMax) * pw;
  const y = (v: number) => M.top + ph - (v / yMax) * ph;
  const parts: string[] = [
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left + pw / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(o.title)}</text>`,
  ];
  // Phase bands: consecutive samples of one phase.
  let band = 0;
  for (let i = 0; i < samples.length;) {
    let j = i;
    while (j + 1 < samples.length && samples[j + 1]!.phase === samples[i]!.phase) j++;
    const x0 = x(i === 0 ? 0 : samples[i - 1]!.t);
    const x1 = x(samples[j]!.t);
    parts.push(
      `<rect x="${x0.toFixed(1)}" y="${M.top}" width="${Math.max(0, x1 - x0).toFixed(1)}" height="${ph}" fill="${PHASE_FILL[band++ % 2]}"/>`,
      `<text x="${((x0 + x1) / 2).toFixed(1)}" y="${M.top + 12}" text-anchor="middle" font-size="10" fill="#666">${esc(samples[i]!.phase)}</text>`,
    );
    i = j + 1;
  }
  parts.push(
    `<line x1="${M.left}" y1="${M.top + ph}" x2="${M.left + pw}" y2="${M.top + ph}" stroke="#333"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + ph}" stroke="#333"/>`,
    `<text x="${M.left + pw / 2}" y="${H - 8}" text-anchor="middle" font-size="11">seconds since serve started</text>`,
    `<text x="14" y="${M.top + ph / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 14 ${M.top + ph / 2})">resident memory (MB, VmRSS)</text>`,
  );
  for (const t of ticks(0, tMax))
    parts.push(
      `<line x1="${x(t).toFixed(1)}" y1="${M.top + ph}" x2="${x(t).toFixed(1)}" y2="${M.top + ph + 4}" stroke="#333"/>`,
      `<text x="${x(t).toFixed(1)}" y="${M.top + ph + 16}" text-anchor="middle" font-size="10">${t}</text>`,
    );
  for (const v of ticks(0, yMax))
    parts.push(
      `<line x1="${M.left - 4}" y1="${y(v).toFixed(1)}" x2="${M.left + pw}" y2="${y(v).toFixed(1)}" stroke="#e4e4e4"/>`,
      `<text x="${M.left - 6}" y="${(y(v) + 3).toFixed(1)}" text-anchor="end" font-size="10">${v}</text>`,
    );
  const hline = (v: number, label: string, colour: string) =>
    parts.push(
      `<line x1="${M.left}" y1="${y(v).toFixed(1)}" x2="${M.left + pw}" y2="${y(v).toFixed(1)}" stroke="${colour}" stroke-dasharray="6 4"/>`,
      `<text x="${M.left + pw + 6}" y="${(y(v) + 3).toFixed(1)}" font-size="10" fill="${colour}">${esc(label)}</text>`,
    );
  hline(o.budgetMb, `budget ${o.budgetMb} MB`, '#c00');
  if (o.idleMb !== undefined && o.growthBound !== undefined)
    hline(o.idleMb * (1 + o.growthBound), `idle + ${Math.round(o.growthBound * 100)}%`, '#e67e00');
  const series = Object.keys(COLOURS) as Array<keyof typeof COLOURS>;
  series.forEach((key, k) => {
    const pts = samples
      .map((s) => `${x(s.t).toFixed(1)},${y(s.mb[key as Role | 'total']).toFixed(1)}`)
      .join(' ');
    parts.push(
      `<polyline points="${pts}" fill="none" stroke="${COLOURS[key]}" stroke-width="${key === 'total' ? 2 : 1.3}"/>`,
      `<line x1="${M.left + pw + 6}" y1="${M.top + 40 + k * 16}" x2="${M.left + pw + 22}" y2="${M.top + 40 + k * 16}" stroke="${COLOURS[key]}" stroke-width="2"/>`,
      `<text x="${M.left + pw + 26}" y="${M.top + 44 + k * 16}" font-size="10">${esc(key)}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">${parts.join('')}</svg>\n`;
}
