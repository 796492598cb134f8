import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  CORPUS_SIZE,
  corpusPage,
  LAYOUTS,
  launchBrowser,
  openTask,
  renderCorpusPage,
  STYLES,
  TASK_FAMILIES,
  taskPage,
} from './harness.js';

/**
 * The corpus and the task pages are the ground truth of the vision tests, so they are tested themselves: the
 * corpus covers every style × layout in both halves, truth comes out of the DOM at both scales, and each task
 * family's reward answers the page's own state — 1 when a person does what the sentence says (clicking the
 * DOM's own box of the right control), -1 when they do something else.
 */
describe('UI corpus and task pages', () => {
  it('has at least 60 pages, every style and layout in the dev and the test half', () => {
    expect(CORPUS_SIZE).toBeGreaterThanOrEqual(60);
    const seen = new Set<string>();
    for (let i = 0; i < CORPUS_SIZE; i++) {
      const p = corpusPage(i);
      seen.add(`${p.half}:${p.style}:${p.layout}`);
    }
    expect(seen.size).toBe(2 * STYLES.length * LAYOUTS.length);
    expect(corpusPage(5).html).toBe(corpusPage(5).html);
    expect(() => corpusPage(CORPUS_SIZE)).toThrow(RangeError);
  });

  it('makes a different layout per seed and quotes the target in the sentence', () => {
    const a = taskPage('click-button', 1);
    const b = taskPage('click-button', 2);
    expect(a.html).not.toBe(b.html);
    expect(a.instruction).toContain(`"${a.target}"`);
    expect(() => taskPage('fly-to-moon', 1)).toThrow(/unknown task family/);
  });
});

describe.skipIf(!existsSync(CHROMIUM))('in Chromium', () => {
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());

  it('renders a corpus page at 1x and 2x with truth in screenshot pixels', async () => {
    const one = await renderCorpusPage(browser, 3, { scale: 1 });
    const two = await renderCorpusPage(browser, 3, { scale: 2 });
    expect(one.png.readUInt32BE(16)).toBe(one.truth.width);
    expect(two.png.readUInt32BE(16)).toBe(2 * one.truth.width);
    const kinds = new Set(one.truth.elements.map((e: { kind: string }) => e.kind));
    expect(kinds.has('text-field') || kinds.has('button')).toBe(true);
    const b1 = one.truth.elements[0].bbox;
    const b2 = two.truth.elements[0].bbox;
    expect(Math.abs(b2.width - 2 * b1.width)).toBeLessThan(1.01);
  });

  const click = (b: { x: number; y: number; width: number; height: number }) => ({
    type: 'click',
    x: Math.round(b.x + b.width / 2),
    y: Math.round(b.y + b.height / 2),
  });
  type El = { kind: string; text: string; bbox: { x: number; y: number; width: number; height: number } };

  it.each([1, 2])(
    'each family rewards doing the task and punishes doing another (scale %d)',
    async (scale) => {
      for (const family of TASK_FAMILIES) {
        const right = await openTask(browser, family, 4, { scale });
        const wrong = await openTask(browser, family, 4, { scale });
        const els = (await right.truth()).elements as El[];
        const named = (kind: string, text: string) => els.find((e) => e.kind === kind && e.text === text)!;
        const submit = named('button', 'Submit');
        let good: object[];
        let bad: object[];
        switch (family) {
          case 'click-button':
            good = [click(named('button', right.target).bbox)];
            bad = [click(els.find((e) => e.kind === 'button' && e.text !== right.target)!.bbox)];
            break;
          case 'click-link':
            good = [click(named('link', right.target).bbox)];
            bad = [click(els.find((e) => e.kind === 'link' && e.text !== right.target)!.bbox)];
            break;
          case 'click-tab':
            good = [click(named('tab', right.target).bbox)];
            bad = [click(els.find((e) => e.kind === 'tab' && e.text !== right.target)!.bbox)];
            break;
          case 'enter-text': {
            const field = els.find((e) => e.kind === 'text-field')!;
            good = [click(field.bbox), { type: 'type', text: right.target }, click(submit.bbox)];
            bad = [click(field.bbox), { type: 'type', text: 'nobody' }, click(submit.bbox)];
            break;
          }
          case 'click-checkboxes': {
            const want = right.target.split(',');
            good = [...want.map((w: string) => click(named('checkbox', w).bbox)), click(submit.bbox)];
            bad = [click(submit.bbox)];
            break;
          }
          case 'close-dialog':
            good = [click(els.find((e) => e.kind === 'close-button')!.bbox)];
            bad = [click(named('button', 'OK').bbox)];
            break;
          case 'choose-list':
            good = [click(named('list-item', right.target).bbox), click(submit.bbox)];
            bad = [click(submit.bbox)];
            break;
          default:
            good = [click(named('button', right.target).bbox)];
            bad = [click(named('button', String((Number(right.target) % 6) + 1)).bbox)];
        }
        expect(await right.reward(), family).toBe(0);
        await right.apply(good);
        await wrong.apply(bad);
        expect(await right.reward(), `${family}: ${right.instruction}`).toBe(1);
        expect(await wrong.reward(), `${family}: ${wrong.instruction}`).toBe(-1);
        await right.close();
        await wrong.close();
      }
    },
  );

  it('applies typed text and key chords to the focused field', async () => {
    const t = await openTask(browser, 'enter-text', 9);
    const field = ((await t.truth()).elements as El[]).find((e) => e.kind === 'text-field')!;
    await t.apply([
      click(field.bbox),
      { type: 'type', text: 'abc' },
      { type: 'press', keys: 'ctrl+a BackSpace' },
    ]);
    await t.apply([{ type: 'type', text: 'xyz' }]);
    expect(await t.page.evaluate('document.getElementById("tt").value')).toBe('xyz');
    await t.close();
  });

  it('applies a drag as button down at the start, travel, button up at the end (2x screen)', async () => {
    const t = await openTask(browser, 'click-button', 4, { scale: 2 });
    await t.page.evaluate(`(() => {
      window.__drag = [];
      for (const type of ['mousedown', 'mousemove', 'mouseup'])
        document.addEventListener(type, (e) => window.__drag.push([type, e.clientX, e.clientY, e.buttons]));
    })()`);
    await t.apply([{ type: 'drag', x: 20, y: 120, to: { x: 200, y: 300 } }]);
    const seen = (await t.page.evaluate('window.__drag')) as Array<[string, number, number, number]>;
    // The pointer first arrives at the start with no button held, then presses there.
    expect(seen[0]).toEqual(['mousemove', 10, 60, 0]);
    expect(seen[1]).toEqual(['mousedown', 10, 60, 1]);
    expect(seen.at(-1)).toEqual(['mouseup', 100, 150, 0]);
    // The moves between hold the button.
    const moves = seen.slice(2, -1);
    expect(moves.length).toBeGreaterThan(1);
    expect(moves.every((e) => e[0] === 'mousemove')).toBe(true);
    expect(moves.every((e) => e[3] === 1)).toBe(true);
    await t.close();
  });
});
