import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  closeOcr,
  decodeImage,
  findText,
  holdOcr,
  OCR_IDLE_DEFAULT_MS,
  OCR_LANG_PATH,
  ocrWorkers,
  randomScene,
  readText,
  renderScene,
  resolveRegion,
  setOcrIdleMs,
  warmOcr,
} from './index.js';
import { iou } from '../../test/support/vision.js';

afterAll(() => closeOcr());

const scene = async (theme: 'light' | 'dark') => {
  const r = await renderScene({
    width: 1024,
    height: 640,
    theme,
    titlebar: { title: 'Quarterly report — Editor' },
    statusbar: { text: 'Ready' },
    elements: [
      { type: 'button', label: 'Save', x: 10, y: 10 },
      { type: 'button', label: 'Export', x: 80, y: 10 },
      { type: 'text', text: 'Invoice 2024-0117 is overdue', x: 40, y: 100, size: 16 },
      { type: 'text', text: 'Inbox', region: 'sidebar', x: 20, y: 20, size: 14 },
      { type: 'shape', shape: 'circle', color: 'red', x: 300, y: 300, size: 40 },
    ],
  });
  return { ...r, img: await decodeImage(r.png) };
};

describe('OCR', () => {
  it('uses the traineddata shipped in the package (vendor/, no download)', () => {
    expect(existsSync(join(OCR_LANG_PATH, 'eng.traineddata.gz'))).toBe(true);
  });

  it.each(['light', 'dark'] as const)('reads every text of a %s screen, region by region', async (theme) => {
    const { img } = await scene(theme);
    const { text, words } = await readText(img);
    for (const line of [
      'Quarterly report — Editor',
      'Save',
      'Export',
      'Invoice 2024-0117 is overdue',
      'Inbox',
      'Ready',
    ]) {
      expect(text, theme).toContain(line);
    }
    expect(words.every((w) => w.confidence >= 40 && w.bbox.width > 0)).toBe(true);
  });

  it('reads a region and places word boxes in screen coordinates', async () => {
    const { img, truth } = await scene('light');
    const { text, words } = await readText(img, resolveRegion(img, 'titlebar'));
    expect(text).toBe('Quarterly report — Editor');
    const title = truth.find((t) => t.text === 'Quarterly report — Editor')!.bbox;
    const x0 = Math.min(...words.map((w) => w.bbox.x));
    const x1 = Math.max(...words.map((w) => w.bbox.x + w.bbox.width));
    expect(Math.abs(x0 - title.x)).toBeLessThanOrEqual(3);
    expect(Math.abs(x1 - (title.x + title.width))).toBeLessThanOrEqual(4);
  });

  it('finds a word or phrase, case-insensitively and tolerating small misreads', async () => {
    const { img, truth } = await scene('dark');
    const save = await findText(img, 'SAVE');
    expect(save).toHaveLength(1);
    expect(save[0]).toMatchObject({ kind: 'text', text: 'Save' });
    const button = truth.find((t) => t.kind === 'button' && t.text === 'Save')!.bbox;
    const c = { x: save[0]!.bbox.x + save[0]!.bbox.width / 2, y: save[0]!.bbox.y + save[0]!.bbox.height / 2 };
    expect(
      c.x > button.x && c.x < button.x + button.width && c.y > button.y && c.y < button.y + button.height,
    ).toBe(true);
    const phrase = await findText(img, 'is overdue');
    expect(phrase).toHaveLength(1);
    const line = truth.find((t) => t.text?.startsWith('Invoice'))!.bbox;
    expect(iou(phrase[0]!.bbox, { ...line, x: line.x + 150, width: line.width - 150 })).toBeGreaterThan(0.5);
    expect(await findText(img, 'Quartely report')).toHaveLength(1);
    expect(await findText(img, 'Print')).toEqual([]);
    await expect(findText(img, '  ')).rejects.toMatchObject({ code: 'E_INPUT_INVALID' });
  });

  it('finds ≥ 90% of the texts, labels and titles of random screens where the truth says they are', async () => {
    let ok = 0;
    let total = 0;
    const misses: string[] = [];
    for (const seed of [101, 102, 103, 104, 105, 106]) {
      const r = await renderScene(randomScene(seed));
      const img = await decodeImage(r.png);
      for (const t of r.truth.filter((x) => x.text)) {
        total++;
        const hit = (await findText(img, t.text!)).some((f) => {
          const cx = f.bbox.x + f.bbox.width / 2;
          const cy = f.bbox.y + f.bbox.height / 2;
          return (
            cx >= t.bbox.x &&
            cx <= t.bbox.x + t.bbox.width &&
            cy >= t.bbox.y &&
            cy <= t.bbox.y + t.bbox.height
          );
        });
        if (hit) ok++;
        else misses.push(`${seed} ${t.kind} "${t.text}"`);
      }
    }
    console.info(`OCR findText: ${ok}/${total}`, misses);
    expect(total).toBeGreaterThan(20);
    expect(ok / total).toBeGreaterThanOrEqual(0.9);
  });
});

