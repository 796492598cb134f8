import { EARNED_LABEL_WORDS } from './calibration-data.js';
import { LABEL_INNER, UI_LABEL_WORDS } from './lexicon.js';

/**
 * Confidence earned per construction (docs/generation.md, "Calibration"). Run on each batch of the labelled
 * corpus the first time it was seen, the parser served wrong frames most often through one construction: a
 * name guessed from lower-case words ("click the hamburger menu", "choose a color", "close the browser", "select
 * the small size") — 17 of the 46 first-sight wrong-but-served dev commands, and 17 of the 44 first-sight served
 * commands with such a name were wrong (a name quoted or capitalised: 11 wrong of 152). So a lower-case word
 * taken as a name (a label, a field's name, an anchor, a drag's destination) is only trusted once earned: seen
 * as such in a dev-half command served with the right frame, or one of the words screens name their controls
 * with (`UI_LABEL_WORDS`). A name not earned leaves its words unexplained: the command is refused naming them,
 * not served on a guess. The table is generated from the dev half only (`node --import tsx
 * bench/understanding-calibrate.ts`), never from the test half.
 */

/** While the table is built every name is earned, and each one read is recorded. */
let recording: Set<string> | undefined;

/** A lower-case word taken as (part of) a name: "save" in "click save", "email" in "the email field". */
export function earnedLabelWord(word: string): boolean {
  if (UI_LABEL_WORDS.has(word) || LABEL_INNER.has(word)) return true;
  if (recording) {
    recording.add(`label:${word}`);
    return true;
  }
  return EARNED_LABEL_WORDS.has(word);
}

/**
 * The words of a name said in lower case that are not earned. A quoted name never comes here; a word with a
 * capital or a digit anywhere ("Save", "ktK", "Qw1") is said as a name, and only lower-case words are judged.
 */
export function unearnedName(name: string): string[] {
  const out: string[] = [];
  for (const w of name.split(' ')) if (/^[\p{Ll}'-]+$/u.test(w) && !earnedLabelWord(w)) out.push(w);
  return out;
}

/** Runs `parse` with every name earned and returns the names it relied on (for building the table). */
export function recordFeatures<T>(parse: () => T): { result: T; features: string[] } {
  const outer = recording;
  recording = new Set();
  try {
    const result = parse();
    return { result, features: [...recording] };
  } finally {
    recording = outer;
  }
}
