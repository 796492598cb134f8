import type { COLORS, IntentFrame, NamedRegion, Rect, SHAPES } from '../domain/index.js';
import type { VisionImage } from '../capabilities/index.js';

export type Color = (typeof COLORS)[number];
export type ShapeName = (typeof SHAPES)[number];

/** Ground truth for one thing drawn on a test screen, in screen coordinates (vision's SceneElement). */
export interface TruthElement {
  kind: 'shape' | 'button' | 'text';
  shape?: string;
  color?: string;
  text?: string;
  /** The layout region holding the element's centre. */
  region: string;
  bbox: Rect;
}

/** A rendered screen and what is on it. */
export interface RenderedTestScene {
  image: VisionImage;
  truth: TruthElement[];
}

/** Renders screens with known content (ground truth) for capability tests. */
export interface TestScenePort {
  /**
   * A desktop-like screen holding exactly `count` shapes matching (color, shape) inside `region` (or anywhere
   * when no region), plus distractors that must not be counted: other colours/shapes, and matching shapes
   * outside the region.
   */
  countScene(spec: {
    color?: Color;
    shape?: ShapeName;
    region?: NamedRegion;
    count: number;
    seed: number;
    theme?: 'light' | 'dark';
  }): Promise<VisionImage>;
  /** A screen with the standard layout and no shapes at all. */
  emptyScene(seed: number): Promise<VisionImage>;
  /**
   * Renders a scene in vision's JSON scene format (docs/scenes.md) and returns its ground truth. Optional:
   * without it only counting capabilities get test cases; with it every family the generator emits does.
   */
  render?(spec: unknown): Promise<RenderedTestScene>;
}

export interface CapabilityTestCase {
  name: string;
  input: Record<string, unknown>;
  screen: VisionImage;
  /** Returns a problem description, or null when the output is right. */
  check(output: unknown): string | null;
}

/**
 * An expectation a user stated for a command on a screen (`ironcliw teach`): the `data` fields listed must
 * equal the capability's output (objects compared field by field, arrays element by element). The input is
 * what routing gives the capability for the command's frame.
 */
export interface TaughtExample {
  /** The taught command's frame (its input is derived by routing it to the capability). */
  frame: Omit<IntentFrame, 'raw'>;
  screen: VisionImage;
  expect: Record<string, unknown>;
  name?: string;
  /**
   * A check of its own instead of comparing `expect` (a demonstration: its clicks must land inside the
   * elements clicked, its text and keys be the same, and then `expect` hold).
   */
  check?: (output: unknown) => string | null;
}
