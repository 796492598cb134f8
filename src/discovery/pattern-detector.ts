import type { Failure, IntentFrame, Pattern } from '../domain/index.js';
import { isVerifiedUser, newId } from '../domain/index.js';
import type { Store } from '../store/index.js';
import type { ExtendedFrameShape, PartFrame } from '../understanding/index.js';
import { compositionOf, frameFields, frameSignature, opsOf } from '../understanding/index.js';
import type { SafetyAssessment } from './safety.js';
import { assessSafety, describeConcerns } from './safety.js';
import { TAUGHT_PREFIX } from './taught.js';
import { textKey, textSimilarity } from './text-similarity.js';

export interface DiscoveryThresholds {
  minOccurrences: number;
  minDistinctUsers: number;
  windowMs: number;
  /**
   * Text similarity (0..1, see textSimilarity) at or above which two partly understood commands are one
   * pattern. Default {@link TEXT_SIMILARITY_DEFAULT}.
   */
  textSimilarity?: number;
}

/** The words the parser could not explain in a cluster's commands, most frequent first. */
function unexplainedWords(members: readonly Failure[]): string[] {
  const counts = new Map<string, number>();
  for (const f of members) {
    const m = /I do not know what (.+?) means? here/.exec(f.message);
    if (!m) continue;
    for (const w of m[1]!.matchAll(/"([^"]+)"/g)) counts.set(w[1]!, (counts.get(w[1]!) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([w]) => w);
}

/** Two commands this similar say the same thing in other words ("count the widgets" / "count widgets pls"). */
export const TEXT_SIMILARITY_DEFAULT = 0.6;

/** Failure categories that reveal a missing capability. Timeouts and errors of a live one are its own problem. */
const LEARNABLE = new Set(['missing_handler', 'low_confidence']);

/** Patterns of blocked requests, kept apart from the parameterised pattern of the same frame signature. */
export const BLOCKED_SIGNATURE_PREFIX = 'blocked:';

/** Signatures of patterns clustered by text rather than by frame. */
export const TEXT_SIGNATURE_PREFIX = 'text:';

/**
 * The first blocking concern's reason, if any (kept for callers of the first version).
 * @deprecated use {@link assessSafety}, which also reports lower-priority concerns.
 */
export function safetyConcern(frame: Pick<IntentFrame, 'action' | 'raw'>): string | undefined {
  const a = assessSafety({ target: { kind: 'screen' }, ...frame });
  return a.concerns.find((c) => c.severity === 'block')?.reason;
}

/**
 * A lower-priority pattern needs twice the occurrences and one more distinct user: a request that touches a
 * destructive, credential or system control is learned only when clearly many people need it.
 */
export function raisedThresholds(t: DiscoveryThresholds): DiscoveryThresholds {
  return { ...t, minOccurrences: t.minOccurrences * 2, minDistinctUsers: t.minDistinctUsers + 1 };
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

export interface ObserveOptions {
  /**
   * When the first of the failures this observation stands for happened (a pipeline folds a burst of one
   * pattern's failures once, with the newest): a new pattern's `firstSeen`. Default: the failure's own time.
   */
  firstSeen?: string;
}

export interface Observation {
  pattern: Pattern;
  /** True when this failure pushed the pattern over the thresholds and generation should be queued. */
  ready: boolean;
  blockedReason?: string;
  /** The request's safety assessment (concerns lower the priority or block generation). */
  safety: SafetyAssessment;
}

/**
 * Folds one recorded failure into its pattern and says whether the pattern is ready for generation. Fully
 * understood commands cluster by frame signature; partly understood ones (`low_confidence`) by text
 * similarity, into a `text:` pattern that is reported but never generated from (no template can be planned
 * from a frame the parser did not understand). Safety concerns block generation or raise the thresholds,
 * with the reasons on the pattern. Counts are re-read from the store, so several nodes observing concurrently
 * agree.
 */
export async function observeFailure(
  store: Store,
  failure: Failure,
  thresholds: DiscoveryThresholds,
  now: Date,
  options: ObserveOptions = {},
): Promise<Observation | undefined> {
  // Taught failures carry expectations for a pattern; the command's own failure is what counts.
  if (!LEARNABLE.has(failure.category) || failure.signature.startsWith(TAUGHT_PREFIX)) return undefined;
  const since = new Date(now.getTime() - thresholds.windowMs).toISOString();
  const safety = assessSafety(failure.frame);
  const firstSeen = options.firstSeen ?? failure.at;
  if (failure.category === 'low_confidence')
    return observeByText(store, failure, thresholds, since, safety, firstSeen);
  const plain = failure.signature || frameSignature(failure.frame);
  // Safety is about the request's values, while a pattern generalises them away: a blocked request ("click
  // Delete") gets a blocked pattern of its own and does not count towards the parameterised one ("click
  // <label>"); the parameterised pattern is lowered only when every request in it raised a concern.
  const sample = await store.failures.list({ signature: plain, since, limit: SAMPLE });
  if (!sample.some((f) => f.id === failure.id)) sample.push(failure);
  const assessed = sample.map((f) => (f.id === failure.id ? safety : assessSafety(f.frame)));
  const blocked = sample.filter((_, i) => assessed[i]!.verdict === 'block');
  const usable = sample.filter((_, i) => assessed[i]!.verdict !== 'block');
  const isBlocked = safety.verdict === 'block';
  const members = isBlocked ? blocked : usable;
  const signature = isBlocked ? BLOCKED_SIGNATURE_PREFIX + plain : plain;
  let count = members.length;
  // Only identities someone vouched for count: a flood of anonymous or invented ids is one crowd of nobody.
  let distinctUsers = new Set(members.map((f) => f.userId).filter(isVerifiedUser)).size;
  if (!isBlocked && sample.length >= SAMPLE) {
    // Past the sample, the store's totals (less the blocked requests seen) are the better estimate.
    const [total, users] = await Promise.all([
      store.failures.count({ signature: plain, since }),
      store.failures.distinctUsers(plain, since),
    ]);
    count = total - blocked.length;
    distinctUsers = users;
  }
  const usableSafety = assessed.filter((a) => a.verdict !== 'block');
  const lowered = !isBlocked && usableSafety.length > 0 && usableSafety.every((a) => a.verdict === 'lower');
  const existing = await store.patterns.getBySignature(signature);
  const { frame, parameters } = generaliseFrame(failure.frame);
  const stored = await store.patterns.upsert({
    id: existing?.id ?? newId('pat'),
    signature,
    frame,
    parameters,
    count,
    distinctUsers,
    firstSeen: existing?.firstSeen ?? firstSeen,
    lastSeen: failure.at,
    status: existing?.status ?? 'collecting',
    ...(existing?.statusReason ? { statusReason: existing.statusReason } : {}),
    ...(existing?.capabilityId ? { capabilityId: existing.capabilityId } : {}),
  });
  const effective: SafetyAssessment = isBlocked
    ? safety
    : lowered
      ? safety.verdict === 'lower'
        ? safety
        : { verdict: 'lower', concerns: usableSafety[0]!.concerns }
      : { verdict: 'ok', concerns: [] };
  return judge(store, stored, failure, thresholds, effective);
}

/** Failures read per observation to assess the pattern's requests (counts beyond it come from the store). */
const SAMPLE = 500;

async function judge(
  store: Store,
  stored: Pattern,
  failure: Failure,
  thresholds: DiscoveryThresholds,
  safety: SafetyAssessment,
): Promise<Observation> {
  const quoted = `("${failure.command.slice(0, 80)}")`;
  if (safety.verdict === 'block' && stored.status === 'collecting') {
    const reason = `generation blocked: ${describeConcerns(safety)} ${quoted}`;
    await store.patterns.setStatus(stored.id, 'blocked', reason);
    return {
      pattern: { ...stored, status: 'blocked', statusReason: reason },
      ready: false,
      blockedReason: describeConcerns(safety),
      safety,
    };
  }
  const t = safety.verdict === 'lower' ? raisedThresholds(thresholds) : thresholds;
  const ready =
    stored.status === 'collecting' &&
    stored.count >= t.minOccurrences &&
    stored.distinctUsers >= t.minDistinctUsers;
  if (safety.verdict === 'lower' && stored.status === 'collecting') {
    const reason =
      `lower priority: ${describeConcerns(safety)} ${quoted} — needs ${t.minOccurrences} failures from ` +
      `${t.minDistinctUsers} users (has ${stored.count} from ${stored.distinctUsers})`;
    await store.patterns.setStatus(stored.id, 'collecting', reason);
    return { pattern: { ...stored, statusReason: reason }, ready, safety };
  }
  return { pattern: stored, ready, safety };
}

/**
 * Partly understood commands: the pattern is the nearest existing text pattern (similarity ≥ threshold to
 * its representative), else a new one keyed by this command's content words; its counts are the recent
 * partly understood failures similar to the representative.
 */
async function observeByText(
  store: Store,
  failure: Failure,
  thresholds: DiscoveryThresholds,
  since: string,
  safety: SafetyAssessment,
  firstSeen: string,
): Promise<Observation> {
  const threshold = thresholds.textSimilarity ?? TEXT_SIMILARITY_DEFAULT;
  const patterns = (await store.patterns.list({ limit: 1000 })).filter((p) =>
    p.signature.startsWith(TEXT_SIGNATURE_PREFIX),
  );
  let best: { pattern: Pattern; score: number } | undefined;
  for (const p of patterns) {
    const score = textSimilarity(p.signature.slice(TEXT_SIGNATURE_PREFIX.length), failure.command);
    if (score >= threshold && (!best || score > best.score)) best = { pattern: p, score };
  }
  const signature = best?.pattern.signature ?? TEXT_SIGNATURE_PREFIX + textKey(failure.command);
  const representative = signature.slice(TEXT_SIGNATURE_PREFIX.length);
  const recent = await store.failures.list({ since, limit: 1000 });
  const members = recent.filter(
    (f) =>
      f.category === 'low_confidence' &&
      (f.id === failure.id || textSimilarity(representative, f.command) >= threshold),
  );
  if (!members.some((f) => f.id === failure.id)) members.push(failure);
  const users = new Set(members.map((f) => f.userId).filter(isVerifiedUser));
  const existing = best?.pattern;
  const { frame, parameters } = generaliseFrame(failure.frame);
  const stored = await store.patterns.upsert({
    id: existing?.id ?? newId('pat'),
    signature,
    frame: existing?.frame ?? frame,
    parameters: existing?.parameters ?? parameters,
    count: members.length,
    distinctUsers: users.size,
    firstSeen: existing?.firstSeen ?? firstSeen,
    lastSeen: failure.at,
    status: existing?.status ?? 'collecting',
    ...(existing?.statusReason ? { statusReason: existing.statusReason } : {}),
  });
  if (safety.verdict === 'block') return judge(store, stored, failure, thresholds, safety);
  if (stored.status !== 'collecting') return { pattern: stored, ready: false, safety };
  const over = members.length >= thresholds.minOccurrences && users.size >= thresholds.minDistinctUsers;
  const status = over ? 'rejected' : 'collecting';
  const unknown = unexplainedWords(members);
  const reason =
    `partly understood: ${members.length} similar commands from ${users.size} users, clustered by text ` +
    `(similarity ≥ ${threshold})` +
    (unknown.length ? `; words not understood: ${unknown.map((w) => `"${w}"`).join(', ')}` : '') +
    '; no generator takes a frame the parser did not fully understand (not the templates, not the LLM provider): ' +
    'it becomes learnable with a parser rule for these words (docs/generation.md, "Grammar"), or when the ' +
    'commands are rephrased, or taught with demonstrations of what they should do (ironcliw teach)';
  await store.patterns.setStatus(stored.id, status, reason);
  return { pattern: { ...stored, status, statusReason: reason }, ready: false, safety };
}

/**
 * The pattern a recorded failure was folded into, read only (what `run --wait` reports on): by frame
 * signature, its blocked twin for a blocked request, or the nearest text pattern for a partly understood
 * command. Undefined when the failure is not one discovery learns from (a live capability's timeout or
 * error counts towards that capability's evolution instead) or was not observed yet.
 */
export async function patternOf(
  store: Store,
  failure: Failure,
  thresholds: Pick<DiscoveryThresholds, 'textSimilarity'> = {},
): Promise<Pattern | undefined> {
  if (!LEARNABLE.has(failure.category) || failure.signature.startsWith(TAUGHT_PREFIX)) return undefined;
  if (failure.category === 'low_confidence') {
    const threshold = thresholds.textSimilarity ?? TEXT_SIMILARITY_DEFAULT;
    let best: { pattern: Pattern; score: number } | undefined;
    for (const p of await store.patterns.list({ limit: 1000 })) {
      if (!p.signature.startsWith(TEXT_SIGNATURE_PREFIX)) continue;
      const score = textSimilarity(p.signature.slice(TEXT_SIGNATURE_PREFIX.length), failure.command);
      if (score >= threshold && (!best || score > best.score)) best = { pattern: p, score };
    }
    return best?.pattern;
  }
  const plain = failure.signature || frameSignature(failure.frame);
  const blocked = assessSafety(failure.frame).verdict === 'block';
  return store.patterns.getBySignature(blocked ? BLOCKED_SIGNATURE_PREFIX + plain : plain);
}

/** Whether a failure's category is one discovery learns from (a missing or misunderstood capability). */
export function isLearnable(failure: Pick<Failure, 'category'>): boolean {
  return LEARNABLE.has(failure.category);
}
