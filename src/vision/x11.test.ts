import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rect } from '../domain/index.js';
import { closeOcr, findShapes, findText } from './index.js';
import type { DomTruth } from '../../test/support/vision.js';
import { browserFixture, centreInside, CHROMIUM, iou } from '../../test/support/vision.js';
import { findExecutable, probeDisplay, X11Actuator, X11ScreenSource } from './x11.js';
import { decodeXwd } from './xwd.js';

/** An XWD dump as `xwd -root` writes it (ZPixmap, TrueColor), from RGB pixels; used to pin the decoder. */
function xwd(
  width: number,
  height: number,
  rgb: (x: number, y: number) => [number, number, number],
  o: { bpp?: 16 | 24 | 32; little?: boolean; ncolors?: number; version?: number; pad?: number } = {},
): Buffer {
  const bpp = o.bpp ?? 32;
  const little = o.little ?? true;
  const ncolors = o.ncolors ?? 0;
  const name = Buffer.from('root\0');
  const headerSize = 100 + name.length;
  const bytesPerLine = (width * bpp) / 8 + (o.pad ?? 0);
  const masks = bpp === 16 ? [0xf800, 0x07e0, 0x001f] : [0xff0000, 0x00ff00, 0x0000ff];
  const header = Buffer.alloc(100);
  const fields = [
    headerSize,
    o.version ?? 7,
    2,
    bpp === 16 ? 16 : 24,
    width,
    height,
    0,
    little ? 0 : 1,
    32,
    little ? 0 : 1,
    32,
    bpp,
    bytesPerLine,
    4,
    ...masks,
    8,
    256,
    ncolors,
    width,
    height,
    0,
    0,
    0,
  ];
  fields.forEach((v, i) => header.writeUInt32BE(v, i * 4));
  const pixels = Buffer.alloc(bytesPerLine * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = rgb(x, y);
      const p = bpp === 16 ? ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3) : (r << 16) | (g << 8) | b;
      const at = y * bytesPerLine + (x * bpp) / 8;
      const bytes = bpp / 8;
      for (let k = 0; k < bytes; k++) {
        const shift = little ? 8 * k : 8 * (bytes - 1 - k);
        pixels[at + k] = (p >>> shift) & 255;
      }
    }
  }
  return Buffer.concat([header, name, Buffer.alloc(ncolors * 12), pixels]);
}

const pattern = (x: number, y: number): [number, number, number] => [
  (x * 37) & 255,
  (y * 53) & 255,
  (x + y) & 255,
];
const pixel = (img: { width: number; data: Uint8Array }, x: number, y: number) => {
  const i = (y * img.width + x) * 4;
  return [...img.data.subarray(i, i + 4)];
};

describe('decodeXwd (X11 screen dumps)', () => {
  it.each([
    { bpp: 32, little: true },
    { bpp: 32, little: false },
    { bpp: 24, little: true },
    { bpp: 24, little: false, pad: 2 },
  ] as const)('decodes %o pixels exactly, past the colour map', (o) => {
    const img = decodeXwd(xwd(23, 7, pattern, { ...o, ncolors: 256 }));
    expect([img.width, img.height]).toEqual([23, 7]);
    for (const [x, y] of [
      [0, 0],
      [22, 0],
      [5, 3],
      [22, 6],
    ] as const) {
      expect(pixel(img, x, y)).toEqual([...pattern(x, y), 255]);
    }
  });

  it('scales 16-bit (5-6-5) screens to 0..255', () => {
    const img = decodeXwd(xwd(4, 2, () => [255, 128, 0], { bpp: 16 }));
    expect(pixel(img, 3, 1)).toEqual([255, 130, 0, 255]);
  });

  it('refuses truncated, foreign and oversized dumps with a code, before reading pixels', () => {
    const good = xwd(40, 30, pattern);
    const code = (bytes: Uint8Array, max?: number) => {
      try {
        decodeXwd(bytes, max);
        return 'decoded';
      } catch (err) {
        return (err as { code: string }).code;
      }
    };
    expect(code(good.subarray(0, good.length - 1))).toBe('E_IMAGE_INVALID');
    expect(code(good.subarray(0, 60))).toBe('E_IMAGE_INVALID');
    expect(code(new Uint8Array(0))).toBe('E_IMAGE_INVALID');
    expect(code(Buffer.from('P6\n40 30\n255\n'.padEnd(200, 'x')))).toBe('E_IMAGE_INVALID');
    expect(code(xwd(40, 30, pattern, { version: 6 }))).toBe('E_IMAGE_INVALID');
    expect(code(xwd(0, 30, pattern))).toBe('E_IMAGE_INVALID');
    expect(code(good, 40 * 30 - 1)).toBe('E_IMAGE_TOO_LARGE');
    // A header claiming 20000×20000 is refused from its first 100 bytes.
    const bomb = Buffer.from(good.subarray(0, 105));
    bomb.writeUInt32BE(20_000, 16);
    bomb.writeUInt32BE(20_000, 20);
    bomb.writeUInt32BE(80_000, 48);
    expect(code(bomb)).toBe('E_IMAGE_TOO_LARGE');
  });
});

