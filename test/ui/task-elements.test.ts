import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UiElement } from '../../src/domain/index.js';
import { closeOcr, decodeImage, detectElements } from '../../src/vision/index.js';
import { CHROMIUM, launchBrowser, openTask } from './harness.js';

/**
 * What the detector sees on the task pages whose families failed (issue 18): the digit keys of count-shapes,
 * the checkboxes and their labels of click-checkboxes, underlined links inside a sentence of click-link, and
 * the task sentence wrapped in its band, which is text and never a list. Seeds picked where each failure was
 * seen (dev seeds; the bench measures seeds 101–105).
 */
type Browser = Awaited<ReturnType<typeof launchBrowser>>;

async function elementsOf(browser: Browser, family: string, seed: number, scale = 1) {
  const task = await openTask(browser, family, seed, { scale });
  try {
    const els = await detectElements(await decodeImage(await task.screenshot()));
    return { els, task: { target: task.target, instruction: task.instruction } };
  } finally {
    await task.close();
  }
}

const brief = (e: UiElement) => `${e.kind}:${JSON.stringify(e.text)}`;

describe.skipIf(!existsSync(CHROMIUM))('elements on task pages', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await closeOcr();
  });

  it.each([1, 6, 9])(
    'count-shapes seed %i: the six keys edge to edge are buttons 1..6, each read (no radio, no field)',
    async (seed) => {
      const { els } = await elementsOf(browser, 'count-shapes', seed);
      const keys = els.filter((e) => e.bbox.y > 150);
      expect(keys.map(brief)).toEqual(['1', '2', '3', '4', '5', '6'].map((d) => `button:"${d}"`));
    },
  );

  it('count-shapes at 2x: the keys are read too', async () => {
    const { els } = await elementsOf(browser, 'count-shapes', 1, 2);
    expect(els.filter((e) => e.kind === 'button').map((e) => e.text)).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it.each([2, 4, 23])(
    'click-checkboxes seed %i: every checkbox has its label read, and the wrapped sentence is text',
    async (seed) => {
      const { els } = await elementsOf(browser, 'click-checkboxes', seed);
      const boxes = els.filter((e) => e.kind === 'checkbox');
      expect(boxes.length).toBeGreaterThanOrEqual(3);
      // The labels the page gave its boxes, read exactly: nothing of the box's outline ("I Cherry"), nothing unread.
      for (const b of boxes) expect(b.text, JSON.stringify(b)).toMatch(/^[A-Z][a-z]+$/);
      const band = els.filter((e) => e.bbox.y < 45);
      expect(band.length).toBeGreaterThan(0);
      expect(band.every((e) => e.kind === 'text')).toBe(true);
    },
  );

  it('click-checkboxes: the boxes named by the sentence are found by their labels', async () => {
    const { els, task } = await elementsOf(browser, 'click-checkboxes', 2);
    for (const name of task.target.split(',')) {
      const found = els.filter((e) => e.kind === 'checkbox' && e.text === name);
      expect(found, `${name} in ${els.map(brief).join(' ')}`).toHaveLength(1);
    }
  });

  it.each([
    [10, ['Tokyo', 'Lemon', 'Dublin', 'Seoul']],
    [15, ['Lisbon', 'Dublin', 'Madrid', 'Paris', 'Berlin']],
  ] as const)(
    'choose-list seed %i: short items read weakly side by side are read again, larger and stacked',
    async (seed, names) => {
      // tessdata_fast read such items set side by side (×3 beside ×2) at confidence 34 — "Dublin" was left
      // unread on seeds 10 and 15 (and on 101-103 of the bench); one upscale step larger, one under another,
      // they read 95 and more.
      const { els } = await elementsOf(browser, 'choose-list', seed);
      const items = els.filter((e) => e.kind === 'list-item');
      expect(items.map((e) => e.text)).toEqual(names);
      expect(items.every((e) => !e.unread)).toBe(true);
    },
  );

  it('click-link seed 5: underlined links in a sentence are read without their underline or neighbours', async () => {
    const { els } = await elementsOf(browser, 'click-link', 5);
    const links = els.filter((e) => e.kind === 'link').map((e) => e.text);
    expect(links).toContain('Help center');
    expect(links).toContain('Blog');
    // "Forgot" ends a line and "password" starts the next: one link, named whole.
    expect(links).toContain('Forgot password');
    expect(links).not.toContain('Forgot');
    expect(links).not.toContain('password');
  });

  it('click-link seed 5: a click at the centre of the wrapped link lands on it (its handler runs)', async () => {
    const task = await openTask(browser, 'click-link', 5);
    try {
      const els = await detectElements(await decodeImage(await task.screenshot()));
      const link = els.find((e) => e.kind === 'link' && e.text === 'Forgot password');
      expect(link, els.map(brief).join(', ')).toBeDefined();
      const { x, y, width, height } = link!.bbox;
      await task.apply([{ type: 'click', x: Math.round(x + width / 2), y: Math.round(y + height / 2) }]);
      // 1 when it was the task's link, -1 when another: either way a link's own handler ran (0: nothing hit).
      expect(Math.abs(await task.reward())).toBe(1);
    } finally {
      await task.close();
    }
  });

  it('close-dialog seed 2: a small × (8 px) on its own button is the close button, though the dialog runs off the page', async () => {
    const { els } = await elementsOf(browser, 'close-dialog', 2);
    const close = els.filter((e) => e.kind === 'close-button');
    expect(close, els.map(brief).join(' ')).toHaveLength(1);
    expect(close[0]!.bbox.x).toBeGreaterThan(120);
    expect(els.some((e) => e.kind === 'tab')).toBe(false);
  });
});
