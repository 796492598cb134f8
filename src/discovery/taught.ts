import type { Failure, IntentFrame } from '../domain/index.js';
import { IroncliwError, newId } from '../domain/index.js';
import { frameSignature } from '../understanding/index.js';

/**
 * Taught failures (`ironcliw teach`) carry an expectation. They are recorded under `taught:<signature>` so
 * they never count towards a pattern's thresholds twice (the runtime records the command's own failure) and
 * a pattern's expectations are one query away: `failures.list({ signature: taughtSignature(sig) })`.
 */
export const TAUGHT_PREFIX = 'taught:';

export function taughtSignature(signature: string): string {
  return TAUGHT_PREFIX + signature;
}

/** Largest expectation accepted (it is stored and compared, never executed). */
const MAX_EXPECTATION_BYTES = 16_384;

/** Validates `--expect` JSON: an object of expected `data` fields. Bad input → E_INPUT_INVALID. */
export function parseExpectation(json: string): Record<string, unknown> {
  if (json.length > MAX_EXPECTATION_BYTES)
    throw new IroncliwError(
      'E_INPUT_INVALID',
      `the expectation has ${json.length} characters; the limit is ${MAX_EXPECTATION_BYTES}`,
    );
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new IroncliwError('E_INPUT_INVALID', `the expectation is not JSON: ${(err as Error).message}`, {
      hint: `Pass the expected data fields, e.g. --expect '{"count": 3}'.`,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.keys(value).length)
    throw new IroncliwError(
      'E_INPUT_INVALID',
      'the expectation must be a non-empty JSON object of data fields',
      {
        hint: `e.g. --expect '{"count": 3}' or --expect '{"present": true}'.`,
      },
    );
  return value as Record<string, unknown>;
}

/**
 * The failure `teach` records, with the expectation in `Failure.expectation` (the store's `expectation`
 * column since migration 0004). The frame is the parsed one, untouched.
 */
export function taughtFailure(input: {
  command: string;
  frame: IntentFrame;
  userId: string;
  screenRef: string;
  expect: Record<string, unknown>;
  category: Failure['category'];
  message: string;
  capabilityId?: string;
  at: Date;
}): Failure {
  return {
    id: newId('fail'),
    at: input.at.toISOString(),
    userId: input.userId,
    command: input.command,
    frame: input.frame,
    category: input.category,
    message: input.message,
    signature: taughtSignature(frameSignature(input.frame)),
    screenRef: input.screenRef,
    expectation: { data: input.expect },
    ...(input.capabilityId ? { capabilityId: input.capabilityId } : {}),
  };
}

/**
 * The expectation of a taught failure: the field, or — for failures taught before the store had an
 * expectation column — the copy kept inside the frame JSON (`frame.expect`).
 */
export function expectationOf(failure: Failure): Record<string, unknown> | undefined {
  if (failure.expectation) return failure.expectation.data;
  const e = (failure.frame as { expect?: unknown }).expect;
  return e !== null && typeof e === 'object' && !Array.isArray(e)
    ? (e as Record<string, unknown>)
    : undefined;
}
