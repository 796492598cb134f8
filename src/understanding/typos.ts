import {
  COLOR_WORDS,
  COMPARATIVES,
  GENERIC_SHAPE_WORDS,
  NUMBER_WORDS,
  ORDINALS,
  SHAPE_WORDS,
  SIZE_WORDS,
  STATE_WORDS,
  STOPWORDS,
  SUPERLATIVES,
  UI_LABEL_WORDS,
  VAGUE,
} from './lexicon.js';

/**
 * Typing slips in the words a frame is made of ("clikc the Save button", "how many blue sqaures", "type "x" in
 * teh search box"), and chat shorthand ("can u", "r there", "thx"). A slip is corrected only when it is one of
 * the slips people make most — two neighbouring letters swapped, one letter left out, one letter doubled — of
 * one of the grammar's own core words, and of no other; everything else stays as written (and unexplained).
 * Names are never corrected: a word said with a capital inside it, or in quotes, is what it says.
 *
 * The variants are made once, at load. A variant that is itself an English word ("lick", "elect", "range",
 * "lose", "were", "here", "inks") would change what a person meant, so those are listed and never corrected;
 * so is any word the lexicon knows.
 */

/** The words a frame is made of, that people type fast: verbs, target nouns, colours, and "the"/"there". */
const CORE =
  'click count select choose type enter find locate where check uncheck close expand collapse focus press ' +
  'toggle hover double button buttons circle circles square squares triangle triangles rectangle rectangles ' +
  'checkbox checkboxes field fields link links shape shapes search toolbar sidebar dialog green yellow purple ' +
  'blue white there many the how field text';

/**
 * Variants that are words of their own (or common names and abbreviations): a person who wrote them may have
 * meant them. Found by reading every left-out-letter and swapped-letter variant of the core words above.
 */
const REAL_WORDS = new Set(
  'lick cont cout cunt elect chose here were heck lose cose inks whit thee whee circe hove over hoover filed three'.split(
    ' ',
  ),
);

function variants(w: string): string[] {
  const out: string[] = [];
  // Two neighbouring letters swapped ("teh", "clikc", "sqaures").
  for (let i = 0; i + 1 < w.length; i++)
    if (w[i] !== w[i + 1]) out.push(w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2));
  // One letter left out ("buton", "gren", "cirle"): only of longer words, where fewer variants are words.
  if (w.length >= 5) for (let i = 0; i < w.length; i++) out.push(w.slice(0, i) + w.slice(i + 1));
  // One letter doubled ("buttton", "clickk").
  if (w.length >= 4) for (let i = 0; i < w.length; i++) out.push(w.slice(0, i + 1) + w[i] + w.slice(i + 1));
  return out;
}

/** Words the lexicon knows are what they say. */
const KNOWN: ReadonlySet<string> = new Set([
  ...STOPWORDS,
  ...STATE_WORDS,
  ...UI_LABEL_WORDS,
  ...VAGUE,
  ...GENERIC_SHAPE_WORDS,
  ...Object.keys(COLOR_WORDS),
  ...Object.keys(SHAPE_WORDS),
  ...Object.keys(SIZE_WORDS),
  ...Object.keys(ORDINALS),
  ...Object.keys(NUMBER_WORDS),
  ...Object.keys(SUPERLATIVES),
  ...Object.keys(COMPARATIVES),
]);

/** slip → the core word it is a slip of (slips of two core words are left out). */
const SLIPS: ReadonlyMap<string, string> = (() => {
  const core = new Set(CORE.split(' '));
  const seen = new Map<string, string | null>();
  for (const w of core)
    for (const v of variants(w)) {
      if (core.has(v) || REAL_WORDS.has(v) || KNOWN.has(v) || v.length < 3) continue;
      const had = seen.get(v);
      seen.set(v, had === undefined || had === w ? w : null);
    }
  const out = new Map<string, string>();
  for (const [v, w] of seen) if (w) out.set(v, w);
  return out;
})();

/** Chat shorthand: a word only when the word beside it shows how it is used. */
const SHORTHAND =
  /\b(?:(?<=\b(?:can|could|would|will|do|did|are|thank|r) )u(?= |$)|(?<=^)u(?= (?:there|see|can|could)\b)|u(?= (?:there|see|can|could)\b)|r(?= (?:there|you|u|in|on|at)\b)|thx|thnx|thanx|rn$|whats|wheres|thats|theres|dont|doesnt|isnt|arent|cant)\b/gi;
