import type { IntentFrame, UnderstandResult } from '../domain/index.js';
import {
  ACTION_RULES,
  ANY_REGION,
  COLOR_WORDS,
  KEY_CHORD,
  LABEL_INNER,
  REGION_PHRASES,
  SHAPE_WORDS,
  SIZE_WORDS,
  STATE_WORDS,
  STOPWORDS,
  UI_LABEL_WORDS,
  VAGUE,
} from './lexicon.js';
import { takeItemOps, takeMeasure, takeOrdinal } from './clause-data-ops.js';
import { takeExclusions } from './clause-exclusions.js';
import { finish, keyFrame } from './clause-frame.js';
import { takeDestination, takeField, takeRelation, takeWidgetNouns } from './clause-targets.js';
import { words } from './clause-words.js';
import type { Draft } from './draft.js';
import { num, QUOTE_TOKEN, quoteOf } from './draft.js';
import type { Span } from './span.js';
import { normalizeText } from './span.js';

export { normalizeText } from './span.js';

/**
 * One clause → one frame. The clause is cut phrase by phrase (verb, quantities, exclusions, relations,
 * ordinals, data ops, region, widget nouns); each cut explains its words. What is left must be slot values
 * (colours, shapes, a label, a text) or stopwords: any other word is *unexplained* and the command is not served
 * (docs/generation.md, "Confidence"). Quoted strings arrive as placeholders (⟦0⟧) and are taken verbatim.
 */

const TIMES_RE = new RegExp(
  `^times (?:does|do|is|are) (${QUOTE_TOKEN}) (?:appear|occur|show up|shown|written)\\b`,
);
const NAMED_RE = new RegExp(
  `\\b(?:labell?ed|called|named|titled|that says|which says|saying|that reads|with the (?:label|text|name)|whose (?:label|text|name|title) is|(?:that|which) ha(?:s|ve) the (?:label|text|name))\\s+(${QUOTE_TOKEN}|[^\\s]+)`,
);

/**
 * A test step's assertion of presence: "verify that the "Logout" link is displayed", "check that a green square
 * is present", "confirm the "Saved" text appears in the status bar", "then I should see …", and asked: "is the text
 * "Saved" visible", "are the blue squares shown in the sidebar". A state said so
 * ("is checked", "is not displayed") does not match and stays unexplained.
 */
const SHOWN_RE =
  /^(?:(?:verify|assert|confirm|ensure|check|make sure)(?: that)? (.+?) (?:is|are) (?:displayed|visible|present|shown)((?: (?:in|on|at|inside) .+)?)|(?:verify|assert|confirm|check)(?: that)? (.+?) (?:appears?|is shown|are shown)((?: (?:in|on|at|inside) .+)?)|(?:(?:then|and) )?i should (?:now )?see (.+)|(?:is|are) (.+?) (?:displayed|visible|present|shown|there)((?: (?:in|on|at|inside) .+)?))$/;

/** "the name of the second link", "the title of the "Help" tab": a name said of a widget noun after it. */
const NAME_OF =
  /\b(name|title) of (?=(?:the |this |that )?(?:\S+ ){0,3}(?:button|link|tab|checkbox|radio|field|text box|item|option|node|folder|file|section)s?\b)/;

/** A named key followed by what it is for or where ("Enter to continue", "tab in the search box"). */
const KEY_THEN =
  /^(?:the )?((?:(?:ctrl|control|alt|shift|cmd|command) ?\+ ?)*(?:enter|return|tab|escape|esc|backspace|f\d{1,2}))(?: key)? ((?:to|in|on|inside|into|within|so|and|until) .+)$/;

const REPEAT_WORDS = /\b(?:twice|thrice|(\d{1,2}|two|three|four|five) times)\b/;
/** Actions said "twice" or "3 times" ("click it twice"); "type "x" twice", "drag … twice" stay unexplained. */
const REPEATABLE: ReadonlySet<string> = new Set(['click', 'double-click', 'right-click', 'press']);

/** How a place is introduced: "in the toolbar", "on the left side", "at the top", "inside the sidebar". */
const PLACE_BEFORE =
  /\b(?:in|on|at|inside|within|from|across|throughout|near|along|has|have|of the (?:top|bottom|left|right|upper|lower|middle|center|centre)(?: half| side| part)?)(?: (?:the|this|that|a|an|my|your))? $/;
