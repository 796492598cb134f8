import type { JsonSchema, NamedRegion } from '../domain/index.js';
import { COLORS, NAMED_REGIONS, SHAPES } from '../domain/index.js';
import type { VisionImage } from '../capabilities/index.js';
import { schemaProblem, seededRandom } from '../capabilities/index.js';
import type { TestScenePort } from './case-types.js';

type Color = (typeof COLORS)[number];
type ShapeName = (typeof SHAPES)[number];

/** Strings tried for free-text inputs: ordinary, one character, non-ASCII, and long. */
const SAMPLE_STRINGS = ['Save', 'a', 'Café — ✓ 日本', 'The quick brown fox jumps over the lazy dog'];

function sampleValue(schema: JsonSchema, rand: () => number, variant: number): unknown {
  if (schema.enum && schema.enum.length) return schema.enum[Math.floor(rand() * schema.enum.length)];
  switch (schema.type) {
    case 'string': {
      const s = SAMPLE_STRINGS[variant % SAMPLE_STRINGS.length]!;
      return schema.maxLength !== undefined ? s.slice(0, Math.max(1, schema.maxLength)) : s;
    }
    case 'integer':
    case 'number': {
      const lo = schema.minimum ?? 0;
      const hi = schema.maximum ?? lo + 100;
      const picks = [lo, hi, lo + (hi - lo) / 2, lo + rand() * (hi - lo)];
      const v = picks[variant % picks.length]!;
      return schema.type === 'integer' ? Math.round(v) : v;
    }
    case 'boolean':
      return variant % 2 === 0;
    case 'array':
      return schema.items ? [sampleValue(schema.items, rand, variant)] : [];
    case 'object':
      return sampleObject(schema, rand, variant);
    case 'null':
      return null;
    default:
      return SAMPLE_STRINGS[variant % SAMPLE_STRINGS.length];
  }
}

function sampleObject(schema: JsonSchema, rand: () => number, variant: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const required = new Set(schema.required ?? []);
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    // Optional fields are left out every other draw: absence is an input a capability must survive too.
    if (!required.has(key) && (variant + key.length) % 2 === 1) continue;
    out[key] = sampleValue(sub, rand, variant);
  }
  return out;
}

/**
 * `count` inputs drawn from the manifest's input schema with a seeded PRNG (the same seed gives the same
 * inputs), each valid against that schema: robustness is about surviving what users may legitimately send,
 * invalid input is refused by the runtime before a capability runs.
 */
export function fuzzInputs(schema: JsonSchema, count: number, seed: number): Array<Record<string, unknown>> {
  const rand = seededRandom(seed);
  const out: Array<Record<string, unknown>> = [];
  const seen = new Set<string>();
  for (let variant = 0; out.length < count && variant < count * 4; variant++) {
    const v = sampleObject(schema.type === 'object' || schema.properties ? schema : {}, rand, variant);
    const key = JSON.stringify(v);
    if (seen.has(key) || schemaProblem(schema, v) !== undefined) continue;
    seen.add(key);
    out.push(v);
  }
  return out;
}

/** The parts of an input that a ground-truth scene can honour (colour, shape, region). */
export function sceneTarget(input: Record<string, unknown>): {
  color?: Color;
  shape?: ShapeName;
  region?: NamedRegion;
} {
  const t: { color?: Color; shape?: ShapeName; region?: NamedRegion } = {};
  if ((COLORS as readonly unknown[]).includes(input.color)) t.color = input.color as Color;
  if ((SHAPES as readonly unknown[]).includes(input.shape)) t.shape = input.shape as ShapeName;
  if ((NAMED_REGIONS as readonly unknown[]).includes(input.region)) t.region = input.region as NamedRegion;
  return t;
}

/** Deterministic per-pixel noise (±amplitude on each colour channel), as a camera or a compressed stream adds. */
export function addNoise(img: VisionImage, amplitude: number, seed: number): VisionImage {
  const data = new Uint8Array(img.data);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      // xorshift32: fast enough for 4 M channels; statistical quality is irrelevant for noise.
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      const d = ((s & 0xff) / 255 - 0.5) * 2 * amplitude;
      data[i + c] = Math.max(0, Math.min(255, data[i + c]! + d));
    }
  }
  return { width: img.width, height: img.height, data };
}

