import type { IntentFrame, IntentSpec, NamedRegion } from '../domain/index.js';

type SlotName = IntentSpec['slots'][number];

/** The frame fields a capability can receive, flattened. */
export function frameFields(frame: Omit<IntentFrame, 'raw'>): Partial<Record<SlotName, string | number>> {
  const f: Partial<Record<SlotName, string | number>> = {};
  if (frame.target.shape) f.shape = frame.target.shape;
  if (frame.target.color) f.color = frame.target.color;
  if (frame.target.text) f.text = frame.target.text;
  if (frame.target.label) f.label = frame.target.label;
  if (frame.region !== undefined)
    f.region = typeof frame.region === 'string' ? frame.region : JSON.stringify(frame.region);
  if (frame.quantity !== undefined) f.quantity = frame.quantity;
  return f;
}

/**
 * The frame signature clusters failures: action, target kind, and *which* slots are filled (not their
 * values), so "count the green circles on the toolbar" and "count the red squares in the sidebar" share
 * `count:shape[color,shape]@region` and one parameterised capability can serve both.
 */
export function frameSignature(frame: Omit<IntentFrame, 'raw'>): string {
  const fields = Object.keys(frameFields(frame))
    .filter((k) => k !== 'region')
    .sort();
  const region = frame.region === undefined ? '' : '@region';
  return `${frame.action}:${frame.target.kind}[${fields.join(',')}]${region}`;
}

export interface IntentMatch {
  /** 0..1: how specifically the intent fits (fixed fields that matched count more than free slots). */
  score: number;
  input: Record<string, string | number>;
}

/**
 * A frame matches an intent when action and target kind agree, every fixed field equals the frame's, and
 * every field the frame fills is either fixed or a slot (an unexpected field means the capability would
 * silently ignore part of the request).
 */
export function matchIntent(
  frame: Omit<IntentFrame, 'raw'>,
  intent: IntentSpec,
  fields: Partial<Record<SlotName, string | number>> = frameFields(frame),
): IntentMatch | undefined {
  if (frame.action !== intent.action || frame.target.kind !== intent.targetKind) return undefined;
  const fixed = intent.fixed;
  if (fixed) {
    for (const k in fixed) {
      if (fields[k as SlotName] !== fixed[k as keyof typeof fixed]) return undefined;
    }
  }
  const input: Record<string, string | number> = {};
  for (const k in fields) {
    const key = k as SlotName;
    if (fixed && key in fixed) continue;
    if (!intent.slots.includes(key)) return undefined;
    input[key] = fields[key]!;
  }
  const fixedCount = fixed ? Object.keys(fixed).length : 0;
  return { score: 0.5 + 0.5 * (fixedCount / (fixedCount + intent.slots.length || 1)), input };
}

export function isNamedRegion(value: unknown): value is NamedRegion {
  return typeof value === 'string';
}