describe('X11 without a display', () => {
  it('reports the screen source and the actuator unavailable, and capture/actions fail with a code', async () => {
    for (const display of ['', ':64999', 'not a display']) {
      const source = new X11ScreenSource({ display });
      const status = await source.probe();
      expect(status.available, display).toBe(false);
      await expect(source.capture()).rejects.toMatchObject({ code: 'E_SCREEN_UNAVAILABLE' });
      const actuator = new X11Actuator({ display });
      expect((await actuator.probe()).available).toBe(false);
      await expect(actuator.click(10, 10)).rejects.toMatchObject({ code: 'E_ACTUATOR_UNAVAILABLE' });
    }
    expect(await probeDisplay('')).toEqual({ available: false, reason: 'no X display: DISPLAY is not set' });
  });

  it('builds xdotool command lines: a hover only moves, a right click is button 3 (issue 17)', () => {
    const a = new X11Actuator({ display: ':64999' });
    expect(a.commandLine({ type: 'hover', x: 10.4, y: 20 })).toEqual(['mousemove', '--sync', '10', '20']);
    expect(a.commandLine({ type: 'click', x: 10, y: 20 })).toEqual([
      'mousemove',
      '--sync',
      '10',
      '20',
      'click',
      '1',
    ]);
    expect(a.commandLine({ type: 'click', x: 10, y: 20, button: 'right' })).toEqual([
      'mousemove',
      '--sync',
      '10',
      '20',
      'click',
      '3',
    ]);
    expect(a.commandLine({ type: 'drag', x: 10, y: 20, to: { x: 50, y: 60 } })).toEqual([
      'mousemove',
      '--sync',
      '10',
      '20',
      'mousedown',
      '1',
      'mousemove',
      '--sync',
      '50',
      '60',
      'mouseup',
      '1',
    ]);
    expect(a.commandLine({ type: 'press', keys: 'ctrl+s' })).toEqual(['key', '--', 'ctrl+s']);
  });

  it('rejects malformed actions as E_INPUT_INVALID before touching any display', async () => {
    const a = new X11Actuator({ display: ':64999', maxTextLength: 5 });
    for (const bad of [
      { type: 'click', x: -1, y: 4 },
      { type: 'click', x: 4 },
      { type: 'click', x: Number.NaN, y: 1 },
      { type: 'click', x: 4, y: 4, button: 'middle' },
      { type: 'hover', x: 4 },
      { type: 'hover', x: -3, y: 4 },
      { type: 'drag', x: 4, y: 4 },
      { type: 'drag', x: 4, y: 4, to: { x: 4, y: 4 } },
      { type: 'drag', x: 4, y: 4, to: { x: 40000, y: 4 } },
      { type: 'type', text: '' },
      { type: 'type', text: 'too long' },
      { type: 'press', keys: 'ctrl+s; rm -rf /' },
      { type: 'press', keys: '--window 1' },
      { type: 'scroll' },
    ]) {
      await expect(a.perform(bad as never), JSON.stringify(bad)).rejects.toMatchObject({
        code: 'E_INPUT_INVALID',
      });
    }
  });
});

const tools = {
  xvfb: await findExecutable('Xvfb'),
  xwd: await findExecutable('xwd'),
  xdotool: await findExecutable('xdotool'),
  chromium: existsSync(CHROMIUM),
};

/** Starts Xvfb on a free display number (-displayfd) and resolves with ":N". */
function startXvfb(size: string): Promise<{ display: string; proc: ChildProcess }> {
  const proc = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', size, '-nolisten', 'tcp', '-br'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('Xvfb did not start in 10 s')), 10_000);
    proc.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
    proc.stdio[3]!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve({ display: `:${out.trim()}`, proc });
      }
    });
  });
}

