import type { Capability, Failure, Pattern, Rollout } from '../domain/index.js';
import { isLearnable, patternOf } from '../discovery/index.js';
import type { Ironcliw } from '../ironcliw.js';

/**
 * What learning did with a failure, stage by stage, for `run --wait`: the pattern it joined, the candidate
 * generated (generator family, time), the verification decision (with its reasons when it was not a plain
 * approve), and the rollout stage with who is served now — or why nothing can be learned. Read from the
 * store after the wait, plus what this process saw happen (candidates and stage times), so it is true
 * whether this process or another node did the learning.
 */
interface LearningStep {
  stage: 'pattern' | 'generated' | 'verification' | 'rollout' | 'not-learned';
  /** False for a stage that stopped learning (rejected, blocked, impossible). */
  ok: boolean;
  text: string;
}

export interface LearningReport {
  patternId: string | null;
  signature: string | null;
  status: Pattern['status'] | null;
  steps: LearningStep[];
}

/** What the process saw while it waited (pipeline hooks and events). */
export interface LearningObservations {
  candidates: Capability[];
  stageMs: Partial<Record<'generate' | 'verify' | 'register', number>>;
}

const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(x < 10 ? 1 : 0)} ms`);
const pct = (basisPoints: number) => `${basisPoints / 100}%`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Who a rollout serves in its stage (docs/rollout.md). */
function whoIsServed(rollout: Rollout, internalGroup: string, betaGroup: string): string {
  const internal = `the ${internalGroup} group`;
  switch (rollout.stage) {
    case 'development':
      return `${internal} only`;
    case 'canary':
    case 'gradual':
      return `${pct(rollout.percentage)} of users and ${internal}`;
    case 'beta':
      return `${pct(rollout.percentage)} of users, the ${betaGroup} group and ${internal}`;
    case 'production':
      return 'everyone';
    case 'paused':
      return `those it served when it was paused at ${rollout.pausedFrom ?? 'development'} (a person resumes it)`;
    default:
      return `nobody (${rollout.stage.replace('_', ' ')})`;
  }
}

export async function learningReport(
  ironcliw: Ironcliw,
  failureId: string,
  context: { user: string; groups: string[] },
  seen: LearningObservations,
): Promise<LearningReport> {
  const { store, config } = ironcliw;
  const steps: LearningStep[] = [];
  const failure: Failure | undefined = await store.failures.get(failureId);
  const empty = { patternId: null, signature: null, status: null };
  if (!failure) return { ...empty, steps };
  if (!isLearnable(failure)) {
    steps.push({
      stage: 'not-learned',
      ok: false,
      text: `a ${failure.category} of a live capability is not a new pattern: it counts towards that capability's next version`,
    });
    return { ...empty, steps };
  }
  const pattern = await patternOf(store, failure, config.discovery);
  if (!pattern) {
    steps.push({
      stage: 'not-learned',
      ok: false,
      text: 'the failure has not been folded into a pattern yet',
    });
    return { ...empty, steps };
  }
  const report: LearningReport = {
    patternId: pattern.id,
    signature: pattern.signature,
    status: pattern.status,
    steps,
  };
  const { minOccurrences, minDistinctUsers } = config.discovery;
  const counts = `${plural(pattern.count, 'failure')} from ${plural(pattern.distinctUsers, 'user')}`;
  if (pattern.status === 'collecting') {
    steps.push({
      stage: 'pattern',
      ok: true,
      text:
        `${pattern.signature}: ${counts}; learning starts at ${minOccurrences} from ${minDistinctUsers}` +
        (pattern.statusReason ? ` (${pattern.statusReason})` : ''),
    });
    return report;
  }
  if (pattern.status === 'blocked' || (pattern.status === 'rejected' && !seen.candidates.length)) {
    steps.push({ stage: 'pattern', ok: true, text: `${pattern.signature}: ${counts}` });
    steps.push({
      stage: 'not-learned',
      ok: false,
      text: pattern.statusReason ?? `pattern ${pattern.status}`,
    });
    return report;
  }
  steps.push({
    stage: 'pattern',
    ok: true,
    text: `${pattern.signature}: ${counts}, the threshold is ${minOccurrences} from ${minDistinctUsers}: learning started`,
  });
  if (pattern.status === 'queued' || pattern.status === 'generating') {
    steps.push({
      stage: 'not-learned',
      ok: false,
      text: `learning is still ${pattern.status === 'queued' ? 'queued' : 'running'} (another node may hold the job); see \`ironcliw failures --patterns\``,
    });
    return report;
  }

  // The candidate: the one this process generated last, else the pattern's registered capability.
  const candidate = seen.candidates.at(-1);
  const capabilityId = candidate?.manifest.id ?? pattern.capabilityId;
  const stored = capabilityId
    ? await store.capabilities.get(capabilityId, candidate?.manifest.version)
    : undefined;
  const manifest = candidate?.manifest ?? stored?.manifest;
  if (!manifest) {
    steps.push({
      stage: 'not-learned',
      ok: false,
      text: pattern.statusReason ?? `pattern ${pattern.status}`,
    });
    return report;
  }
  const events = (await store.events.list({ capabilityId: manifest.id })).filter(
    (e) => e.version === manifest.version,
  );
  const decided = events.find((e) => e.kind === 'approve' || e.kind === 'reject');
  const generationMs = seen.stageMs.generate ?? decided?.numbers['generationMs'];
  steps.push({
    stage: 'generated',
    ok: true,
    text:
      `${manifest.id} v${manifest.version} by ${manifest.origin.generator}` +
      (generationMs !== undefined ? ` in ${ms(generationMs)}` : ''),
  });

  const verification = (await store.reports.list(manifest.id, manifest.version, 'verification')).at(-1)
    ?.report as
    | {
        decision: string;
        level: string;
        riskScore: number;
        checks: Array<{ name: string; passed: boolean; detail: string }>;
      }
    | undefined;
  const verifyMs = seen.stageMs.verify !== undefined ? ` (${ms(seen.stageMs.verify)})` : '';
  if (!verification) {
    // Refused before verification: the static gate.
    steps.push({
      stage: 'verification',
      ok: false,
      text: `not verified: ${decided?.reason ?? pattern.statusReason ?? 'refused'}`,
    });
    return report;
  }
  const failed = verification.checks.filter((c) => !c.passed);
  const summary = `${verification.decision} at level ${verification.level}: risk ${verification.riskScore}, ${verification.checks.length - failed.length}/${verification.checks.length} checks passed${verifyMs}`;
  steps.push({
    stage: 'verification',
    ok: verification.decision !== 'reject',
    text: failed.length
      ? `${summary} — ${failed
          .map((c) => `${c.name}: ${c.detail}`)
          .join('; ')
          .slice(0, 600)}`
      : summary,
  });
  if (verification.decision === 'reject') {
    steps.push({
      stage: 'not-learned',
      ok: false,
      text: decided?.reason ?? 'verification rejected the candidate',
    });
    return report;
  }

  const rollout = await store.rollouts.get(manifest.id);
  if (!rollout || rollout.version !== manifest.version) {
    steps.push({ stage: 'rollout', ok: false, text: `v${manifest.version} has no rollout` });
    return report;
  }
  const served = await servedTo(ironcliw, manifest.id, context);
  steps.push({
    stage: 'rollout',
    ok: true,
    text:
      `${rollout.stage}${rollout.stage === 'paused' || rollout.stage === 'development' ? '' : ` ${pct(rollout.percentage)}`}` +
      ` — served to ${whoIsServed(rollout, config.rollout.internalGroup, config.rollout.betaGroup)}; ` +
      `you (${context.user}): ${served}`,
  });
  return report;
}

/** Whether this user gets the new version now, and by which rule (the rollout engine's own assignment). */
async function servedTo(
  ironcliw: Ironcliw,
  capabilityId: string,
  context: { user: string; groups: string[] },
): Promise<string> {
  await ironcliw.refresh();
  const provider = ironcliw.openFeatureProvider();
  try {
    const r = await provider.resolveObjectEvaluation(
      capabilityId,
      {},
      { targetingKey: context.user, groups: context.groups },
    );
    const a = r.value as { variant?: string; rule?: string };
    const rule = (a.rule ?? 'unknown').replaceAll('_', ' ');
    return a.variant === 'stable' ? `not yet (${rule})` : `yes (${rule})`;
  } finally {
    await provider.onClose();
  }
}

/** The report as lines under the answer: one per stage reached, ✗ where learning stopped. */
export function formatLearning(report: LearningReport): string {
  if (!report.steps.length) return '';
  const width = Math.max(...report.steps.map((s) => s.stage.length));
  return [
    'learning:',
    ...report.steps.map((s) => `  ${s.ok ? '✓' : '✗'} ${s.stage.padEnd(width)}  ${s.text}`),
  ].join('\n');
}
