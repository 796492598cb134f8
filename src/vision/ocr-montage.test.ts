import { afterAll, describe, expect, it } from 'vitest';
import { glyphsOf, readStrips, setMontageTap, splitRuns } from './ocr-montage.js';
import type { Strip } from './ocr-strips.js';
import {
  clearElementCache,
  clearOcrMemo,
  closeOcr,
  decodeImage,
  detectElements,
  ocrWorkers,
  renderScene,
} from './index.js';

afterAll(() => closeOcr());

/** A binarised strip `width` px wide, 36 px tall, holding `glyphs` glyphs 4 px wide 3 px apart at its left. */
function strip(glyphs: number, width: number, id: number): Strip {
  const height = 36;
  const grey = Buffer.alloc(width * height, 255);
  for (let g = 0; g < glyphs; g++)
    for (let y = 8; y < 28; y++) grey.fill(0, y * width + 4 + g * 7, y * width + 8 + g * 7);
  return { rect: { x: 0, y: id, width, height }, scale: 1, width, height, grey };
}

describe('splitting an OCR job among workers', () => {
  it("counts a strip's glyphs by its runs of inked columns, whatever its width", () => {
    expect(glyphsOf(strip(5, 60, 0))).toBe(5 + 2);
    expect(glyphsOf(strip(5, 900, 0))).toBe(5 + 2);
    expect(glyphsOf(strip(0, 100, 0))).toBe(2);
  });

  it('cuts by text, not by area, and keeps reading order', () => {
    // A wide bar with a dozen glyphs, then four dense lines: by area the bar alone would be the first run (1800
    // of 2760 px wide); by text (14 + 32 × 4 with the lines' own cost) the first run takes the bar and two
    // lines (78), the second the other two (64).
    const strips = [
      strip(12, 1800, 0),
      strip(30, 240, 1),
      strip(30, 240, 2),
      strip(30, 240, 3),
      strip(30, 240, 4),
    ];
    const runs = splitRuns(strips, 2);
    expect(runs.map((r) => r.map((s) => s.rect.y))).toEqual([
      [0, 1, 2],
      [3, 4],
    ]);
    expect(splitRuns(strips, 1)).toEqual([strips]);
    // A single long line is never cut, and a run is never empty.
    expect(splitRuns([strip(80, 700, 0)], 2)).toEqual([
      [expect.objectContaining({ rect: expect.anything() })],
    ]);
  });
});

describe('OCR jobs and workers (issue 18)', () => {
  it('shares a task-page-sized job among running workers, but never starts a worker for one', async () => {
    // A task area's worth: a sentence and five labels, ≈ 40,000 montage pixels (over the 16,000 from which a
    // job is shared, under the 100,000 from which it may start a worker: 1-2 s and ≈ 170 MB).
    const img = await decodeImage(
      (
        await renderScene({
          width: 480,
          height: 320,
          theme: 'light',
          elements: [
            { type: 'text', text: 'Click on the Search button.', x: 20, y: 10, size: 12 },
            { type: 'button', label: 'Back', region: 'content', x: 20, y: 50 },
            { type: 'button', label: 'Retry', region: 'content', x: 120, y: 50 },
            { type: 'button', label: 'Search', region: 'content', x: 20, y: 100 },
            { type: 'button', label: 'Reset', region: 'content', x: 120, y: 100 },
            { type: 'button', label: 'Upload', region: 'content', x: 120, y: 150 },
          ],
        })
      ).png,
    );
    await closeOcr();
    const once = await detectElements(img);
    expect(once.filter((e) => e.kind === 'button').map((e) => e.text)).toEqual(
      expect.arrayContaining(['Back', 'Retry', 'Search', 'Reset', 'Upload']),
    );
    expect(ocrWorkers()).toBe(1);
    // Read again from scratch: still the one worker, and the same elements.
    clearElementCache();
    clearOcrMemo();
    expect(await detectElements({ ...img, data: img.data.slice() })).toEqual(once);
    expect(ocrWorkers()).toBe(1);
  });

  it("hands each run's readings to `after` as soon as that run is read, and keeps what it returns", async () => {
    // Two bars of ≈ 108,000 montage pixels: two runs on two workers. A second look at one run's weak pieces
    // (ocr.ts) starts from `after` while the other run is still being read.
    const strips = [strip(12, 1800, 0), strip(12, 1800, 1)];
    const seen: number[][] = [];
    const read = await readStrips(strips, async (run, got) => {
      seen.push(run.map((s) => s.rect.y));
      expect(got).toHaveLength(run.length);
      return got.map(() => ({ words: [], lines: [`run of ${run[0]!.rect.y}`] }));
    });
    expect(seen.map((r) => r.join()).sort()).toEqual(['0', '1']);
    expect(read.map((r) => r.lines)).toEqual([['run of 0'], ['run of 1']]);
  });

  it('shows a tap the montage each call reads, strips stacked on white, and stops when untapped', async () => {
    // bench/ocr-tesseract-probe.ts times Tesseract on these very images.
    const seen: Buffer[] = [];
    setMontageTap((pgm) => seen.push(pgm));
    await readStrips([strip(3, 60, 0), strip(2, 40, 1)]);
    setMontageTap(undefined);
    await readStrips([strip(3, 60, 0)]);
    expect(seen).toHaveLength(1);
    const header = /^P5\n(\d+) (\d+)\n255\n/.exec(seen[0]!.toString('latin1', 0, 32))!;
    // 16 px margins, 24 px between the two 36 px strips; the widest strip sets the width.
    expect([Number(header[1]), Number(header[2])]).toEqual([60 + 32, 36 + 24 + 36 + 32]);
    const px = seen[0]!.subarray(header[0].length);
    // The first strip's first glyph (x 4-7, y 8-27) at (16 + 4, 16 + 8); white around it.
    expect(px[(16 + 8) * 92 + 16 + 4]).toBe(0);
    expect(px[0]).toBe(255);
  });
});
