import { IroncliwError } from '../domain/index.js';
import type { RgbaImage } from './image-io.js';
import { DEFAULT_MAX_PIXELS } from './image-io.js';

/**
 * The X Window Dump header (X11 `XWDFile.h`, file version 7): 25 big-endian CARD32 fields, then the window
 * name up to `headerSize`, then `ncolors` 12-byte colour entries, then the pixels, `bytesPerLine` per row.
 */
interface XwdHeader {
  headerSize: number;
  fileVersion: number;
  pixmapFormat: number;
  pixmapDepth: number;
  width: number;
  height: number;
  byteOrder: number;
  bitsPerPixel: number;
  bytesPerLine: number;
  visualClass: number;
  redMask: number;
  greenMask: number;
  blueMask: number;
  ncolors: number;
}

/** Bytes of the fixed part of the header: what must arrive before the size can be judged. */
export const XWD_HEADER_BYTES = 100;
const XWD_FILE_VERSION = 7;
const Z_PIXMAP = 2;
const TRUE_COLOR = 4;
const DIRECT_COLOR = 5;
const COLOR_ENTRY_BYTES = 12;

const invalid = (why: string) => new IroncliwError('E_IMAGE_INVALID', `the X11 screen dump is ${why}`);

/**
 * Reads and checks the fixed header; refuses a dump over `maxPixels` before its pixels are read, the same
 * decompression-bomb rule {@link decodeImage} applies to files.
 */
export function readXwdHeader(bytes: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): XwdHeader {
  if (bytes.length < XWD_HEADER_BYTES) throw invalid(`cut short (${bytes.length} bytes, header needs 100)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const f = (i: number) => view.getUint32(i * 4, false);
  const h: XwdHeader = {
    headerSize: f(0),
    fileVersion: f(1),
    pixmapFormat: f(2),
    pixmapDepth: f(3),
    width: f(4),
    height: f(5),
    byteOrder: f(7),
    bitsPerPixel: f(11),
    bytesPerLine: f(12),
    visualClass: f(13),
    redMask: f(14),
    greenMask: f(15),
    blueMask: f(16),
    ncolors: f(19),
  };
  if (h.fileVersion !== XWD_FILE_VERSION)
    throw invalid(`not an XWD version 7 dump (version ${h.fileVersion})`);
  if (h.headerSize < XWD_HEADER_BYTES || h.headerSize > 64 * 1024) throw invalid('damaged (header size)');
  if (h.width === 0 || h.height === 0) throw invalid(`empty (${h.width}×${h.height})`);
  if (h.width * h.height > maxPixels) {
    throw new IroncliwError(
      'E_IMAGE_TOO_LARGE',
      `the X11 screen is ${h.width}×${h.height} (${h.width * h.height} pixels); the limit is ${maxPixels}`,
      { details: { width: h.width, height: h.height, maxPixels } },
    );
  }
  // X servers store colour screens as packed TrueColor/DirectColor; 8-bit palettes are long gone.
  if (h.pixmapFormat !== Z_PIXMAP) throw invalid(`in an unsupported pixmap format (${h.pixmapFormat})`);
  if (h.visualClass !== TRUE_COLOR && h.visualClass !== DIRECT_COLOR) {
    throw invalid(`of an unsupported visual class (${h.visualClass}; only TrueColor/DirectColor)`);
  }
  if (h.bitsPerPixel !== 16 && h.bitsPerPixel !== 24 && h.bitsPerPixel !== 32) {
    throw invalid(`at an unsupported ${h.bitsPerPixel} bits per pixel`);
  }
  if (h.bytesPerLine < (h.width * h.bitsPerPixel) / 8) throw invalid('damaged (line length)');
  if (!h.redMask || !h.greenMask || !h.blueMask) throw invalid('without colour masks');
  if (h.ncolors > 1 << 16) throw invalid('damaged (colour count)');
  return h;
}

/** Total bytes a dump with this header occupies. */
export function xwdLength(h: XwdHeader): number {
  return h.headerSize + h.ncolors * COLOR_ENTRY_BYTES + h.bytesPerLine * h.height;
}

/** Shift and scale to 0..255 for one channel mask (e.g. 0xf800 for 5-bit red in 16 bpp). */
function channel(mask: number): { shift: number; max: number } {
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  return { shift, max: mask >>> shift };
}

/**
 * Decodes an `xwd -root` dump (what the X server hands out for a screenshot) to RGBA.
 *
 * sharp/libvips do not read XWD and no maintained npm package does, so this covers the one layout X servers
 * produce for colour screens — ZPixmap, TrueColor/DirectColor, 16/24/32 bits per pixel, either byte order —
 * and refuses everything else as `E_IMAGE_INVALID`.
 */
export function decodeXwd(bytes: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): RgbaImage {
  const h = readXwdHeader(bytes, maxPixels);
  const need = xwdLength(h);
  if (bytes.length < need) throw invalid(`cut short (${bytes.length} of ${need} bytes)`);
  const start = h.headerSize + h.ncolors * COLOR_ENTRY_BYTES;
  const bpp = h.bitsPerPixel / 8;
  const little = h.byteOrder === 0;
  const r = channel(h.redMask);
  const g = channel(h.greenMask);
  const b = channel(h.blueMask);
  // Depth 24 (8 bits a channel) is what servers use; scaling is only needed for 16-bit (5-6-5) screens.
  const eightBit = r.max === 255 && g.max === 255 && b.max === 255;
  const out = new Uint8Array(h.width * h.height * 4);
  for (let y = 0; y < h.height; y++) {
    let i = start + y * h.bytesPerLine;
    let o = y * h.width * 4;
    for (let x = 0; x < h.width; x++, i += bpp, o += 4) {
      let p: number;
      if (bpp === 4) {
        p = little
          ? bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)
          : (bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!;
      } else if (bpp === 3) {
        p = little
          ? bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16)
          : (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
      } else {
        p = little ? bytes[i]! | (bytes[i + 1]! << 8) : (bytes[i]! << 8) | bytes[i + 1]!;
      }
      p >>>= 0;
      if (eightBit) {
        out[o] = (p >>> r.shift) & 255;
        out[o + 1] = (p >>> g.shift) & 255;
        out[o + 2] = (p >>> b.shift) & 255;
      } else {
        out[o] = Math.round((((p & h.redMask) >>> r.shift) * 255) / r.max);
        out[o + 1] = Math.round((((p & h.greenMask) >>> g.shift) * 255) / g.max);
        out[o + 2] = Math.round((((p & h.blueMask) >>> b.shift) * 255) / b.max);
      }
      out[o + 3] = 255;
    }
  }
  return { width: h.width, height: h.height, data: out };
}
