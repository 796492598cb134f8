import type { CapabilityManifest, Failure, FailureCategory } from '../domain/index.js';
import { matchCapability } from '../understanding/index.js';

/** When a live capability version has earned a successor (config key proposed: `discovery.evolution`). */
export interface EvolutionThresholds {
  /** No verdict on fewer runs of the version than this. */
  minExecutions: number;
  /** Failures of one kind needed before they count at all (a single timeout is noise). */
  minFailures: number;
  /** Timeouts, errors and invalid outputs per execution at or above which the version is replaced. */
  maxFailureShare: number;
  /** Negative feedback share (of all feedback) at or above which the version is replaced. */
  maxNegativeShare: number;
  /** Commands the version nearly served (its intent matched) but were only partly understood. */
  minNearMisses: number;
}

export const EVOLUTION_DEFAULTS: Readonly<EvolutionThresholds> = Object.freeze({
  minExecutions: 10,
  minFailures: 3,
  maxFailureShare: 0.2,
  maxNegativeShare: 0.3,
  minNearMisses: 3,
});

export interface EvolutionEvidence {
  manifest: Pick<CapabilityManifest, 'id' | 'version' | 'intents'>;
  /** Runs of this version in the window being judged. */
  executions: number;
  /** Recent failures (any); the relevant ones are picked here. */
  failures: Failure[];
  feedback: { positive: number; negative: number };
}

export interface EvolutionDecision {
  evolve: boolean;
  /** The version a successor would get. */
  nextVersion: number;
  reason: string;
  numbers: Record<string, number>;
}

const RUNTIME: ReadonlySet<FailureCategory> = new Set(['timeout', 'error', 'invalid_output']);

/**
 * Whether a live capability version should be regenerated as version n+1 for the same pattern: its own
 * runs time out, throw or break their schema too often, users say its answers are wrong, or users keep
 * asking for it in words the parser only partly understands (the intent matched, the confidence did not).
 * Permission failures are the caller's rights, not the capability's fault, and do not count.
 *
 * @example shouldEvolve({ manifest, executions: 40, failures, feedback: { positive: 2, negative: 9 } }).evolve
 */
export function shouldEvolve(
  evidence: EvolutionEvidence,
  thresholds: EvolutionThresholds = EVOLUTION_DEFAULTS,
): EvolutionDecision {
  const { manifest, executions, feedback } = evidence;
  const own = evidence.failures.filter((f) => f.capabilityId === manifest.id && RUNTIME.has(f.category));
  const byCategory = { timeout: 0, error: 0, invalid_output: 0 } as Record<string, number>;
  for (const f of own) byCategory[f.category] = (byCategory[f.category] ?? 0) + 1;
  const nearMisses = evidence.failures.filter(
    (f) => f.category === 'low_confidence' && matchCapability(f.frame, manifest) !== undefined,
  ).length;
  const rated = feedback.positive + feedback.negative;
  const failureShare = executions > 0 ? own.length / executions : 0;
  const negativeShare = rated > 0 ? feedback.negative / rated : 0;
  const numbers = {
    executions,
    failures: own.length,
    timeouts: byCategory.timeout ?? 0,
    errors: byCategory.error ?? 0,
    invalidOutputs: byCategory.invalid_output ?? 0,
    failureShare: Math.round(failureShare * 1000) / 1000,
    negativeFeedback: feedback.negative,
    negativeShare: Math.round(negativeShare * 1000) / 1000,
    nearMisses,
  };
  const reasons: string[] = [];
  const enoughRuns = executions >= thresholds.minExecutions;
  if (enoughRuns && own.length >= thresholds.minFailures && failureShare >= thresholds.maxFailureShare)
    reasons.push(
      `${own.length} of ${executions} runs failed (${numbers.timeouts} timeouts, ${numbers.errors} errors, ${numbers.invalidOutputs} invalid outputs)`,
    );
  if (feedback.negative >= thresholds.minFailures && negativeShare >= thresholds.maxNegativeShare)
    reasons.push(`${feedback.negative} of ${rated} answers were reported wrong`);
  if (nearMisses >= thresholds.minNearMisses)
    reasons.push(`${nearMisses} requests for it were only partly understood`);
  const nextVersion = manifest.version + 1;
  return {
    evolve: reasons.length > 0,
    nextVersion,
    reason: reasons.length
      ? `generate v${nextVersion}: ${reasons.join('; ')}`
      : enoughRuns
        ? `v${manifest.version} holds: ${own.length} failures in ${executions} runs, ${feedback.negative} negative of ${rated} rated`
        : `v${manifest.version}: only ${executions} runs so far (at least ${thresholds.minExecutions} needed to judge failures)`,
    numbers,
  };
}
