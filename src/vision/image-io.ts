import { open } from 'node:fs/promises';
import type SharpModule from 'sharp';
import type { Rect } from '../domain/index.js';
import { IroncliwError } from '../domain/index.js';

let sharpLoading: Promise<typeof SharpModule> | undefined;
/**
 * sharp (libvips, ~0.5 s to load) is loaded on first use: a command without a screen never decodes one, and
 * a CLI process should not pay for it (issue 20).
 */
export function loadSharp(): Promise<typeof SharpModule> {
  return (sharpLoading ??= import('sharp').then((m) => {
    // libvips' operation cache (up to 50 MB and 100 operations by default) only pays off when the same image
    // is processed again; every screen here is decoded once, so a serving process would hold it for nothing
    // (issue 20, memory after load).
    m.default.cache(false);
    return m.default;
  }));
}

/** A decoded screen: RGBA, 8 bits per channel, row-major. Pixels stay on the host; sandboxed code sees handles. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface DecodeOptions {
  /** Refuse images with more pixels than this. Default {@link DEFAULT_MAX_PIXELS}. */
  maxPixels?: number;
}

/** 40 MP: an 8K screen fits; a decompression bomb (a few KB claiming 20000×20000) does not. */
export const DEFAULT_MAX_PIXELS = 40_000_000;

const message = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause));

const startsWith = (b: Uint8Array, at: number, sig: number[]) => sig.every((v, i) => b[at + i] === v);

/** Whether the bytes carry a PNG, JPEG or WebP signature. */
function sniff(b: Uint8Array): boolean {
  return (
    startsWith(b, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) ||
    startsWith(b, 0, [0xff, 0xd8, 0xff]) ||
    (startsWith(b, 0, [0x52, 0x49, 0x46, 0x46]) && startsWith(b, 8, [0x57, 0x45, 0x42, 0x50]))
  );
}

/**
 * The size a PNG's header declares (its first chunk, IHDR, at a fixed offset), without a decoder: sizing a
 * screen before admitting its decode costs microseconds instead of a call into libvips. Undefined for
 * anything else, or a PNG whose first chunk is not a well-formed IHDR; the decoder still checks the rest.
 */
