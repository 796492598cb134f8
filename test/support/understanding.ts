import { expect } from 'vitest';
import type { UnderstandResult } from '../../src/domain/index.js';
import { parseCommand } from '../../src/understanding/index.js';

/** The default `understanding.minConfidence` (src/config/schema.ts): a command at or above it is served. */
export const SERVE_THRESHOLD = 0.6;

/** The frame of a command that must be served (fails the test, naming the unexplained words, otherwise). */
export function frameOf(text: string): Omit<UnderstandResult['frame'], 'raw'> {
  const r = parseCommand(text);
  expect(r.confidence, `${text}: ${(r.unexplained ?? []).join(' ')}`).toBeGreaterThanOrEqual(SERVE_THRESHOLD);
  const { raw: _raw, ...frame } = r.frame;
  return frame;
}

/** The unexplained words of a command that must be refused (fails the test if it is served). */
export function refused(text: string): string[] {
  const r = parseCommand(text);
  expect(r.confidence, text).toBeLessThan(SERVE_THRESHOLD);
  return r.unexplained ?? [];
}
