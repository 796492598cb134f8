import {
  ANY_WIDGET,
  BULK,
  COLOR_WORDS,
  FIELD_BOX,
  REGION_PHRASES,
  SHAPE_WORDS,
  SIZE_WORDS,
  STATE_WORDS,
  STOPWORDS,
  VAGUE,
  WIDGET_PHRASES,
  regionOf,
} from './lexicon.js';
import type { TargetKind } from '../domain/index.js';
import type { Draft } from './draft.js';
import { QUOTE_TOKEN, quoteOf } from './draft.js';
import type { Span } from './span.js';

/**
 * What a clause is about, beyond colour, shape and label: an anchor it is placed against, where a drag goes,
 * the field typed into, and the widget noun ("button", "the Email field", "Tab #3", "in the list").
 */

const REL_RE = new RegExp(
  `\\b(?:that is |which is )?(?:(?:to the |on the )?(right|left) of|(below|under|underneath|beneath|above|over)|(next to(?! last\\b)|beside|near))\\s+(?:the )?(${QUOTE_TOKEN}|[^\\s]+(?: [^\\s]+)?)$`,
);

const REL_WORDS: Readonly<Record<string, 'right-of' | 'left-of' | 'above' | 'below' | 'near'>> = {
  right: 'right-of',
  left: 'left-of',
  below: 'below',
  under: 'below',
  underneath: 'below',
  beneath: 'below',
  above: 'above',
  over: 'above',
  'next to': 'near',
  beside: 'near',
  near: 'near',
};

/** Relations to an anchor: "to the right of Cancel", "below the Email field", "next to "Remember me"". */
export function takeRelation(span: Span, d: Draft, quotes: readonly string[]): void {
  // Every relation needs one of these words.
  if (!/\b(?:right|left|below|under|beneath|above|over|next|beside|near)/.test(span.s)) return;
  const rel = span.take(REL_RE);
  if (rel) {
    const relation = REL_WORDS[rel.m[1] ?? rel.m[2] ?? rel.m[3]!]!;
    let anchorWords = rel.m[4]!;
    let anchorOrig = rel.orig(4);
    // The anchor's own noun ("the Email field", "the Search button") names it; its label is the anchor.
    const noun = /\s(?:button|field|link|box|checkbox|tab|label|text)$/.exec(anchorWords);
    if (noun) {
      anchorWords = anchorWords.slice(0, noun.index);
      anchorOrig = anchorOrig.slice(0, noun.index);
    } else if (anchorWords.includes(' ')) {
      // Two words with no noun: only the first is the anchor; the other goes back for the rest of the rules.
      const [first] = anchorWords.split(' ');
      const firstOrig = anchorOrig.split(' ')[0]!;
      span.s += ' ' + anchorWords.slice(first!.length + 1);
      span.o += ' ' + anchorOrig.slice(firstOrig.length + 1);
      anchorWords = first!;
      anchorOrig = firstOrig;
    }
    const q = quoteOf(anchorWords, quotes);
    const shapeAnchor = anchorWords.split(' ').some((w) => COLOR_WORDS[w] || SHAPE_WORDS[w]);
    const nounAnchor = q === undefined && WIDGET_PHRASES.some(([re]) => re.test(anchorWords));
    // "below the toolbar", "near the top": a region is not a labelled anchor (the frame would look for a label
    // "toolbar"); "next to the title" likewise.
    const regionAnchor =
      !noun && q === undefined && REGION_PHRASES.some(([re]) => re.test(rel.m[4]!) || re.test(anchorWords));
    // "below the form", "next to the table": "the" and a lower-case word with no widget noun name a thing on
    // the screen, not a label ("below Email", "below the Email field", "next to "Remember me"" do).
    const thingAnchor =
      !noun && q === undefined && rel.m[0].includes(` the ${anchorWords}`) && /^\p{Ll}+$/u.test(anchorOrig);
    if (
      shapeAnchor ||
      nounAnchor ||
      regionAnchor ||
      thingAnchor ||
      (q === undefined && STOPWORDS.has(anchorWords))
    ) {
      d.unexplained.push(...rel.m[0].split(' '));
    } else {
      if (q !== undefined) d.quotesUsed.add(q);
      d.relative = { op: 'relative', relation, anchor: q !== undefined ? quotes[q]! : anchorOrig };
      if (q === undefined) d.nameSaid = anchorOrig;
    }
  }
}