/** Nearest-neighbour upscale by an integer factor: the same layout on a high-resolution screen. */
export function upscale(img: VisionImage, factor: number): VisionImage {
  const w = img.width * factor;
  const h = img.height * factor;
  // Uint32 views need 4-byte alignment; decoded buffers may come from a pool at any offset.
  const bytes = img.data.byteOffset % 4 === 0 ? img.data : new Uint8Array(img.data);
  const src = new Uint32Array(bytes.buffer, bytes.byteOffset, img.width * img.height);
  const out = new Uint32Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = ((y / factor) | 0) * img.width;
    const o = y * w;
    for (let x = 0; x < w; x++) out[o + x] = src[row + ((x / factor) | 0)]!;
  }
  return { width: w, height: h, data: new Uint8Array(out.buffer) };
}

/** A single-colour screen: no layout, no bars, nothing to find. */
export function blankScreen(width: number, height: number, rgb: [number, number, number]): VisionImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) {
    data[i] = rgb[0];
    data[i + 1] = rgb[1];
    data[i + 2] = rgb[2];
    data[i + 3] = 255;
  }
  return { width, height, data };
}

export type FuzzScreenKind = 'empty' | 'no-matches' | 'dark' | 'noisy' | 'huge' | 'blank';

export interface FuzzScreen {
  kind: FuzzScreenKind;
  screen: VisionImage;
}

/**
 * The hostile-but-legitimate screens every capability must survive: one with no shapes at all, one with none
 * matching the input, the dark theme, sensor noise, a 4K-class screen, and a blank one without any layout.
 * Rendered screens are cached by the caller's `cache` (they are pure functions of their spec).
 */
export async function fuzzScreens(
  scenes: TestScenePort,
  input: Record<string, unknown>,
  opts: { seed: number; hugeScale: number },
  cache: Map<string, Promise<VisionImage>>,
  /** Screens already rendered for this input (e.g. by the test cases), used instead of rendering again. */
  reuse: { light?: VisionImage; empty?: VisionImage; none?: VisionImage } = {},
): Promise<FuzzScreen[]> {
  const target = sceneTarget(input);
  const memo = (key: string, make: () => Promise<VisionImage>) => {
    let p = cache.get(key);
    if (!p) {
      p = make();
      // A failed render must not poison later verifications.
      p.catch(() => cache.delete(key));
      cache.set(key, p);
    }
    return p;
  };
  const k = (what: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ what, target, seed: opts.seed, ...extra });
  const light = async () =>
    reuse.light ??
    memo(k('light'), () => scenes.countScene({ ...target, count: 2, seed: opts.seed + 11, theme: 'light' }));
  // Derived screens are cached per source image, so a reused screen does not collide with a rendered one.
  const derived = new WeakMap<VisionImage, Map<string, Promise<VisionImage>>>();
  const derive = async (what: string, make: (img: VisionImage) => VisionImage) => {
    const src = await light();
    if (!reuse.light) return memo(k(what, { scale: opts.hugeScale }), async () => make(src));
    let m = derived.get(src);
    if (!m) derived.set(src, (m = new Map()));
    let p = m.get(what);
    if (!p) m.set(what, (p = Promise.resolve(make(src))));
    return p;
  };
  const [empty, none, dark, noisy, huge] = await Promise.all([
    reuse.empty ?? memo(k('empty'), () => scenes.emptyScene(opts.seed + 7)),
    reuse.none ?? memo(k('none'), () => scenes.countScene({ ...target, count: 0, seed: opts.seed + 13 })),
    memo(k('dark'), () => scenes.countScene({ ...target, count: 2, seed: opts.seed + 17, theme: 'dark' })),
    derive('noisy', (img) => addNoise(img, 24, opts.seed)),
    derive('huge', (img) => upscale(img, opts.hugeScale)),
  ]);
  const blank = await memo('blank', async () => blankScreen(1280, 800, [128, 128, 128]));
  return [
    { kind: 'empty', screen: empty },
    { kind: 'no-matches', screen: none },
    { kind: 'dark', screen: dark },
    { kind: 'noisy', screen: noisy },
    { kind: 'huge', screen: huge },
    { kind: 'blank', screen: blank },
  ];
}
