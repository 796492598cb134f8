import type { DemoAction, Rect, UiElement, UiElementKind } from '../domain/index.js';

export type { DemoAction, Demonstration } from '../domain/index.js';

/**
 * A value of the DSL: a parameter (a slot of the command's frame, so it varies with the command) or a
 * constant (the same on every demonstration).
 */
export type DslValue = { param: string } | { const: string };

/**
 * Locates one element: filters (kind, text, colour, shape), then either the candidate nearest to an anchor
 * (an element with the anchor's text) or the n-th candidate in reading order (-1 = the last).
 */
export interface Locator {
  kind?: UiElementKind;
  text?: DslValue;
  color?: DslValue;
  shape?: DslValue;
  near?: DslValue;
  ordinal?: number;
}

export type Step =
  { op: 'click'; locate: Locator } | { op: 'type'; text: DslValue } | { op: 'press'; key: string };

/** What the answer reports, from the elements a query (a locator without ordinal/near) selects. */
export interface AnswerSpec {
  query: Omit<Locator, 'ordinal' | 'near'>;
  fields: Array<'count' | 'present' | 'text'>;
}

/** A program of the DSL: act in sequence, then answer. */
export interface Program {
  steps: Step[];
  answer?: AnswerSpec;
}

/** A demonstration ready for synthesis: its screen's elements and the parameter values of its command. */
export interface SynthesisExample {
  id: string;
  params: Record<string, string>;
  elements: UiElement[];
  actions: DemoAction[];
  expect?: Record<string, unknown>;
  screen: { width: number; height: number };
}

export type SynthesisOutcome =
  | {
      status: 'learned';
      program: Program;
      cost: number;
      /** Programs that fit, counted (the chosen one included), and how long the search took. */
      fitting: number;
      ms: number;
    }
  | {
      status: 'ambiguous';
      /** Programs of the same lowest cost that fit every demonstration but act differently elsewhere. */
      candidates: Program[];
      /** Where they disagree, e.g. `step 1: label "Cancel" on demo d1`. */
      disagreement: string;
      ms: number;
    }
  | { status: 'unfit'; reason: string; ms: number };

/** Target of one click on one demonstration screen: the element clicked, if one was. */
export type { Rect };
