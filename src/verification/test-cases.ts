import type { Capability, COLORS, NamedRegion, Pattern, SHAPES } from '../domain/index.js';
import type { VisionImage } from '../capabilities/index.js';

type Color = (typeof COLORS)[number];
type ShapeName = (typeof SHAPES)[number];

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
}

export interface CapabilityTestCase {
  name: string;
  input: Record<string, unknown>;
  screen: VisionImage;
  /** Returns a problem description, or null when the output is right. */
  check(output: unknown): string | null;
}

function countIs(expected: number) {
  return (output: unknown): string | null => {
    const data = (output as { data?: { count?: unknown; items?: unknown } } | undefined)?.data;
    if (!data || typeof data.count !== 'number') return 'output has no data.count';
    if (data.count !== expected) return `expected count ${expected}, got ${data.count}`;
    if (!Array.isArray(data.items) || data.items.length !== expected)
      return `expected ${expected} items, got ${Array.isArray(data.items) ? data.items.length : 'none'}`;
    return null;
  };
}

const ALT_COLORS: Color[] = ['red', 'green', 'blue', 'yellow', 'purple', 'orange'];
const ALT_SHAPES: ShapeName[] = ['circle', 'square', 'triangle'];
const ALT_REGIONS: NamedRegion[] = ['toolbar', 'sidebar', 'content', 'statusbar'];

/**
 * Test cases for a generated capability, built from ground-truth screens: the parameters seen in the
 * failures that caused it, other parameter values (so a capability that hard-coded the failing example
 * fails), a no-match screen and an empty screen.
 */
export async function buildTestCases(
  capability: Capability,
  /** Only its `count` is used, to vary the inputs tried between candidates of the same pattern. */
  pattern: Pick<Pattern, 'count'>,
  scenes: TestScenePort,
  seenInputs: Array<Record<string, unknown>>,
): Promise<CapabilityTestCase[]> {
  const intent = capability.manifest.intents[0];
  if (!intent || intent.action !== 'count' || intent.targetKind !== 'shape') return [];
  const slots = new Set(intent.slots);
  const pick = (i: number) => {
    const input: Record<string, unknown> = {};
    if (slots.has('color')) input.color = ALT_COLORS[i % ALT_COLORS.length];
    if (slots.has('shape')) input.shape = ALT_SHAPES[i % ALT_SHAPES.length];
    if (slots.has('region')) input.region = ALT_REGIONS[i % ALT_REGIONS.length];
    return input;
  };
  const inputs: Array<Record<string, unknown>> = [];
  const key = (o: Record<string, unknown>) => JSON.stringify(o);
  for (const seen of seenInputs.slice(0, 2)) if (!inputs.some((i) => key(i) === key(seen))) inputs.push(seen);
  for (let i = 0; inputs.length < 4 && i < 12; i++) {
    const next = pick(i + pattern.count);
    if (!inputs.some((x) => key(x) === key(next))) inputs.push(next);
  }
  // Screens are rendered concurrently (decoding runs on libuv's pool); the order of cases stays fixed.
  const target = (input: Record<string, unknown>) => ({
    ...(input.color ? { color: input.color as Color } : {}),
    ...(input.shape ? { shape: input.shape as ShapeName } : {}),
    ...(input.region ? { region: input.region as NamedRegion } : {}),
  });
  const first = inputs[0] ?? {};
  const counted = inputs.map((input, i) => {
    const seed = i + 1;
    const count = 1 + (seed % 3);
    return {
      input,
      count,
      screen: scenes.countScene({ ...target(input), count, seed, theme: seed % 2 ? 'light' : 'dark' }),
    };
  });
  const none = scenes.countScene({ ...target(first), count: 0, seed: 99 });
  const empty = scenes.emptyScene(7);
  const cases: CapabilityTestCase[] = [];
  for (const c of counted)
    cases.push({
      name: `counts ${c.count} for ${key(c.input)}`,
      input: c.input,
      screen: await c.screen,
      check: countIs(c.count),
    });
  cases.push({ name: `no matches for ${key(first)}`, input: first, screen: await none, check: countIs(0) });
  cases.push({ name: 'empty screen', input: first, screen: await empty, check: countIs(0) });
  return cases;
}
