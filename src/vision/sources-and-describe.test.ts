import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe as suite, expect, it } from 'vitest';
import {
  decodeImage,
  describe,
  FileScreenSource,
  RecordingActuator,
  renderScene,
  SceneScreenSource,
  StaticScreenSource,
} from './index.js';

const dir = await mkdtemp(join(tmpdir(), 'ironcliw-vision-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

suite('describe', () => {
  it('summarises layout, shapes and colours', async () => {
    const r = await renderScene({
      width: 800,
      height: 600,
      elements: [
        { type: 'shape', shape: 'circle', color: 'green', region: 'toolbar', x: 20, y: 8, size: 30 },
        { type: 'shape', shape: 'circle', color: 'green', x: 20, y: 20, size: 40 },
        { type: 'shape', shape: 'square', color: 'red', x: 120, y: 20, size: 40 },
      ],
    });
    const d = await describe(await decodeImage(r.png));
    expect(d.shapes).toEqual([
      { color: 'green', shape: 'circle', count: 2 },
      { color: 'red', shape: 'square', count: 1 },
    ]);
    expect(d.summary).toBe(
      'A 800×600 screen with titlebar, toolbar, sidebar, statusbar: 2 green circles, 1 red square; mostly white and grey.',
    );
    expect(d.regions.every((x) => x.detected)).toBe(true);
    expect(d.dominantColors[0]).toMatchObject({ color: 'white' });
  });

  it('describes a rectangle of the screen', async () => {
    const r = await renderScene({
      width: 800,
      height: 600,
      elements: [
        { type: 'shape', shape: 'triangle', color: 'blue', region: 'toolbar', x: 20, y: 8, size: 30 },
      ],
    });
    const img = await decodeImage(r.png);
    const d = await describe(img, r.regions.toolbar);
    expect(d.summary).toBe('This 800×48 area: 1 blue triangle; mostly white and blue.');
    expect(d.regions).toEqual([]);
  });
});

suite('screen sources', () => {
  it('reads a file on each capture, renders a scene once, and serves a static image', async () => {
    const png = (await renderScene({ width: 320, height: 240 })).png;
    const path = join(dir, 'screen.png');
    await writeFile(path, png);
    const file = new FileScreenSource(path);
    expect(file.name).toBe(`file:${path}`);
    expect((await file.capture()).width).toBe(320);
    await writeFile(path, (await renderScene({ width: 400, height: 300 })).png);
    expect((await file.capture()).width).toBe(400);
    await expect(new FileScreenSource(join(dir, 'nope.png')).capture()).rejects.toMatchObject({
      code: 'E_SCREEN_UNREADABLE',
    });

    const scene = new SceneScreenSource({ width: 500, height: 300 });
    const first = await scene.capture();
    expect(first.width).toBe(500);
    expect(await scene.capture()).toBe(first);

    const img = await decodeImage(png);
    expect(await new StaticScreenSource(img).capture()).toBe(img);
  });
});

suite('RecordingActuator', () => {
  it('records clicks, typing and key presses in order', async () => {
    const a = new RecordingActuator();
    await a.click(10, 20);
    await a.type('hello');
    await a.press('ctrl+s');
    await a.perform({ type: 'click', x: 1, y: 2 });
    expect(a.performed).toEqual([
      { type: 'click', x: 10, y: 20 },
      { type: 'type', text: 'hello' },
      { type: 'press', keys: 'ctrl+s' },
      { type: 'click', x: 1, y: 2 },
    ]);
    a.clear();
    expect(a.performed).toEqual([]);
  });
});
