import type {
  Action,
  ColorName,
  DataOp,
  ExcludeOp,
  IntentFrame,
  NamedRegion,
  Shape,
  Target,
  TargetKind,
  UnderstandResult,
} from '../domain/index.js';
import {
  ACTING,
  ACTION_RULES,
  BULK,
  COLOR_WORDS,
  FIELD_BOX,
  GENERIC_SHAPE_WORDS,
  KEY_CHORD,
  LABEL_INNER,
  LABELLING,
  NUMBER_WORDS,
  ORDINALS,
  POLITENESS,
  REGION_PHRASES,
  SHAPE_WORDS,
  SIZE_WORDS,
  STOPWORDS,
  SUPERLATIVES,
  TARGETED,
  TEXT_NOUNS,
  VAGUE,
  WIDGET_PHRASES,
  regionOf,
} from './lexicon.js';

/**
 * One clause → one frame. The clause is cut phrase by phrase (verb, quantities, exclusions, relations,
 * ordinals, data ops, region, widget nouns); each cut explains its words. What is left must be slot values
 * (colours, shapes, a label, a text) or stopwords: any other word is *unexplained* and the command is not served
 * (docs/generation.md, "Confidence"). Quoted strings arrive as placeholders (⟦0⟧) and are taken verbatim.
 */

/** The lower-cased text the rules read, and the same text in its original case (labels keep their case). */
class Span {
  constructor(
    public s: string,
    public o: string,
  ) {}

  static of(text: string): Span {
    const o = text
      .normalize('NFKC')
      .replace(/[\u2018\u2019]/g, "'")
      .replace(/\s+/g, ' ')
      .trim();
    const s = o.toLowerCase();
    // Lower-casing can change lengths in a few scripts; then the original case is given up, not misaligned.
    return new Span(s, s.length === o.length ? o : s);
  }

  /** Removes [index, index + length) and tidies spaces in both strings. */
  cut(index: number, length: number): void {
    const tidy = (x: string) => {
      const a = x.slice(0, index).trimEnd();
      const b = x.slice(index + length).trimStart();
      return a && b ? a + ' ' + b : a || b;
    };
    this.s = tidy(this.s);
    this.o = tidy(this.o);
  }

  /** Cuts the first match of `re` and returns it (with the original-case text of each group). */
  take(re: RegExp): { m: RegExpExecArray; orig: (group: number) => string } | undefined {
    const m = re.exec(this.s);
    if (!m) return undefined;
    const o = this.o;
    const at = m.index;
    const groups = m.map((g, i) => {
      if (g === undefined || i === 0) return g ?? '';
      const rel = m[0].indexOf(g);
      return rel >= 0 ? o.slice(at + rel, at + rel + g.length) : g;
    });
    this.cut(m.index, m[0].length);
    return { m, orig: (i: number) => groups[i] ?? '' };
  }
}

/** Non-global copies (a global regex keeps `lastIndex` between calls). */
const POLITE = POLITENESS.map((p) => new RegExp(p.source, p.flags.replace('g', '')));

export function normalizeText(text: string): Span {
  const span = Span.of(text);
  for (const re of POLITE) {
    for (let guard = 0; guard < 4; guard++) {
      const m = re.exec(span.s);
      if (!m || m[0].length === 0) break;
      span.cut(m.index, m[0].length);
    }
  }
  const trail = /[?!.,;:]+$/.exec(span.s);
  if (trail) span.cut(trail.index, trail[0].length);
  const lead = /^[,\s]+/.exec(span.s);
  if (lead) span.cut(0, lead[0].length);
  return span;
}

