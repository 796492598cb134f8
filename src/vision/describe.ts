import type { Rect } from '../domain/index.js';
import type { ColorShare } from './color-naming.js';
import { colors } from './color-naming.js';
import type { RgbaImage } from './image-io.js';
import { clampRect } from './image-io.js';
import { layoutOf } from './regions.js';
import type { LayoutRegion } from './scene-spec.js';
import { findShapes } from './shapes.js';

export interface ScreenDescription {
  summary: string;
  size: { width: number; height: number };
  /** Layout regions; `detected: false` means the rectangle is the documented fallback. Empty for a sub-rectangle. */
  regions: Array<{ name: LayoutRegion; bbox: Rect; detected: boolean }>;
  /** Shapes counted by colour and kind, most frequent first. */
  shapes: Array<{ color: string; shape: string; count: number }>;
  /** The five most common colour names with their share of the pixels. */
  dominantColors: ColorShare[];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * A short structured summary of a screen, or of a rectangle of it: layout, shapes by colour, colours.
 *
 * @example (await describe(img)).summary // "A 1280×800 screen with titlebar, toolbar, sidebar, statusbar: 2 red circles, 1 blue square; mostly white and grey."
 */
export async function describe(img: RgbaImage, rect?: Rect): Promise<ScreenDescription> {
  const area = rect ? clampRect(img, rect) : { x: 0, y: 0, width: img.width, height: img.height };
  const layout = layoutOf(img);
  const regions = rect
    ? []
    : (['titlebar', 'toolbar', 'sidebar', 'statusbar', 'content'] as const).map((name) => ({
        name,
        bbox: layout.regions[name],
        detected: layout.detected[name],
      }));
  const items = await findShapes(img, { within: area });
  const counts = new Map<string, { color: string; shape: string; count: number }>();
  for (const it of items) {
    const key = `${it.color} ${it.shape}`;
    const c = counts.get(key) ?? { color: it.color ?? '', shape: it.shape ?? '', count: 0 };
    c.count++;
    counts.set(key, c);
  }
  const shapes = [...counts.values()].sort((a, b) => b.count - a.count || a.color.localeCompare(b.color));
  const dominantColors = colors(img, area).slice(0, 5);
  const found = regions.filter((r) => r.detected && r.name !== 'content').map((r) => r.name);
  const shapeText = shapes.length
    ? shapes.map((s) => plural(s.count, `${s.color} ${s.shape}`)).join(', ')
    : 'no coloured shapes';
  const where = rect
    ? `This ${area.width}×${area.height} area`
    : `A ${img.width}×${img.height} screen${found.length ? ` with ${found.join(', ')}` : ''}`;
  const mostly = dominantColors
    .slice(0, 2)
    .map((c) => c.color)
    .join(' and ');
  return {
    summary: `${where}: ${shapeText}; mostly ${mostly}.`,
    size: { width: area.width, height: area.height },
    regions,
    shapes,
    dominantColors,
  };
}
