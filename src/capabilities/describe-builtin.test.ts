import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ironcliw } from '../ironcliw.js';
import { createIroncliw } from '../ironcliw.js';
import type { RgbaImage } from '../vision/index.js';
import { decodeImage, renderScene } from '../vision/index.js';

/** "describe the screen" names what a person would: the title, the toolbar's buttons, the visible text. */
let ironcliw: Ironcliw;
let screen: RgbaImage;
beforeAll(async () => {
  ironcliw = await createIroncliw({ db: 'memory:' }, { startWorkers: false });
  // The truth is the spec: what was drawn, not what the code under test reads.
  const { png } = await renderScene({
    width: 900,
    height: 560,
    titlebar: { title: 'Invoice Editor' },
    statusbar: { text: 'Ready' },
    elements: [
      { type: 'button', label: 'Save', region: 'toolbar', x: 8, y: 8 },
      { type: 'button', label: 'Open', region: 'toolbar', x: 100, y: 8 },
      { type: 'button', label: 'Export', region: 'toolbar', x: 192, y: 8 },
      { type: 'text', text: 'Invoice 2024-0117 is overdue', region: 'content', x: 40, y: 60, size: 16 },
      { type: 'shape', shape: 'circle', color: 'red', region: 'content', x: 300, y: 200, size: 40 },
    ],
  });
  screen = await decodeImage(png);
});
afterAll(() => ironcliw?.close());

describe('the describe-screen built-in', () => {
  it('names the window title, the toolbar buttons and other visible text, besides shapes', async () => {
    const r = await ironcliw.processCommand(
      'describe the screen',
      { user: 'ana' },
      { screen: { image: screen } },
    );
    if (!r.ok) throw new Error(r.failure.message);
    const { answer } = r.result;
    expect(answer).toContain('1 red circle');
    expect(answer).toContain('The title says "Invoice Editor".');
    expect(answer).toContain('Toolbar: "Save", "Open", "Export".');
    expect(answer).toContain('Text: "Invoice 2024-0117 is overdue".');
    expect(answer).toContain('Status bar: "Ready".');
    expect(r.result.data).toMatchObject({ title: 'Invoice Editor' });
  });
});