const PLACEHOLDER = /⟦(\d+)⟧/;
const QUOTE_TOKEN = '⟦\\d+⟧';
const TIMES_RE = new RegExp(
  `^times (?:does|do|is|are) (${QUOTE_TOKEN}) (?:appear|occur|show up|shown|written)\\b`,
);
const NAMED_RE = new RegExp(
  `\\b(?:labell?ed|called|named|titled|that says|which says|saying|that reads|with the (?:label|text))\\s+(${QUOTE_TOKEN}|[^\\s]+)`,
);
const REL_RE = new RegExp(
  `\\b(?:that is |which is )?(?:(?:to the |on the )?(right|left) of|(below|under|underneath|beneath|above|over)|(next to|beside|near))\\s+(?:the )?(${QUOTE_TOKEN}|[^\\s]+(?: [^\\s]+)?)$`,
);

interface Draft {
  action?: Action;
  state?: 'on' | 'off';
  textVerb: boolean;
  kind?: TargetKind;
  kindWords: number;
  color?: ColorName;
  shape?: Shape;
  genericShape: boolean;
  size?: 'large' | 'small';
  label?: string;
  text?: string;
  region?: NamedRegion;
  quantity?: number;
  inList: boolean;
  fieldLabel?: string;
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
  /** The clause's first word after normalisation: named when no verb was found. */
  firstWord: string;
}

function quoteOf(token: string, quotes: readonly string[]): number | undefined {
  const m = PLACEHOLDER.exec(token);
  return m && quotes[Number(m[1])] !== undefined ? Number(m[1]) : undefined;
}

/** A phrase naming something to exclude: "the green ones", "triangles", "the Cancel button", "buttons". */
function excluded(phrase: string, orig: string, quotes: readonly string[]): ExcludeOp | undefined {
  const words = phrase.split(' ').filter((w) => w && !STOPWORDS.has(w) && w !== 'ones' && w !== 'one');
  const owords = orig.split(' ').filter((w) => w && !STOPWORDS.has(w.toLowerCase()) && !/^ones?$/i.test(w));
  const region = regionOf(phrase.replace(/^(?:the )/, ''));
  if (region) return { op: 'exclude', by: 'region', value: region };
  if (words.length === 1 && COLOR_WORDS[words[0]!])
    return { op: 'exclude', by: 'color', value: COLOR_WORDS[words[0]!]! };
  if (words.length === 1 && SHAPE_WORDS[words[0]!])
    return { op: 'exclude', by: 'shape', value: SHAPE_WORDS[words[0]!]! };
  const widget = WIDGET_PHRASES.find(([re]) => re.test(words[words.length - 1] ?? ''));
  if (widget) {
    if (words.length === 1) return { op: 'exclude', by: 'kind', value: widget[1] };
    const labelWords = owords.slice(0, -1);
    const q = labelWords.length === 1 ? quoteOf(labelWords[0]!, quotes) : undefined;
    return { op: 'exclude', by: 'label', value: q !== undefined ? quotes[q]! : labelWords.join(' ') };
  }
  return undefined;
}

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

function num(word: string): number | undefined {
  if (/^\d{1,3}$/.test(word)) return Number(word);
  return NUMBER_WORDS[word];
}

