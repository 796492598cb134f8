import type { DataOpName, FrameParts, IntentFrame, IntentSpec, PartFrame } from '../domain/index.js';

/**
 * Helpers over the composed and data-op parts of the IntentFrame contract (`IntentFrame.ops`,
 * `IntentFrame.parts`, `IntentSpec.ops`, `IntentSpec.parts` in domain/types.ts). The aliases below keep the
 * names earlier stages used while these fields were an extension.
 */

export { DATA_OPS } from '../domain/index.js';
export type { DataOp, DataOpName, FrameParts, PartFrame } from '../domain/index.js';

/** The values each op parameter may take: op parameters are slots, so they are validated like colours. */
export const OP_PARAMS = {
  sort: { by: ['x', 'y', 'size'], order: ['asc', 'desc'] },
  filter: { by: ['size', 'width', 'height'], cmp: ['gt', 'lt'] },
  aggregate: { fn: ['max', 'min', 'mean', 'sum'], by: ['size', 'width', 'height', 'area'] },
  convert: { unit: ['cm', 'mm', 'in', 'pt'] },
  compare: { relation: ['more', 'fewer', 'same'] },
  exclude: { by: ['color', 'shape', 'region', 'kind', 'label'] },
  relative: { relation: ['right-of', 'left-of', 'above', 'below', 'near'] },
  pick: { by: ['reading', 'x', 'y', 'size'], order: ['asc', 'desc'] },
  attribute: { of: ['color', 'shape'] },
  group: { by: ['line'] },
  repeat: {},
} as const;

/** Op parameters that are free values rather than enums: strings up to 200 characters, or small integers. */
export const OP_VALUES: Readonly<Record<string, Record<string, 'string' | { min: number; max: number }>>> = {
  filter: { value: { min: 0, max: 100_000 } },
  exclude: { value: 'string' },
  relative: { anchor: 'string' },
  pick: { index: { min: 1, max: 100 }, count: { min: 1, max: 100 } },
  repeat: { times: { min: 1, max: 10 } },
};

export type PartsMode = FrameParts['mode'];
export type FrameExtras = Pick<IntentFrame, 'ops' | 'parts'>;
export type ExtendedFrame = IntentFrame;
export type ExtendedFrameShape = Omit<IntentFrame, 'raw'>;
export type IntentSpecExt = IntentSpec;

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