describe.skipIf(!tools.xvfb || !tools.xwd)('X11 screen source under Xvfb', () => {
  let xvfb: { display: string; proc: ChildProcess };
  beforeAll(async () => {
    xvfb = await startXvfb('1280x1024x24');
  });
  afterAll(async () => {
    xvfb?.proc.kill();
    await closeOcr();
  });

  it('captures the whole virtual screen and applies the pixel limit', async () => {
    const source = new X11ScreenSource({ display: xvfb.display });
    expect(await source.probe()).toMatchObject({ available: true });
    expect(source.name).toBe(`x11:${xvfb.display}`);
    const img = await source.capture();
    expect([img.width, img.height]).toEqual([1280, 1024]);
    // -br: an empty Xvfb root window is black.
    expect(pixel(img, 640, 512)).toEqual([0, 0, 0, 255]);
    await expect(
      new X11ScreenSource({ display: xvfb.display, maxPixels: 1_000_000 }).capture(),
    ).rejects.toMatchObject({ code: 'E_IMAGE_TOO_LARGE', details: { width: 1280, height: 1024 } });
  });

  describe.skipIf(!tools.chromium)('with a Chromium window on the display', () => {
    let browser: Browser;
    beforeAll(async () => {
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: false,
        args: ['--no-sandbox', '--disable-gpu', '--window-position=0,0', '--window-size=1280,1024'],
        env: { ...process.env, DISPLAY: xvfb.display },
      });
    });
    afterAll(() => browser?.close());

    /** Opens a fixture; returns where its viewport's top-left corner is on the X screen. */
    async function open(name: string) {
      const page = await (await browser.newContext({ viewport: null })).newPage();
      await page.goto(browserFixture(name));
      // No window manager: no frame, the browser's own tab strip and address bar sit above the viewport.
      const m = (await page.evaluate(
        '({ x: screenX + outerWidth - innerWidth, y: screenY + outerHeight - innerHeight })',
      )) as { x: number; y: number };
      return { page, origin: m };
    }
    const shift = (r: Rect, o: { x: number; y: number }): Rect => ({ ...r, x: r.x + o.x, y: r.y + o.y });
    /** How long a page may take to see a pointer action: a ceiling against a hang, not a speed check. */
    const POINTER_WAIT = { timeout: 10_000, interval: 100 };

    /**
     * The screen once the page is on it. A loaded page is not yet a painted window: Chromium composites in
     * software and pushes frames to the X server on its own schedule (on a busy machine, a capture straight
     * after load saw the empty root). Captures until two in a row agree on the viewport and it is not one
     * flat colour; whatever is asserted is then asserted on that one capture.
     */
    async function paintedCapture(display: string, viewport: Rect) {
      const source = new X11ScreenSource({ display });
      const rows = (img: { width: number; data: Uint8Array }) => {
        const out: Uint8Array[] = [];
        for (let y = viewport.y; y < viewport.y + viewport.height; y++) {
          const at = (y * img.width + viewport.x) * 4;
          out.push(img.data.subarray(at, at + viewport.width * 4));
        }
        return Buffer.concat(out);
      };
      const deadline = Date.now() + 15_000;
      let previous: Buffer | null = null;
      for (;;) {
        const img = await source.capture();
        const now = rows(img);
        const flat = now.every((b, i) => b === now[i % 4]);
        if (!flat && previous?.equals(now)) return img;
        if (Date.now() > deadline) throw new Error('the page never settled on the X screen within 15 s');
        previous = now;
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    it('sees the shapes and labels of a real window where the DOM says they are', async () => {
      const { page, origin } = await open('editor-light.html');
      const truth = (await page.evaluate('groundTruth()')) as DomTruth;
      const viewport = { x: origin.x, y: origin.y, width: truth.width, height: truth.height };
      const img = await paintedCapture(xvfb.display, viewport);
      const found = await findShapes(img, { within: viewport });
      expect(found).toHaveLength(truth.shapes.length);
      for (const t of truth.shapes) {
        const box = shift(t.bbox, origin);
        expect(
          found.some((f) => f.color === t.color && f.shape === t.shape && iou(f.bbox, box) > 0.7),
          `${t.color} ${t.shape} at ${JSON.stringify(box)}`,
        ).toBe(true);
      }
      const label = truth.texts.find((t) => t.text === 'Send reminder')!;
      const hits = await findText(img, 'Send reminder', viewport);
      expect(hits.some((h) => centreInside(h.bbox, shift(label.bbox, origin)))).toBe(true);
      await page.context().close();
    });

    it.skipIf(!tools.xdotool)('clicks, types and presses keys into the window through xdotool', async () => {
      const { page, origin } = await open('form.html');
      const box = (sel: string) =>
        page.evaluate(`(() => { const r = document.querySelector('${sel}').getBoundingClientRect();
          return { x: r.x, y: r.y, width: r.width, height: r.height }; })()`) as Promise<Rect>;
      const input = shift(await box('#name'), origin);
      const send = shift(await box('#send'), origin);
      const actuator = new X11Actuator({ display: xvfb.display });
      expect(await actuator.probe()).toMatchObject({ available: true });
      const centre = (r: Rect) => [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)] as const;
      expect(await actuator.click(...centre(input))).toEqual({
        type: 'click',
        x: centre(input)[0],
        y: centre(input)[1],
      });
      await actuator.type('Hello, X11 -- ok');
      await actuator.press('Return');
      await actuator.press('ctrl+a');
      await actuator.click(...centre(send));
      await expect.poll(() => page.evaluate('window.events.length')).toBe(5);
      expect(await page.evaluate("document.querySelector('#name').value")).toBe('Hello, X11 -- ok');
      const events = (await page.evaluate('window.events')) as Array<Record<string, unknown>>;
      const viewportCentre = (r: Rect) => [centre(r)[0] - origin.x, centre(r)[1] - origin.y];
      expect(events).toEqual([
        { type: 'click', target: 'name', x: viewportCentre(input)[0], y: viewportCentre(input)[1] },
        { type: 'key', key: 'Enter', ctrl: false },
        { type: 'key', key: 'Control', ctrl: true },
        { type: 'key', key: 'a', ctrl: true },
        { type: 'click', target: 'send', x: viewportCentre(send)[0], y: viewportCentre(send)[1] },
      ]);
      await page.context().close();
    });

    it.skipIf(!tools.xdotool)(
      'hovers, right-clicks and drags in the window through xdotool (issue 17)',
      async () => {
        const { page, origin } = await open('form.html');
        // The page's own handlers are the proof: mouseover fires only when the pointer arrives, contextmenu only
        // for the right button (a left click would record "click" instead).
        await page.evaluate(`(() => {
        document.addEventListener('mouseover', (e) => { if (e.target.id) window.events.push({ type: 'over', target: e.target.id, buttons: e.buttons }); });
        document.addEventListener('contextmenu', (e) => { e.preventDefault(); window.events.push({ type: 'contextmenu', target: e.target.id, button: e.button }); });
      })()`);
        const box =
          (await page.evaluate(`(() => { const r = document.querySelector('#send').getBoundingClientRect();
          return { x: r.x, y: r.y, width: r.width, height: r.height }; })()`)) as Rect;
        const send = shift(box, origin);
        const [x, y] = [Math.round(send.x + send.width / 2), Math.round(send.y + send.height / 2)];
        // A pointer event reaches only a window the X server shows: wait until the page is painted.
        await paintedCapture(xvfb.display, { x: origin.x, y: origin.y, width: 400, height: 200 });
        const actuator = new X11Actuator({ display: xvfb.display });
        // The pointer may still rest where an earlier test left it: park it on the bare page (no id) first.
        await actuator.hover(origin.x + 5, origin.y + 5);
        expect(await actuator.hover(x, y)).toEqual({ type: 'hover', x, y });
        // A generous ceiling: Chromium under Xvfb delivers pointer events on its own frame schedule, and a clean-clone
        // CI run beside its own suite saw no mouseover within the default 1 s.
        await expect.poll(() => page.evaluate('window.events.length'), POINTER_WAIT).toBe(1);
        // Twice on the point the hover left the pointer at: `mousemove --sync` there used to wait out the timeout.
        expect(await actuator.click(x, y, 'right')).toEqual({ type: 'click', x, y, button: 'right' });
        await actuator.click(x, y, 'right');
        await expect.poll(() => page.evaluate('window.events.length'), POINTER_WAIT).toBe(3);
        expect(await page.evaluate('window.events')).toEqual([
          { type: 'over', target: 'send', buttons: 0 },
          { type: 'contextmenu', target: 'send', button: 2 },
          { type: 'contextmenu', target: 'send', button: 2 },
        ]);
        // A drag from the button to the field: button 1 goes down on one and comes up on the other.
        await page.evaluate(`(() => {
        window.events = [];
        document.addEventListener('mousedown', (e) => window.events.push({ type: 'down', target: e.target.id, button: e.button }));
        document.addEventListener('mouseup', (e) => window.events.push({ type: 'up', target: e.target.id, button: e.button }));
      })()`);
        const name = shift(
          (await page.evaluate(`(() => { const r = document.querySelector('#name').getBoundingClientRect();
          return { x: r.x, y: r.y, width: r.width, height: r.height }; })()`)) as Rect,
          origin,
        );
        const to = { x: Math.round(name.x + name.width / 2), y: Math.round(name.y + name.height / 2) };
        expect(await actuator.drag(x, y, to.x, to.y)).toEqual({ type: 'drag', x, y, to });
        await expect
          .poll(
            () => page.evaluate('window.events.filter((e) => e.type === "down" || e.type === "up").length'),
            POINTER_WAIT,
          )
          .toBe(2);
        expect(
          await page.evaluate('window.events.filter((e) => e.type === "down" || e.type === "up")'),
        ).toEqual([
          { type: 'down', target: 'send', button: 0 },
          { type: 'up', target: 'name', button: 0 },
        ]);
        await page.context().close();
      },
    );
  });
});
