import type { CapabilityManifest, VerificationDecision, VerificationLevel } from '../domain/index.js';
import type { VerificationOptions } from './options.js';
import { PERMISSION_RISK, PROVENANCE_RISK } from './options.js';

export const LEVELS: readonly VerificationLevel[] = ['basic', 'standard', 'comprehensive', 'production'];

export function levelIndex(level: VerificationLevel): number {
  return LEVELS.indexOf(level);
}

/**
 * A check as stored in the report: the DESIGN.md `{name, passed, detail}` plus the level that ran it and what a
 * failure means — `blocking` rejects, `advisory` makes the decision conditional (with the conditions it names).
 */
export interface VerificationCheck {
  name: string;
  passed: boolean;
  detail: string;
  level: VerificationLevel;
  severity: 'blocking' | 'advisory';
  /** Conditions a failed advisory check imposes (see {@link CONDITIONS}). */
  conditions?: string[];
}

/**
 * Conditions of a `conditional` decision, as stable strings the rollout reads:
 * - `max-stage:<stage>` — the rollout may not promote past this stage (e.g. `max-stage:canary`);
 * - `manual-promotion` — every promotion needs a person (`ironcliw rollout promote`);
 * - `limited-group:<group>` — served only to that user group (e.g. `limited-group:internal`).
 */
export const CONDITIONS = {
  canary: 'max-stage:canary',
  development: 'max-stage:development',
  manual: 'manual-promotion',
  group: (g: string) => `limited-group:${g}`,
} as const;

/** One factor of the risk score: its value 0..1 (1 = worst), its weight, and whether the level measured it. */
export interface RiskFactor {
  name: keyof VerificationOptions['weights'];
  value: number;
  weight: number;
  detail: string;
}

const clamp01 = (v: number) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 1);

export function permissionRisk(manifest: Pick<CapabilityManifest, 'permissions'>): number {
  // An unknown permission is treated as the riskiest there is.
  return Math.max(0, ...manifest.permissions.map((p) => PERMISSION_RISK[p] ?? 1));
}

export function provenanceRisk(origin: CapabilityManifest['origin']): { value: number; key: string } {
  if (origin.kind !== 'generated') return { value: PROVENANCE_RISK[origin.kind] ?? 1, key: origin.kind };
  const family = origin.generator.split(/[/:]/)[0]?.toLowerCase() ?? '';
  const key = `generated:${family}`;
  const value = PROVENANCE_RISK[key];
  return value === undefined ? { value: PROVENANCE_RISK.generated ?? 1, key: 'generated' } : { value, key };
}

/**
 * The weighted mean of the measured factors (weights normalised over those present, so `basic` is not scored
 * on tests it never ran), rounded to 3 decimals. 0 = no risk found, 1 = every factor at its worst.
 */
export function riskScore(factors: readonly RiskFactor[]): number {
  const total = factors.reduce((s, f) => s + f.weight, 0);
  if (total <= 0) return 1;
  const score = factors.reduce((s, f) => s + f.weight * clamp01(f.value), 0) / total;
  return Math.round(score * 1000) / 1000;
}

export interface DecisionInput {
  level: VerificationLevel;
  checks: readonly VerificationCheck[];
  riskScore: number;
  manifest: Pick<CapabilityManifest, 'permissions' | 'origin'>;
  options: VerificationOptions;
}

export interface Decision {
  decision: VerificationDecision;
  conditions: string[];
  /** Why, in one line per reason (shown by the CLI and stored with the report). */
  reasons: string[];
}

/**
 * approve | conditional | reject, derived from the checks and the risk score only:
 * 1. any failed blocking check, or risk ≥ `rejectMinRisk` → reject;
 * 2. conditions from failed advisory checks, from a risk above `approveMaxRisk` (canary cap, manual
 *    promotion), from action permissions (manual promotion, limited group), from imported code (manual
 *    promotion) and from a level below `approveMinLevel` (held in development, manual promotion) → conditional;
 * 3. otherwise approve.
 */
export function decide(input: DecisionInput): Decision {
  const { checks, options } = input;
  const reasons: string[] = [];
  const blocking = checks.filter((c) => !c.passed && c.severity === 'blocking');
  if (blocking.length) reasons.push(...blocking.map((c) => `${c.name} failed: ${c.detail}`));
  if (input.riskScore >= options.rejectMinRisk)
    reasons.push(`risk ${input.riskScore} ≥ rejectMinRisk ${options.rejectMinRisk}`);
  if (reasons.length) return { decision: 'reject', conditions: [], reasons };

  const conditions = new Set<string>();
  const add = (why: string, ...cs: string[]) => {
    reasons.push(why);
    for (const c of cs) conditions.add(c);
  };
  for (const c of checks)
    if (!c.passed) add(`${c.name}: ${c.detail}`, ...(c.conditions ?? [CONDITIONS.canary, CONDITIONS.manual]));
  if (input.riskScore > options.approveMaxRisk)
    add(
      `risk ${input.riskScore} > approveMaxRisk ${options.approveMaxRisk}`,
      CONDITIONS.canary,
      CONDITIONS.manual,
    );
  const acts = input.manifest.permissions.filter((p) => p.startsWith('actions.'));
  if (acts.length && options.actionsNeedManualPromotion)
    add(
      `acts on the user's screen (${acts.join(', ')})`,
      CONDITIONS.manual,
      CONDITIONS.group(options.limitedGroup),
    );
  if (input.manifest.origin.kind === 'imported') add('imported code', CONDITIONS.manual);
  if (levelIndex(input.level) < levelIndex(options.approveMinLevel))
    add(
      `verified at ${input.level}, approval needs ${options.approveMinLevel}`,
      CONDITIONS.development,
      CONDITIONS.manual,
    );
  if (conditions.size === 0) return { decision: 'approve', conditions: [], reasons: ['every check passed'] };
  // A stricter stage cap supersedes a looser one.
  if (conditions.has(CONDITIONS.development)) conditions.delete(CONDITIONS.canary);
  return { decision: 'conditional', conditions: [...conditions].sort(), reasons };
}
