import type { Capability, IntentSpec, Pattern } from '../domain/index.js';
import { schemaProblem } from '../capabilities/index.js';
import { frameForInput, inputFor } from './case-inputs.js';
import { countCases } from './count-cases.js';
import type { Data } from './expected-data.js';
import { expectedDataProblem, targetPresent } from './expected-data.js';
import { groundTruthScene } from './ground-truth-scene.js';
import { taughtCases } from './taught-cases.js';
import type { CapabilityTestCase, RenderedTestScene, TaughtExample, TestScenePort } from './case-types.js';

const key = (o: unknown) => JSON.stringify(o);

/**
 * Test cases for a generated capability, built from ground-truth screens. With a port that renders scenes
 * (`scenes.render`) every family gets cases: inputs seen in the failures, inputs drawn from what is on the
 * screen (so a capability that hard-coded the failing example fails), one whose target is absent, and a screen
 * without shapes; the expected `data` is stated from the renderer's truth by {@link expectedDataProblem},
 * never from the vision code under test. Without `render`, counting capabilities get count scenes.
 */
export async function buildTestCases(
  capability: Capability,
  /** Its `count` varies the inputs tried between candidates of the same pattern. */
  pattern: Pick<Pattern, 'count'>,
  scenes: TestScenePort,
  seenInputs: Array<Record<string, unknown>>,
  /** Expectations users taught for the pattern's commands; each becomes a case on its own screen. */
  taught: TaughtExample[] = [],
): Promise<CapabilityTestCase[]> {
  const intent = capability.manifest.intents[0];
  if (!intent) return [];
  // A capability learned from demonstrations is judged on them (its taught cases): what a template family
  // would do on a synthetic screen is exactly what the demonstrations corrected, not ground truth.
  const cases = demonstrated(capability)
    ? []
    : scenes.render
      ? await groundTruthCases(capability, intent, pattern.count, scenes, seenInputs)
      : await countCases(intent, pattern, scenes, seenInputs);
  return [...cases, ...taughtCases(capability, taught)];
}

/** Generator name of capabilities learned from demonstrations (src/demonstration/ DEMONSTRATION_GENERATOR). */
const demonstrated = (c: Capability) => c.manifest.origin.generator === 'demonstration';

/** How many ground-truth screens the cases are drawn from, and how many inputs of each sort. */
const SCREENS = 3;
const POSITIVE = 3;

async function groundTruthCases(
  capability: Capability,
  intent: IntentSpec,
  variant: number,
  scenes: TestScenePort,
  seenInputs: Array<Record<string, unknown>>,
): Promise<CapabilityTestCase[]> {
  const render = scenes.render!;
  const schema = capability.manifest.inputSchema;
  const base = 101 + (variant % 50) * SCREENS;
  const screens = await Promise.all(
    Array.from({ length: SCREENS }, (_, i) => render(groundTruthScene(base + i))),
  );
  const cases: CapabilityTestCase[] = [];
  const make = (name: string, input: Record<string, unknown>, screen: RenderedTestScene) => {
    const frame = frameForInput(intent, input);
    cases.push({
      name,
      input,
      screen: screen.image,
      check: (output) =>
        expectedDataProblem(
          frame,
          ((output as { data?: Data } | undefined)?.data ?? {}) as Data,
          screen.truth,
        ),
    });
  };
  // The same input on another screen is another case (another title to read, other shapes to count).
  const used = new Set<string>();
  // What users asked (when the input is valid for this capability), on a screen where it is present if any.
  for (const seen of seenInputs) {
    if (cases.length >= 2) break;
    if (used.has(key(seen)) || schemaProblem(schema, seen) !== undefined) continue;
    used.add(key(seen));
    const frame = frameForInput(intent, seen);
    const screen = screens.find((s) => targetPresent(frame, s.truth)) ?? screens[0]!;
    make(`seen ${key(seen)}`, seen, screen);
  }
  // Inputs drawn from each screen's truth: other values than the failing example.
  const wanted = cases.length + POSITIVE;
  for (let i = 0; cases.length < wanted && i < 12; i++) {
    const screen = screens[i % SCREENS]!;
    const input = inputFor(intent, screen.truth, variant + i, true);
    const id = `${key(input)}@${i % SCREENS}`;
    if (!input || used.has(key(input)) || used.has(id) || schemaProblem(schema, input) !== undefined)
      continue;
    used.add(id);
    make(`present ${key(input)} (screen ${base + (i % SCREENS)})`, input, screen);
  }
  // A target that is not there: nothing counted, found, clicked, or the condition does not hold.
  const absent = inputFor(intent, screens[0]!.truth, variant, false);
  if (absent && !used.has(key(absent)) && schemaProblem(schema, absent) === undefined)
    make(`no matches for ${key(absent)}`, absent, screens[0]!);
  // The same layout without a single shape.
  const stepIntents = intent.parts ? intent.parts.intents : [intent];
  const looksAtShapes = stepIntents.some((i) => i.targetKind === 'shape' || i.action === 'describe');
  if (looksAtShapes && cases[0]) {
    const empty = await render(groundTruthScene(base, { shapes: false }));
    make('empty screen', cases[0].input, empty);
  }
  return cases;
}