/** Actions whose object may be a region itself. */
const REGION_OBJECT: ReadonlySet<string> = new Set(['describe', 'read', 'list']);

/**
 * Every action rule in one pattern, in order, each in a group of its own (`RULE_GROUP[i]` is rule i's): all are
 * anchored at the start, so the first alternative that matches is the rule a loop over them would have found,
 * with one match instead of one per rule.
 */
const innerGroups: number[] = [];
const ANY_ACTION = new RegExp(`^(?:${ACTION_RULES.map((r) => `(${r.pattern.source})`).join('|')})`);
const RULE_GROUP: readonly number[] = ACTION_RULES.reduce<number[]>((at, r, i) => {
  const inner = new RegExp(`${r.pattern.source}|`).exec('')!.length - 1;
  at.push(i === 0 ? 1 : at[i - 1]! + 1 + innerGroups[i - 1]!);
  innerGroups.push(inner);
  return at;
}, []);
function ruleOf(m: RegExpExecArray): number {
  for (let i = 0; i < RULE_GROUP.length; i++) if (m[RULE_GROUP[i]!] !== undefined) return i;
  return -1;
}

/** Nouns a region word may qualify as an adjective ("the top circle"). */
const ADJECTIVAL =
  /^(?:ones?|shapes?|things?|items?|icons?|objects?|buttons?|links?|fields?|tabs?|checkbox(?:es)?|boxes|box|entry|entries|options?|elements?|rows?|columns?)$/;

