import {
  ACTING,
  BULK,
  COLOR_WORDS,
  GENERIC_SHAPE_WORDS,
  KEY_CHORD,
  LABEL_INNER,
  LABELLING,
  NUMBER_WORDS,
  ORDINALS,
  PHRASAL_LABEL,
  SHAPE_WORDS,
  SIZE_WORDS,
  STATE_WORDS,
  STOPWORDS,
  TEXT_NOUNS,
  VAGUE,
} from './lexicon.js';
import type { Draft } from './draft.js';
import { num, PLACEHOLDER, quoteOf } from './draft.js';
import type { Span } from './span.js';
import { unearnedName } from './calibration.js';

/**
 * Stopwords no other rule below claims ("the", "of", "is" …, not "one", "it", "all", "number"): most tokens are
 * these, and they are known as filler at once.
 */
const PURE_STOP: ReadonlySet<string> = new Set(
  [...STOPWORDS].filter(
    (w) =>
      !COLOR_WORDS[w] &&
      !SHAPE_WORDS[w] &&
      !GENERIC_SHAPE_WORDS.has(w) &&
      !SIZE_WORDS[w] &&
      !TEXT_NOUNS.test(w) &&
      !/^(?:lines?|coloured|colored|shaped|one|everything|number)$/.test(w) &&
      !/^\d{1,3}$/.test(w) &&
      NUMBER_WORDS[w] === undefined &&
      !/^\p{L}+'s$/u.test(w) &&
      !/^(?:edge|edges|corner|corners|side|sides|part|parts|area|region|centre|center|middle|half)$/.test(
        w,
      ) &&
      !STATE_WORDS.has(w) &&
      !/^[a-z]{3,}est$/.test(w) &&
      !BULK.test(w) &&
      !VAGUE.has(w) &&
      w !== '¶' &&
      w !== '¶s',
  ),
);

/** Punctuation at either end of a token. */
const PUNCT_END = /^[,;:!?()]|[,;:!?()]$/;
const PLACE_WORD = /^(?:below|above|under|beneath|underneath|left|right|next|near|beside|over|after|before)$/;
/**
 * Words that, in a text said without quotes, say how often or how to type rather than what ("type hello twice",
 * "type hello 3 times", "type hello slowly"), say where ("type hello into search", where no field noun took
 * "into"), offer a choice ("enter 42 or 43"), or are dictated punctuation and case ("type quote hello unquote",
 * "type hello comma world", "type capital h"): which words are the text is not sure, so they are left
 * unexplained (quoted, they are the text).
 */
const NOT_TEXT =
  /^(?:twice|thrice|again|times|or|slowly|quickly|carefully|immediately|into|onto|quote|unquote|quotes|comma|period|exclamation|colon|semicolon|apostrophe|hyphen|dash|newline|space|capital|caps|uppercase|lowercase|bold|italic)$/;
/**
 * Said unquoted, a word naming a kind of data is what to type, not the text ("type name", "type
 * email", "type today", "type whatever"), or names the field ("enter code 1234" typed "code 1234").
 */
const DATA_NOUN =
  /^(?:name|names|email|e-mail|password|passcode|username|login|code|pin|otp|date|today|tomorrow|yesterday|phone|address|zip|postcode|amount|value|answer|whatever|something|anything)$/;
const PART_OF = /^(?:edge|edges|corner|corners|side|sides|part|parts|area|region|centre|center|middle|half)$/;
const POSSESSIVE = /^\p{L}+'s$/u;
/** A CSS selector said as a name: an id or a class ("#login", ".btn-primary", "button#save", "div.card"). */
const SELECTOR =
  /#[\p{L}_-]|^\.[\p{L}_-]|^[\p{L}¶]+\.[\p{L}_-]+$(?<!\.(?:txt|csv|pdf|docx?|xlsx?|png|jpe?g|gif|zip|md|json|ya?ml|html?))/u;
/** Words that say how, how often, when or for whom a switch is turned: never part of a setting's name. */
const NOT_SETTING =
  /^(?:twice|thrice|again|times|for|from|with|without|by|to|when|while|until|unless|if|now|later|always|never|only|too|also|then|back|first|quickly|slowly|automatically|instead)$/;
