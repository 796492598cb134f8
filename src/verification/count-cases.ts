import type { IntentSpec, NamedRegion, Pattern } from '../domain/index.js';
import { ALT_SHAPES } from './ground-truth-scene.js';
import type { CapabilityTestCase, Color, ShapeName, TestScenePort } from './case-types.js';

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
const ALT_REGIONS: NamedRegion[] = ['toolbar', 'sidebar', 'content', 'statusbar'];
const key = (o: unknown) => JSON.stringify(o);

/** Count scenes only (ports without `render`). */
export async function countCases(
  intent: IntentSpec,
  pattern: Pick<Pattern, 'count'>,
  scenes: TestScenePort,
  seenInputs: Array<Record<string, unknown>>,
): Promise<CapabilityTestCase[]> {
  if (intent.action !== 'count' || intent.targetKind !== 'shape' || intent.parts || intent.ops?.length)
    return [];
  const slots = new Set(intent.slots);
  const pick = (i: number) => {
    const input: Record<string, unknown> = {};
    if (slots.has('color')) input.color = ALT_COLORS[i % ALT_COLORS.length];
    if (slots.has('shape')) input.shape = ALT_SHAPES[i % ALT_SHAPES.length];
    if (slots.has('region')) input.region = ALT_REGIONS[i % ALT_REGIONS.length];
    return input;
  };
  const inputs: Array<Record<string, unknown>> = [];
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
