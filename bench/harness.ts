import * as hdr from 'hdr-histogram-js';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  budget?: { max: number; unit: string } | { min: number; unit: string };
  peer?: { name: string; value: number };
  note?: string;
}

/** Times `fn` after a warm-up; returns latency percentiles in microseconds (recorded in ns by HdrHistogram). */
export function measure(
  fn: () => void,
  iterations: number,
  warmup = Math.min(1000, iterations),
): { p50: number; p99: number; mean: number; max: number } {
  for (let i = 0; i < warmup; i++) fn();
  const h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000_000,
    numberOfSignificantValueDigits: 3,
  });
  for (let i = 0; i < iterations; i++) {
    const t = process.hrtime.bigint();
    fn();
    h.recordValue(Number(process.hrtime.bigint() - t));
  }
  const r = {
    p50: h.getValueAtPercentile(50) / 1000,
    p99: h.getValueAtPercentile(99) / 1000,
    mean: h.mean / 1000,
    max: h.maxValue / 1000,
  };
  h.destroy();
  return r;
}

export async function measureAsync(
  fn: () => Promise<unknown>,
  iterations: number,
  warmup = Math.min(20, iterations),
): Promise<{ p50: number; p95: number; p99: number; mean: number; max: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000_000,
    numberOfSignificantValueDigits: 3,
  });
  for (let i = 0; i < iterations; i++) {
    const t = process.hrtime.bigint();
    await fn();
    h.recordValue(Number(process.hrtime.bigint() - t));
  }
  const r = {
    p50: h.getValueAtPercentile(50) / 1000,
    p95: h.getValueAtPercentile(95) / 1000,
    p99: h.getValueAtPercentile(99) / 1000,
    mean: h.mean / 1000,
    max: h.maxValue / 1000,
  };
  h.destroy();
  return r;
}

export function verdict(f: Figure): 'pass' | 'FAIL' | '-' {
  if (!f.budget) return '-';
  return 'max' in f.budget
    ? f.value < f.budget.max
      ? 'pass'
      : 'FAIL'
    : f.value >= f.budget.min
      ? 'pass'
      : 'FAIL';
}

export function printTable(
  figures: Figure[],
  out: (s: string) => void = (s) => process.stdout.write(s + '\n'),
): void {
  const rows = figures.map((f) => [
    f.name,
    `${f.value.toFixed(f.value < 10 ? 2 : 1)} ${f.unit}`,
    f.budget
      ? 'max' in f.budget
        ? `< ${f.budget.max} ${f.budget.unit}`
        : `≥ ${f.budget.min} ${f.budget.unit}`
      : '',
    verdict(f),
    f.peer
      ? `${f.peer.name}: ${f.peer.value.toFixed(2)} ${f.unit} (ratio ${(f.value / f.peer.value).toFixed(2)})`
      : '',
    f.note ?? '',
  ]);
  const head = ['figure', 'measured', 'budget', 'result', 'peer (same run)', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  out(line(head));
  out('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) out(line(r));
}
