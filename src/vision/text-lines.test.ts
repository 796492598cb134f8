import { afterAll, describe, expect, it } from 'vitest';
import type { Rect } from '../domain/index.js';
import { decodeImage, loadOpenCv, randomScene, renderScene } from './index.js';
import { closeOcr, ocrWorkers, OCR_MAX_WORKERS, readText } from './ocr.js';
import { centreInside } from '../../test/support/vision.js';
import { findTextLines, greyOf } from './text-lines.js';

afterAll(() => closeOcr());

const whole = (img: { width: number; height: number }): Rect => ({
  x: 0,
  y: 0,
  width: img.width,
  height: img.height,
});
const overlaps = (a: Rect, b: Rect) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const contains = (outer: Rect, inner: Rect) =>
  inner.x >= outer.x &&
  inner.y >= outer.y &&
  inner.x + inner.width <= outer.x + outer.width &&
  inner.y + inner.height <= outer.y + outer.height;

describe('findTextLines', () => {
  it.each(['light', 'dark'] as const)(
    'puts every text of a %s screen inside one line, and no two lines overlap',
    async (theme) => {
      const { cv } = await loadOpenCv();
      const r = await renderScene({
        width: 900,
        height: 560,
        theme,
        titlebar: { title: 'Quarterly report — Editor' },
        statusbar: { text: 'Ready' },
        elements: [
          { type: 'button', label: 'Save', x: 10, y: 10 },
          { type: 'button', label: 'Export', x: 80, y: 10 },
          { type: 'text', text: 'Invoice 2024-0117 is overdue', x: 40, y: 100, size: 16 },
          { type: 'text', text: 'Build passed', x: 40, y: 300, size: 22 },
          { type: 'shape', shape: 'circle', color: 'red', x: 400, y: 300, size: 60 },
        ],
      });
      const img = await decodeImage(r.png);
      const lines = findTextLines(cv, img, whole(img));
      for (const t of r.truth.filter((x) => x.text)) {
        // A text's whole box; the label of a button (whose box is the button, outline or not).
        const holding = lines.filter((l) =>
          t.kind === 'text' ? contains(l.rect, t.bbox) : centreInside(t.bbox, l.rect),
        );
        expect(holding, t.text).toHaveLength(1);
      }
      for (const [i, a] of lines.entries()) {
        for (const b of lines.slice(i + 1))
          expect(overlaps(a.rect, b.rect), JSON.stringify([a, b])).toBe(false);
      }
      // Glyph height follows the type size, not the button around a label.
      const size = (text: string) =>
        lines.find((l) => centreInside(r.truth.find((t) => t.text === text)!.bbox, l.rect))!.glyphHeight;
      expect(size('Build passed')).toBeGreaterThan(size('Invoice 2024-0117 is overdue'));
      expect(size('Save')).toBeLessThan(22);
    },
  );

  it('records the outline of a button around its label, and not the label', async () => {
    const { cv } = await loadOpenCv();
    const r = await renderScene({
      width: 640,
      height: 400,
      theme: 'light',
      elements: [{ type: 'button', label: 'Restore defaults', region: 'content', x: 40, y: 40, height: 32 }],
    });
    const img = await decodeImage(r.png);
    const button = r.truth.find((t) => t.kind === 'button')!.bbox;
    const line = findTextLines(cv, img, whole(img)).find((l) => contains(l.rect, button))!;
    expect(line.outline).toBeDefined();
    const at = (x: number, y: number) =>
      line.outline![(y - line.rect.y) * line.rect.width + (x - line.rect.x)];
    const cy = button.y + Math.floor(button.height / 2);
    // The left and right edges of the button (within the 2 px an edge spreads over) are outline; its middle,
    // where the label is, is not.
    const near = (x: number) => [-2, -1, 0, 1].some((d) => at(x + d, cy) === 1);
    expect(near(button.x)).toBe(true);
    expect(near(button.x + button.width - 1)).toBe(true);
    let inside = 0;
    for (let x = button.x + 6; x < button.x + button.width - 6; x++) inside += at(x, cy)!;
    expect(inside).toBe(0);
  });

  it('finds nothing on a blank screen', async () => {
    const { cv } = await loadOpenCv();
    const img = await decodeImage(
      (await renderScene({ width: 320, height: 200, theme: 'dark', elements: [] })).png,
    );
    expect(findTextLines(cv, img, { x: 0, y: 40, width: 320, height: 120 })).toEqual([]);
  });

  it('computes luminance of a rectangle the same as of the whole screen', async () => {
    const img = await decodeImage((await renderScene(randomScene(7))).png);
    const all = greyOf(img, whole(img));
    const rect = { x: 13, y: 29, width: 301, height: 97 };
    const part = greyOf(img, rect);
    for (let y = 0; y < rect.height; y++) {
      for (let x = 0; x < rect.width; x++) {
        const i = ((rect.y + y) * img.width + rect.x + x) * 4;
        const d = img.data;
        const want = (d[i]! * 77 + d[i + 1]! * 150 + d[i + 2]! * 29) >> 8;
        expect(part[y * rect.width + x]).toBe(want);
        expect(all[(rect.y + y) * img.width + rect.x + x]).toBe(want);
      }
    }
  });
});

describe('OCR worker pool', () => {
  it('reads screens concurrently with the same result as one by one, on at most one worker per core', async () => {
    const screens = await Promise.all(
      [101, 103].map(async (seed) => {
        const r = await renderScene(randomScene(seed));
        return { truth: r.truth, img: await decodeImage(r.png) };
      }),
    );
    const together = await Promise.all(screens.map((s) => readText(s.img)));
    expect(ocrWorkers()).toBeGreaterThanOrEqual(1);
    expect(ocrWorkers()).toBeLessThanOrEqual(OCR_MAX_WORKERS);
    await closeOcr();
    expect(ocrWorkers()).toBe(0);
    // Fresh image objects: nothing comes from the per-image cache.
    const alone: string[] = [];
    for (const s of screens) alone.push((await readText({ ...s.img })).text);
    expect(together.map((t) => t.text)).toEqual(alone);
    // Each word box lies where the truth has that text.
    const { truth } = screens[0]!;
    const title = truth.find((t) => t.region === 'titlebar' && t.text)!;
    const first = together[0]!.words.find((w) => title.text!.startsWith(w.text))!;
    expect(centreInside(first.bbox, title.bbox)).toBe(true);
  });
});
