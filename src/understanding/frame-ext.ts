import type { IntentFrame, IntentSpec } from '../domain/index.js';

/**
 * Extensions of the IntentFrame contract used by understanding, discovery and generation for data processing
 * and composed commands. They travel as optional extra properties of a frame (JSON), so stages that do not
 * know them still see a valid IntentFrame. (Proposed for domain/types.ts: `IntentFrame.ops?`, `IntentFrame.parts?`,
 * `IntentSpec.ops?`, `IntentSpec.parts?` — see docs/generation.md.)
 */

export const DATA_OPS = ['sort', 'filter', 'aggregate', 'convert', 'compare'] as const;
export type DataOpName = (typeof DATA_OPS)[number];

export type SortOp = { op: 'sort'; by: 'x' | 'y' | 'size'; order: 'asc' | 'desc' };
export type FilterOp = { op: 'filter'; by: 'size' | 'width' | 'height'; cmp: 'gt' | 'lt'; value: number };
export type AggregateOp = {
  op: 'aggregate';
  fn: 'max' | 'min' | 'mean' | 'sum';
  by: 'size' | 'width' | 'height' | 'area';
};
export type ConvertOp = { op: 'convert'; unit: 'cm' | 'mm' | 'in' | 'pt' };
export type CompareOp = { op: 'compare'; relation: 'more' | 'fewer' | 'same' };
export type DataOp = SortOp | FilterOp | AggregateOp | ConvertOp | CompareOp;

/** The values each op parameter may take: op parameters are slots, so they are validated like colours. */
export const OP_PARAMS = {
  sort: { by: ['x', 'y', 'size'], order: ['asc', 'desc'] },
  filter: { by: ['size', 'width', 'height'], cmp: ['gt', 'lt'] },
  aggregate: { fn: ['max', 'min', 'mean', 'sum'], by: ['size', 'width', 'height', 'area'] },
  convert: { unit: ['cm', 'mm', 'in', 'pt'] },
  compare: { relation: ['more', 'fewer', 'same'] },
} as const;

export type PartsMode = 'sequence' | 'parallel';

export type PartFrame = Omit<IntentFrame, 'raw' | 'condition'> & FrameExtras;

export interface FrameParts {
  mode: PartsMode;
  frames: PartFrame[];
}

export interface FrameExtras {
  /** Data processing applied, in order, to what the frame's action returns. */
  ops?: DataOp[] | Array<{ op: DataOpName }>;
  /** Several frames executed one after the other or side by side (compare works over parallel parts). */
  parts?: FrameParts;
}

export type ExtendedFrame = IntentFrame & FrameExtras;
export type ExtendedFrameShape = Omit<IntentFrame, 'raw'> & FrameExtras;

/** The combination an intent stands for; absent = a single frame. */
export interface IntentSpecExt extends IntentSpec {
  /** Names of the data ops the capability applies (their parameters arrive in `input.ops`). */
  ops?: DataOpName[];
  /** A composed intent: each part is an intent of its own; inputs arrive as `input.steps[i]`. */
  parts?: { mode: PartsMode | 'conditional'; intents: IntentSpecExt[] };
}

export function opsOf(frame: object): Array<{ op: DataOpName }> {
  const ops = (frame as FrameExtras).ops;
  return Array.isArray(ops) ? ops : [];
}

export function partsOf(frame: object): FrameParts | undefined {
  const p = (frame as FrameExtras).parts;
  return p && Array.isArray(p.frames) && p.frames.length > 0 ? p : undefined;
}

/** A frame's composition, conditional frames included ([condition, then]); undefined for a single frame. */
export function compositionOf(
  frame: ExtendedFrameShape,
): { mode: PartsMode | 'conditional'; frames: PartFrame[] } | undefined {
  if (frame.condition) {
    const { condition: _c, ...then } = frame as ExtendedFrameShape & { raw?: string };
    delete (then as { raw?: string }).raw;
    return { mode: 'conditional', frames: [frame.condition.frame as PartFrame, then as PartFrame] };
  }
  const parts = partsOf(frame);
  return parts ? { mode: parts.mode, frames: parts.frames } : undefined;
}