/** Filler words for the screen itself, which are also the last word of many names ("Full screen", "Home page"). */
const SCREEN_WORD = /^(?:screen|page|display)$/;
/** Prepositions that cannot end a clause: something after them was meant. */
const DANGLING = /^(?:of|on|in|at|to|from|with|into|onto|inside|within|by|for|off|over|under)$/;

interface Tok {
  w: string;
  o: string;
  role: 'stop' | 'slot' | 'noun' | 'quote' | 'num' | 'unknown' | 'vague' | 'state';
}

/** The words of a text (no empty ones). */
function split(x: string): string[] {
  return /^ | $| {2}/.test(x) ? x.split(' ').filter((t) => t.length > 0) : x ? x.split(' ') : [];
}

/** A token without punctuation at its ends. */
function bare(x: string): string {
  return PUNCT_END.test(x) ? x.replace(/^[,;:!?()]+|[,;:!?()]+$/g, '') : x;
}

/** Said in lower case (not capitalised, not a quote). */
function saidLower(t: Tok): boolean {
  return t.o === t.w && /^[a-z]/.test(t.w);
}

/**
 * Whether the clause names a thing or a place of its own: "read it", "describe it" alone point back at something
 * this command never said (reading the whole screen for it is a confident guess), "is it red" does not.
 */
function saysWhat(d: Draft): boolean {
  return (
    d.kind !== undefined ||
    d.label !== undefined ||
    d.text !== undefined ||
    d.region !== undefined ||
    Boolean(d.color || d.shape || d.size || d.genericShape || d.relative)
  );
}

/** Actions for which a number of items is no instruction. */
function actingless(d: Draft): boolean {
  return d.action !== undefined && !ACTING.has(d.action);
}

