import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { VisionPort } from './capabilities/index.js';
import type { ScreenLoader } from './runtime/index.js';
import type { TestScenePort } from './verification/index.js';
import type { SceneSpec } from './vision/index.js';
import * as vision from './vision/index.js';

/** Adapts vision/ to the small interfaces the SDK host, runtime and verification depend on. */
export function createVisionPort(): VisionPort {
  return {
    resolveRegion: (img, region) => vision.resolveRegion(img, region),
    findShapes: (img, opts) => vision.findShapes(img, opts as vision.FindShapesOptions),
    colors: (img, rect) => vision.colors(img, rect),
    describe: (img, rect) => vision.describe(img, rect),
    readText: (img, rect) => vision.readText(img, rect),
    findText: (img, query, rect) => vision.findText(img, query, rect),
    prepare: async (needs) => {
      if (needs.ocr) await vision.warmOcr();
    },
    elements: async (img, query, rect) => {
      const all = await vision.detectElements(img, query);
      if (!rect) return all;
      // Elements of a region: those whose centre lies inside it (one element is never in two regions).
      return all.filter((e) => {
        const cx = e.bbox.x + e.bbox.width / 2;
        const cy = e.bbox.y + e.bbox.height / 2;
        return cx >= rect.x && cx < rect.x + rect.width && cy >= rect.y && cy < rect.y + rect.height;
      });
    },
  };
}

/** Header bytes read to size a screen file before admitting its decode (PNG and WebP need < 64). */
const PROBE_BYTES = 64 * 1024;

export function screenLoader(maxPixels: number): ScreenLoader {
  const size = async (bytes: Uint8Array) => {
    const png = vision.pngSize(bytes);
    if (png) return png;
    try {
      const m = await (await vision.loadSharp())(bytes, { limitInputPixels: false }).metadata();
      return m.width && m.height ? { width: m.width, height: m.height } : undefined;
    } catch {
      return undefined; // not an image: decoding refuses it before allocating pixels
    }
  };
  return {
    decode: (bytes) => vision.decodeImage(bytes, { maxPixels }),
    load: (path) => vision.loadImageFile(path, { maxPixels }),
    probe: async (screen) => {
      if ('bytes' in screen) return size(screen.bytes);
      // A file is sized from its first bytes, read without following it anywhere a decode would not go.
      let handle;
      try {
        handle = await open(screen.path, constants.O_RDONLY | constants.O_NONBLOCK);
        if (!(await handle.stat()).isFile()) return undefined;
        const buf = Buffer.alloc(PROBE_BYTES);
        const { bytesRead } = await handle.read(buf, 0, PROBE_BYTES, 0);
        return await size(buf.subarray(0, bytesRead));
      } catch {
        return undefined;
      } finally {
        await handle?.close();
      }
    },
  };
}

/** Ground-truth screens for capability tests, rendered with the synthetic scene renderer. */
export function createTestScenes(): TestScenePort {
  const render = async (spec: SceneSpec) => vision.decodeImage((await vision.renderScene(spec)).png);
  return {
    countScene: (req) => render(vision.countScene(req)),
    emptyScene: (seed) => render(vision.emptyScene(seed)),
    // Any scene with its ground truth: test cases for every family are checked against what was drawn.
    render: async (spec) => {
      const r = await vision.renderScene(vision.parseSceneSpec(spec) as SceneSpec);
      return { image: await vision.decodeImage(r.png), truth: r.truth };
    },
  };
}

export async function renderSceneFile(spec: unknown): Promise<{ png: Buffer; truth: unknown[] }> {
  const parsed = vision.parseSceneSpec(spec);
  const r = await vision.renderScene(parsed as SceneSpec);
  return { png: r.png, truth: r.truth };
}