const SHORTHAND_FOR: Readonly<Record<string, string>> = {
  u: 'you',
  r: 'are',
  thx: 'thanks',
  thnx: 'thanks',
  thanx: 'thanks',
  rn: 'right now',
  whats: "what's",
  wheres: "where's",
  thats: "that's",
  theres: "there's",
  dont: "don't",
  doesnt: "doesn't",
  isnt: "isn't",
  arent: "aren't",
  cant: "can't",
};

/** Shorthand words: a command with none of them skips the shorthand rule. */
const SHORT_WORDS: ReadonlySet<string> = new Set(Object.keys(SHORTHAND_FOR));

/** Punctuation a word may carry at its ends ("button.", "(teh"). */
function isPunct(c: number): boolean {
  // , . ; : ! ? ( )
  return c === 44 || c === 46 || c === 59 || c === 58 || c === 33 || c === 63 || c === 40 || c === 41;
}

/**
 * `s` (lower case) and `o` (as said) with slips and shorthand corrected, or undefined when there are none. A word
 * corrected in `s` is corrected in `o` too, at the same place (their lengths change together). Called on every
 * command, so it splits on spaces and looks each word up once; most commands have nothing to correct.
 */
export function correctSlips(s: string, o: string): { s: string; o: string } | undefined {
  const st = s.split(' ');
  // Span keeps `o` aligned with `s` (same length, same spaces) or equal to it.
  const ot = o === s ? st : o.split(' ');
  let changed = false;
  let short = false;
  for (let i = 0; i < st.length; i++) {
    const t = st[i]!;
    let a = 0;
    let b = t.length;
    while (a < b && isPunct(t.charCodeAt(a))) a++;
    while (b > a && isPunct(t.charCodeAt(b - 1))) b--;
    const w = a === 0 && b === t.length ? t : t.slice(a, b);
    if (SHORT_WORDS.has(w)) short = true;
    const fix = SLIPS.get(w);
    if (!fix) continue;
    // Only a word said in lower case (or capitalised first in the command): "Teh" in the middle is a name.
    const said = ot[i]!.slice(a, b);
    if (said !== w && !(i === 0 && said.slice(1) === w.slice(1))) continue;
    if (ot === st) {
      st[i] = t.slice(0, a) + fix + t.slice(b);
    } else {
      st[i] = t.slice(0, a) + fix + t.slice(b);
      ot[i] = ot[i]!.slice(0, a) + fix + ot[i]!.slice(b);
    }
    changed = true;
  }
  if (changed) {
    s = st.join(' ');
    o = ot === st ? s : ot.join(' ');
  }
  if (short) {
    const s2 = s.replace(SHORTHAND, (w) => SHORTHAND_FOR[w.toLowerCase()] ?? w);
    if (s2 !== s) {
      // Shorthand is said in lower case; the original keeps its case elsewhere only if the lengths still agree.
      const o2 = o.replace(SHORTHAND, (w) => (w === w.toLowerCase() ? (SHORTHAND_FOR[w] ?? w) : w));
      return { s: s2, o: o2.length === s2.length ? o2 : s2 };
    }
  }
  return changed ? { s, o } : undefined;
}

/** Whether slips are being corrected: only on a second reading of a command whose first left a slip unexplained. */
let active = false;

export function slipsActive(): boolean {
  return active;
}

/** Runs `read` with slips and shorthand corrected (a parse is synchronous: the flag is this call's). */
export function withSlipsCorrected<T>(read: () => T): T {
  const was = active;
  active = true;
  try {
    return read();
  } finally {
    active = was;
  }
}

/** Whether any of the words a parse could not explain is a slip or shorthand this module would correct. */
export function mentionsSlip(words: readonly string[]): boolean {
  return words.some((w) => SLIPS.has(w) || SHORT_WORDS.has(w));
}

/** For tests: the core word a slip is read as. */
export function slipOf(word: string): string | undefined {
  return SLIPS.get(word);
}

/** For tests and review: every slip and its word. */
export function allSlips(): ReadonlyMap<string, string> {
  return SLIPS;
}