describe('the OCR worker pool', () => {
  it('ends its workers when the last holder releases it, not before', async () => {
    const { img } = await scene('light');
    const first = holdOcr();
    const second = holdOcr();
    await readText(img, resolveRegion(img, 'titlebar'));
    expect(ocrWorkers()).toBeGreaterThan(0);
    await first();
    await first(); // releasing twice counts once
    expect(ocrWorkers()).toBeGreaterThan(0);
    await second();
    expect(ocrWorkers()).toBe(0);
  });

  // Issue 20: a serving or learning process idle for hours must not keep ≈ 170 MB per worker.
  it('ends its worker threads after the idle period, and the next read starts one again', async () => {
    await closeOcr();
    // A tesseract.js worker is a worker thread: its MessagePort is an active resource while it lives (and
    // nothing else in this test process holds one once the workers of the tests before are gone).
    const ports = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;
    await vi.waitFor(() => expect(ports()).toBe(0), { timeout: 10_000, interval: 50 });
    const before = 0;
    const release = holdOcr({ idleMs: 300 });
    try {
      const { img } = await scene('light');
      expect((await readText(img, resolveRegion(img, 'titlebar'))).text).toContain('Quarterly');
      expect(ocrWorkers()).toBeGreaterThan(0);
      expect(ports()).toBeGreaterThan(before);
      await vi.waitFor(() => expect(ocrWorkers()).toBe(0), { timeout: 20_000, interval: 50 });
      await vi.waitFor(() => expect(ports()).toBe(before), { timeout: 10_000, interval: 50 });
      const again = await scene('dark');
      expect((await readText(again.img, resolveRegion(again.img, 'statusbar'))).text).toContain('Ready');
      expect(ocrWorkers()).toBeGreaterThan(0);
    } finally {
      setOcrIdleMs(OCR_IDLE_DEFAULT_MS);
      await release();
    }
  });

  it('is warmed up to one running worker, which the next read uses, and still ends when idle', async () => {
    await closeOcr();
    const release = holdOcr({ idleMs: 300 });
    try {
      await warmOcr();
      expect(ocrWorkers()).toBe(1);
      await warmOcr(); // already warm: no second worker
      expect(ocrWorkers()).toBe(1);
      const { img } = await scene('light');
      expect((await readText(img, resolveRegion(img, 'titlebar'))).text).toContain('Quarterly');
      expect(ocrWorkers()).toBeGreaterThanOrEqual(1);
      await vi.waitFor(() => expect(ocrWorkers()).toBe(0), { timeout: 20_000, interval: 50 });
    } finally {
      setOcrIdleMs(OCR_IDLE_DEFAULT_MS);
      await release();
    }
  });

  it('keeps its workers while reads keep coming, and with 0 until closed', async () => {
    const { img } = await scene('light');
    const release = holdOcr({ idleMs: 0 });
    try {
      await readText(img, resolveRegion(img, 'toolbar'));
      await new Promise((r) => setTimeout(r, 500));
      expect(ocrWorkers()).toBeGreaterThan(0);
    } finally {
      setOcrIdleMs(OCR_IDLE_DEFAULT_MS);
      await release();
    }
    expect(ocrWorkers()).toBe(0);
  });

  it('refuses a negative idle period with a clear error', () => {
    expect(() => setOcrIdleMs(-1)).toThrow(/non-negative number of ms/);
  });
});
