/** Failures recorded on the request path and the patterns discovery clusters them into. */
import type { IntentFrame } from './intent-frame.js';

export const FAILURE_CATEGORIES = [
  'missing_handler',
  'low_confidence',
  'timeout',
  'permission',
  'error',
  'invalid_output',
] as const;
export type FailureCategory = (typeof FAILURE_CATEGORIES)[number];

export interface Failure {
  id: string;
  /** ISO-8601 timestamp. */
  at: string;
  userId: string;
  command: string;
  frame: IntentFrame;
  category: FailureCategory;
  message: string;
  capabilityId?: string;
  screenRef?: string;
  /** Frame signature used for clustering (see discovery). */
  signature: string;
  /**
   * What the user said the answer should be (`ironcliw teach`): the expected `data` fields on the screen
   * `screenRef`. Becomes a test case of the capability generated for the command's pattern.
   */
  expectation?: { data: Record<string, unknown> };
}

export type PatternStatus = 'collecting' | 'queued' | 'generating' | 'generated' | 'rejected' | 'blocked';

export interface Pattern {
  id: string;
  signature: string;
  /** The generalised frame: slots that vary are listed in `parameters`. */
  frame: Omit<IntentFrame, 'raw'>;
  parameters: string[];
  count: number;
  distinctUsers: number;
  firstSeen: string;
  lastSeen: string;
  status: PatternStatus;
  statusReason?: string;
  capabilityId?: string;
}
