import type {
  Action,
  ColorName,
  DataOp,
  IntentFrame,
  NamedRegion,
  Shape,
  TargetKind,
} from '../domain/index.js';
import { NUMBER_WORDS } from './lexicon.js';

/**
 * What the rules of a clause have found so far (clause.ts runs them in order; each cuts the words it explains
 * from the span), and the small readers they share.
 */

export const PLACEHOLDER = /⟦(\d+)⟧/;
/** A quoted string's placeholder inside a pattern. */
export const QUOTE_TOKEN = '⟦\\d+⟧';

export interface Draft {
  action?: Action;
  state?: 'on' | 'off';
  textVerb: boolean;
  kind?: TargetKind;
  kindWords: number;
  color?: ColorName;
  shape?: Shape;
  genericShape: boolean;
  /** The generic word itself ("icons"), to name it when a widget noun leaves it unexplained. */
  genericWord?: string;
  /** A noun of text ("text", "word", "label"), which beside a widget noun is a second thing. */
  textNoun?: string;
  size?: 'large' | 'small';
  label?: string;
  text?: string;
  region?: NamedRegion;
  quantity?: number;
  inList: boolean;
  fieldLabel?: string;
  /** A plural target's noun ("circles"; a widget noun's plural is named "(which of them)"). */
  pluralWord?: string;
  /** A name read from unquoted words outside the label rules (a field's, an anchor's, a destination's). */
  nameSaid?: string;
  destination?: IntentFrame['destination'];
  exclude: DataOp[];
  relative?: DataOp;
  pick?: DataOp;
  attribute?: DataOp;
  group?: DataOp;
  repeat?: DataOp;
  dataOps: DataOp[];
  quotesUsed: Set<number>;
  unexplained: string[];
  explained: number;
  guessedLabel: boolean;
  /**
   * "turn on dark mode", "disable location services": a switch's name said after a verb only a setting takes
   * (turn / switch on or off, enable, disable), with no widget noun; the verb says what the words name.
   */
  settingName?: boolean;
  /** The guessed name is a setting's: a switch's. */
  switchName?: boolean;
  /** The guessed name is a capitalised one after "tick" / "untick": something to tick. */
  tickName?: boolean;
  /** The verb's first word as said ("go", "close"), to name it when the target does not fit it. */
  verbWord?: string;
  /** The only target kind the verb can mean ("go to" a tab). */
  onlyKind?: TargetKind;
  /** The clause's first word after normalisation: named when no verb was found. */
  firstWord: string;
}

/** The index of the quote a token is the placeholder of, if it is one. */
export function quoteOf(token: string, quotes: readonly string[]): number | undefined {
  const m = PLACEHOLDER.exec(token);
  return m && quotes[Number(m[1])] !== undefined ? Number(m[1]) : undefined;
}

/** A small number in digits or words ("3", "three"). */
export function num(word: string): number | undefined {
  if (/^\d{1,3}$/.test(word)) return Number(word);
  return NUMBER_WORDS[word];
}
