import type { Rect } from '../../src/domain/index.js';

/** Intersection over union of two rectangles (0 when either is empty). */
export function iou(a: Rect, b: Rect): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  const i = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const u = a.width * a.height + b.width * b.height - i;
  return u > 0 ? i / u : 0;
}

/** A PNG whose header claims `width`×`height` but whose pixel data is tiny: a decompression bomb's header. */
export async function pngHeaderOnly(width: number, height: number): Promise<Buffer> {
  const { crc32, deflateSync } = await import('node:zlib');
  const chunk = (type: string, body: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type), body])));
    return Buffer.concat([len, Buffer.from(type), body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(width * 4))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A solid-colour image, optionally with filled rectangles painted on it. */
export function solidImage(
  width: number,
  height: number,
  rgb: [number, number, number],
  paint: Array<{ rect: Rect; rgb: [number, number, number] }> = [],
): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(width * height * 4);
  const fill = (r: Rect, [cr, cg, cb]: [number, number, number]) => {
    for (let y = r.y; y < r.y + r.height; y++) {
      for (let x = r.x; x < r.x + r.width; x++) {
        const i = (y * width + x) * 4;
        data[i] = cr;
        data[i + 1] = cg;
        data[i + 2] = cb;
        data[i + 3] = 255;
      }
    }
  };
  fill({ x: 0, y: 0, width, height }, rgb);
  for (const p of paint) fill(p.rect, p.rgb);
  return { width, height, data };
}

/** Debian's Chromium, driven by playwright-core in the browser and X11 tests (skipped when it is missing). */
export const CHROMIUM = '/usr/bin/chromium';

/** The HTML mock-ups in test/fixtures/browser/. */
export const browserFixture = (name: string): string =>
  new URL(`../fixtures/browser/${name}`, import.meta.url).href;

/** What test/fixtures/browser/truth.js reads from the DOM: boxes in CSS pixels, declared colour/shape/text. */
export interface DomTruth {
  width: number;
  height: number;
  regions: Partial<Record<'titlebar' | 'toolbar' | 'sidebar' | 'content' | 'statusbar', Rect>>;
  shapes: Array<{ shape: string; color: string; region: string; bbox: Rect }>;
  texts: Array<{ kind: 'button' | 'text'; text: string; region: string; bbox: Rect }>;
}

/** The layout region whose rectangle holds the centre of `b`, or "none". */
export function regionOf(regions: Partial<Record<string, Rect>>, b: Rect): string {
  const cx = b.x + b.width / 2;
  const cy = b.y + b.height / 2;
  for (const [name, r] of Object.entries(regions)) {
    if (r && cx >= r.x && cx < r.x + r.width && cy >= r.y && cy < r.y + r.height) return name;
  }
  return 'none';
}

/** Whether the centre of `inner` lies inside `outer`. */
export function centreInside(inner: Rect, outer: Rect): boolean {
  const cx = inner.x + inner.width / 2;
  const cy = inner.y + inner.height / 2;
  return cx >= outer.x && cx <= outer.x + outer.width && cy >= outer.y && cy <= outer.y + outer.height;
}
