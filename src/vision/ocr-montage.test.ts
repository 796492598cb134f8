import { afterAll, describe, expect, it } from 'vitest';
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
});
