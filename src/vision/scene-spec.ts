import { z } from 'zod';
import type { ColorName, Rect } from '../domain/index.js';
import { COLORS, IroncliwError, SHAPES } from '../domain/index.js';

/** The five layout regions a scene (and a screen) is made of. */
export const LAYOUT_REGIONS = ['titlebar', 'toolbar', 'sidebar', 'statusbar', 'content'] as const;
export type LayoutRegion = (typeof LAYOUT_REGIONS)[number];

const hex = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'expected a colour like #1e88e5');
const placeIn = z.enum([...LAYOUT_REGIONS, 'screen']);
const coord = z.number().min(0).max(8000);

const ShapeElement = z.strictObject({
  type: z.literal('shape'),
  shape: z.enum(SHAPES),
  color: z.enum(COLORS),
  region: placeIn.default('content'),
  x: coord,
  y: coord,
  /** Circle diameter, square side, triangle width and height; rectangle height. */
  size: z.number().min(4).max(2000).default(32),
  /** Rectangle width (default 1.6 × size). */
  width: z.number().min(4).max(4000).optional(),
  /** Rectangle height (default size). */
  height: z.number().min(4).max(4000).optional(),
});

const ButtonElement = z.strictObject({
  type: z.literal('button'),
  label: z.string().min(1).max(80),
  region: placeIn.default('toolbar'),
  x: coord,
  y: coord,
  /** Default: label width + 24 px. */
  width: z.number().min(16).max(1000).optional(),
  height: z.number().min(14).max(200).default(28),
  fontSize: z.number().min(8).max(48).default(13),
});

const TextElement = z.strictObject({
  type: z.literal('text'),
  text: z.string().min(1).max(300),
  region: placeIn.default('content'),
  x: coord,
  /** Top of the line box. */
  y: coord,
  size: z.number().min(8).max(96).default(16),
  /** Default: the theme's text colour. */
  color: hex.optional(),
});

const SceneElementSpecSchema = z.discriminatedUnion('type', [ShapeElement, ButtonElement, TextElement]);

const bar = (height: number) =>
  z.union([
    z.literal(false),
    z.strictObject({ height: z.number().int().min(8).max(600).default(height), color: hex.optional() }),
  ]);

export const SceneSpecSchema = z.strictObject({
  width: z.number().int().min(200).max(7680).default(1280),
  height: z.number().int().min(150).max(4320).default(800),
  theme: z.enum(['light', 'dark']).default('light'),
  titlebar: z
    .union([
      z.literal(false),
      z.strictObject({
        height: z.number().int().min(8).max(600).default(32),
        color: hex.optional(),
        title: z.string().max(200).optional(),
        textColor: hex.optional(),
      }),
    ])
    .default({ height: 32 }),
  toolbar: bar(48).default({ height: 48 }),
  sidebar: z
    .union([
      z.literal(false),
      z.strictObject({ width: z.number().int().min(8).max(4000).default(220), color: hex.optional() }),
    ])
    .default({ width: 220 }),
  statusbar: z
    .union([
      z.literal(false),
      z.strictObject({
        height: z.number().int().min(8).max(600).default(28),
        color: hex.optional(),
        text: z.string().max(300).optional(),
      }),
    ])
    .default({ height: 28 }),
  content: z.strictObject({ color: hex.optional() }).default({}),
  elements: z.array(SceneElementSpecSchema).max(5000).default([]),
});

/** A scene as written by hand or generated (defaults may be left out); see docs/scenes.md. */
export type SceneSpec = z.input<typeof SceneSpecSchema>;
/** A scene with every default filled in. */
export type ParsedScene = z.output<typeof SceneSpecSchema>;
export type SceneElementSpec = z.input<typeof SceneElementSpecSchema>;

/** Ground truth for one thing drawn in a scene, in screen coordinates. */
export interface SceneElement {
  kind: 'shape' | 'button' | 'text';
  shape?: (typeof SHAPES)[number];
  color?: ColorName;
  text?: string;
  /** The layout region holding the element's centre. */
  region: LayoutRegion;
  bbox: Rect;
}

/** Validates a scene spec (unknown keys rejected) and fills in defaults. Invalid → `E_INPUT_INVALID`. */
export function parseSceneSpec(spec: unknown): ParsedScene {
  const r = SceneSpecSchema.safeParse(spec);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue?.path.map(String).join('.') || '(root)';
    throw new IroncliwError('E_INPUT_INVALID', `scene spec ${path}: ${issue?.message ?? 'invalid'}`, {
      hint: 'See docs/scenes.md for the scene format.',
      details: {
        issues: r.error.issues.slice(0, 5).map((i) => ({ path: i.path.map(String), message: i.message })),
      },
    });
  }
  return r.data;
}

/**
 * The layout rectangles of a scene. The sidebar spans from the toolbar (or title bar) down to the status bar;
 * content is what is left. These are the ground truth for region detection.
 */
export function sceneRegions(s: ParsedScene): Partial<Record<LayoutRegion, Rect>> {
  const W = s.width;
  const H = s.height;
  const regions: Partial<Record<LayoutRegion, Rect>> = {};
  let top = 0;
  if (s.titlebar) {
    regions.titlebar = { x: 0, y: 0, width: W, height: s.titlebar.height };
    top += s.titlebar.height;
  }
  if (s.toolbar) {
    regions.toolbar = { x: 0, y: top, width: W, height: s.toolbar.height };
    top += s.toolbar.height;
  }
  let bottom = H;
  if (s.statusbar) {
    regions.statusbar = { x: 0, y: H - s.statusbar.height, width: W, height: s.statusbar.height };
    bottom -= s.statusbar.height;
  }
  if (bottom - top < 16) {
    throw new IroncliwError('E_INPUT_INVALID', `scene spec: the bars leave ${bottom - top}px for content`, {
      hint: 'See docs/scenes.md for the scene format.',
    });
  }
  let left = 0;
  if (s.sidebar) {
    if (s.sidebar.width > W - 16) {
      throw new IroncliwError('E_INPUT_INVALID', 'scene spec sidebar.width: wider than the screen allows');
    }
    regions.sidebar = { x: 0, y: top, width: s.sidebar.width, height: bottom - top };
    left = s.sidebar.width;
  }
  regions.content = { x: left, y: top, width: W - left, height: bottom - top };
  return regions;
}