export function pngSize(b: Uint8Array): { width: number; height: number } | undefined {
  if (b.length < 24 || !startsWith(b, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return undefined;
  // Length 13, type "IHDR".
  if (!startsWith(b, 8, [0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])) return undefined;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

/**
 * Decodes PNG, JPEG or WebP bytes to RGBA.
 *
 * The size is read from the header first, so an image over `maxPixels` is refused before a single pixel buffer
 * is allocated (decompression bombs). Damaged or non-image bytes are `E_IMAGE_INVALID`.
 *
 * @example const img = await decodeImage(await readFile('screen.png'));
 */
export async function decodeImage(
  bytes: Buffer | Uint8Array,
  options: DecodeOptions = {},
): Promise<RgbaImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    throw new IroncliwError('E_IMAGE_INVALID', 'the screen image is empty (0 bytes)');
  }
  // Only PNG, JPEG and WebP reach a decoder: sharp would also parse SVG (librsvg: entity expansion can hang
  // it), TIFF, GIF, PDF… none of which a screen capture is.
  if (!sniff(bytes)) {
    throw new IroncliwError(
      'E_IMAGE_INVALID',
      'the screen is not a PNG, JPEG or WebP image (unknown signature)',
    );
  }
  const png = pngSize(bytes);
  let width = png?.width;
  let height = png?.height;
  let format = png ? 'png' : undefined;
  if (!png) {
    try {
      // limitInputPixels:false only for the header read: we apply our own limit with a clearer error below.
      const meta = await (await loadSharp())(bytes, { limitInputPixels: false }).metadata();
      ({ width, height, format } = meta);
    } catch (cause) {
      throw new IroncliwError('E_IMAGE_INVALID', `the screen is not a decodable image: ${message(cause)}`, {
        cause,
      });
    }
  }
  if (!width || !height) throw new IroncliwError('E_IMAGE_INVALID', 'the screen image has no size');
  if (format !== 'png' && format !== 'jpeg' && format !== 'webp') {
    throw new IroncliwError('E_IMAGE_INVALID', `unsupported image format "${format}" (use PNG or JPEG)`);
  }
  if (width * height > maxPixels) {
    throw new IroncliwError(
      'E_IMAGE_TOO_LARGE',
      `the screen is ${width}×${height} (${width * height} pixels); the limit is ${maxPixels}`,
      { details: { width, height, maxPixels } },
    );
  }
  try {
    const { data, info } = await (
      await loadSharp()
    )(bytes, { limitInputPixels: maxPixels, failOn: 'truncated' })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (cause) {
    throw new IroncliwError('E_IMAGE_INVALID', `the screen image is damaged: ${message(cause)}`, { cause });
  }
}

/**
 * Refuses an image whose buffer does not match its size: primitives index pixels directly, and a short buffer
 * would read out of bounds (as zeros) instead of failing.
 */
export function assertImage(img: RgbaImage): void {
  const ok =
    img !== null &&
    typeof img === 'object' &&
    Number.isInteger(img.width) &&
    Number.isInteger(img.height) &&
    img.width > 0 &&
    img.height > 0 &&
    img.data instanceof Uint8Array &&
    img.data.length === img.width * img.height * 4;
  if (!ok) throw new IroncliwError('E_IMAGE_INVALID', 'the image is not {width, height, data: RGBA bytes}');
}

/** Screen files larger than this are refused before reading (a 1920×1080 PNG is a few MB). */
export const MAX_SCREEN_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Reads and decodes an image file. A missing or unreadable file, or one that is not a regular file (a
 * directory, `/dev/zero`, a FIFO — which would never end), is `E_SCREEN_UNREADABLE`; a file over
 * {@link MAX_SCREEN_FILE_BYTES} is `E_IMAGE_TOO_LARGE`, refused before a byte is read.
 */
export async function loadImageFile(path: string, options: DecodeOptions = {}): Promise<RgbaImage> {
  let bytes: Buffer;
  try {
    const handle = await open(path, 'r');
    try {
      const st = await handle.stat();
      if (!st.isFile()) {
        throw new IroncliwError('E_SCREEN_UNREADABLE', `screen "${path}" is not a regular file`);
      }
      if (st.size > MAX_SCREEN_FILE_BYTES) {
        throw new IroncliwError(
          'E_IMAGE_TOO_LARGE',
          `screen file "${path}" has ${st.size} bytes; the limit is ${MAX_SCREEN_FILE_BYTES}`,
        );
      }
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (cause) {
    if (cause instanceof IroncliwError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code ?? message(cause);
    throw new IroncliwError('E_SCREEN_UNREADABLE', `cannot read screen file "${path}" (${code})`, { cause });
  }
  return decodeImage(bytes, options);
}

/** Encodes an image as PNG (for fixtures, debugging and the scene CLI). */
export async function encodePng(img: RgbaImage): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 4 } })
    .png()
    .toBuffer();
}

/** Rounds a rectangle to whole pixels and clamps it to the image; the result may be empty. */
export function clampRect(img: { width: number; height: number }, r: Rect): Rect {
  const x0 = Math.max(0, Math.min(img.width, Math.round(r.x)));
  const y0 = Math.max(0, Math.min(img.height, Math.round(r.y)));
  const x1 = Math.max(x0, Math.min(img.width, Math.round(r.x + r.width)));
  const y1 = Math.max(y0, Math.min(img.height, Math.round(r.y + r.height)));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** A copy of the pixels inside `rect` (clamped to the image). An empty intersection is `E_INPUT_INVALID`. */
export function cropImage(img: RgbaImage, rect: Rect): RgbaImage {
  const r = clampRect(img, rect);
  if (r.width === 0 || r.height === 0) {
    throw new IroncliwError('E_INPUT_INVALID', `the region ${JSON.stringify(rect)} is outside the image`);
  }
  const out = new Uint8Array(r.width * r.height * 4);
  for (let y = 0; y < r.height; y++) {
    const src = ((r.y + y) * img.width + r.x) * 4;
    out.set(img.data.subarray(src, src + r.width * 4), y * r.width * 4);
  }
  return { width: r.width, height: r.height, data: out };
}
