/** Demonstrations: what a user showed should happen on a screen (DESIGN.md "Demonstrations"). */
import type { IntentFrame } from './intent-frame.js';

/** One action of a demonstration, in pixels of the demonstration's screen. */
export type DemoAction =
  { type: 'click'; x: number; y: number } | { type: 'type'; text: string } | { type: 'press'; key: string };

/**
 * What a user showed (DESIGN.md "Demonstrations"): a command, the screen it was about, and what should have
 * happened — actions in order and/or the expected answer fields. Demonstrations of one pattern are learned
 * together by program synthesis (src/demonstration/) and become the learned capability's test cases.
 */
export interface Demonstration {
  id: string;
  /** ISO-8601 timestamp. */
  at: string;
  userId: string;
  command: string;
  /** The command's parsed frame (its slots are the program's parameters). */
  frame: IntentFrame;
  /** The pattern it belongs to, and that pattern's signature (frame signature or `text:` cluster). */
  patternId: string;
  signature: string;
  /** Where the screen is: a file path, or `screen:<id>` for a screen kept in the store. */
  screenRef: string;
  actions: DemoAction[];
  expect?: Record<string, unknown>;
}
