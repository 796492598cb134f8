/**
 * A diagnostic, not a suite (issue 18, round 2): where does Tesseract's time go on the montages our first look
 * sends it? Captures every montage `elements()` sends on one screen (OCR memo emptied), then times one bare
 * tesseract.js worker (the same model and settings as ours) on each, several ways:
 *  - as now (PSM 11, TSV only);
 *  - layout only (no recognition: thresholding, blob finding, page layout);
 *  - PSM 6 (one uniform block) instead of 11 (sparse text);
 *  - each montage row alone in its own call, and all rows side by side in one call (fewer, wider lines);
 *  - each row alone, resized ×0.75 and ×1.5 (does the time follow the pixels or the characters?).
 * Prints min / p50 wall and p50 CPU per variant with the words and confidences read.
 *
 *   node --import tsx bench/ocr-tesseract-probe.ts [reps=15] [family=click-button] [seed=1]
 *   node --import tsx bench/ocr-tesseract-probe.ts 15 settings-wide.html      (the 1920×1080 mock-up)
 */
import { loadavg } from 'node:os';
import sharp from 'sharp';
import {
  clearElementCache,
  clearOcrMemo,
  closeOcr,
  decodeImage,
  detectElements,
} from '../src/vision/index.js';
import { setMontageTap } from '../src/vision/ocr-montage.js';
import { bareWorker, screenshots } from './ocr-probe-support.js';

/** A grey image: width, height, one byte a pixel. */
type Grey = { w: number; h: number; px: Buffer };

const reps = Number(process.argv[2] ?? 15);
const family = process.argv[3] ?? 'click-button';
const seed = Number(process.argv[4] ?? 1);

const png = (await screenshots(family, [seed]))[0]!;
const montages: Buffer[] = [];
const img = await decodeImage(png);
// One look to start the pool, then the look whose montages are kept: a first look on a screen never seen.
await detectElements({ ...img, data: img.data.slice() });
clearElementCache();
clearOcrMemo();
setMontageTap((pgm) => montages.push(Buffer.from(pgm)));
await detectElements({ ...img, data: img.data.slice() });
setMontageTap(undefined);
await closeOcr();

const w = await bareWorker();

const parse = (b: Buffer): Grey => {
  const m = /^P5\n(\d+) (\d+)\n255\n/.exec(b.toString('latin1', 0, 32))!;
  return { w: Number(m[1]), h: Number(m[2]), px: b.subarray(m[0].length) };
};
const pgm = (g: Grey) => Buffer.concat([Buffer.from(`P5\n${g.w} ${g.h}\n255\n`, 'ascii'), g.px]);
/** The montage's rows of ink (runs of rows with ink, apart by 8 white rows or more), cut to their ink ± 12 px. */
function rows(g: Grey): Grey[] {
  const out: Grey[] = [];
  const ink = (y: number) => g.px.subarray(y * g.w, (y + 1) * g.w).some((v) => v < 128);
  for (let y = 0; y < g.h;) {
    while (y < g.h && !ink(y)) y++;
    if (y >= g.h) break;
    let e = y;
    for (let blank = 0; e < g.h && blank < 8; e++) blank = ink(e) ? 0 : blank + 1;
    const y0 = Math.max(0, y - 8);
    let x0 = g.w;
    let x1 = 0;
    for (let r = y0; r < e; r++)
      for (let x = 0; x < g.w; x++)
        if (g.px[r * g.w + x]! < 128) {
          x0 = Math.min(x0, x);
          x1 = Math.max(x1, x);
        }
    const a = Math.max(0, x0 - 12);
    const width = Math.min(g.w, x1 + 13) - a;
    const px = Buffer.alloc(width * (e - y0));
    for (let r = y0; r < e; r++) g.px.copy(px, (r - y0) * width, r * g.w + a, r * g.w + a + width);
    out.push({ w: width, h: e - y0, px });
    y = e;
  }
  return out;
}
/** Rows set on white, 16 px margin: stacked 24 px apart, or side by side 60 px apart. */
function arrange(rs: Grey[], sideBySide: boolean): Grey {
  const W = sideBySide ? rs.reduce((n, r) => n + r.w + 60, -60) + 32 : Math.max(...rs.map((r) => r.w)) + 32;
  const H = sideBySide ? Math.max(...rs.map((r) => r.h)) + 32 : rs.reduce((n, r) => n + r.h + 24, -24) + 32;
  const px = Buffer.alloc(W * H, 255);
  let at = 16;
  for (const r of rs) {
    for (let y = 0; y < r.h; y++) {
      const to = sideBySide ? (16 + y) * W + at : (at + y) * W + 16;
      r.px.copy(px, to, y * r.w, (y + 1) * r.w);
    }
    at += sideBySide ? r.w + 60 : r.h + 24;
  }
  return { w: W, h: H, px };
}
/** Resized (cubic) and binarised again, as the strips are. */
async function resized(g: Grey, f: number): Promise<Grey> {
  const W = Math.max(1, Math.round(g.w * f));
  const H = Math.max(1, Math.round(g.h * f));
  const px = await sharp(g.px, { raw: { width: g.w, height: g.h, channels: 1 } })
    .resize(W, H, { kernel: 'cubic' })
    .threshold(128)
    .toColourspace('b-w')
    .raw()
    .toBuffer();
  return { w: W, h: H, px };
}

