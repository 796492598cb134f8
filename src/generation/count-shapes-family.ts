import type { Capability, IntentSpec, JsonSchema, Pattern } from '../domain/index.js';
import { compositionOf, opsOf } from '../understanding/index.js';
import type { GeneratorFamily } from './family.js';
import { BBOX, SLOT_SCHEMAS } from './manifest-schemas.js';

type Slot = 'color' | 'shape' | 'region';

const SLOTS: Record<Slot, JsonSchema> = {
  color: SLOT_SCHEMAS.color,
  shape: SLOT_SCHEMAS.shape,
  region: SLOT_SCHEMAS.region,
};

const ITEM_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['kind', 'bbox'],
  properties: {
    kind: { type: 'string' },
    shape: { type: 'string' },
    color: { type: 'string' },
    bbox: BBOX,
  },
};

/**
 * The module is fixed text: every value that varies arrives through `input` at run time, so command text
 * can never change the code's structure (it is not in the code at all).
 */
export const COUNT_SHAPES_MODULE = `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const area = input.region ? await sdk.vision.region(screen, input.region) : screen;
  const query = {};
  if (input.shape) query.shape = input.shape;
  if (input.color) query.color = input.color;
  const items = await sdk.vision.findShapes(area, query);
  const count = items.length;
  const noun = (input.shape || 'shape') + (count === 1 ? '' : 's');
  const what = input.color ? input.color + ' ' + noun : noun;
  const where = input.region ? ' in the ' + input.region : '';
  const verb = count === 1 ? 'is' : 'are';
  return {
    answer: 'There ' + verb + ' ' + count + ' ' + what + where + '.',
    data: { count: count, items: items },
  };
}
`;

function slotsOf(pattern: Pattern): Slot[] {
  return pattern.parameters.filter((p): p is Slot => p === 'color' || p === 'shape' || p === 'region');
}

function capabilityId(slots: Slot[]): string {
  const by = slots.filter((s) => s !== 'region');
  return `count-shapes${by.length ? '-by-' + by.join('-') : ''}${slots.includes('region') ? '-in-region' : ''}`;
}

function examples(slots: Slot[]): string[] {
  const color = slots.includes('color');
  const shape = slots.includes('shape');
  const region = slots.includes('region');
  const phrase = (c: string, s: string, r: string) =>
    `count the ${color ? c + ' ' : ''}${shape ? s + 's' : 'shapes'}${region ? ' in the ' + r : ''}`;
  return [
    phrase('green', 'circle', 'toolbar'),
    phrase('red', 'square', 'sidebar'),
    phrase('blue', 'triangle', 'content'),
  ];
}

/** "count the <colour> <shape>s in/on the <region>" and its sub-forms (no colour, no region…). */
export const countShapesFamily: GeneratorFamily = {
  id: 'template/count-shapes',
  accepts(pattern) {
    const p = pattern.frame;
    const slots = slotsOf(pattern);
    // Data ops and compositions change the meaning: they belong to the planner's families.
    if (opsOf(p).length || compositionOf(p)) return false;
    return (
      p.action === 'count' &&
      p.target.kind === 'shape' &&
      slots.length === pattern.parameters.length &&
      (p.region === undefined || typeof p.region === 'string')
    );
  },
  emit(pattern, version, failureIds): Capability {
    const slots = slotsOf(pattern);
    const intent: IntentSpec = { action: 'count', targetKind: 'shape', slots, examples: examples(slots) };
    const properties: Record<string, JsonSchema> = {};
    for (const s of slots) properties[s] = SLOTS[s];
    return {
      manifest: {
        id: capabilityId(slots),
        name: `Count shapes${slots.length ? ' by ' + slots.join(', ') : ''}`,
        version,
        description: `Counts ${slots.includes('color') ? 'coloured ' : ''}shapes${slots.includes('region') ? ' in a named screen region' : ''} and lists them with their bounding boxes.`,
        intents: [intent],
        // Least privilege: capture the screen and analyse it; no OCR, no actions.
        permissions: ['screen.capture', 'vision.analyze'],
        // Every slot is optional: the module narrows by what the frame gives ("count the circles" has no colour).
        inputSchema: { type: 'object', properties, additionalProperties: false },
        outputSchema: {
          type: 'object',
          required: ['answer', 'data'],
          properties: {
            answer: { type: 'string' },
            data: {
              type: 'object',
              required: ['count', 'items'],
              properties: {
                count: { type: 'integer', minimum: 0 },
                items: { type: 'array', items: ITEM_SCHEMA },
              },
            },
          },
        },
        limits: { timeoutMs: 3000, memoryMb: 64 },
        origin: { kind: 'generated', generator: 'template/count-shapes', patternId: pattern.id, failureIds },
      },
      code: COUNT_SHAPES_MODULE,
    };
  },
};
