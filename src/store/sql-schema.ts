import type { ColumnType, Generated } from 'kysely';

/**
 * Row shapes of the SQL tables (snake_case), as written by `migrations.ts`.
 * JSON columns are written as JSON text on both dialects; they read back as text on SQLite and as a parsed
 * value on PostgreSQL (jsonb), which `SqlFlavor.decodeJson` evens out.
 */
export type JsonColumn = ColumnType<unknown, string, string>;
export type NullableJsonColumn = ColumnType<unknown, string | null, string | null>;

export interface FailureRow {
  id: string;
  at: string;
  user_id: string;
  command: string;
  frame: JsonColumn;
  category: string;
  message: string;
  capability_id: string | null;
  screen_ref: string | null;
  signature: string;
  /** Since migration 0004; NULL for failures without an expectation. */
  expectation: NullableJsonColumn;
}

export interface PatternRow {
  id: string;
  signature: string;
  frame: JsonColumn;
  parameters: JsonColumn;
  count: number;
  distinct_users: number;
  first_seen: string;
  last_seen: string;
  status: string;
  status_reason: string | null;
  capability_id: string | null;
}

export interface CapabilityRow {
  id: string;
  version: number;
  manifest: JsonColumn;
  code: string;
  created_at: string;
}

export interface ReportRow {
  id: string;
  capability_id: string;
  version: number;
  kind: string;
  at: string;
  report: JsonColumn;
}

export interface RolloutRow {
  capability_id: string;
  id: string;
  version: number;
  stage: string;
  percentage: number;
  paused_from: string | null;
  rollout_key: string;
  stage_entered_at: string;
  updated_at: string;
}

export interface EventRow {
  /** Append order; PostgreSQL returns bigint as a string, so it is only ever sorted on, never read. */
  seq: Generated<number | string>;
  id: string;
  at: string;
  capability_id: string;
  version: number;
  kind: string;
  from_stage: string | null;
  to_stage: string | null;
  reason: string;
  numbers: JsonColumn;
  actor: string;
  /** Migration 0005: the person behind a `user` decision. */
  decided_by: string | null;
}

export interface JobRow {
  id: string;
  kind: string;
  key: string;
  payload: JsonColumn;
  status: string;
  attempts: number;
  result: NullableJsonColumn;
  error: string | null;
  locked_by: string | null;
  locked_until: string | null;
  created_at: string;
  updated_at: string;
}

export interface RolloutCounterRow {
  capability_id: string;
  version: number;
  stage: string;
  window_start: string;
  metric: string;
  /** bigint: PostgreSQL returns it as a string. */
  count: ColumnType<number | string, number, number>;
}

/** Since migration 0011: a counter flush already added (see RolloutMetricsRepository.add's batchId). */
export interface RolloutBatchRow {
  id: string;
  at: string;
}

export interface ServedRequestRow {
  request_id: string;
  capability_id: string;
  version: number;
  stage: string;
  window_start: string;
  user_id: string;
  at: string;
  feedback: string | null;
}

export interface RolloutPolicyRow {
  capability_id: string;
  policy: JsonColumn;
  updated_at: string;
}

/** Since migration 0010. */
export interface DemonstrationRow {
  id: string;
  at: string;
  user_id: string;
  command: string;
  frame: JsonColumn;
  pattern_id: string;
  signature: string;
  screen_ref: string;
  actions: JsonColumn;
  expect: NullableJsonColumn;
}

/** Since migration 0010: the image as base64 text (the same column type on both dialects). */
export interface ScreenRow {
  id: string;
  at: string;
  expires_at: string | null;
  data: string;
}

export interface Database {
  failures: FailureRow;
  patterns: PatternRow;
  capabilities: CapabilityRow;
  reports: ReportRow;
  rollouts: RolloutRow;
  events: EventRow;
  jobs: JobRow;
  rollout_counters: RolloutCounterRow;
  rollout_batches: RolloutBatchRow;
  served_requests: ServedRequestRow;
  rollout_policies: RolloutPolicyRow;
  demonstrations: DemonstrationRow;
  screens: ScreenRow;
}
