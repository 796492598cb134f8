import type { Capability, Pattern } from '../domain/index.js';

/**
 * A generator family turns one kind of pattern into a capability. Families are pure: the same pattern gives
 * the same code, so generation is replayable and a job that is re-run after a crash produces identical output.
 */
export interface GeneratorFamily {
  readonly id: string;
  /** Whether this family can serve the pattern's generalised frame. */
  accepts(pattern: Pattern): boolean;
  emit(pattern: Pattern, version: number, failureIds: string[]): Capability;
}