/** A quoted destination's noun: 'to the "Archive" folder'. */
const DEST_NOUN = /^⟦\d+⟧ (folder|file|button|link|tab)$/;
const DEST_KINDS: Readonly<Record<string, TargetKind>> = {
  folder: 'tree-node',
  file: 'tree-node',
  button: 'button',
  link: 'link',
  tab: 'tab',
};

/** Drag destination: "to the toolbar", "to the Trash", 'to "Done"'. */
export function takeDestination(span: Span, d: Draft, quotes: readonly string[]): void {
  if (d.action === 'drag') {
    const to = span.take(/\b(?:to|onto|into|until) (?:the )?(.+)$/);
    if (to) {
      const region = regionOf(to.m[1]!);
      const dest = to.m[1]!;
      // A quoted destination is a label, verbatim (its placeholder is no label).
      const q = quoteOf(dest, quotes);
      // 'into the "Archive" folder': a quoted name and its noun.
      const noun = q !== undefined ? DEST_NOUN.exec(dest) : null;
      if (region) d.destination = { region };
      else if (q !== undefined && (dest === `⟦${q}⟧` || noun)) {
        const kind = noun ? DEST_KINDS[noun[1]!]! : 'element';
        d.destination = { target: { kind, label: quotes[q]! } };
        d.quotesUsed.add(q);
      } else if (
        /^[^\s]+$/.test(dest) &&
        !/^\d/.test(dest) &&
        !COLOR_WORDS[dest] &&
        !SHAPE_WORDS[dest] &&
        !STOPWORDS.has(dest) &&
        // "to the Trash": capitalised, a state or icon word is a name.
        (!STATE_WORDS.has(dest) || /^\p{Lu}/u.test(to.orig(1))) &&
        !VAGUE.has(dest)
      ) {
        d.destination = { target: { kind: 'element', label: to.orig(1) } };
        d.nameSaid = [d.nameSaid, to.orig(1)].filter(Boolean).join(' ');
      } else d.unexplained.push(...dest.split(' '));
    }
  }
}

const FIELD_NOUN = '(?:text ?field|text ?box|textbox|input(?: box| field)?|field|box|area|textarea)';

const INTO_RE = new RegExp(`\\b(?:into|in|to|on|inside) (?:the )?((?:[^\\s]+ ){0,2}?)${FIELD_NOUN}\\b`);
const FILL_RE = new RegExp(`^(?:the )?((?:[^\\s]+ ){0,2}?)${FIELD_NOUN} with\\b`);

/** The field's name after its noun, ending the clause: 'in field "Age"', "in the field Zip", "the field of Name". */
const INTO_NAMED_RE = new RegExp(
  `\\b(?:into|in|to|on|inside) (?:the )?${FIELD_NOUN} (?:of |named |called )?(${QUOTE_TOKEN}|[^\\s]+)$`,
);
/** A quoted field with no noun: 'Input "bob" into "Username"'. */
const INTO_QUOTE_RE = new RegExp(`\\b(?:into|in) (${QUOTE_TOKEN})$`);

