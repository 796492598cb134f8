import type { JsonSchema } from '../domain/index.js';
import { COLORS, NAMED_REGIONS, SHAPES } from '../domain/index.js';
import type { DataOpName } from '../understanding/index.js';
import { OP_PARAMS, OP_VALUES } from '../understanding/index.js';
import type { Plan, Slot, StepPlan } from './plan.js';
import { POINTER_ACTIONS } from './plan.js';

/** The manifest's JSON schemas for a plan: what a capability takes (its slots and ops) and what it returns. */

/** The schema of each slot value (shared by every generator family's manifests). */
export const SLOT_SCHEMAS: Record<Slot, JsonSchema> = {
  color: { type: 'string', enum: [...COLORS] },
  shape: { type: 'string', enum: [...SHAPES] },
  region: { type: 'string', enum: [...NAMED_REGIONS] },
  text: { type: 'string', maxLength: 200 },
  label: { type: 'string', maxLength: 200 },
  quantity: { type: 'integer', minimum: 0, maximum: 1000 },
  size: { type: 'string', enum: ['large', 'small'] },
  state: { type: 'string', enum: ['on', 'off'] },
};

function opSchema(op: DataOpName): JsonSchema {
  const params = OP_PARAMS[op] as Record<string, readonly string[]>;
  const properties: Record<string, JsonSchema> = { op: { type: 'string', enum: [op] } };
  for (const [k, values] of Object.entries(params)) properties[k] = { type: 'string', enum: [...values] };
  const free = OP_VALUES[op] ?? {};
  for (const [k, v] of Object.entries(free))
    properties[k] =
      v === 'string'
        ? { type: 'string', maxLength: 200 }
        : { type: op === 'filter' ? 'number' : 'integer', minimum: v.min, maximum: v.max };
  return {
    type: 'object',
    required: ['op', ...Object.keys(params), ...Object.keys(free)],
    properties,
    additionalProperties: false,
  };
}

export function opsSchema(ops: DataOpName[]): JsonSchema {
  // The subset has no tuples: each element may be any of the declared ops; the module reads them by position.
  const distinct = [...new Set(ops)];
  return {
    type: 'array',
    items:
      distinct.length === 1
        ? opSchema(distinct[0]!)
        : { type: 'object', properties: { op: { type: 'string', enum: distinct } }, required: ['op'] },
  };
}

export function stepInputSchema(step: StepPlan): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const s of step.slots) properties[s] = SLOT_SCHEMAS[s];
  if (step.ops.length) properties.ops = opsSchema(step.ops);
  return {
    type: 'object',
    properties,
    // Text to find, type or press is the point of the step; shape, colour and region narrow it and may be absent.
    required: [...requiredSlots(step), ...(step.ops.length ? ['ops'] : [])],
    additionalProperties: false,
  };
}

/** A box in screen pixels. */
export const BBOX: JsonSchema = {
  type: 'object',
  required: ['x', 'y', 'width', 'height'],
  properties: {
    x: { type: 'number' },
    y: { type: 'number' },
    width: { type: 'number' },
    height: { type: 'number' },
  },
};
const ITEMS: JsonSchema = {
  type: 'array',
  items: { type: 'object', required: ['kind', 'bbox'], properties: { kind: { type: 'string' }, bbox: BBOX } },
};
const ACTIONS_SCHEMA: JsonSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['type'],
    properties: {
      type: { type: 'string', enum: ['click', 'hover', 'drag', 'type', 'press'] },
      // Only a click carries a button, and only a right click says so.
      button: { type: 'string', enum: ['left', 'right'] },
    },
  },
};

function stepDataSchema(step: StepPlan): JsonSchema {
  const obj = (required: string[], properties: Record<string, JsonSchema>): JsonSchema => ({
    type: 'object',
    required,
    properties,
  });
  if (step.ops.includes('aggregate'))
    return obj(['value', 'count', 'items'], {
      count: { type: 'integer', minimum: 0 },
      items: ITEMS,
      unit: { type: 'string' },
    });
  if (step.kind === 'words')
    return obj(['count', 'items'], { count: { type: 'integer', minimum: 0 }, items: ITEMS });
  if (step.kind === 'elements') {
    if (step.action === 'read')
      return obj(['text', 'count', 'items'], { text: { type: 'string' }, items: ITEMS });
    if (step.action === 'type') return obj(['actions'], { actions: ACTIONS_SCHEMA });
    if (!['count', 'find', 'locate', 'check', 'list'].includes(step.action))
      return obj(['clicked', 'actions', 'items'], {
        clicked: { type: 'boolean' },
        actions: ACTIONS_SCHEMA,
        items: ITEMS,
      });
  }
  switch (step.kind) {
    case 'read':
      return obj(['text', 'words'], { text: { type: 'string' }, words: { type: 'array' } });
    case 'describe':
      return obj(['text', 'shapes'], { text: { type: 'string' }, shapes: { type: 'array' } });
    case 'type':
    case 'press':
      return obj(['actions'], { actions: ACTIONS_SCHEMA });
    default:
      if (POINTER_ACTIONS.has(step.action))
        return obj(['clicked', 'actions', 'items'], {
          clicked: { type: 'boolean' },
          actions: ACTIONS_SCHEMA,
          items: ITEMS,
        });
      if (step.action === 'check')
        return obj(['present', 'count', 'items'], {
          present: { type: 'boolean' },
          count: { type: 'integer', minimum: 0 },
          items: ITEMS,
        });
      return obj(['count', 'items'], { count: { type: 'integer', minimum: 0 }, items: ITEMS });
  }
}

export function outputSchema(plan: Plan): JsonSchema {
  const data: JsonSchema =
    plan.mode === 'single'
      ? stepDataSchema(plan.steps[0]!)
      : plan.mode === 'conditional'
        ? {
            type: 'object',
            required: ['present', 'actions'],
            properties: { present: { type: 'boolean' }, actions: ACTIONS_SCHEMA },
          }
        : plan.ops[0] === 'compare'
          ? {
              type: 'object',
              required: ['result', 'counts'],
              properties: {
                result: { type: 'boolean' },
                counts: { type: 'array', items: { type: 'integer', minimum: 0 } },
              },
            }
          : {
              type: 'object',
              required: ['parts'],
              properties: { parts: { type: 'array', items: { type: 'object' } } },
            };
  return { type: 'object', required: ['answer', 'data'], properties: { answer: { type: 'string' }, data } };
}

/** The slots a step cannot do without: the text or label it looks for, types or presses. */
export function requiredSlots(step: StepPlan): Slot[] {
  return step.slots.filter((x) => x === 'text' || x === 'label');
}
