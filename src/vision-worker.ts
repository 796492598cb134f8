import { parentPort } from 'node:worker_threads';
import { isIroncliwError } from './domain/index.js';
import type { OffloadedMethod } from './vision-offload.js';
import { createVisionPort } from './vision-port.js';
import type { RgbaImage } from './vision/index.js';

/**
 * The vision worker thread (see vision-offload.ts): runs the calls that need OpenCV (and no OCR) away from the
 * serving event loop, and holds OpenCV's WASM heap only as long as it lives.
 * Screens arrive once each (shared memory, read only here) and are kept for the next calls on them; a few at most, since a run
 * scans one screen many times and runs are few at once.
 */
const KEEP = 4;
const images = new Map<number, RgbaImage>();
const port = createVisionPort();

interface Ask {
  id: number;
  key: number;
  method: OffloadedMethod;
  args: unknown[];
  image?: RgbaImage;
}

const run = (img: RgbaImage, m: Ask): Promise<unknown> => {
  const a = m.args as never[];
  switch (m.method) {
    case 'findShapes':
      return port.findShapes(img, a[0]!);
    case 'describe':
      return port.describe(img, a[0]);
    case 'prescan':
      // The scan findShapes caches for this screen (default minArea, coloured shapes); nothing is sent back.
      return port.findShapes(img, {}).then(() => null);
    default:
      return Promise.reject(new Error(`no vision call ${String(m.method)}`));
  }
};

parentPort?.on('message', (m: Ask | { close: true }) => {
  if ('close' in m) {
    process.exit(0);
    return;
  }
  if (m.image) {
    images.delete(m.key);
    images.set(m.key, m.image);
    while (images.size > KEEP) images.delete(images.keys().next().value!);
  }
  const img = images.get(m.key);
  if (!img) {
    parentPort!.postMessage({ id: m.id, missing: true });
    return;
  }
  run(img, m).then(
    (value) => parentPort!.postMessage({ id: m.id, value }),
    (err: unknown) =>
      parentPort!.postMessage({
        id: m.id,
        error: {
          code: isIroncliwError(err) ? err.code : undefined,
          message: err instanceof Error ? err.message : String(err),
        },
      }),
  );
});
