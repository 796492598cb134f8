import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ColorName, Shape } from '../domain/index.js';
import type { SceneElementSpec, SceneSpec } from './index.js';
import { decodeImage, findShapes, randomScene, renderScene, resolveRegion } from './index.js';
import { iou } from '../../test/support/vision.js';

const screen = async (spec: SceneSpec) => {
  const r = await renderScene(spec);
  return { ...r, img: await decodeImage(r.png) };
};
const key = (x: { color?: string; shape?: string }) => `${x.color} ${x.shape}`;

describe('findShapes', () => {
  it('finds every shape in every colour with its bounding box, on light and dark screens', async () => {
    const colors: ColorName[] = [
      'red',
      'orange',
      'yellow',
      'green',
      'cyan',
      'blue',
      'purple',
      'pink',
      'brown',
    ];
    const shapes: Shape[] = ['circle', 'square', 'rectangle', 'triangle'];
    for (const theme of ['light', 'dark'] as const) {
      const elements: SceneElementSpec[] = [];
      colors.forEach((color, i) =>
        shapes.forEach((shape, j) =>
          elements.push({
            type: 'shape',
            shape,
            color,
            x: 20 + i * 90,
            y: 20 + j * 90,
            size: 20 + ((i + j) % 4) * 12,
          }),
        ),
      );
      const { img, truth } = await screen({ width: 1280, height: 600, theme, elements });
      const items = await findShapes(img);
      expect(items.map(key).sort(), theme).toEqual(
        truth
          .filter((t) => t.kind === 'shape')
          .map(key)
          .sort(),
      );
      for (const t of truth.filter((x) => x.kind === 'shape')) {
        const best = Math.max(...items.map((i) => iou(i.bbox, t.bbox)));
        expect(best, `${theme} ${key(t)}`).toBeGreaterThan(0.85);
      }
    }
  });

  it('finds shapes on a coloured bar and does not report the bar itself', async () => {
    const { img } = await screen({
      toolbar: { height: 48, color: '#1565c0' },
      sidebar: false,
      elements: [
        { type: 'shape', shape: 'circle', color: 'yellow', region: 'toolbar', x: 20, y: 8, size: 30 },
        { type: 'shape', shape: 'square', color: 'red', region: 'toolbar', x: 80, y: 10, size: 28 },
        { type: 'shape', shape: 'triangle', color: 'green', region: 'toolbar', x: 140, y: 8, size: 30 },
      ],
    });
    expect((await findShapes(img)).map(key)).toEqual(['yellow circle', 'red square', 'green triangle']);
  });

  it('separates touching shapes of different colours', async () => {
    const { img } = await screen({
      elements: [
        { type: 'shape', shape: 'square', color: 'red', x: 40, y: 40, size: 50 },
        { type: 'shape', shape: 'square', color: 'blue', x: 90, y: 40, size: 50 },
        { type: 'shape', shape: 'circle', color: 'green', x: 140, y: 40, size: 50 },
      ],
    });
    expect((await findShapes(img)).map(key)).toEqual(['red square', 'blue square', 'green circle']);
  });

  it('ignores text, coloured text and buttons', async () => {
    const { img } = await screen({
      elements: [
        { type: 'text', text: 'Hello World — lIl1 O o 0 B D Q', x: 20, y: 20, size: 30, color: '#e53935' },
        { type: 'text', text: 'Plain dark text in a longer line', x: 20, y: 80, size: 18 },
        { type: 'text', text: 'Blue link text', x: 20, y: 120, size: 16, color: '#1e88e5' },
        { type: 'button', label: 'Save', region: 'toolbar', x: 10, y: 10 },
      ],
    });
    expect(await findShapes(img)).toEqual([]);
  });

  it('finds white, grey and black shapes only when asked for by colour', async () => {
    const { img } = await screen({
      elements: [
        { type: 'shape', shape: 'square', color: 'black', x: 40, y: 40, size: 40 },
        { type: 'shape', shape: 'circle', color: 'grey', x: 120, y: 40, size: 40 },
        { type: 'shape', shape: 'triangle', color: 'red', x: 200, y: 40, size: 40 },
      ],
    });
    expect((await findShapes(img)).map(key)).toEqual(['red triangle']);
    expect((await findShapes(img, { color: 'black' })).map(key)).toEqual(['black square']);
    expect((await findShapes(img, { color: 'grey' })).map(key)).toEqual(['grey circle']);
  });

  it('filters by shape, colour, minimum area and region (by centre)', async () => {
    const { img } = await screen({
      width: 900,
      height: 600,
      elements: [
        { type: 'shape', shape: 'circle', color: 'red', region: 'toolbar', x: 300, y: 10, size: 28 },
        { type: 'shape', shape: 'circle', color: 'red', x: 40, y: 40, size: 16 },
        { type: 'shape', shape: 'circle', color: 'red', x: 100, y: 40, size: 60 },
        { type: 'shape', shape: 'square', color: 'red', x: 200, y: 40, size: 60 },
        { type: 'shape', shape: 'circle', color: 'blue', x: 300, y: 40, size: 60 },
        // Straddles the left/center thirds (x = 300): its centre is in the left third.
        {
          type: 'shape',
          shape: 'rectangle',
          color: 'green',
          region: 'screen',
          x: 270,
          y: 300,
          size: 30,
          width: 50,
        },
      ],
    });
    expect(await findShapes(img, { color: 'red', shape: 'circle' })).toHaveLength(3);
    expect(await findShapes(img, { color: 'red', shape: 'circle', minArea: 400 })).toHaveLength(2);
    expect(await findShapes(img, { shape: 'circle', within: resolveRegion(img, 'toolbar') })).toHaveLength(1);
    expect(await findShapes(img, { shape: 'circle', within: resolveRegion(img, 'content') })).toHaveLength(3);
    expect(await findShapes(img, { shape: 'rectangle', within: resolveRegion(img, 'left') })).toHaveLength(1);
    expect(await findShapes(img, { shape: 'rectangle', within: resolveRegion(img, 'center') })).toHaveLength(
      0,
    );
  });

  it('survives JPEG compression', async () => {
    // 4:2:0 chroma subsampling smears colour over 2×2 blocks and breaks shapes under ~20 px; screenshots
    // saved as JPEG by screen tools keep full chroma.
    const r = await renderScene(randomScene(7));
    const img = await decodeImage(
      await sharp(r.png).jpeg({ quality: 85, chromaSubsampling: '4:4:4' }).toBuffer(),
    );
    const want = r.truth
      .filter((t) => t.kind === 'shape')
      .map(key)
      .sort();
    expect((await findShapes(img)).map(key).sort()).toEqual(want);
  });

  it('is safe to call concurrently', async () => {
    const imgs = await Promise.all(
      [11, 12, 13, 14].map(async (seed) => decodeImage((await renderScene(randomScene(seed))).png)),
    );
    const sequential = [];
    for (const img of imgs) sequential.push(await findShapes({ ...img }));
    const parallel = await Promise.all([...imgs, ...imgs].map((img) => findShapes({ ...img })));
    expect(parallel).toEqual([...sequential, ...sequential]);
  });

  it('rejects a malformed image as E_IMAGE_INVALID', async () => {
    const bad = { width: 10, height: 10, data: new Uint8Array(12) };
    await expect(findShapes(bad)).rejects.toMatchObject({ code: 'E_IMAGE_INVALID' });
  });

  it('rejects unknown options as E_INPUT_INVALID', async () => {
    const { img } = await screen({ width: 300, height: 200, sidebar: false });
    for (const bad of [{ shape: 'hexagon' }, { color: 'mauve' }, { minArea: -1 }, { within: { x: 0 } }]) {
      await expect(findShapes(img, bad as never), JSON.stringify(bad)).rejects.toMatchObject({
        code: 'E_INPUT_INVALID',
      });
    }
  });
});
