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
  /** Only elements of this size (±{@link SIZE_SLACK} px): a row of alike controls (the digits 1…6). */
  size?: { width: number; height: number };
  /**
   * The candidate whose position (0-based, reading order) is the number of elements of `kind` on the screen
   * plus `offset`: "how many shapes? click the number" clicks the count-th of the alike buttons.
   */
  countOf?: { kind: UiElementKind; offset: number };
}

/** How far (px) an element's width or height may differ from a locator's `size` and still be alike. */
export const SIZE_SLACK = 2;

/**
 * The items a command names as a list: the slot `slot` of each part of its run of alike parts ("Select A, B and
 * C and click Submit": the `label`s of the `select` parts), the parts before and after the run counted out.
 */
export interface ListRef {
  /** Parts before the run. */
  start: number;
  /** Parts after the run. */
  end: number;
  slot: string;
}

/** The parameter an `each` step's locator reads for the item of the current turn. */
export const ITEM_PARAM = 'item';

export type Step =
  | { op: 'click'; locate: Locator }
  | { op: 'type'; text: DslValue }
  | { op: 'press'; key: string }
  /** For each item the command names (in its order): locate the element (its locator reads `item`), click it. */
  | { op: 'each'; list: ListRef; locate: Locator };

/** What the answer reports, from the elements a query (a locator without ordinal/near) selects. */
export interface AnswerSpec {
  query: Omit<Locator, 'ordinal' | 'near' | 'size' | 'countOf'>;
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
  /**
   * For a composed (sequence) command: the signature of each of its parts, in order (`select:element[label]`),
   * so runs of alike parts can be read as a list of named items; absent for a simple command.
   */
  parts?: string[];
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
