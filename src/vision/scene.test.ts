import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { SceneSpec } from './index.js';
import { colors, decodeImage, parseSceneSpec, randomScene, renderScene, SceneSpecSchema } from './index.js';

describe('scene spec', () => {
  it('fills in defaults: a 1280×800 light screen with every bar', () => {
    const s = parseSceneSpec({});
    expect(s).toMatchObject({
      width: 1280,
      height: 800,
      theme: 'light',
      titlebar: { height: 32 },
      toolbar: { height: 48 },
      sidebar: { width: 220 },
      statusbar: { height: 28 },
      elements: [],
    });
  });

  it.each([
    ['an unknown top-level key', { widht: 800 }, '(root)'],
    [
      'an unknown element key',
      { elements: [{ type: 'shape', shape: 'circle', color: 'red', x: 1, y: 1, radius: 3 }] },
      'elements.0',
    ],
    [
      'an unknown shape',
      { elements: [{ type: 'shape', shape: 'hexagon', color: 'red', x: 1, y: 1 }] },
      'elements.0.shape',
    ],
    [
      'an unknown colour',
      { elements: [{ type: 'shape', shape: 'circle', color: 'mauve', x: 1, y: 1 }] },
      'elements.0.color',
    ],
    ['a bad hex colour', { toolbar: { color: 'blue' } }, 'toolbar'],
    ['a negative coordinate', { elements: [{ type: 'text', text: 'x', x: -5, y: 1 }] }, 'elements.0.x'],
  ])('rejects %s with E_INPUT_INVALID naming the path', (_name, spec, path) => {
    expect(() => parseSceneSpec(spec)).toThrow(
      expect.objectContaining({ code: 'E_INPUT_INVALID', message: expect.stringContaining(path) }),
    );
  });

  it('rejects elements that do not fit their region or name a region the scene lacks', async () => {
    await expect(
      renderScene({
        elements: [
          { type: 'shape', shape: 'square', color: 'red', region: 'toolbar', x: 0, y: 30, size: 40 },
        ],
      }),
    ).rejects.toMatchObject({ code: 'E_INPUT_INVALID', message: expect.stringContaining('elements.0') });
    await expect(
      renderScene({
        sidebar: false,
        elements: [{ type: 'text', text: 'Inbox', region: 'sidebar', x: 0, y: 0 }],
      }),
    ).rejects.toMatchObject({ code: 'E_INPUT_INVALID' });
    await expect(renderScene({ height: 150, toolbar: { height: 100 } })).rejects.toMatchObject({
      code: 'E_INPUT_INVALID',
    });
  });

  it('accepts every random scene (fast-check over seeds)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const spec = randomScene(seed, { maxShapesPerRegion: 6 });
        expect(SceneSpecSchema.safeParse(spec).success).toBe(true);
        expect(randomScene(seed, { maxShapesPerRegion: 6 })).toEqual(spec);
        const { width, height } = parseSceneSpec(spec);
        expect(width >= 800 && width <= 1920 && height >= 600 && height <= 1080).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('renderScene', () => {
  const spec: SceneSpec = {
    width: 640,
    height: 480,
    theme: 'dark',
    titlebar: { title: 'Report — Editor' },
    statusbar: { text: 'Ready' },
    elements: [
      { type: 'shape', shape: 'circle', color: 'red', x: 20, y: 20, size: 40 },
      {
        type: 'shape',
        shape: 'rectangle',
        color: 'blue',
        region: 'sidebar',
        x: 10,
        y: 10,
        size: 20,
        width: 60,
      },
      { type: 'shape', shape: 'triangle', color: 'yellow', region: 'screen', x: 600, y: 456, size: 20 },
      { type: 'button', label: 'Save', x: 8, y: 10 },
      { type: 'text', text: 'Hello', x: 100, y: 100, size: 20 },
    ],
  };

  it('renders the requested size and records the truth in screen coordinates', async () => {
    const r = await renderScene(spec);
    const img = await decodeImage(r.png);
    expect([img.width, img.height, r.width, r.height]).toEqual([640, 480, 640, 480]);
    expect(r.regions).toEqual({
      titlebar: { x: 0, y: 0, width: 640, height: 32 },
      toolbar: { x: 0, y: 32, width: 640, height: 48 },
      statusbar: { x: 0, y: 452, width: 640, height: 28 },
      sidebar: { x: 0, y: 80, width: 220, height: 372 },
      content: { x: 220, y: 80, width: 420, height: 372 },
    });
    expect(r.truth).toEqual([
      { kind: 'text', text: 'Report — Editor', region: 'titlebar', bbox: expect.any(Object) },
      { kind: 'text', text: 'Ready', region: 'statusbar', bbox: expect.any(Object) },
      {
        kind: 'shape',
        shape: 'circle',
        color: 'red',
        region: 'content',
        bbox: { x: 240, y: 100, width: 40, height: 40 },
      },
      {
        kind: 'shape',
        shape: 'rectangle',
        color: 'blue',
        region: 'sidebar',
        bbox: { x: 10, y: 90, width: 60, height: 20 },
      },
      // Placed on the screen: its region is where its centre falls.
      {
        kind: 'shape',
        shape: 'triangle',
        color: 'yellow',
        region: 'statusbar',
        bbox: { x: 600, y: 456, width: 20, height: 20 },
      },
      {
        kind: 'button',
        text: 'Save',
        region: 'toolbar',
        bbox: expect.objectContaining({ x: 8, y: 42, height: 28 }),
      },
      { kind: 'text', text: 'Hello', region: 'content', bbox: expect.objectContaining({ x: 320, y: 180 }) },
    ]);
  });

  it('draws each element where its truth says, in its colour', async () => {
    const r = await renderScene(spec);
    const img = await decodeImage(r.png);
    for (const t of r.truth.filter((x) => x.kind === 'shape')) {
      expect(colors(img, t.bbox)[0]?.color, `${t.color} ${t.shape}`).toBe(t.color);
    }
  });

  it('measures text from the font: the truth box holds the glyphs snugly', async () => {
    const r = await renderScene({
      width: 800,
      height: 200,
      theme: 'light',
      titlebar: false,
      toolbar: false,
      sidebar: false,
      statusbar: false,
      elements: [{ type: 'text', text: 'Quarterly report 2024', x: 50, y: 50, size: 24, color: '#000000' }],
    });
    const img = await decodeImage(r.png);
    const box = r.truth[0]!.bbox;
    let x0 = Infinity;
    let x1 = -1;
    let y0 = Infinity;
    let y1 = -1;
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        if (img.data[(y * img.width + x) * 4]! < 128) {
          x0 = Math.min(x0, x);
          x1 = Math.max(x1, x);
          y0 = Math.min(y0, y);
          y1 = Math.max(y1, y);
        }
      }
    }
    // Ink lies inside the line box, and the box is no more than a few pixels wider than the ink.
    expect(x0).toBeGreaterThanOrEqual(box.x);
    expect(x1).toBeLessThan(box.x + box.width);
    expect(y0).toBeGreaterThanOrEqual(box.y);
    expect(y1).toBeLessThan(box.y + box.height);
    expect(box.width - (x1 - x0 + 1)).toBeLessThanOrEqual(6);
  });

  it('is deterministic', async () => {
    const a = await renderScene(randomScene(5));
    const b = await renderScene(randomScene(5));
    expect(a.png.equals(b.png)).toBe(true);
    expect(a.truth).toEqual(b.truth);
  });
});
