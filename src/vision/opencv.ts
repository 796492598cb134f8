import { createRequire } from 'node:module';

/**
 * OpenCV.js (WASM) behind the few calls vision/ makes, so the binding can be swapped (e.g. for a native one).
 * Mats live in the WASM heap: every Mat/MatVector must be deleted by whoever created it.
 */
export interface CvMat {
  rows: number;
  cols: number;
  data: Uint8Array;
  /** The same bytes as 32-bit signed integers (CV_32S mats, e.g. connected-component stats). */
  data32S: Int32Array;
  delete(): void;
}

interface CvMatVector {
  size(): number;
  get(i: number): CvMat;
  delete(): void;
}

interface CvRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Cv {
  Mat: new (rows?: number, cols?: number, type?: number) => CvMat;
  MatVector: new () => CvMatVector;
  Rect: new (x: number, y: number, width: number, height: number) => CvRect;
  CV_8UC1: number;
  CV_32S: number;
  MORPH_OPEN: number;
  MORPH_GRADIENT: number;
  THRESH_BINARY: number;
  Size: new (width: number, height: number) => { width: number; height: number };
  RETR_EXTERNAL: number;
  CHAIN_APPROX_SIMPLE: number;
  findContours(image: CvMat, contours: CvMatVector, hierarchy: CvMat, mode: number, method: number): void;
  contourArea(contour: CvMat): number;
  arcLength(contour: CvMat, closed: boolean): number;
  boundingRect(contour: CvMat): CvRect;
  approxPolyDP(contour: CvMat, out: CvMat, epsilon: number, closed: boolean): void;
  convexHull(contour: CvMat, hull: CvMat, clockwise: boolean, returnPoints: boolean): void;
  morphologyEx(src: CvMat, dst: CvMat, op: number, kernel: CvMat): void;
  medianBlur(src: CvMat, dst: CvMat, ksize: number): void;
  getStructuringElement(shape: number, size: { width: number; height: number }): CvMat;
  MORPH_RECT: number;
  threshold(src: CvMat, dst: CvMat, thresh: number, maxval: number, type: number): number;
  /** Returns the number of labels (background included); stats rows are [x, y, width, height, area]. */
  connectedComponentsWithStats(
    image: CvMat,
    labels: CvMat,
    stats: CvMat,
    centroids: CvMat,
    connectivity: number,
    ltype: number,
  ): number;
}

const require = createRequire(import.meta.url);
let loading: Promise<{ cv: Cv }> | undefined;

/**
 * Loads OpenCV.js once per process, lazily (≈1 s, 128 MB of WASM heap), and shares it between callers.
 * Concurrent first calls await the same promise.
 *
 * The resolved value is wrapped because the OpenCV module object is itself a thenable that resolves to itself,
 * which would make `await` loop forever.
 */
export function loadOpenCv(): Promise<{ cv: Cv }> {
  loading ??= (async () => {
    // The Emscripten glue registers process-wide handlers that turn ANY unhandled rejection or uncaught
    // exception in the host into an abort; remove exactly the ones it added so the host keeps its own policy.
    const rejections = new Set(process.listeners('unhandledRejection'));
    const exceptions = new Set(process.listeners('uncaughtException'));
    // A plain require: the glue is a 10 MB CommonJS file that ESM loaders (and test runners' module
    // transformers) choke on.
    const mod = require('@techstark/opencv-js') as { default?: unknown };
    for (const l of process.listeners('unhandledRejection')) {
      if (!rejections.has(l)) process.removeListener('unhandledRejection', l);
    }
    for (const l of process.listeners('uncaughtException')) {
      if (!exceptions.has(l)) process.removeListener('uncaughtException', l);
    }
    const cv = (mod.default ?? mod) as Cv & {
      calledRun?: boolean;
      onRuntimeInitialized?: () => void;
    };
    if (!cv.calledRun) {
      await new Promise<void>((resolve) => {
        const previous = cv.onRuntimeInitialized;
        cv.onRuntimeInitialized = () => {
          previous?.();
          resolve();
        };
      });
    }
    return { cv };
  })();
  loading.catch(() => {
    // A failed load must not stay cached forever: the next caller retries.
    loading = undefined;
  });
  return loading;
}
