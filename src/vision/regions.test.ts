import { describe, expect, it } from 'vitest';
import type { Region } from '../domain/index.js';
import { decodeImage, detectRegions, layoutOf, renderScene, resolveRegion } from './index.js';
import { iou, solidImage } from '../../test/support/vision.js';

describe('detectRegions', () => {
  it('finds title bar, toolbar, sidebar, status bar and content of a rendered screen exactly', async () => {
    for (const theme of ['light', 'dark'] as const) {
      const r = await renderScene({
        width: 1024,
        height: 700,
        theme,
        titlebar: { height: 30, title: 'Editor' },
        toolbar: { height: 44 },
        sidebar: { width: 200 },
        statusbar: { height: 26, text: 'Ready' },
        elements: [
          { type: 'button', label: 'Save', x: 8, y: 8 },
          { type: 'shape', shape: 'circle', color: 'red', region: 'toolbar', x: 120, y: 8, size: 28 },
          { type: 'text', text: 'Inbox', region: 'sidebar', x: 12, y: 12 },
          { type: 'shape', shape: 'square', color: 'blue', x: 40, y: 40, size: 60 },
        ],
      });
      expect(detectRegions(await decodeImage(r.png)), theme).toEqual(r.regions);
    }
  });

  it('reports bands that are not there as undefined, and content as the rest', async () => {
    const r = await renderScene({
      width: 800,
      height: 600,
      toolbar: false,
      sidebar: false,
      statusbar: false,
    });
    const d = detectRegions(await decodeImage(r.png));
    expect(d).toEqual({
      titlebar: { x: 0, y: 0, width: 800, height: 32 },
      toolbar: undefined,
      sidebar: undefined,
      statusbar: undefined,
      content: { x: 0, y: 32, width: 800, height: 568 },
    });
  });

  it('tells bars of custom colours apart, including an accent title bar', async () => {
    const r = await renderScene({
      width: 900,
      height: 600,
      titlebar: { color: '#2d5b9a', title: 'Accent', textColor: '#ffffff' },
      toolbar: { color: '#fafafa' },
      sidebar: { color: '#eceff1', width: 180 },
      content: { color: '#ffffff' },
    });
    const d = detectRegions(await decodeImage(r.png));
    for (const [name, rect] of Object.entries(r.regions)) {
      expect(iou(d[name as keyof typeof d]!, rect!), name).toBeGreaterThan(0.95);
    }
  });

  it('finds nothing but content on a plain screen', () => {
    const d = detectRegions(solidImage(400, 300, [255, 255, 255]));
    expect(d.titlebar ?? d.toolbar ?? d.sidebar ?? d.statusbar).toBeUndefined();
    expect(d.content).toEqual({ x: 0, y: 0, width: 400, height: 300 });
  });
});

describe('resolveRegion', () => {
  const plain = solidImage(300, 200, [255, 255, 255]);

  it('falls back to documented fractions for bands it cannot see', () => {
    expect(resolveRegion(plain, 'titlebar')).toEqual({ x: 0, y: 0, width: 300, height: 10 });
    expect(resolveRegion(plain, 'toolbar')).toEqual({ x: 0, y: 10, width: 300, height: 14 });
    expect(resolveRegion(plain, 'statusbar')).toEqual({ x: 0, y: 192, width: 300, height: 8 });
    expect(resolveRegion(plain, 'sidebar')).toEqual({ x: 0, y: 24, width: 54, height: 168 });
    expect(layoutOf(plain).detected).toEqual({
      titlebar: false,
      toolbar: false,
      sidebar: false,
      statusbar: false,
      content: true,
    });
  });

  it.each([
    ['top-left', { x: 0, y: 0, width: 100, height: 67 }],
    ['top', { x: 100, y: 0, width: 100, height: 67 }],
    ['top-right', { x: 200, y: 0, width: 100, height: 67 }],
    ['left', { x: 0, y: 67, width: 100, height: 66 }],
    ['center', { x: 100, y: 67, width: 100, height: 66 }],
    ['right', { x: 200, y: 67, width: 100, height: 66 }],
    ['bottom-left', { x: 0, y: 133, width: 100, height: 67 }],
    ['bottom', { x: 100, y: 133, width: 100, height: 67 }],
    ['bottom-right', { x: 200, y: 133, width: 100, height: 67 }],
  ] as const)('%s is a third of each side', (name, rect) => {
    expect(resolveRegion(plain, name)).toEqual(rect);
  });

  it('tiles the screen with the nine compass areas', () => {
    let area = 0;
    for (const n of [
      'top-left',
      'top',
      'top-right',
      'left',
      'center',
      'right',
      'bottom-left',
      'bottom',
      'bottom-right',
    ] as const) {
      const r = resolveRegion(plain, n);
      area += r.width * r.height;
    }
    expect(area).toBe(300 * 200);
  });

  it('clamps explicit rectangles and rejects empty or malformed ones', () => {
    expect(resolveRegion(plain, { x: -10, y: 190, width: 50, height: 50 })).toEqual({
      x: 0,
      y: 190,
      width: 40,
      height: 10,
    });
    for (const bad of [
      { x: 400, y: 0, width: 10, height: 10 },
      { x: 0, y: 0, width: 0, height: 10 },
      { x: Number.NaN, y: 0, width: 10, height: 10 },
      'middle',
    ]) {
      expect(() => resolveRegion(plain, bad as Region), JSON.stringify(bad)).toThrow(
        expect.objectContaining({ code: 'E_INPUT_INVALID' }),
      );
    }
  });
});