/** One clause (no composition) → frame + confidence + the words it could not explain. */
export function parseClause(
  text: string,
  quotes: readonly string[] = [],
  raw = text.trim(),
  /** `normalizeText(text)` when the caller has it already (it is cut as the clause is read). */
  normalized?: Span,
): UnderstandResult {
  const span = normalized ?? normalizeText(text);
  const d: Draft = {
    textVerb: false,
    kindWords: 0,
    genericShape: false,
    inList: false,
    exclude: [],
    dataOps: [],
    quotesUsed: new Set(),
    unexplained: [],
    explained: 0,
    guessedLabel: false,
    firstWord: span.s.slice(0, (span.s.indexOf(' ') + 1 || span.s.length + 1) - 1),
  };
  let verb = '';

  // Measurement questions carry their own action ("how big is the largest …").
  const measured = takeMeasure(span);
  if (measured) {
    d.action = 'find';
    d.dataOps.push(...measured);
  }
  // "does the toolbar have a red circle": the subject is where to look.
  const has = span.take(/^does (?:the )?(.+?) (?:have|contain|show)\b/);
  if (has) {
    d.action = 'check';
    // 'does the title contain "Inbox"': a quoted text with no noun is text the place shows, not a control named so.
    if (/^⟦\d+⟧$/.test(span.s)) d.kind = 'text';
    span.s += ` in the ${has.m[1]!}`;
    span.o += ` in the ${has.orig(1)}`;
  }
  // "what does the toolbar contain": what is in a place, described.
  const holds = has ? undefined : span.take(/^what does (?:the )?(.+?) (?:have|contain|hold|include)$/);
  if (holds) {
    d.action = 'describe';
    span.s += ` in the ${holds.m[1]!}`;
    span.o += ` in the ${holds.orig(1)}`;
  }
  if (!d.action && SHOWN_RE.test(span.s)) {
    const shown = span.take(SHOWN_RE)!;
    const g = shown.m[1] !== undefined ? 1 : shown.m[3] !== undefined ? 3 : shown.m[5] !== undefined ? 5 : 6;
    const tail = g !== 5 ? (shown.m[g + 1] ?? '') : '';
    span.s = shown.m[g]! + tail;
    span.o = shown.orig(g) + (tail ? shown.orig(g + 1) : '');
    d.action = 'check';
  }
  if (!d.action) {
    const m = ANY_ACTION.exec(span.s);
    const rule = m ? ACTION_RULES[ruleOf(m)] : undefined;
    if (m && rule) {
      d.action = rule.action;
      verb = m[0];
      if (rule.state) d.state = rule.state;
      if (rule.text) d.textVerb = true;
      if (rule.attribute) d.attribute = { op: 'attribute', of: rule.attribute };
      // "go to / navigate to …": only a tab is gone to by clicking it ("go to settings" is somewhere else).
      if (/^(?:go|navigate|proceed) to\b/.test(m[0])) d.onlyKind = 'tab';
      // "follow the "Terms" link": only a link is followed ("follow the instructions" is something else).
      else if (m[0] === 'follow') d.onlyKind = 'link';
      const sp = m[0].indexOf(' ');
      d.verbWord = sp < 0 ? m[0] : m[0].slice(0, sp);
      span.cut(0, m[0].length);
    }
  }
  if (d.action === 'help' || (d.action === 'list' && /capabilit|skill|command/.test(verb))) {
    const frame: IntentFrame = { action: d.action, target: { kind: 'capabilities' }, raw };
    return { frame, confidence: 1 };
  }
  // "press enter" presses keys; "press Submit" clicks it.
  if (d.action === 'click' && /^(?:press|hit|push)\b/.test(verb)) {
    const key = KEY_CHORD.exec(span.s);
    if (key) return keyFrame(key[1]!, raw);
    // 'Press the "Enter" key', 'Press key "Tab"': a quoted key is still a key ('press "Submit"' clicks it).
    const quotedKey = /^(?:the )?(?:(⟦\d+⟧) key|key (⟦\d+⟧))$/.exec(span.s);
    const q = quotedKey ? quoteOf(quotedKey[1] ?? quotedKey[2]!, quotes) : undefined;
    const chord = q !== undefined ? KEY_CHORD.exec(quotes[q]!.toLowerCase()) : null;
    if (chord) return keyFrame(chord[1]!, raw);
    // "Press Enter to continue", "press tab in the search box": a named key and what it is for or where, which
    // the frame cannot hold (never a label "Enter to continue").
    const keyThen = KEY_THEN.exec(span.s);
    if (keyThen) {
      const r = keyFrame(keyThen[1]!, raw);
      const rest = keyThen[2]!.split(' ');
      return { ...r, confidence: Math.round((0.5 / (1 + rest.length)) * 1000) / 1000, unexplained: rest };
    }
  }
  // "is there at least one orange square": one is enough to say yes.
  if (d.action === 'check') span.take(/^at least one\b/);
  // "how many green shapes can you see", "… in total": the question's frame, not a word about the target.
  if (d.action === 'count') {
    span.take(/\s?\b(?:can|could|do) you (?:see|count|find)$/);
    span.take(/\s?\b(?:in total|altogether|all together|overall)$/);
    // "how many words does the status bar have": the subject is where to count.
    const hv = span.take(/\s?\b(?:does|do) (?:the )?(.+?) (?:have|contain|hold|show)$/);
    if (hv) {
      span.s += ` in the ${hv.m[1]!}`;
      span.o += ` in the ${hv.orig(1)}`;
    }
  }
  // "toggle the "Dark mode" switch on": the state, said last.
  if (d.action === 'toggle' && !d.state) {
    const st = span.take(/\s(on|off)$/);
    if (st) d.state = st.m[1] as 'on' | 'off';
  }
  if (d.action === 'read' && /(?:^|\s)what(?: (?:does|do))?$/.test(verb)) {
    const say = /\s?\b(?:say|says|reads?|show|display)$/.exec(span.s);
    if (say) span.cut(say.index, say[0].length);
    // "what does the Save button do / mean": what it is for, not what it says.
    else if (/\b(?:do|mean)$/.test(span.s)) d.unexplained.push(/\S+$/.exec(span.s)![0]);
  }

  // "read the name of the second link", "the title of the third tab": what a control is called is its label, as
  // "the label of the checkbox" is (the title of a window, a page or a dialog stays the title bar's or the
  // dialog's own text).
  if (d.action === 'read' || d.action === 'describe') {
    const nameOf = NAME_OF.exec(span.s);
    if (
      nameOf &&
      !/^(?:the |this |that )?(?:window|page|screen|dialog)\b/.test(
        span.s.slice(nameOf.index + nameOf[0].length),
      )
    ) {
      const at = nameOf.index;
      span.s = `${span.s.slice(0, at)}label${span.s.slice(at + nameOf[1]!.length)}`;
      span.o = `${span.o.slice(0, at)}label${span.o.slice(at + nameOf[1]!.length)}`;
    }
  }

  // "close the dialog by clicking the "x"": the means. A close glyph is how one closes; anything else is the
  // thing to click.
  const means = span.take(/\bby (?:clicking|pressing|tapping|hitting|selecting)(?: on)? (.+)$/);
  if (means) {
    const what = means.m[1]!.replace(/^the /, '');
    const q = quoteOf(what, quotes);
    const glyph = q !== undefined ? quotes[q]! : what;
    if (
      d.action === 'close' &&
      /^(?:x|×|✕|✖|close(?: button)?|the close button|the x|x button)$/i.test(glyph.trim())
    ) {
      if (q !== undefined) d.quotesUsed.add(q);
    } else {
      const r = parseClause(`click ${means.orig(1)}`, quotes, raw);
      return r;
    }
  }

  // Repetitions are for actions; "count … twice" stays unexplained.
  if (d.action && REPEATABLE.has(d.action)) {
    // "click "Like" x2" (chat): a lower-case x and a count, last ("Click X2" names a control).
    const rep = span.take(/\bx[2-9]$/.test(span.o) ? /\bx([2-9])$/ : REPEAT_WORDS);
    // "press escape twice": a key, not a label "escape"; repeated keys are not understood.
    if (rep && /^(?:press|hit|push)\b/.test(verb) && KEY_CHORD.test(span.s)) {
      const r = keyFrame(KEY_CHORD.exec(span.s)![1]!, raw);
      return { ...r, confidence: 0.5, unexplained: [rep.m[0]] };
    }
    // "click the red circle once": no repetition ("once more", "once again" are history).
    if (!rep) span.take(/\bonce\b(?! (?:more|again)\b)/);
    if (rep)
      d.repeat = {
        op: 'repeat',
        times:
          rep.m[0] === 'twice'
            ? 2
            : rep.m[0] === 'thrice'
              ? 3
              : rep.m[0].startsWith('x')
                ? Number(rep.m[1])
                : num(rep.m[1]!)!,
      };
    // "click OK 0 times": no click at all, which is no repetition of one.
    if (rep && d.repeat?.op === 'repeat' && d.repeat.times < 1) d.unexplained.push(rep.m[0]);
  }
  const times = span.take(TIMES_RE);
  if (times) {
    d.kind = 'text';
    const q = quoteOf(times.m[1]!, quotes);
    if (q !== undefined) {
      d.text = quotes[q]!;
      d.quotesUsed.add(q);
    }
  }

  // "is there a green triangle anywhere on the screen": a question about the whole screen says where it looks
  // anyway ("click anywhere" stays unexplained: where, then?).
  if (
    span.s.includes('anywhere') &&
    (d.action === 'check' || d.action === 'find' || d.action === 'locate' || d.action === 'count')
  )
    span.take(/\banywhere\b/);

  // "a little to the right", "a bit higher": a degree the frame cannot hold.
  const degree = span.take(/\ba (?:little|bit|little bit)\b/);
  if (degree) d.unexplained.push(...degree.m[0].split(' ').slice(1));

  // Label phrases: "the tab named "Billing"", "the button that says Apply".
  const named = span.take(NAMED_RE);
  if (named) {
    const q = quoteOf(named.m[1]!, quotes);
    d.label = q !== undefined ? quotes[q]! : named.orig(1);
    if (q !== undefined) d.quotesUsed.add(q);
    else {
      // "the link named Contact us", "the link that says Learn more": a capitalised name goes on to the end of
      // the clause over one or two words that no rule reads (a place, a colour, a state, a particle or filler
      // ends it; a state word screens name controls with, "more", does not, nor does a screen word: "the tab
      // named Home page" is not the Home tab).
      const at = named.m.index;
      const tail = /^ ?([a-z][\w'-]*)(?: ([a-z][\w'-]*))?$/.exec(span.s.slice(at));
      if (
        tail &&
        /^\p{Lu}/u.test(d.label) &&
        tail
          .slice(1)
          .every(
            (w) =>
              w === undefined ||
              !(
                (STOPWORDS.has(w) && !/^(?:screen|page|display)$/.test(w)) ||
                (STATE_WORDS.has(w) && !UI_LABEL_WORDS.has(w)) ||
                VAGUE.has(w) ||
                COLOR_WORDS[w] ||
                SHAPE_WORDS[w] ||
                SIZE_WORDS[w] ||
                ANY_REGION.test(w)
              ),
          )
      ) {
        d.label += ` ${span.o.slice(at, at + tail[0].length).trim()}`;
        span.cut(at, tail[0].length);
      }
      d.nameSaid = d.label;
      // "with the label Remember me": a name said unquoted goes on past its first word when a particle ends the
      // clause; which words are the name is not sure.
      const rest = span.s.slice(named.m.index).split(' ')[0] ?? '';
      if (span.s.length === named.m.index + rest.length && LABEL_INNER.has(rest)) d.unexplained.push(rest);
    }
  }

  // Exclusion and negation.
  takeExclusions(span, d, quotes);

  // "the circles that are large", "the box that is red": a relative clause that only names a colour, size or
  // shape says what an adjective would.
  const which = /\b(?:(?:that|which|who) (?:is|are)|whose (colou?r|shape|size) (?:is|are)) (\S+)$/.exec(
    span.s,
  );
  const said = which?.[2] ?? '';
  const names =
    which?.[1] === undefined
      ? COLOR_WORDS[said] || SIZE_WORDS[said] || SHAPE_WORDS[said]
      : /^colou?r$/.test(which[1])
        ? COLOR_WORDS[said]
        : which[1] === 'shape'
          ? SHAPE_WORDS[said]
          : SIZE_WORDS[said];
  if (which && names) span.cut(which.index, which[0].length - said.length - 1);

  // Relations to an anchor.
  takeRelation(span, d, quotes);

  if (d.action === 'drag') takeDestination(span, d, quotes);

  // Filters and sorts ("larger than 40 pixels", "from left to right"), before ordinals ("from largest to …").
  d.dataOps.push(...takeItemOps(span, d));

  // "the lower third", "the left quarter": a share of the screen, not the third of the things.
  const share = !/third|quarter|fifth/.test(span.s)
    ? undefined
    : span.take(/\b(?:upper|lower|top|bottom|left|right|middle|first|last) (third|quarter|fifth)s?\b/);
  if (share) d.unexplained.push(share.m[1]!);
  // "the 3rd of March", "the first of May": a date, not the third of the things named March.
  const dateOf =
    span.s.includes(' of ') &&
    /\b(\d{1,2}(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth) of (?!the |them\b|those\b|these\b|all\b)/.exec(
      span.s,
    );
  if (dateOf) d.unexplained.push(`${dateOf[1]!} of`);
  takeOrdinal(span, d);

  // "in the list": the items are list items.
  if (span.take(/\b(?:in|on|from|of) the list\b/)) d.inList = true;

  // Type into a field: "into the Email field", "in the search box"; fill: "the Name field with "Ana"".
  if (d.action === 'type') takeField(span, d, quotes);

  // "how many circles are left": remaining, not the left side.
  const left = span.take(/\b(?:are|is) left$/);
  if (left) d.unexplained.push('left');

  // Region.
  for (const [pattern, name] of ANY_REGION.test(span.s) ? REGION_PHRASES : []) {
    const at = pattern.exec(span.s);
    if (!at) continue;
    const before = span.s.slice(0, at.index);
    const m = span.take(pattern);
    if (m) {
      d.region = name;
      // A place is said with a preposition ("in the toolbar", "at the top"); "count red squares toolbar", "click
      // X top right", "the circle of the left" leave out how the place relates. Describing or reading a region
      // names it as the thing itself ("describe the sidebar", "read the title").
      if (
        !PLACE_BEFORE.test(before) &&
        !(REGION_OBJECT.has(d.action ?? '') && /^(?:(?:the|this|that) )?$/.test(before))
      )
        d.unexplained.push(m.m[0]);
      // "the top of the dialog": a part of something the frame cannot hold (the screen's own parts are fine).
      const of = /^of (?:the |this |that )?(\S+)/.exec(span.s.slice(m.m.index));
      if (of && !/^(?:screen|page|display|window|desktop|monitor)$/.test(of[1]!)) d.unexplained.push(of[1]!);
      // "the top circle", "the left button", "the middle one": which one of several, or where? Not sure.
      if (/^(?:top|bottom|left|right|middle|center|centre|upper|lower)$/.test(m.m[0])) {
        const next = span.s.slice(m.m.index).split(' ')[0] ?? '';
        if (ADJECTIVAL.test(next) || COLOR_WORDS[next] || SHAPE_WORDS[next]) d.unexplained.push(m.m[0]);
      }
      // The preposition goes with its place: left behind at the end ("read text in title bar") it would read as
      // a preposition with nothing after it.
      const prep = PLACE_BEFORE.exec(before);
      if (prep && prep.index + prep[0].length === before.length) span.cut(prep.index, prep[0].length);
      break;
    }
  }

  takeWidgetNouns(span, d, quotes);

  words(span, d, quotes, verb);
  return finish(d, raw);
}
