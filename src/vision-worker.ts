import { parentPort } from 'node:worker_threads';
import { isIroncliwError } from './domain/index.js';
import type { FindShapesOptions, RgbaImage } from './vision/index.js';
import { findShapes } from './vision/index.js';

/**
 * The vision worker thread (see vision-offload.ts): runs screen scans away from the serving event loop.
 * Screens arrive once each (shared memory, read only here) and are kept for the next calls on them; a few at most, since a run
 * scans one screen many times and runs are few at once.
 */
const KEEP = 4;
const images = new Map<number, RgbaImage>();

interface Ask {
  id: number;
  key: number;
  image?: RgbaImage;
  opts: FindShapesOptions;
}

parentPort?.on('message', (m: Ask) => {
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
  findShapes(img, m.opts).then(
    (items) => parentPort!.postMessage({ id: m.id, items }),
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
