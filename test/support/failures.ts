import type { Failure } from '../../src/domain/index.js';
import { newId } from '../../src/domain/index.js';
import { frameSignature, parseCommand } from '../../src/understanding/index.js';

/** Test helpers shared by the pipeline's tests: discovery thresholds and a recorded `missing_handler` failure. */
export const THRESHOLDS = { minOccurrences: 3, minDistinctUsers: 2, windowMs: 7 * 24 * 3600 * 1000 };

export function failureOf(command: string, userId: string): Failure {
  const { frame } = parseCommand(command);
  return {
    id: newId('fail'),
    at: new Date().toISOString(),
    userId,
    command,
    frame,
    category: 'missing_handler',
    message: 'no capability handles it',
    signature: frameSignature(frame),
  };
}
