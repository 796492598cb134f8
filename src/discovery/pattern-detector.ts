import type { Failure, IntentFrame, Pattern } from '../domain/index.js';
import { newId } from '../domain/index.js';
import type { Store } from '../store/index.js';
import type { ExtendedFrameShape, PartFrame } from '../understanding/index.js';
import { compositionOf, frameFields, frameSignature, opsOf } from '../understanding/index.js';

export interface DiscoveryThresholds {
  minOccurrences: number;
  minDistinctUsers: number;
  windowMs: number;
}

/** Failure categories that reveal a missing capability. Timeouts and errors of a live one are its own problem. */
const LEARNABLE = new Set(['missing_handler', 'low_confidence']);

/** Requests whose intent is dangerous to automate: generation is blocked, with the reason kept on the pattern. */
const CONCERNS: Array<[RegExp, string]> = [
  [/\b(?:delete|remove|erase|wipe|format|destroy|uninstall|drop)\b/i, 'destructive action'],
  [
    /\b(?:all|every|everything)\b.*\b(?:click|close|send)\b|\b(?:click|close|send)\b.*\b(?:all|every)\b/i,
    'bulk action',
  ],
  [/\b(?:password|passcode|credential|token|secret|api key|credit card|ssn)\b/i, 'credential-related'],
  [
    /\b(?:sudo|terminal|shell|registry|shutdown|reboot|restart the (?:computer|system))\b/i,
    'system-level action',
  ],
];

export function safetyConcern(frame: Pick<IntentFrame, 'action' | 'raw'>): string | undefined {
  for (const [pattern, why] of CONCERNS) if (pattern.test(frame.raw)) return why;
  return undefined;
}

function generaliseOne(frame: PartFrame, prefix: string, parameters: string[]): PartFrame {
  for (const k of Object.keys(frameFields(frame)).sort()) parameters.push(prefix + k);
  const g: PartFrame = { action: frame.action, target: { kind: frame.target.kind } };
  if (frame.region !== undefined) g.region = frame.region;
  const ops = opsOf(frame);
  if (ops.length) {
    g.ops = ops.map((o) => ({ op: o.op }));
    parameters.push(prefix + 'ops');
  }
  return g;
}

/**
 * The generalised frame of a pattern: slot values are dropped, slot names become parameters (`color`,
 * `region`, … and `ops` for data-op parameters); a composed frame keeps its parts, whose parameters are
 * numbered (`0.color`, `1.label`).
 */
export function generaliseFrame(frame: IntentFrame): {
  frame: Omit<IntentFrame, 'raw'>;
  parameters: string[];
} {
  const parameters: string[] = [];
  const comp = compositionOf(frame as ExtendedFrameShape);
  if (!comp) return { frame: generaliseOne(frame, '', parameters), parameters };
  const parts = comp.frames.map((f, i) => generaliseOne(f, `${i}.`, parameters));
  let g: ExtendedFrameShape;
  if (comp.mode === 'conditional') {
    g = { ...parts[1]!, condition: { frame: parts[0]! } };
  } else {
    g = {
      action: frame.action,
      target: { kind: frame.target.kind },
      parts: { mode: comp.mode, frames: parts },
    };
    const ops = opsOf(frame);
    if (ops.length) {
      g.ops = ops.map((o) => ({ op: o.op }));
      parameters.push('ops');
    }
  }
  return { frame: g, parameters };
}

export interface Observation {
  pattern: Pattern;
  /** True when this failure pushed the pattern over the thresholds and generation should be queued. */
  ready: boolean;
  blockedReason?: string;
}

/**
 * Folds one recorded failure into its pattern (clustered by frame signature) and says whether the pattern
 * is ready for generation. Counts are re-read from the store, so several nodes observing concurrently agree.
 */
export async function observeFailure(
  store: Store,
  failure: Failure,
  thresholds: DiscoveryThresholds,
  now: Date,
): Promise<Observation | undefined> {
  if (!LEARNABLE.has(failure.category)) return undefined;
  const signature = failure.signature || frameSignature(failure.frame);
  const since = new Date(now.getTime() - thresholds.windowMs).toISOString();
  const [count, distinctUsers] = await Promise.all([
    store.failures.count({ signature, since }),
    store.failures.distinctUsers(signature, since),
  ]);
  const existing = await store.patterns.getBySignature(signature);
  const { frame, parameters } = generaliseFrame(failure.frame);
  const pattern: Pattern = {
    id: existing?.id ?? newId('pat'),
    signature,
    frame,
    parameters,
    count,
    distinctUsers,
    firstSeen: existing?.firstSeen ?? failure.at,
    lastSeen: failure.at,
    status: existing?.status ?? 'collecting',
    ...(existing?.statusReason ? { statusReason: existing.statusReason } : {}),
    ...(existing?.capabilityId ? { capabilityId: existing.capabilityId } : {}),
  };
  const stored = await store.patterns.upsert(pattern);
  const concern = safetyConcern(failure.frame);
  if (concern && stored.status === 'collecting') {
    await store.patterns.setStatus(
      stored.id,
      'blocked',
      `generation blocked: ${concern} ("${failure.command.slice(0, 80)}")`,
    );
    return { pattern: { ...stored, status: 'blocked' }, ready: false, blockedReason: concern };
  }
  const ready =
    stored.status === 'collecting' &&
    count >= thresholds.minOccurrences &&
    distinctUsers >= thresholds.minDistinctUsers;
  return { pattern: stored, ready };
}
