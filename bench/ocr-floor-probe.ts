/**
 * A diagnostic, not a suite: is the 15 ms budget for `elements()` on a 160×210 task area reachable with
 * Tesseract at all? Alternates, on the same screens in the same run:
 *  - ours: `elements()` on a screen never seen (element cache and OCR memo emptied), as the vision-elements
 *    suite measures it;
 *  - the peers: one bare tesseract.js worker (the same model, `OCR_LANG_PATH`) reading the whole screen once,
 *    upscaled ×3 as small text must be for Tesseract to read it (PSM 11, sparse text, as ours), with none of
 *    our detection, strips or memo; and the same worker on the screen as it is (×1), which reads less.
 * Prints p50/p95 of each, the characters each read, and ms per character read.
 *
 *   node --import tsx bench/ocr-floor-probe.ts [rounds=20] [family=click-button] [seeds=1,2,3]
 *   node --import tsx bench/ocr-floor-probe.ts 5 settings-wide.html 1      (the 1920×1080 mock-up)
 */
import { cpus, loadavg } from 'node:os';
import sharp from 'sharp';
import type { RgbaImage } from '../src/vision/index.js';
import {
  clearElementCache,
  clearOcrMemo,
  closeOcr,
  decodeImage,
  detectElements,
} from '../src/vision/index.js';
import { OCR_LANG_PATH } from '../src/vision/ocr-workers.js';
import { bareWorker, screenshots } from './ocr-probe-support.js';

const rounds = Number(process.argv[2] ?? 20);
const family = process.argv[3] ?? 'click-button';
const seeds = (process.argv[4] ?? '1,2,3').split(',').map(Number);

const screens: Array<{ seed: number; png: Buffer; img: RgbaImage; up: Buffer; grey: Buffer }> = [];
const pngs = await screenshots(family, seeds);
for (const [k, png] of pngs.entries()) {
  const img = await decodeImage(png);
  const up = await sharp(png)
    .resize(img.width * 3, img.height * 3, { kernel: 'cubic' })
    .greyscale()
    .png()
    .toBuffer();
  const grey = await sharp(png).greyscale().png().toBuffer();
  screens.push({ seed: seeds[k]!, png, img, up, grey });
}

const peer = await bareWorker();

const fresh = (img: RgbaImage): RgbaImage => ({
  width: img.width,
  height: img.height,
  data: img.data.slice(),
});
const chars = (s: string) => s.replace(/\s+/g, '').length;
const ours: number[] = [];
const bare: number[] = [];
const bare1: number[] = [];
let oursChars = 0;
let bareChars = 0;
let bare1Chars = 0;
// Warm both (the worker pool starts, the JIT settles), then alternate.
for (const s of screens) {
  await detectElements(fresh(s.img));
  await peer.recognize(s.up);
}
for (let r = 0; r < rounds; r++) {
  for (const s of screens) {
    clearElementCache();
    clearOcrMemo();
    const img = fresh(s.img);
    let t = performance.now();
    const els = await detectElements(img);
    ours.push(performance.now() - t);
    if (r === 0) oursChars += chars(els.map((e) => e.text ?? '').join(''));
    t = performance.now();
    const { data } = await peer.recognize(s.up);
    bare.push(performance.now() - t);
    if (r === 0) bareChars += chars(data.text);
    t = performance.now();
    const one = await peer.recognize(s.grey);
    bare1.push(performance.now() - t);
    if (r === 0) bare1Chars += chars(one.data.text);
  }
}
await peer.terminate();
await closeOcr();

const q = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)]!;
const per = (xs: number[], c: number) => ((xs.reduce((a, b) => a + b, 0) / xs.length) * screens.length) / c;
console.log(`${family} seeds ${seeds.join(',')}, ${rounds} rounds, model ${OCR_LANG_PATH}`);
console.log(`load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`);
console.log(
  `ours  elements() first look: p50 ${q(ours, 0.5).toFixed(1)} ms, p95 ${q(ours, 0.95).toFixed(1)} ms; ${oursChars} characters in element texts (${per(ours, oursChars).toFixed(2)} ms/char)`,
);
console.log(
  `peer  bare Tesseract, whole screen ×3: p50 ${q(bare, 0.5).toFixed(1)} ms, p95 ${q(bare, 0.95).toFixed(1)} ms; ${bareChars} characters read (${per(bare, bareChars).toFixed(2)} ms/char)`,
);
console.log(
  `peer  bare Tesseract, whole screen ×1: p50 ${q(bare1, 0.5).toFixed(1)} ms, p95 ${q(bare1, 0.95).toFixed(1)} ms; ${bare1Chars} characters read (${per(bare1, bare1Chars).toFixed(2)} ms/char)`,
);
console.log(
  `ours / peer p50: ${(q(ours, 0.5) / q(bare, 0.5)).toFixed(2)}×; budget ${family.endsWith('.html') ? 150 : 15} ms p95`,
);
