/** Rollout stages, the rollout of a capability version, and the decision events about it. */

export const ROLLOUT_STAGES = [
  'development',
  'canary',
  'beta',
  'gradual',
  'production',
  'paused',
  'rolled_back',
  'retired',
] as const;
export type RolloutStage = (typeof ROLLOUT_STAGES)[number];

export interface Rollout {
  id: string;
  capabilityId: string;
  version: number;
  stage: RolloutStage;
  /** Share of users served, in basis points (0..10000). */
  percentage: number;
  /** Stage held before a pause, so resume knows where to go back. */
  pausedFrom?: RolloutStage;
  rolloutKey: string;
  stageEnteredAt: string;
  updatedAt: string;
}

/**
 * `hold`: an automatic move the rollout gate refused (a verification condition, a stage cap, or a version that
 * replaces one a person rolled back) — stored once per stage window, so a person can see why nothing moves.
 */
export type DecisionKind =
  'reject' | 'approve' | 'register' | 'promote' | 'pause' | 'resume' | 'rollback' | 'retire' | 'hold';

/** Every decision the system takes about a capability, with its reasons and numbers. */
export interface DecisionEvent {
  id: string;
  at: string;
  capabilityId: string;
  version: number;
  kind: DecisionKind;
  fromStage?: RolloutStage;
  toStage?: RolloutStage;
  reason: string;
  numbers: Record<string, number>;
  actor: 'system' | 'user';
  /** Who, for a person's decision (`actor: 'user'`): the name given with `--by`, the OS user, or the API client. */
  by?: string;
}
