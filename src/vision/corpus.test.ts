import { describe, expect, it } from 'vitest';
import type { NamedRegion, Rect } from '../domain/index.js';
import type { SceneElement } from './index.js';
import {
  countScene,
  decodeImage,
  detectRegions,
  findShapes,
  randomScene,
  renderScene,
  resolveRegion,
} from './index.js';
import { iou } from '../../test/support/vision.js';

/**
 * End-to-end accuracy against ground truth: seeded random screens (800×600 … 1920×1080, light and dark,
 * accent title bars, optional sidebar and status bar, text and buttons as distractors) are rendered, decoded
 * and analysed exactly as a captured screen would be.
 */
const SEEDS = Array.from({ length: 40 }, (_, i) => 1000 + i);
const corpus = await Promise.all(
  SEEDS.map(async (seed) => {
    const spec = randomScene(seed);
    const rendered = await renderScene(spec);
    return { seed, spec, rendered, img: await decodeImage(rendered.png) };
  }),
);

const regionOf = (regions: Partial<Record<string, Rect>>, b: Rect): string => {
  const cx = b.x + b.width / 2;
  const cy = b.y + b.height / 2;
  for (const [name, r] of Object.entries(regions)) {
    if (r && cx >= r.x && cx < r.x + r.width && cy >= r.y && cy < r.y + r.height) return name;
  }
  return 'none';
};
const tally = (keys: string[]) => JSON.stringify([...keys].sort());

describe(`random scene corpus (${SEEDS.length} seeded screens)`, () => {
  it('covers the promised variety', () => {
    const sizes = new Set(corpus.map((c) => `${c.rendered.width}x${c.rendered.height}`));
    expect(sizes.size).toBeGreaterThanOrEqual(5);
    expect(corpus.some((c) => c.spec.theme === 'dark') && corpus.some((c) => c.spec.theme === 'light')).toBe(
      true,
    );
    expect(corpus.some((c) => c.spec.sidebar === false)).toBe(true);
    const shapes = corpus.flatMap((c) => c.rendered.truth.filter((t) => t.kind === 'shape'));
    expect(new Set(shapes.map((s) => s.color)).size).toBeGreaterThanOrEqual(9);
    expect(new Set(shapes.map((s) => s.region)).size).toBe(4);
  });

  it('counts shapes by colour, shape and region exactly on ≥ 95% of screens', async () => {
    let exact = 0;
    const misses: string[] = [];
    for (const { seed, rendered, img } of corpus) {
      const truth = rendered.truth.filter((t) => t.kind === 'shape');
      const want = truth.map((t) => `${t.region} ${t.color} ${t.shape}`);
      const found = await findShapes(img);
      const got = found.map((f) => `${regionOf(rendered.regions, f.bbox)} ${f.color} ${f.shape}`);
      if (tally(want) === tally(got)) exact++;
      else misses.push(`seed ${seed}: want ${tally(want)} got ${tally(got)}`);
    }
    console.info(`exact shape counts: ${exact}/${corpus.length}`, misses);
    expect(exact / corpus.length).toBeGreaterThanOrEqual(0.95);
  });

  it('names the colour of ≥ 95% of shapes correctly, with a matching box', async () => {
    let ok = 0;
    let total = 0;
    for (const { rendered, img } of corpus) {
      const found = await findShapes(img);
      for (const t of rendered.truth.filter((x): x is SceneElement => x.kind === 'shape')) {
        total++;
        const match = found.find((f) => iou(f.bbox, t.bbox) > 0.7);
        if (match?.color === t.color) ok++;
      }
    }
    console.info(`colour of shapes: ${ok}/${total}`);
    expect(total).toBeGreaterThan(200);
    expect(ok / total).toBeGreaterThanOrEqual(0.95);
  });

  it('detects layout regions with IoU > 0.8 on ≥ 95% of cases, and no bands that are not there', () => {
    let ok = 0;
    let total = 0;
    let spurious = 0;
    for (const { rendered, img } of corpus) {
      const d = detectRegions(img);
      for (const name of ['titlebar', 'toolbar', 'sidebar', 'statusbar', 'content'] as const) {
        const truth = rendered.regions[name];
        const got = d[name];
        if (!truth) {
          if (got) spurious++;
          continue;
        }
        total++;
        if (got && iou(got, truth) > 0.8) ok++;
      }
    }
    console.info(`regions: ${ok}/${total} with IoU > 0.8, ${spurious} spurious`);
    expect(ok / total).toBeGreaterThanOrEqual(0.95);
    expect(spurious).toBe(0);
  });

  it('finds shapes per named region through resolveRegion', async () => {
    let ok = 0;
    let total = 0;
    for (const { rendered, img } of corpus.slice(0, 15)) {
      for (const region of ['toolbar', 'sidebar', 'content', 'statusbar'] as const) {
        if (!rendered.regions[region]) continue;
        total++;
        const want = rendered.truth.filter((t) => t.kind === 'shape' && t.region === region).length;
        if ((await findShapes(img, { within: resolveRegion(img, region) })).length === want) ok++;
      }
    }
    expect(ok / total).toBeGreaterThanOrEqual(0.95);
  });
});

describe('count scenes (the test screens generated capabilities are verified on)', () => {
  it.each([
    { color: 'green', shape: 'circle', region: 'toolbar', count: 2 },
    { color: 'red', shape: 'square', region: 'sidebar', count: 3 },
    { color: 'blue', shape: 'triangle', region: 'content', count: 0 },
    { color: 'yellow', region: 'statusbar', count: 2 },
    { shape: 'circle', count: 4 },
    { color: 'purple', shape: 'rectangle', region: 'top-right', count: 2 },
    { color: 'orange', region: 'bottom-left', count: 3 },
    { shape: 'triangle', region: 'center', count: 1 },
  ] as const)('holds exactly the requested matches: %o', async (req) => {
    for (const seed of [1, 2]) {
      const rendered = await renderScene(countScene({ ...req, seed }));
      const img = await decodeImage(rendered.png);
      const within = 'region' in req ? resolveRegion(img, req.region as NamedRegion) : undefined;
      const filters = {
        ...('color' in req ? { color: req.color } : {}),
        ...('shape' in req ? { shape: req.shape } : {}),
        ...(within ? { within } : {}),
      };
      expect(await findShapes(img, filters), `seed ${seed}`).toHaveLength(req.count);
      // The distractors are really there: without the filters there are more shapes.
      expect((await findShapes(img)).length).toBeGreaterThan(req.count);
    }
  });
});