/** One clause (no composition) → frame + confidence + the words it could not explain. */
export function parseClause(
  text: string,
  quotes: readonly string[] = [],
  raw = text.trim(),
): UnderstandResult {
  const span = normalizeText(text);
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
    firstWord: span.s.split(' ')[0] ?? '',
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
    span.s += ` in the ${has.m[1]!}`;
    span.o += ` in the ${has.orig(1)}`;
  }
  if (!d.action) {
    for (const rule of ACTION_RULES) {
      const m = rule.pattern.exec(span.s);
      if (!m) continue;
      d.action = rule.action;
      verb = m[0];
      if (rule.state) d.state = rule.state;
      if (rule.text) d.textVerb = true;
      if (rule.attribute) d.attribute = { op: 'attribute', of: rule.attribute };
      span.cut(0, m[0].length);
      break;
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
  }
  if (d.action === 'read' && /^what(?: (?:does|do))?$/.test(verb)) {
    const say = /\s?\b(?:say|says|reads?|show|display)$/.exec(span.s);
    if (say) span.cut(say.index, say[0].length);
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
  if (d.action && ACTING.has(d.action)) {
    const rep = span.take(/\b(?:twice|thrice|(\d{1,2}|two|three|four|five) times)\b/);
    if (rep)
      d.repeat = {
        op: 'repeat',
        times: rep.m[0] === 'twice' ? 2 : rep.m[0] === 'thrice' ? 3 : num(rep.m[1]!)!,
      };
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

  // Label phrases: "the tab named "Billing"", "the button that says Apply".
  const named = span.take(NAMED_RE);
  if (named) {
    const q = quoteOf(named.m[1]!, quotes);
    d.label = q !== undefined ? quotes[q]! : named.orig(1);
    if (q !== undefined) d.quotesUsed.add(q);
  }

  // Exclusion and negation.
  takeExclusions(span, d, quotes);

  // Relations to an anchor: "to the right of Cancel", "below the Email field", "next to "Remember me"".
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
    if (shapeAnchor || nounAnchor || (q === undefined && STOPWORDS.has(anchorWords))) {
      d.unexplained.push(...rel.m[0].split(' '));
    } else {
      if (q !== undefined) d.quotesUsed.add(q);
      d.relative = { op: 'relative', relation, anchor: q !== undefined ? quotes[q]! : anchorOrig };
    }
  }

  // Drag destination: "to the toolbar", "to the Trash".
  if (d.action === 'drag') {
    const to = span.take(/\b(?:to|onto|into) (?:the )?(.+)$/);
    if (to) {
      const region = regionOf(to.m[1]!);
      const dest = to.m[1]!;
      if (region) d.destination = { region };
      else if (/^[^\s]+$/.test(dest) && !COLOR_WORDS[dest] && !SHAPE_WORDS[dest] && !STOPWORDS.has(dest))
        d.destination = { target: { kind: 'element', label: to.orig(1) } };
      else d.unexplained.push(...dest.split(' '));
    }
  }

  // Filters and sorts ("larger than 40 pixels", "from left to right"), before ordinals ("from largest to …").
  d.dataOps.push(...takeItemOps(span, d));

  takeOrdinal(span, d);

  // "in the list": the items are list items.
  if (span.take(/\b(?:in|on|from) the list\b/)) d.inList = true;

  // Type into a field: "into the Email field", "in the search box"; fill: "the Name field with "Ana"".
  if (d.action === 'type') takeField(span, d, quotes);

  // Region.
  for (const [pattern, name] of REGION_PHRASES) {
    const m = span.take(pattern);
    if (m) {
      d.region = name;
      break;
    }
  }

  // "Tab #3", "Page 2": the number is part of the label.
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
    span.s = span.s.replace(/\bbox(es)?\b/, 'checkbox$1');
    span.o = span.o.replace(/\b[Bb]ox(es)?\b/, 'checkbox$1');
  }
  for (const [re, kind] of WIDGET_PHRASES) {
    const m = re.exec(span.s);
    if (!m) continue;
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
    span.s = span.s.slice(0, m.index) + '¶' + span.s.slice(m.index + m[0].length);
    span.o = span.o.slice(0, m.index) + '¶' + span.o.slice(m.index + m[0].length);
    d.kind = 'list-item';
  } else if (
    d.inList &&
    d.kind === undefined &&
    (d.label !== undefined || quotes.length > 0 || /\S/.test(span.s))
  ) {
    // "Select Banana from the list": what is chosen from a list is one of its items.
    d.kind = 'list-item';
  } else if (d.inList && d.kind !== 'list-item') {
    d.unexplained.push('list');
  }

  words(span, d, quotes, verb);
  return finish(d, raw);
}