/** Type into a field: "into the Email field", "in the search box"; fill: "the Name field with "Ana"". */
export function takeField(span: Span, d: Draft, quotes: readonly string[]): void {
  const named = INTO_NAMED_RE.exec(span.s);
  if (named) {
    const q = quoteOf(named[1]!, quotes);
    const at = named.index + named[0].length - named[1]!.length;
    const orig = span.o.slice(at, at + named[1]!.length);
    // Quoted, or one capitalised word (as "Click button ONE"): a lower-case word after the noun is no name.
    if (q !== undefined || /^\p{Lu}/u.test(orig)) {
      span.cut(named.index, named[0].length);
      d.kind = 'text-field';
      d.kindWords++;
      d.fieldLabel = q !== undefined ? quotes[q]! : orig;
      if (q !== undefined) d.quotesUsed.add(q);
      return;
    }
  }
  // The text to type is quoted first: a second quote ending the clause after "into" is the field.
  const quoted = d.action === 'type' ? INTO_QUOTE_RE.exec(span.s) : null;
  const fq = quoted ? quoteOf(quoted[1]!, quotes) : undefined;
  if (quoted && fq !== undefined && fq > 0) {
    span.cut(quoted.index, quoted[0].length);
    d.kind = 'text-field';
    d.kindWords++;
    d.fieldLabel = quotes[fq]!;
    d.quotesUsed.add(fq);
    return;
  }
  const into = span.take(INTO_RE);
  const fill = into ? undefined : span.take(FILL_RE);
  const hit = into ?? fill;
  if (!hit) return;
  d.kind = 'text-field';
  d.kindWords++;
  const words = hit.m[1]!.trim();
  // "in each field", "into all the fields", "into the other field": which fields, not a field's name.
  // "into the red box": a colour, shape or size is no field's name.
  const which = words
    .split(' ')
    .filter((w) => BULK.test(w) || STATE_WORDS.has(w) || COLOR_WORDS[w] || SHAPE_WORDS[w] || SIZE_WORDS[w]);
  if (which.length) d.unexplained.push(...which);
  else if (words) {
    const q = quoteOf(words, quotes);
    if (q !== undefined) {
      d.fieldLabel = quotes[q]!;
      d.quotesUsed.add(q);
    } else if (!/^(?:text|input|search text)$/.test(words)) {
      d.fieldLabel = hit.orig(1).trim();
      d.nameSaid = [d.nameSaid, d.fieldLabel].filter(Boolean).join(' ');
    }
  }
}

const CONTAINER_BEFORE = /\b(?:in|inside|within|from|on) (?:the |a |an |this |that )?$/;
/**
 * "the "X" of the dialog": a thing of another thing; but "the text / label of the button" reads the button, and
 * "2 of the checkboxes", "how many of the buttons", "the first of the links" are some of them.
 */
const OWNER_BEFORE = /\S \bof (?:the |a |an |this |that )?$/;
const TEXT_OF =
  /\b(?:text|texts|label|labels|words?|caption|name|value|contents?|\d+|one|two|three|four|five|six|seven|eight|nine|ten|many|much|all|each|every|some|any|most|none|both|few|several|rest|number|count|list|first|second|third|fourth|fifth|last|\d+(?:st|nd|rd|th)) of (?:the |a |an |this |that )?$/;