/** Words read (text:confidence), from TSV. */
const wordsOf = (tsv: string | null) =>
  (tsv ?? '')
    .split('\n')
    .filter((r) => r.startsWith('5\t'))
    .map((r) => r.split('\t'))
    .map((f) => `${f.slice(11).join('')}:${Math.round(Number(f[10]))}`)
    .join(' ');
const read = async (g: Grey, params: Record<string, string> = {}) =>
  wordsOf((await w.recognize(pgm(g), params, { text: false, blocks: false, tsv: true })).data.tsv);
const layoutOnly = async (g: Grey) => {
  await w.recognize(pgm(g), {}, { text: false, blocks: false, tsv: false, layoutBlocks: true });
  return '';
};

async function time(label: string, fn: () => Promise<string>): Promise<void> {
  const wall: number[] = [];
  const cpu: number[] = [];
  let said = '';
  for (let i = 0; i <= reps; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    said = await fn();
    const d = process.cpuUsage(c);
    // The first call of each variant is a warm-up.
    if (i === 0) continue;
    wall.push(performance.now() - t);
    cpu.push((d.user + d.system) / 1000);
  }
  wall.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const f = (x: number) => x.toFixed(1).padStart(6);
  console.log(
    `  ${label.padEnd(30)} min ${f(wall[0]!)} p50 ${f(wall[reps >> 1]!)} CPU p50 ${f(cpu[reps >> 1]!)} ms | ${said.slice(0, 110)}`,
  );
}

console.log(
  `${family}${family.endsWith('.html') ? '' : ` seed ${seed}`}: ${montages.length} montages, ${reps} reps`,
);
for (const [k, b] of montages.entries()) {
  const g = parse(b);
  const rs = rows(g);
  console.log(
    `montage ${k}: ${g.w}×${g.h} (${g.w * g.h} px), ${rs.length} rows; load ${loadavg()[0]!.toFixed(1)}`,
  );
  if (!rs.length) continue;
  await time('as now (PSM 11)', () => read(g));
  await time('layout only', () => layoutOnly(g));
  await time('PSM 6', () => read(g, { tessedit_pageseg_mode: '6' }));
  await time('rows, one call each', async () => (await Promise.all(rs.map((r) => read(r)))).join(' / '));
  await time('rows side by side, one call', () => read(arrange(rs, true)));
  for (const f of [0.75, 1.5]) {
    const small = await Promise.all(rs.map((r) => resized(r, f)));
    await time(`rows ×${f}, one call each`, async () =>
      (await Promise.all(small.map((r) => read(r)))).join(' / '),
    );
  }
}
await w.terminate();
