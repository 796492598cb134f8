import type { Severity, Violation } from '../domain/index.js';

/**
 * score = Π over violations of (1 − weight[severity]), rounded to 3 decimals; 1 for a clean module, never
 * below 0. Multiplicative so each further finding still lowers the score without ever going negative.
 */
export function safetyScore(
  violations: readonly Violation[],
  weights: Readonly<Record<Severity, number>>,
): number {
  let score = 1;
  for (const v of violations) score *= 1 - Math.min(1, Math.max(0, weights[v.severity]));
  return Math.round(score * 1000) / 1000;
}

/**
 * The decision is separate from the score: any critical or high violation makes a module unsafe whatever its
 * score (one `eval` is enough), and a pile of medium/low findings makes it unsafe once score < minScore.
 */
export function isSafe(violations: readonly Violation[], score: number, minScore: number): boolean {
  return !violations.some((v) => v.severity === 'critical' || v.severity === 'high') && score >= minScore;
}
