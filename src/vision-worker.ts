import { parentPort, workerData } from 'node:worker_threads';
import { isIroncliwError } from './domain/index.js';
import type { OffloadedMethod } from './vision-offload.js';
import { createVisionPort } from './vision-port.js';
import type { RgbaImage } from './vision/index.js';
import { holdOcr } from './vision/index.js';

/**
 * The vision worker thread (see vision-offload.ts): runs the calls that need OpenCV or OCR away from the
 * serving event loop, and holds their memory (OpenCV's WASM heap, tesseract workers) only as long as it lives.
 * Screens arrive once each (copied) and are kept for the next calls on them; a few at most, since a run
 * scans one screen many times and runs are few at once.
 */
const KEEP = 4;
const images = new Map<number, RgbaImage>();
const port = createVisionPort();
// OCR workers of this thread end after their own idle period; this thread's end ends them in any case.
holdOcr({ idleMs: (workerData as { ocrIdleMs?: number } | undefined)?.ocrIdleMs ?? 60_000 });

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
    case 'readText':
      return port.readText!(img, a[0]);
    case 'findText':
      return port.findText!(img, a[0]!, a[1]);
    case 'elements':
      return port.elements!(img, a[0]!, a[1]);
    default:
      return Promise.reject(new Error(`no vision call ${String(m.method)}`));
  }
};

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
