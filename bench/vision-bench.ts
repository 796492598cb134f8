import { cpus, loadavg } from 'node:os';
import type { RgbaImage } from '../src/vision/index.js';
import {
  closeOcr,
  colors,
  decodeImage,
  detectRegions,
  findShapes,
  OCR_MAX_WORKERS,
  randomScene,
  readText,
  renderScene,
  resolveRegion,
} from '../src/vision/index.js';
import type { Figure } from './harness.js';
import { measureAsync } from './harness.js';

/**
 * CPU time (ms, all threads of the process: the OCR workers included) per call of `fn`, median of `n` calls.
 * On a shared machine wall time says how long a caller waited; CPU time says how much work the call was.
 */
async function cpuPerCall(fn: () => Promise<unknown>, n: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = process.cpuUsage();
    await fn();
    const d = process.cpuUsage(start);
    samples.push((d.user + d.system) / 1000);
  }
  return samples.sort((a, b) => a - b)[n >> 1]!;
}

/** Budget for OCR of one region (a toolbar strip): a capability reading one label should feel instant. */
export const OCR_REGION_BUDGET_MS = 300;

/** A busy 1920×1080 synthetic screen (the first seeded random scene of that size, up to 8 shapes per bar). */
async function fullHdScreen(): Promise<{ img: RgbaImage; shapes: number; words: number }> {
  for (let seed = 1; seed < 500; seed++) {
    const spec = randomScene(seed, { maxShapesPerRegion: 8 });
    if (spec.width !== 1920 || spec.height !== 1080) continue;
    const r = await renderScene(spec);
    return {
      img: await decodeImage(r.png),
      shapes: r.truth.filter((t) => t.kind === 'shape').length,
      words: r.truth.filter((t) => t.text).reduce((n, t) => n + t.text!.split(/\s+/).length, 0),
    };
  }
  throw new Error('no 1920×1080 random scene in seeds 1..499');
}

/**
 * Primitives cache their results per image object (screens are immutable), so every timed call gets a fresh
 * object over the same pixels: the figure is a cold analysis, as for a newly captured screen.
 */
const fresh = (img: RgbaImage): RgbaImage => ({ width: img.width, height: img.height, data: img.data });

/**
 * Vision figures (DESIGN.md budgets): colour + shape analysis and OCR of a 1920×1080 screen, OCR of one
 * region, and layout detection. OpenCV and the OCR worker are initialised before timing (once per process).
 */
export async function visionFigures(): Promise<Figure[]> {
  const { img, shapes, words } = await fullHdScreen();
  const figures: Figure[] = [];

  const analyse = async () => {
    const i = fresh(img);
    colors(i);
    await findShapes(i);
  };
  const analysis = await measureAsync(analyse, 100, 10);
  const analysisCpu = await cpuPerCall(analyse, 20);
  figures.push({
    name: 'vision: colour + shape analysis, 1920×1080 (p95)',
    value: analysis.p95 / 1000,
    unit: 'ms',
    budget: { max: 30, unit: 'ms' },
    note: `colors() + findShapes(), ${shapes} shapes on screen; p50 ${(analysis.p50 / 1000).toFixed(1)} ms, CPU ${analysisCpu.toFixed(1)} ms/call`,
  });

  const regions = await measureAsync(async () => detectRegions(fresh(img)), 40, 5);
  figures.push({
    name: 'vision: layout region detection, 1920×1080 (p95)',
    value: regions.p95 / 1000,
    unit: 'ms',
    note: `detectRegions(); p50 ${(regions.p50 / 1000).toFixed(1)} ms`,
  });

  try {
    // The warm-up starts the workers (≈ 1 s each, once per process).
    const screen = await measureAsync(() => readText(fresh(img)), 8, 2);
    const screenCpu = await cpuPerCall(() => readText(fresh(img)), 3);
    const full = await readText(fresh(img));
    figures.push({
      name: 'vision: OCR of a 1920×1080 screen (mean)',
      value: screen.mean / 1000,
      unit: 'ms',
      budget: { max: 1000, unit: 'ms' },
      note:
        `tesseract.js, text lines only, ≤ ${OCR_MAX_WORKERS} workers; ${full.words.length} words read, ${words} on screen; ` +
        `max ${(screen.max / 1000).toFixed(0)} ms, CPU ${screenCpu.toFixed(0)} ms/call`,
    });
    const toolbar = resolveRegion(img, 'toolbar');
    const region = await measureAsync(() => readText(fresh(img), toolbar), 20, 3);
    figures.push({
      name: 'vision: OCR of one region (toolbar strip, p95)',
      value: region.p95 / 1000,
      unit: 'ms',
      budget: { max: OCR_REGION_BUDGET_MS, unit: 'ms' },
      note: `${toolbar.width}×${toolbar.height} px; p50 ${(region.p50 / 1000).toFixed(0)} ms`,
    });
  } finally {
    await closeOcr();
  }
  // Timings on a shared machine mean little without the load they were taken under.
  const load = `load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`;
  return figures.map((f) => ({ ...f, note: `${f.note}; ${load}` }));
}
