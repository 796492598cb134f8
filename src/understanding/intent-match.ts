import type { Action, CapabilityManifest, IntentFrame, IntentSpec } from '../domain/index.js';
import type { ExtendedFrameShape, IntentSpecExt, PartFrame } from './frame-ext.js';
import { compositionOf, opsOf } from './frame-ext.js';

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
  if (frame.target.size) f.size = frame.target.size;
  if (frame.state) f.state = frame.state;
  return f;
}

/**
 * Paraphrases of one request ("find the Export button" / "where is the Import button" / "locate …" / "show me
 * …") are one intent for routing: a capability learned from one phrasing serves the others. Both answer
 * with the items and where they are.
 */
const SAME_INTENT: Partial<Record<Action, Action>> = { locate: 'find' };

export function routingAction(action: Action): Action {
  return SAME_INTENT[action] ?? action;
}

function simpleSignature(frame: Omit<IntentFrame, 'raw' | 'condition'>): string {
  const fields = Object.keys(frameFields(frame))
    .filter((k) => k !== 'region')
    .sort();
  const region = frame.region === undefined ? '' : '@region';
  const ops = opsOf(frame);
  return `${frame.action}:${frame.target.kind}[${fields.join(',')}]${region}${ops.map((o) => '+' + o.op).join('')}`;
}

/**
 * The frame signature clusters failures: action, target kind, and *which* slots are filled (not their
 * values), so "count the green circles on the toolbar" and "count the red squares in the sidebar" share
 * `count:shape[color,shape]@region` and one parameterised capability can serve both. Data ops add their names
 * (`+sort`; their parameters are slots too); composed frames nest their parts: `par(a|b)`, `seq(a|b)`, `if(c)t`.
 */
export function frameSignature(frame: Omit<IntentFrame, 'raw'>): string {
  const comp = compositionOf(frame as ExtendedFrameShape);
  if (!comp) return simpleSignature(frame);
  const ops = opsOf(frame)
    .map((o) => '+' + o.op)
    .join('');
  if (comp.mode === 'conditional')
    return `if(${simpleSignature(comp.frames[0]!)})${simpleSignature(comp.frames[1]!)}`;
  const tag = comp.mode === 'parallel' ? 'par' : 'seq';
  return `${tag}(${comp.frames.map((f) => simpleSignature(f)).join('|')})${ops}`;
}

export interface IntentMatch {
  /** 0..1: how specifically the intent fits (fixed fields that matched count more than free slots). */
  score: number;
  input: Record<string, unknown>;
}

function sameOps(frame: object, intent: IntentSpecExt): boolean {
  const have = opsOf(frame).map((o) => o.op);
  const want = intent.ops ?? [];
  return have.length === want.length && have.every((o, i) => o === want[i]);
}

/** Op parameters are slot values: everything but the op name, passed in order as `input.ops`. */
function opInputs(frame: object): Array<Record<string, unknown>> {
  return opsOf(frame).map((o) => ({ ...o }));
}

function matchSimple(
  frame: PartFrame,
  intent: IntentSpecExt,
  fields: Partial<Record<SlotName, string | number>>,
): IntentMatch | undefined {
  if (routingAction(frame.action) !== routingAction(intent.action) || frame.target.kind !== intent.targetKind)
    return undefined;
  if (intent.parts || !sameOps(frame, intent)) return undefined;
  // A capability never runs without what it needs ("Click the button." is not click-<label>'s request).
  if (intent.required?.some((k) => fields[k] === undefined)) return undefined;
  const fixed = intent.fixed;
  if (fixed) {
    for (const k in fixed) {
      if (fields[k as SlotName] !== fixed[k as keyof typeof fixed]) return undefined;
    }
  }
  const input: Record<string, unknown> = {};
  for (const k in fields) {
    const key = k as SlotName;
    if (fixed && key in fixed) continue;
    if (!intent.slots.includes(key)) return undefined;
    input[key] = fields[key]!;
  }
  if (intent.ops?.length) input.ops = opInputs(frame);
  const fixedCount = fixed ? Object.keys(fixed).length : 0;
  return { score: 0.5 + 0.5 * (fixedCount / (fixedCount + intent.slots.length || 1)), input };
}

/**
 * A frame matches an intent when action and target kind agree, every fixed field equals the frame's, every
 * field the frame fills is either fixed or a slot (an unexpected field means the capability would silently
 * ignore part of the request), and the data ops and composition agree. A composed intent receives its parts'
 * inputs as `input.steps[i]`.
 */
export function matchIntent(
  frame: Omit<IntentFrame, 'raw'>,
  intent: IntentSpec,
  fields: Partial<Record<SlotName, string | number>> = frameFields(frame),
): IntentMatch | undefined {
  const ext = intent as IntentSpecExt;
  const comp = compositionOf(frame as ExtendedFrameShape);
  if (!comp) return matchSimple(frame as PartFrame, ext, fields);
  if (!ext.parts || ext.parts.mode !== comp.mode || ext.parts.intents.length !== comp.frames.length)
    return undefined;
  if (!sameOps(frame, ext)) return undefined;
  const steps: Array<Record<string, unknown>> = [];
  let score = 0;
  for (let i = 0; i < comp.frames.length; i++) {
    const f = comp.frames[i]!;
    const m = matchSimple(f, ext.parts.intents[i]!, frameFields(f));
    if (!m) return undefined;
    steps.push(m.input);
    score += m.score;
  }
  const input: Record<string, unknown> = { steps };
  if (ext.ops?.length) input.ops = opInputs(frame);
  return { score: score / comp.frames.length, input };
}

/** The best intent of a manifest for a frame (what the registry does per capability). */
export function matchCapability(
  frame: Omit<IntentFrame, 'raw'>,
  manifest: Pick<CapabilityManifest, 'intents'>,
): IntentMatch | undefined {
  let best: IntentMatch | undefined;
  const fields = frameFields(frame);
  for (const intent of manifest.intents) {
    const m = matchIntent(frame, intent, fields);
    if (m && (!best || m.score > best.score)) best = m;
  }
  return best;
}