/** A placeholder so the noun's position stays known for label words before it. */
function markNoun(span: Span, at: number): void {
  span.s = span.s.slice(0, at) + ' ¶ ' + span.s.slice(at);
  span.o = span.o.slice(0, at) + ' ¶ ' + span.o.slice(at);
}

function keyFrame(keys: string, raw: string): UnderstandResult {
  const text = keys.replace(/ ?\+ ?/g, '+').replace(/^control\+/, 'ctrl+');
  return { frame: { action: 'press', target: { kind: 'text', text }, raw }, confidence: 1 };
}

const PLACE_RE = '(?:on|in|inside|within|at) (?:the )?(.+?)';
const EXCLUSIONS: ReadonlyArray<[RegExp, 'place' | 'thing']> = [
  [new RegExp(`,? (?:but |that |which )?(?:are |is )?(?:not|n't) ${PLACE_RE}$`), 'place'],
  [new RegExp(`,? (?:that|which) (?:are not|aren't|is not|isn't) ${PLACE_RE}$`), 'place'],
  [/\b(?:that are|which are|that is|which is|are|is) (?:not|n't) (?:in|on|inside) (?:the )?(.+?)$/, 'place'],
  [/(?:,? but)? (?:not )?(?:outside|out of) (?:of )?(?:the )?(.+?)$/, 'place'],
  [
    new RegExp(
      `(?:,? but not|,? except(?: for)?|,? excluding|,? other than|,? apart from|,? besides|,? but) (?:the )?(.+?)$`,
    ),
    'thing',
  ],
  [/\b(?:that|which)? ?(?:are not|aren't|is not|isn't|are|is)? ?(?:not|n't) (?:the )?(.+?)$/, 'thing'],
];

function takeExclusions(span: Span, d: Draft, quotes: readonly string[]): void {
  // Cheap pre-check: most commands exclude nothing.
  if (!/\b(?:not|n't|outside|out of|except|excluding|other than|apart from|besides|but)\b|n't\b/.test(span.s))
    return;
  for (let guard = 0; guard < 3; guard++) {
    let hit = false;
    for (const [re, kind] of EXCLUSIONS) {
      const m = re.exec(span.s);
      if (!m) continue;
      const phrase = m[1]!;
      const rel = m[0].lastIndexOf(phrase);
      const orig = span.o.slice(m.index + rel, m.index + rel + phrase.length);
      let op: ExcludeOp | undefined;
      if (kind === 'place') {
        const region = regionOf(phrase);
        op = region ? { op: 'exclude', by: 'region', value: region } : undefined;
      } else op = excluded(phrase, orig, quotes);
      if (!op) continue;
      if (op.by === 'label') {
        const q = /⟦(\d+)⟧/.exec(phrase);
        if (q) d.quotesUsed.add(Number(q[1]));
      }
      span.cut(m.index, m[0].length);
      // "anything but buttons", "everything but the circles": the target is what the exclusion is about.
      const pre = /\b(?:anything|everything|all|elements?)$/.exec(span.s);
      if (pre) {
        span.cut(pre.index, pre[0].length);
        if (op.by === 'kind' || op.by === 'label') d.kind ??= 'element';
        else d.genericShape = true;
      }
      d.exclude.push(op);
      hit = true;
      break;
    }
    if (!hit) break;
  }
}

const SUPERLATIVE_RE = new RegExp(
  `\\b(?:the )?(?:(\\d{1,2}|two|three|four|five) )?(${Object.keys(SUPERLATIVES).join('|')})(?: one)?\\b`,
);

function takeOrdinal(span: Span, d: Draft): void {
  const ord = span.take(
    /\b(?:the )?(?:(second|2nd|next) (?:to|from) last|(second|2nd|third|3rd) last|penultimate|(last)|(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d{1,2}(?:st|nd|rd|th))(?: (\d{1,2}|two|three|four|five))?)\b/,
  );
  if (ord) {
    const m = ord.m;
    if (m[1] || m[0].includes('penultimate'))
      d.pick = { op: 'pick', by: 'reading', order: 'desc', index: 2, count: 1 };
    else if (m[2]) d.pick = { op: 'pick', by: 'reading', order: 'desc', index: ORDINALS[m[2]]!, count: 1 };
    else if (m[3]) d.pick = { op: 'pick', by: 'reading', order: 'desc', index: 1, count: 1 };
    else {
      const n = ORDINALS[m[4]!] ?? Number(m[4]!.replace(/\D/g, ''));
      const count = m[5] ? (num(m[5]) ?? 1) : 1;
      d.pick = { op: 'pick', by: 'reading', order: 'asc', index: count > 1 ? 1 : n, count };
    }
    return;
  }
  const sup = span.take(SUPERLATIVE_RE);
  if (sup) {
    const s = SUPERLATIVES[sup.m[2]!]!;
    const count = sup.m[1] ? (num(sup.m[1]) ?? 1) : 1;
    d.pick = { op: 'pick', by: s.by, order: s.order, index: 1, count };
  }
}

const MEASURE_WORDS: Record<string, 'size' | 'width' | 'height'> = {
  big: 'size',
  large: 'size',
  wide: 'width',
  tall: 'height',
  high: 'height',
  larger: 'size',
  bigger: 'size',
  wider: 'width',
  taller: 'height',
  higher: 'height',
  smaller: 'size',
  narrower: 'width',
  shorter: 'height',
};
const UNITS: Array<[RegExp, 'cm' | 'mm' | 'in' | 'pt']> = [
  [/\bin (?:centimet(?:er|re)s?|cm)\b/, 'cm'],
  [/\bin (?:millimet(?:er|re)s?|mm)\b/, 'mm'],
  [/\bin (?:inch(?:es)?|in)$/, 'in'],
  [/\bin inch(?:es)?\b/, 'in'],
  [/\bin (?:points|pt)\b/, 'pt'],
];

/** "how wide is the smallest blue square", "what is the average size of the circles" → aggregate (+ convert). */
function takeMeasure(span: Span): DataOp[] | undefined {
  let measure: 'size' | 'width' | 'height' | 'area' | undefined;
  let fn: 'max' | 'min' | 'mean' | 'sum' | undefined;
  let m = span.take(/^how (big|large|wide|tall|high) (?:is|are) /);
  if (m) measure = MEASURE_WORDS[m.m[1]!]!;
  else {
    m = span.take(/^what(?:'s| is) the (?:(average|mean|total|combined) )?(size|width|height|area) of /);
    if (!m) return undefined;
    measure = m.m[2] as 'size' | 'width' | 'height' | 'area';
    if (m.m[1]) fn = m.m[1] === 'average' || m.m[1] === 'mean' ? 'mean' : 'sum';
  }
  const sup = span.take(/\b(largest|biggest|widest|tallest|smallest|tiniest|narrowest|shortest)\b/);
  if (sup) fn ??= /^(?:largest|biggest|widest|tallest)$/.test(sup.m[1]!) ? 'max' : 'min';
  const ops: DataOp[] = [{ op: 'aggregate', fn: fn ?? 'max', by: measure }];
  for (const [re, unit] of UNITS) {
    if (span.take(re)) {
      ops.push({ op: 'convert', unit });
      break;
    }
  }
  return ops;
}

/** Size filters and orderings over items. */
function takeItemOps(span: Span, d: Draft): DataOp[] {
  const ops: DataOp[] = [];
  const f = span.take(
    /\b(larger|bigger|wider|taller|higher|smaller|narrower|shorter) than (\d{1,5}) ?(?:pixels?|px)?\b/,
  );
  if (f) {
    const word = f.m[1]!;
    ops.push({
      op: 'filter',
      by: MEASURE_WORDS[word] as 'size' | 'width' | 'height',
      cmp: /^(?:smaller|narrower|shorter)$/.test(word) ? 'lt' : 'gt',
      value: Number(f.m[2]),
    });
  }
  let m = span.take(/\b(?:(?:sorted|ordered) )?from (left|right|top|bottom) to (right|left|bottom|top)\b/);
  if (m) {
    const by = m.m[1] === 'left' || m.m[1] === 'right' ? 'x' : 'y';
    ops.push({ op: 'sort', by, order: m.m[1] === 'left' || m.m[1] === 'top' ? 'asc' : 'desc' });
    return ops;
  }
  m = span.take(/\b(?:(?:sorted|ordered) )?from (largest|biggest|smallest) to (smallest|largest|biggest)\b/);
  if (m) {
    ops.push({ op: 'sort', by: 'size', order: m.m[1] === 'smallest' ? 'asc' : 'desc' });
    return ops;
  }
  if (!d.action || d.action === 'list') {
    m = span.take(/^(?:sort|order|rank)\b/);
    if (m) {
      const by = span.take(/\bby (size|width|height|position)\b/);
      if (by) {
        ops.push({ op: 'sort', by: by.m[1] === 'position' ? 'x' : 'size', order: 'asc' });
        d.action = 'list';
      } else d.unexplained.push(m.m[0]);
    }
  }
  return ops;
}

const FIELD_NOUN = '(?:text ?field|text ?box|textbox|input(?: box| field)?|field|box|area|textarea)';

const INTO_RE = new RegExp(`\\b(?:into|in|to|on) (?:the )?((?:[^\\s]+ ){0,2}?)${FIELD_NOUN}\\b`);
const FILL_RE = new RegExp(`^(?:the )?((?:[^\\s]+ ){0,2}?)${FIELD_NOUN} with\\b`);

function takeField(span: Span, d: Draft, quotes: readonly string[]): void {
  const into = span.take(INTO_RE);
  const fill = into ? undefined : span.take(FILL_RE);
  const hit = into ?? fill;
  if (!hit) return;
  d.kind = 'text-field';
  d.kindWords++;
  const words = hit.m[1]!.trim();
  if (words) {
    const q = quoteOf(words, quotes);
    if (q !== undefined) {
      d.fieldLabel = quotes[q]!;
      d.quotesUsed.add(q);
    } else if (!/^(?:text|input|search text)$/.test(words)) d.fieldLabel = hit.orig(1).trim();
  }
}

/** The remaining words: slot values, stopwords, a label, or unexplained. */
function words(span: Span, d: Draft, quotes: readonly string[], verb: string): void {
  const toks = span.s.split(' ').filter((t) => t.length > 0);
  const otoks = span.o.split(' ').filter((t) => t.length > 0);
  const aligned = toks.length === otoks.length;
  type Tok = { w: string; o: string; role: 'stop' | 'slot' | 'noun' | 'quote' | 'num' | 'unknown' | 'vague' };
  const list: Tok[] = toks.map((raw, i) => {
    const w = raw.replace(/^[,;:!?()]+|[,;:!?()]+$/g, '');
    const o = (aligned ? otoks[i]! : raw).replace(/^[,;:!?()]+|[,;:!?()]+$/g, '');
    return { w, o, role: 'unknown' as Tok['role'] };
  });
  let textNoun = false;
  for (let i = 0; i < list.length; i++) {
    const t = list[i]!;
    const w = t.w;
    if (!w) {
      t.role = 'stop';
      continue;
    }
    if (w === '¶' || w === '¶s') t.role = 'noun';
    else if (PLACEHOLDER.test(w)) t.role = 'quote';
    else if (COLOR_WORDS[w] && !d.color) {
      d.color = COLOR_WORDS[w];
      t.role = 'slot';
    } else if (SHAPE_WORDS[w] && !d.shape) {
      d.shape = SHAPE_WORDS[w];
      t.role = 'slot';
    } else if (GENERIC_SHAPE_WORDS.has(w)) {
      d.genericShape = true;
      t.role = 'slot';
    } else if (SIZE_WORDS[w] && !d.size) {
      d.size = SIZE_WORDS[w];
      t.role = 'slot';
    } else if (TEXT_NOUNS.test(w)) {
      textNoun = true;
      t.role = 'slot';
    } else if (/^(?:lines?)$/.test(w) && d.action === 'count') {
      d.group = { op: 'group', by: 'line' };
      textNoun = true;
      t.role = 'slot';
    } else if (/^(?:coloured|colored|shaped)$/.test(w)) t.role = 'slot';
    else if (/^\d{1,3}$/.test(w) || NUMBER_WORDS[w] !== undefined) t.role = 'num';
    else if (BULK.test(w)) t.role = d.action && ACTING.has(d.action) ? 'vague' : 'stop';
    else if (VAGUE.has(w)) t.role = 'vague';
    else if (STOPWORDS.has(w)) t.role = 'stop';
  }
  // Numbers before a plural noun are quantities ("select 2 checkboxes"); elsewhere they are labels ("a large 5").
  for (let i = 0; i < list.length; i++) {
    const t = list[i]!;
    if (t.role !== 'num') continue;
    const next = list[i + 1];
    if (next && (next.role === 'noun' || next.role === 'slot') && /s$/.test(next.w)) {
      d.quantity = num(t.w)!;
      t.role = 'slot';
    } else t.role = 'unknown';
  }
  if (textNoun && d.kind === undefined) d.kind = 'text';

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
  const unknownIdx = list.flatMap((t, i) => (t.role === 'unknown' ? [i] : []));
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
    } else if (d.action && LABELLING.has(d.action) && !d.color && !d.shape && !d.genericShape) {
      const first = unknownIdx[0]!;
      const last = unknownIdx[unknownIdx.length - 1]!;
      let ok = true;
      for (let k = first; k <= last; k++) {
        const t = list[k]!;
        if (t.role === 'unknown' || ((t.role === 'stop' || t.role === 'vague') && LABEL_INNER.has(t.w)))
          labelParts.push(k);
        else ok = false;
      }
      if (!ok) labelParts.length = 0;
      else d.guessedLabel = true;
    }
  }
  if (labelParts.length) {
    d.label = labelParts.map((k) => list[k]!.o).join(' ');
    for (const k of labelParts) list[k]!.role = 'slot';
  }
  // Type without quotes: the unknown words are the text ("type hello").
  if (d.action === 'type' && d.text === undefined) {
    const rest = list.filter((t) => t.role === 'unknown');
    // Unquoted, the whole rest is the text ("type hello"); "fill in the form" names a thing, not a text.
    const phrase = list.some((t) => t.role === 'vague' || t.role === 'stop') || /^fill\b/.test(verb);
    if (rest.length && !phrase) {
      d.text = rest.map((t) => t.o).join(' ');
      for (const t of rest) t.role = 'slot';
    }
  }
  if (d.fieldLabel !== undefined) d.label = d.fieldLabel;
  for (const t of list) {
    if (t.role === 'unknown') d.unexplained.push(t.w);
    if (t.role === 'vague' && (d.action === undefined || ACTING.has(d.action) || t.w !== 'it')) {
      // A pointing word is fine beside a real target ("is it …" never reaches here); alone it is not.
      if (!BULK.test(t.w) || (d.action && ACTING.has(d.action))) d.unexplained.push(t.w);
    }
    if (t.role === 'slot' || t.role === 'noun' || t.role === 'quote') d.explained++;
  }
}

const WIDGET_KINDS: ReadonlySet<TargetKind> = new Set([
  'button',
  'link',
  'text-field',
  'checkbox',
  'radio',
  'tab',
  'dialog',
  'list-item',
  'tree-node',
  'dropdown',
  'window',
  'element',
]);

function finish(d: Draft, raw: string): UnderstandResult {
  const target: Target = { kind: 'screen' };
  const action = d.action;
  let kind = d.kind;
  const shapey = Boolean(d.color || d.shape || d.genericShape);
  if (kind && WIDGET_KINDS.has(kind)) {
    if (shapey) d.unexplained.push(...[d.color, d.shape].flatMap((x) => (x ? [x] : [])));
  } else if (kind === 'text') {
    if (shapey) d.unexplained.push(...[d.color, d.shape].flatMap((x) => (x ? [x] : [])));
  } else if (shapey && d.label !== undefined && !d.color && !d.shape) kind = 'element';
  else if (shapey) kind = 'shape';
  else if (d.label !== undefined) kind = 'element';
  if (action === 'type') {
    kind = d.kind === 'text-field' ? 'text-field' : 'text';
  }
  if (!kind) {
    if (action === 'read') kind = 'text';
    else if (action === 'describe') kind = 'screen';
    else if (action === 'close' && !d.label) kind = 'dialog';
    else kind = 'screen';
  }
  target.kind = kind;
  if (kind === 'shape') {
    if (d.shape) target.shape = d.shape;
    if (d.color) target.color = d.color;
    if (d.label !== undefined) d.unexplained.push(d.label);
  }
  if (d.label !== undefined && kind !== 'shape') {
    if (kind === 'text' && action !== 'type' && d.text === undefined) target.text = d.label;
    else if (kind === 'screen') d.unexplained.push(d.label);
    else target.label = d.label;
  }
  if (d.text !== undefined) {
    if (kind === 'text' || kind === 'text-field') target.text = d.text;
    else d.unexplained.push(d.text);
  }
  if (d.size) target.size = d.size;

  let act: Action = action ?? 'describe';
  // "open the Photos folder" expands it.
  if (act === 'click' && kind === 'tree-node' && /^open\b/.test(raw.toLowerCase().replace(/^\W+/, '')))
    act = 'expand';
  const frame: IntentFrame = { action: act, target, raw };
  if (d.region) frame.region = d.region;
  if (d.quantity !== undefined) frame.quantity = d.quantity;
  if (d.state && act === 'toggle') frame.state = d.state;
  if (d.destination) frame.destination = d.destination;
  // Canonical op order: what to drop, where, filters and sorts, which one, measurements, answers, repetitions.
  const ops: DataOp[] = [
    ...d.exclude,
    ...(d.relative ? [d.relative] : []),
    ...d.dataOps.filter((o) => o.op === 'filter' || o.op === 'sort'),
    ...(d.pick ? [d.pick] : []),
    ...d.dataOps.filter((o) => o.op === 'aggregate' || o.op === 'convert'),
    ...(d.attribute ? [d.attribute] : []),
    ...(d.group ? [d.group] : []),
    ...(d.repeat ? [d.repeat] : []),
  ];
  if (ops.length) frame.ops = ops;

  const unexplained = [...new Set(d.unexplained.filter((w) => w.length > 0))];
  const needsTarget = action !== undefined && TARGETED.has(action) && kind === 'screen' && !d.region;
  const content = d.explained + unexplained.length;
  const share = content === 0 ? 1 : d.explained / content;
  let confidence: number;
  if (!action) confidence = 0.25 * share;
  else if (unexplained.length) confidence = Math.min(0.5, 0.5 * share);
  else if (needsTarget || (action !== undefined && TARGETED.has(action) && kind === 'screen'))
    confidence = 0.4;
  else confidence = d.guessedLabel ? 0.9 : 1;
  if (!action && unexplained.length === 0) unexplained.push(d.firstWord || raw.split(/\s+/)[0]!);
  if (needsTarget && unexplained.length === 0) unexplained.push(`(nothing to ${action})`);
  return {
    frame,
    confidence: Math.round(confidence * 1000) / 1000,
    ...(unexplained.length ? { unexplained } : {}),
  };
}