/** The remaining words: slot values, stopwords, a label, or unexplained. */
export function words(span: Span, d: Draft, quotes: readonly string[], verb: string): void {
  const toks = split(span.s);
  const otoks = split(span.o);
  const aligned = toks.length === otoks.length;
  const list: Tok[] = toks.map((raw, i) => {
    const w = bare(raw);
    const o = aligned ? bare(otoks[i]!) : w === raw ? raw : bare(raw);
    return { w, o, role: 'unknown' as Tok['role'] };
  });
  let textNoun = false;
  let capitalColour: Tok | undefined;
  let colourNoun: Tok | undefined;
  for (let i = 0; i < list.length; i++) {
    const t = list[i]!;
    const w = t.w;
    if (!w) {
      t.role = 'stop';
      continue;
    }
    if (PURE_STOP.has(w)) t.role = 'stop';
    else if (w === '¶' || w === '¶s') {
      t.role = 'noun';
      if (w === '¶s') d.pluralWord ??= '(which of them)';
    } else if (PLACEHOLDER.test(w)) t.role = 'quote';
    else if (COLOR_WORDS[w] && !d.color) {
      d.color = COLOR_WORDS[w];
      t.role = 'slot';
      if (t.o !== w) capitalColour = t;
    } else if (SHAPE_WORDS[w] && !d.shape) {
      d.shape = SHAPE_WORDS[w];
      if (/(?:[^s]s|xes)$/.test(w)) d.pluralWord ??= w;
      t.role = 'slot';
    } else if (GENERIC_SHAPE_WORDS.has(w)) {
      d.genericShape = true;
      d.genericWord ??= w;
      t.role = 'slot';
    } else if (SIZE_WORDS[w] && !d.size) {
      d.size = SIZE_WORDS[w];
      t.role = 'slot';
    } else if (TEXT_NOUNS.test(w)) {
      textNoun = true;
      d.textNoun ??= w;
      t.role = 'slot';
    } else if (/^(?:lines?)$/.test(w) && d.action === 'count') {
      d.group = { op: 'group', by: 'line' };
      textNoun = true;
      t.role = 'slot';
    } else if (/^(?:coloured|colored|shaped)$/.test(w)) t.role = 'slot';
    // "the circle of red colour", "squares that have the purple colour": the noun after a colour word names it
    // again.
    else if ((w === 'colour' || w === 'color') && i > 0 && COLOR_WORDS[list[i - 1]!.w]) {
      t.role = 'slot';
      colourNoun = t;
    }
    // "the second one", "the last one": a pronoun, not the number 1 (nor a label "one").
    else if (w === 'one' && t.o === w) t.role = 'vague';
    else if (/^\d{1,3}$/.test(w) || NUMBER_WORDS[w] !== undefined) t.role = 'num';
    // "the 1st and 2nd buttons": an ordinal left over once one was read is a second position, never a name.
    else if (ORDINALS[w] !== undefined && t.o === w) t.role = 'state';
    // "today's date", "John's profile", "the dialog's close button": whose thing it is, which no slot holds.
    else if (POSSESSIVE.test(w) && !/^(?:it|there|what|that|here|where|who|let)'s$/.test(w)) t.role = 'state';
    // "click next", "tap next": the whole object, with no article, is the Next button's name ("find the next
    // button" is the one after).
    else if (w === 'next' && list.length === 1 && d.action !== undefined && LABELLING.has(d.action))
      t.role = 'unknown';
    else if ((STATE_WORDS.has(w) || /^[a-z]{3,}est$/.test(w)) && t.o === w) t.role = 'state';
    // "count some of the circles": a part of them, which a count of all of them is not.
    else if (w === 'some' && d.action === 'count') t.role = 'state';
    else if (BULK.test(w)) t.role = d.action && ACTING.has(d.action) ? 'vague' : 'stop';
    // "read everything on the screen", "describe everything": all of it is what reading and describing do.
    else if (w === 'everything' && (d.action === 'read' || d.action === 'describe')) t.role = 'stop';
    // "the edge of the red circle", "the corner of the window": a part of a thing (the screen's parts are places).
    else if (
      PART_OF.test(w) &&
      list[i + 1]?.w === 'of' &&
      !/^(?:the |this |that )?(?:screen|page|display|desktop|monitor)\b/.test(
        list
          .slice(i + 2, i + 4)
          .map((x) => x.w)
          .join(' '),
      )
    )
      t.role = 'state';
    // "click on the number 4": the number is its label ("Click the number." alone points back: vague).
    else if (w === 'number' && /^\d{1,3}$/.test(list[i + 1]?.w ?? '')) t.role = 'stop';
    // "the Invoice number field", "the phone number box": a field's name.
    else if (w === 'number' && d.kind === 'text-field' && list[i + 1]?.w === '¶') t.role = 'unknown';
    else if (VAGUE.has(w)) t.role = 'vague';
    else if (STOPWORDS.has(w)) t.role = 'stop';
  }
  // Numbers before a plural noun are quantities ("select 2 checkboxes"); elsewhere they are labels ("a large 5").
  for (let i = 0; i < list.length; i++) {
    const t = list[i]!;
    if (t.role !== 'num') continue;
    // A quantity is how many to act on; "count 3 circles", "find 2 squares" say nothing a frame holds.
    // "select 2 of the checkboxes", "click 2 red circles": the same quantity, over adjectives.
    let n = i + 1;
    if (list[n]?.w === 'of') n += list[n + 1]?.w === 'the' ? 2 : 1;
    while (list[n]?.role === 'slot' && !/s$/.test(list[n]!.w)) n++;
    const next = list[n];
    // "the 3 red circles" are all of them (how many there are), not how many to act on.
    const definite = list[i - 1]?.w === 'the';
    if (
      next &&
      !definite &&
      (next.role === 'noun' || next.role === 'slot') &&
      /s$/.test(next.w) &&
      !actingless(d)
    ) {
      d.quantity = num(t.w)!;
      t.role = 'slot';
    } else if (next && (next.role === 'noun' || next.role === 'slot') && /s$/.test(next.w))
      // Unexplained, and never a label: "the 2 checkboxes" are not labelled "2", nor are the links of "read 2
      // links" (how many to read is no instruction a frame holds).
      t.role = 'state';
    else t.role = 'unknown';
  }
  if (textNoun && d.kind === undefined) d.kind = 'text';
  // "pick the blue colour": with no shape it names, a colour is a thing to choose (a swatch, an option), not the
  // colour of a shape.
  if (colourNoun && !d.shape && !d.genericShape) colourNoun.role = 'state';
  // "Select Orange", "click Red": a capitalised colour with no shape, widget or text noun is a name, not a colour
  // (a fruit, an option); "click the red one" stays a colour.
  if (capitalColour && !d.shape && !d.genericShape && d.kind === undefined && d.label === undefined) {
    d.color = undefined;
    capitalColour.role = 'unknown';
  }

  // Quotes: the first unused one is the label (or the text to type / find); more are unexplained.
  const quoteToks = list.filter((t) => t.role === 'quote');
  for (const t of quoteToks) {
    const q = quoteOf(t.w, quotes)!;
    if (d.quotesUsed.has(q)) continue;
    if (d.action === 'type' && d.text === undefined) d.text = quotes[q]!;
    else if (d.kind === 'text' && d.text === undefined && d.action !== 'type') d.text = quotes[q]!;
    else if (d.label === undefined && d.action !== 'type') d.label = quotes[q]!;
    else {
      d.unexplained.push(`"${quotes[q]!}"`);
      continue;
    }
    d.quotesUsed.add(q);
  }

  // Unquoted label words: next to the widget noun, or (no noun) all the unknown words of a labelling action.
  const unknownIdx: number[] = [];
  for (let i = 0; i < list.length; i++) if (list[i]!.role === 'unknown') unknownIdx.push(i);
  const nounIdx = list.findIndex((t) => t.role === 'noun');
  const labelParts: number[] = [];
  if (unknownIdx.length && d.label === undefined && d.action !== 'type' && d.action !== 'press') {
    if (nounIdx >= 0) {
      // Before the noun: "the Remember me checkbox", "the Log in button".
      let j = nounIdx - 1;
      while (
        j >= 0 &&
        (list[j]!.role === 'unknown' ||
          (list[j]!.role !== 'slot' && LABEL_INNER.has(list[j]!.w)) ||
          (list[j]!.role === 'vague' && LABEL_INNER.has(list[j]!.w)))
      )
        j--;
      let start = j + 1;
      while (start < nounIdx && list[start]!.role !== 'unknown') start++;
      for (let k = start; k < nounIdx; k++) labelParts.push(k);
      // After the noun, as its name: "Click button ONE", "click link Sed" — one word, last, not lower-case.
      const next = list[nounIdx + 1];
      if (
        !labelParts.length &&
        next?.role === 'unknown' &&
        nounIdx + 2 === list.length &&
        /\p{Lu}/u.test(next.o)
      )
        labelParts.push(nounIdx + 1);
    } else if (d.action && LABELLING.has(d.action) && !d.color && !d.shape && !d.genericShape) {
      // "turn on dark mode", "disable location services": after a verb only a setting takes, the words name a
      // switch, in lower case as much as capitalised ("check the spelling", "select the small size" are not
      // settings: "check" and "select" take other things too). "The" and a lower-case word name a thing in the
      // room ("turn on the lights"), as "below the form" does.
      const setting =
        d.action === 'toggle' &&
        d.kind === undefined &&
        d.region === undefined &&
        /^(?:turn|switch|enable|disable)$/.test(d.verbWord ?? '') &&
        !(list[unknownIdx[0]! - 1]?.w === 'the' && saidLower(list[unknownIdx[0]!]!));
      // "tick Remember me", "untick Newsletter": only a box is ticked, so a capitalised name after it is one to
      // tick, an element as when quoted ('untick "Remember me"', line 672 of the corpus); in lower case it must be
      // earned, as any guessed name ("check" may mean inspect).
      const ticked =
        d.action === 'toggle' &&
        d.kind === undefined &&
        d.region === undefined &&
        /^(?:tick|untick)$/.test(d.verbWord ?? '') &&
        !saidLower(list[unknownIdx[0]!]!);
      // "click Full screen", "tap Home page": a screen word right after a word of a name, with no preposition or
      // article between, is the name's last word (dropped as filler, "Full" alone was clicked).
      for (let k = 1; k < list.length; k++)
        if (list[k]!.role === 'stop' && SCREEN_WORD.test(list[k]!.w) && list[k - 1]!.role === 'unknown') {
          list[k]!.role = 'unknown';
          if (k > unknownIdx[unknownIdx.length - 1]!) unknownIdx.push(k);
        }
      const first = unknownIdx[0]!;
      let last = unknownIdx[unknownIdx.length - 1]!;
      // "click Log in", "tap Sign in": a particle ending the clause belongs to the label before it.
      let end = last;
      while (end + 1 < list.length && list[end + 1]!.role === 'stop' && LABEL_INNER.has(list[end + 1]!.w))
        end++;
      if (end === list.length - 1) last = end;
      // "click Reply all", "tap Select all": "all" ending the clause right after a capitalised name is its last
      // word (a bulk "all" comes before what it counts: "click all the buttons").
      const allLast =
        last + 2 === list.length &&
        list[last + 1]!.w === 'all' &&
        saidLower(list[last + 1]!) &&
        list[last]!.role === 'unknown' &&
        /^\p{Lu}/u.test(list[last]!.o);
      if (allLast) last++;
      let ok = true;
      for (let k = first; k <= last; k++) {
        const t = list[k]!;
        if (
          t.role === 'unknown' ||
          ((t.role === 'stop' || t.role === 'vague') && (LABEL_INNER.has(t.w) || (allLast && k === last)))
        )
          labelParts.push(k);
        else ok = false;
      }
      // A guess of several words is a label only if it looks like one ("Sign up"), not a phrase of lower-case
      // words ("a way to log in", "the space bar", "and hold shift").
      const words = labelParts.filter((k) => list[k]!.role === 'unknown');
      const phrasal =
        labelParts.length === 2 && PHRASAL_LABEL.test(labelParts.map((k) => list[k]!.w).join(' '));
      if (labelParts.length > 1 && words.every((k) => saidLower(list[k]!)) && !phrasal && !setting)
        ok = false;
      // "Click Apply to save", "Press Enter to continue": "to" and a lower-case word after a name say what it is
      // for, which the frame cannot hold (a name with "to" inside is quoted or beside its noun: 'the "Add to
      // cart" button').
      for (let j = 1; j + 1 < labelParts.length; j++)
        if (list[labelParts[j]!]!.w === 'to' && saidLower(list[labelParts[j + 1]!]!)) ok = false;
      // "click OK and/or Save", "click Yes or No": a choice between names, not one name.
      if (labelParts.some((k) => /^(?:or|nor|either|and\/or)$/.test(list[k]!.w) && saidLower(list[k]!)))
        ok = false;
      // "click Save ok", "press Next okay": an acknowledgement said after a name, not a word of it ("click OK"
      // alone names the button).
      const lastPart = list[labelParts[labelParts.length - 1]!];
      if (labelParts.length > 1 && lastPart && saidLower(lastPart) && /^(?:ok|okay|k|kk)$/.test(lastPart.w))
        ok = false;
      // "click at 100, 200": two numbers are a point on the screen, not a name.
      if (labelParts.length > 1 && labelParts.every((k) => /^\d+$/.test(list[k]!.w))) ok = false;
      // Nor is a guess of more than three words ("Save as fast as possible"): a sentence, not a name.
      if (labelParts.length > 3) ok = false;
      // Nor does a phrase that starts with a lower-case word ("the date 05/12/2016"): that word names a kind of
      // thing the frame has no noun for.
      if (labelParts.length > 1 && words.length > 0 && saidLower(list[words[0]!]!) && !phrasal && !setting)
        ok = false;
      // "choose a color": any one of a kind of thing, not a name ("click on a small 7" names one).
      const article = list[first - 1]?.w;
      if (
        (article === 'a' || article === 'an') &&
        words.length > 0 &&
        saidLower(list[words[0]!]!) &&
        /^[a-z]{2,}$/.test(list[words[0]!]!.w)
      )
        ok = false;
      // What is closed is a dialog, window or tab; "close the browser" names something else.
      if (d.action === 'close' && words.some((k) => saidLower(list[k]!))) ok = false;
      // "turn on Do Not Disturb": a capitalised filler word right before the name is a word of it that the name
      // would lose ("Not Disturb"); which words are the name is not sure.
      const before = list[first - 1];
      if (before && (before.role === 'stop' || before.role === 'vague') && before.o !== before.w) ok = false;
      // A setting's name trusted in lower case is made of names, not of how, how often, when or for whom
      // ("turn on wifi twice", "enable notifications for Slack").
      if (setting && labelParts.some((k) => saidLower(list[k]!) && NOT_SETTING.test(list[k]!.w))) ok = false;
      if (!ok) labelParts.length = 0;
      else {
        d.guessedLabel = true;
        if (setting) d.settingName = true;
        if (setting) d.switchName = true;
        if (ticked) d.tickName = true;
      }
    }
  }
  // "Click > Save", "click File / Open": a sign with no letter or digit is no word of a name said unquoted (a menu
  // path, an arrow); quoted ('click "+"') it is the name.
  for (const k of labelParts) if (!/[\p{L}\p{N}]/u.test(list[k]!.o)) d.unexplained.push(list[k]!.o);
  // "click #submit", "click .btn-primary", "click button#save": a CSS selector, not the words on a control (a
  // number after "#" is part of a name: "Tab #3").
  for (const k of labelParts) if (SELECTOR.test(list[k]!.o)) d.unexplained.push(list[k]!.o.replace(/¶/g, ''));
  if (labelParts.length) {
    d.label = labelParts.map((k) => list[k]!.o).join(' ');
    for (const k of labelParts) {
      // A lower-case word as a name is trusted once earned (calibration.ts); the particles inside ("log in")
      // are not names.
      // A setting's name is said as one by its verb.
      if (list[k]!.role === 'unknown' && !d.settingName) d.unexplained.push(...unearnedName(list[k]!.o));
      list[k]!.role = 'slot';
    }
  }
  // Type without quotes: the unknown words are the text ("type hello").
  if (d.action === 'type' && d.text === undefined) {
    const rest = list.filter((t) => t.role === 'unknown');
    // Unquoted, the whole rest is the text ("type hello"); "fill in the form" names a thing, not a text.
    // "type hello in the box below": a word of place is where, not what to type.
    const phrase =
      list.some((t) => t.role === 'vague' || t.role === 'stop') ||
      /^fill\b/.test(verb) ||
      rest.some((t) => PLACE_WORD.test(t.w));
    if (rest.length && !phrase) {
      d.text = rest.map((t) => t.o).join(' ');
      // "type enter", "enter ctrl+s": a key or a chord said unquoted is more likely pressed than typed out.
      const said = d.text.toLowerCase();
      if (KEY_CHORD.test(said) && !/^[\p{L}\p{N}]$/u.test(said)) d.unexplained.push(said);
      for (const t of rest) if (NOT_TEXT.test(t.w) || DATA_NOUN.test(t.w)) d.unexplained.push(t.w);
      for (const t of rest) t.role = 'slot';
    }
  }
  if (d.fieldLabel !== undefined) d.label = d.fieldLabel;
  if (d.nameSaid !== undefined) d.unexplained.push(...unearnedName(d.nameSaid));
  // "click the second row", "select the first result": a position among things of a kind the frame has no noun
  // for (a lower-case guess is a kind, not a name).
  if (
    d.guessedLabel &&
    d.pick &&
    labelParts.some((k) => list[k]!.o === list[k]!.w && /^[a-z]{2,}/.test(list[k]!.w))
  )
    d.unexplained.push(labelParts.map((k) => list[k]!.w).join(' '));
  // A preposition ending the clause ("toggle the switch on", "click on sign in" once "sign" is a label): what it
  // governed is missing or was taken for something else.
  const lastTok = list[list.length - 1];
  if (lastTok?.role === 'stop' && DANGLING.test(lastTok.w) && list.length > 1) lastTok.role = 'unknown';
  for (const t of list) {
    if (t.role === 'unknown' || t.role === 'state') d.unexplained.push(t.w);
    // "what shape is the red one": asking a shape's colour or shape, "one" is the shape the adjectives describe.
    const attributeOne = t.w === 'one' && d.attribute !== undefined && (d.color || d.size) && !d.kind;
    // "count the yellow ones", "are there more red ones than blue ones": asked about all of them, "ones" with a
    // colour or a size are the shapes it describes ("click the blue one" still points back at something).
    const shapeOnes =
      t.w === 'ones' && (d.color || d.size) && !d.kind && d.action !== undefined && !ACTING.has(d.action);
    if (
      t.role === 'vague' &&
      !attributeOne &&
      !shapeOnes &&
      (d.action === undefined || ACTING.has(d.action) || t.w !== 'it' || !saysWhat(d))
    ) {
      // A pointing word is fine beside a real target ("is it …" never reaches here); alone it is not.
      if (!BULK.test(t.w) || (d.action && ACTING.has(d.action))) d.unexplained.push(t.w);
    }
    if (t.role === 'slot' || t.role === 'noun' || t.role === 'quote') d.explained++;
  }
}