/** Widget nouns, a numbered label ("Tab #3", "Page 2": the number is part of the label), list items. */
export function takeWidgetNouns(span: Span, d: Draft, quotes: readonly string[]): void {
  const numbered = span.take(/\b(tab|page|step|option) (#\d+|\d+)\b/);
  if (numbered) {
    d.kind = numbered.m[1] === 'tab' ? 'tab' : 'element';
    d.label = `${numbered.orig(1)} ${numbered.orig(2)}`;
    d.kindWords++;
  }

  // Widget nouns.
  const box = FIELD_BOX.exec(span.s);
  if (box && d.kind === undefined) {
    const lab = box[1]!;
    const origLab = span.o.slice(box.index, box.index + lab.length);
    span.cut(box.index, box[0].length);
    d.kind = 'text-field';
    d.kindWords++;
    if (lab !== 'text' && lab !== 'input' && !d.label) d.label = origLab;
    markNoun(span, box.index);
  }
  if (
    (d.action === 'toggle' || d.action === 'select') &&
    d.kind === undefined &&
    /\bbox(?:es)?\b/.test(span.s)
  ) {
    // ("the Marketing check box" is one already: its noun is read below.)
    span.s = span.s.replace(/(?<!\b(?:check|tick) )\bbox(es)?\b/, 'checkbox$1');
    span.o = span.o.replace(/(?<!\b(?:[Cc]heck|[Tt]ick) )\b[Bb]ox(es)?\b/, 'checkbox$1');
  }
  for (const [re, kind] of ANY_WIDGET.test(span.s) ? WIDGET_PHRASES : []) {
    const m = re.exec(span.s);
    if (!m) continue;
    // "the File menu", "the Tab key": a capitalised noun right before another widget noun is that one's label.
    const after = span.s.slice(m.index + m[0].length);
    if (
      /^\p{Lu}/u.test(span.o.slice(m.index)) &&
      WIDGET_PHRASES.some(([other]) => other.exec(after)?.index === 1)
    )
      continue;
    const before = span.s.slice(0, m.index);
    // "open File", "click Options": a capitalised noun said right after the verb, with no article, is the name of
    // something ("the File menu" names it with its noun).
    if (d.action && !before.trim() && !/\s/.test(m[0]) && /^\p{Lu}/u.test(span.o.slice(m.index))) continue;
    // "click "Yes" in the dialog", "select Banana from the dropdown": a container the frame cannot hold.
    if (CONTAINER_BEFORE.test(before) || (OWNER_BEFORE.test(before) && !TEXT_OF.test(before))) {
      d.unexplained.push(m[0]);
      span.cut(m.index, m[0].length);
      continue;
    }
    if (d.kind && d.kind !== 'text') {
      // A second widget noun ("the OK button in the dialog"): a container the frame cannot hold.
      d.unexplained.push(m[0]);
      span.cut(m.index, m[0].length);
      continue;
    }
    d.kind = kind;
    d.kindWords++;
    // The noun's place stays marked (label words sit next to it); `¶s` remembers a plural ("2 checkboxes").
    const mark = /(?:s|es|ies)$/.test(m[0]) && !/(?:ss|us)$/.test(m[0]) ? '¶s' : '¶';
    span.s = span.s.slice(0, m.index) + mark + span.s.slice(m.index + m[0].length);
    span.o = span.o.slice(0, m.index) + mark + span.o.slice(m.index + m[0].length);
  }
  if (d.inList && d.kind === undefined && /\b(?:items?|entries|entry)\b/.test(span.s)) {
    const m = /\b(?:items?|entries|entry)\b/.exec(span.s)!;
    // `¶s` for a plural, as for the other nouns: "select 4 items from the list" is a quantity.
    const mark = /^(?:items|entries)$/.test(m[0]) ? '¶s' : '¶';
    span.s = span.s.slice(0, m.index) + mark + span.s.slice(m.index + m[0].length);
    span.o = span.o.slice(0, m.index) + mark + span.o.slice(m.index + m[0].length);
    d.kind = 'list-item';
  } else if (
    d.inList &&
    d.kind === undefined &&
    (d.label !== undefined || quotes.length > 0 || /\S/.test(span.s))
  ) {
    // "Select Banana from the list": what is chosen from a list is one of its items.
    d.kind = 'list-item';
  } else if (d.inList && d.kind === 'element') {
    // "the second option of the list": an option of a list is one of its items.
    d.kind = 'list-item';
  } else if (d.inList && d.kind !== 'list-item') {
    d.unexplained.push('list');
  }
}

/** A placeholder so the noun's position stays known for label words before it. */
function markNoun(span: Span, at: number): void {
  span.s = span.s.slice(0, at) + ' ¶ ' + span.s.slice(at);
  span.o = span.o.slice(0, at) + ' ¶ ' + span.o.slice(at);
}
