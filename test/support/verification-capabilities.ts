import type { Capability, CapabilityManifest, Pattern, Permission } from '../../src/domain/index.js';
import { countShapesFamily } from '../../src/generation/index.js';

/**
 * Capabilities written to be caught: each misbehaves in exactly one way that one verification check exists for.
 * They are test material (run only inside the sandbox by the verification tests and the CLI test), shipped
 * beside the code so the docs' examples can be reproduced with `ironcliw verify`.
 */

export function countPattern(parameters: string[], count = 3): Pattern {
  return {
    id: `pat_verify_${parameters.join('_') || 'none'}`,
    signature: `count|shape|${parameters.join(',')}`,
    frame: { action: 'count', target: { kind: 'shape' } },
    parameters,
    count,
    distinctUsers: 2,
    firstSeen: '2024-01-01T00:00:00.000Z',
    lastSeen: '2024-01-01T00:00:00.000Z',
    status: 'queued',
  };
}

/** A capability of the template generator (generation FAMILIES), as the pipeline would produce it. */
export function generatedCount(parameters: string[] = ['color', 'shape']): Capability {
  return countShapesFamily.emit(countPattern(parameters), 1, []);
}

/** The generated count-by-colour-and-shape manifest with a different id, code and whatever else is overridden. */
function countLike(id: string, code: string, overrides: Partial<CapabilityManifest> = {}): Capability {
  const base = generatedCount(['color', 'shape']);
  return {
    manifest: {
      ...base.manifest,
      id,
      origin: { kind: 'generated', generator: 'template/test', failureIds: [] },
      ...overrides,
    },
    code,
  };
}

const FIND = `  const screen = await sdk.screen.capture();
  const query = {};
  if (input.shape) query.shape = input.shape;
  if (input.color) query.color = input.color;
  const items = await sdk.vision.findShapes(screen, query);`;

const ANSWER = `'There ' + (items.length === 1 ? 'is ' : 'are ') + items.length + ' ' + input.color + ' ' + input.shape + (items.length === 1 ? '' : 's') + '.'`;

const CLICKING = `export default async function run(input, sdk) {
${FIND}
  if (items.length > 0) await sdk.actions.click(items[0]);
  return { answer: ${ANSWER}, data: { count: items.length, items: items } };
}
`;

/** Counts, and clicks the first match although its manifest only declares reading the screen. */
export const clicksWhileReadOnly = countLike('verify-clicks-read-only', CLICKING);

/** Counts, and clicks the first match: the click permission is declared, but counting is an analysis intent. */
export const clicksWhileCounting = countLike('verify-clicks-while-counting', CLICKING, {
  permissions: ['screen.capture', 'vision.analyze', 'actions.click'] as Permission[],
});

/** Counts correctly, and tags every answer with a reference drawn from Math.random (not the injected sdk.random). */
export const nondeterministic = countLike(
  'verify-nondeterministic',
  `export default async function run(input, sdk) {
${FIND}
  const ref = Math.floor(Math.random() * 1000000000);
  return { answer: ${ANSWER}, data: { count: items.length, items: items, ref: ref } };
}
`,
);

/** The same tag drawn from `sdk.random()`: replayable, so determinism holds. */
export const seededRandomness = countLike(
  'verify-seeded-randomness',
  `export default async function run(input, sdk) {
${FIND}
  const ref = Math.floor((await sdk.random()) * 1000000000);
  return { answer: ${ANSWER}, data: { count: items.length, items: items, ref: ref } };
}
`,
);

/** Locates the first match, assuming there always is one: crashes on an empty screen. */
export const crashesOnEmptyScreen: Capability = {
  manifest: {
    ...generatedCount(['color', 'shape']).manifest,
    id: 'verify-crashes-on-empty',
    name: 'Locate a shape',
    description: 'Says where the first shape of a colour and kind is.',
    intents: [
      {
        action: 'locate',
        targetKind: 'shape',
        slots: ['color', 'shape'],
        examples: ['where is the red circle'],
      },
    ],
    outputSchema: {
      type: 'object',
      required: ['answer', 'data'],
      properties: {
        answer: { type: 'string' },
        data: { type: 'object', required: ['items'], properties: { items: { type: 'array' } } },
      },
    },
    origin: { kind: 'generated', generator: 'template/test', failureIds: [] },
  },
  code: `export default async function run(input, sdk) {
${FIND}
  const first = items[0];
  return {
    answer: 'The ' + input.color + ' ' + input.shape + ' is at ' + first.bbox.x + ', ' + first.bbox.y + '.',
    data: { items: [first] },
  };
}
`,
};

/** Counts correctly, and memoises into a module-level cache that holds ~11 MB (of 16 MB) at the end of every run. */
export const growsMemory = countLike(
  'verify-grows-memory',
  `const cache = [];
export default async function run(input, sdk) {
  for (let i = 0; i < 140; i++) cache.push(new Array(10000).fill(i));
${FIND}
  return { answer: ${ANSWER}, data: { count: items.length, items: items } };
}
`,
  { limits: { timeoutMs: 3000, memoryMb: 16 } },
);

/** Counts correctly, and puts an AWS access key id (assembled at run time, so no literal shows it) in its data. */
export const leaksSecret = countLike(
  'verify-leaks-secret',
  `export default async function run(input, sdk) {
${FIND}
  const key = ['AKIA', 'IOSF', 'ODNN', '7EXA', 'MPLQ'].join('');
  return { answer: ${ANSWER}, data: { count: items.length, items: items, trace: 'aws ' + key } };
}
`,
);

/** Counts correctly after a busy loop of `iterations` (≈ 100 ns each in QuickJS on this machine). */
export function slow(iterations = 1_500_000): Capability {
  return countLike(
    'verify-slow',
    `export default async function run(input, sdk) {
${FIND}
  let x = 0;
  for (let i = 0; i < ${iterations}; i++) x = (x + i * 7) % 1000003;
  return { answer: ${ANSWER}, data: { count: items.length + (x < 0 ? 1 : 0), items: items } };
}
`,
  );
}

/** Clicks the first match and reports the click in `data.actions`: an honest action capability. */
export const clicksHonestly: Capability = {
  manifest: {
    ...generatedCount(['color', 'shape']).manifest,
    id: 'verify-clicks-honestly',
    name: 'Click a shape',
    description: 'Clicks the first shape of a colour and kind.',
    intents: [
      { action: 'click', targetKind: 'shape', slots: ['color', 'shape'], examples: ['click the red circle'] },
    ],
    permissions: ['screen.capture', 'vision.analyze', 'actions.click'],
    outputSchema: {
      type: 'object',
      required: ['answer', 'data'],
      properties: {
        answer: { type: 'string' },
        data: { type: 'object', required: ['actions'], properties: { actions: { type: 'array' } } },
      },
    },
    origin: { kind: 'generated', generator: 'template/test', failureIds: [] },
  },
  code: `export default async function run(input, sdk) {
${FIND}
  if (items.length === 0) return { answer: 'There is no ' + input.color + ' ' + input.shape + ' to click.', data: { actions: [] } };
  const done = await sdk.actions.click(items[0]);
  return { answer: 'Clicked the ' + input.color + ' ' + input.shape + '.', data: { actions: [done] } };
}
`,
};
