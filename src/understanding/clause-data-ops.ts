import type { DataOp } from '../domain/index.js';
import { COMPARATIVES, ORDINALS, SUPERLATIVES } from './lexicon.js';
import type { Draft } from './draft.js';
import { num } from './draft.js';
import type { Span } from './span.js';

/** Data ops said in words: measurements ("how big is …"), size filters and sorts, ordinals and superlatives. */

const SUPERLATIVE_RE = new RegExp(
  `\\b(?:the )?(?:(\\d{1,2}|two|three|four|five) )?(${Object.keys(SUPERLATIVES).join('|')})(?: one)?\\b`,
);

/** A word without which no ordinal, superlative or comparative rule below can match. */
const ANY_ORDINAL = new RegExp(
  `\\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|penultimate|next|\\d{1,2}(?:st|nd|rd|th)|furthest|farthest|larger|bigger|smaller|${Object.keys(SUPERLATIVES).join('|')})`,
);

export function takeOrdinal(span: Span, d: Draft): void {
  if (!ANY_ORDINAL.test(span.s)) return;
  // "the third-party link", "the first-time user": a compound, neither a position nor a name.
  const compound = span.take(/\b(?:first|second|third|last|\d{1,2}(?:st|nd|rd|th))-[a-z]+\b/);
  if (compound) d.unexplained.push(compound.m[0]);
  // "the First name box": capitalised, a field's name (lower case it stays unsure, below).
  const named = /\b(first|last) name\b/.exec(span.s);
  if (named && /^\p{Lu}/u.test(span.o.slice(named.index))) return;
  const ord = span.take(
    /\b(?:the )?(?:(second|2nd|next) (?:to|from) last|(second|2nd|third|3rd) last|penultimate|(last)(?: (\d{1,2}|two|three|four|five)\b)?|(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d{1,2}(?:st|nd|rd|th))(?: (\d{1,2}|two|three|four|five))?)\b(?!-)/,
  );
  if (ord) {
    const m = ord.m;
    // "click Save first", "do that last": when, among the steps, not which one (no "the", nothing after).
    if (/^(?:first|last)$/.test(m[0]) && m.index > 0 && span.s.length <= m.index) {
      d.unexplained.push(m[0]);
      return;
    }
    // "the "Next" button on the second page", "the first screen": the position is of something the frame does
    // not hold (the screen's own filler nouns are no target).
    const after = /^\s*(\S+)/.exec(span.s.slice(m.index));
    if (after && /^(?:page|pages|screen|screens|side|part|area|region|corner|edge|display)$/.test(after[1]!))
      d.unexplained.push(after[1]!);
    // "the first name field": a field's name, or the first of the name fields? Not sure.
    if (/^(?:the )?(?:first|last)$/.test(m[0]) && /^\s*name\b/.test(span.s.slice(m.index))) {
      d.unexplained.push(m[0].replace(/^the /, ''));
      return;
    }
    // "the second circle from the left": an order by position the reading-order pick would not honour.
    const from = span.take(/\bfrom the (?:left|right|top|bottom|start|end|beginning)\b/);
    if (from) d.unexplained.push(...from.m[0].split(' '));
    if (m[1] || m[0].includes('penultimate'))
      d.pick = { op: 'pick', by: 'reading', order: 'desc', index: 2, count: 1 };
    else if (m[2]) d.pick = { op: 'pick', by: 'reading', order: 'desc', index: ORDINALS[m[2]]!, count: 1 };
    // "the last 2 tabs": the last two, as "the first 2 links" are the first two.
    else if (m[3])
      d.pick = { op: 'pick', by: 'reading', order: 'desc', index: 1, count: m[4] ? (num(m[4]) ?? 1) : 1 };
    else {
      const n = ORDINALS[m[5]!] ?? Number(m[5]!.replace(/\D/g, ''));
      const count = m[6] ? (num(m[6]) ?? 1) : 1;
      d.pick = { op: 'pick', by: 'reading', order: 'asc', index: count > 1 ? 1 : n, count };
    }
    return;
  }
  // "the circle furthest to the left": the leftmost.
  const far = span.take(/\b(?:the )?(?:furthest|farthest) (?:to the )?(left|right)\b/);
  if (far) {
    d.pick = { op: 'pick', by: 'x', order: far.m[1] === 'left' ? 'asc' : 'desc', index: 1, count: 1 };
    return;
  }
  const sup = span.take(SUPERLATIVE_RE);
  if (sup) {
    const s = SUPERLATIVES[sup.m[2]!]!;
    const count = sup.m[1] ? (num(sup.m[1]) ?? 1) : 1;
    d.pick = { op: 'pick', by: s.by, order: s.order, index: 1, count };
    return;
  }
  // "the bigger circle": the biggest of those named. "the larger of the two", "bigger than …" stay unexplained.
  const cmp = span.take(/\b(?:the )?(larger|bigger|smaller)(?: one)?\b(?! (?:of|than)\b)/);
  if (cmp) d.pick = { op: 'pick', by: 'size', order: COMPARATIVES[cmp.m[1]!]!, index: 1, count: 1 };
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
export function takeMeasure(span: Span): DataOp[] | undefined {
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

const SORTING: ReadonlySet<string> = new Set(['list', 'find', 'locate', 'read', 'describe']);

/** Size filters and orderings over items. */
export function takeItemOps(span: Span, d: Draft): DataOp[] {
  const ops: DataOp[] = [];
  // Every rule below needs one of these words.
  if (!/\b(?:than|from|sort|order|rank)\b/.test(span.s)) return ops;
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
  // An order matters only to what lists or shows items; "count the circles from left to right" is not a count.
  const sorts = !d.action || SORTING.has(d.action);
  let m = sorts
    ? span.take(/\b(?:(?:sorted|ordered) )?from (left|right|top|bottom) to (right|left|bottom|top)\b/)
    : undefined;
  if (m) {
    const by = m.m[1] === 'left' || m.m[1] === 'right' ? 'x' : 'y';
    ops.push({ op: 'sort', by, order: m.m[1] === 'left' || m.m[1] === 'top' ? 'asc' : 'desc' });
    return ops;
  }
  m = sorts
    ? span.take(/\b(?:(?:sorted|ordered) )?from (largest|biggest|smallest) to (smallest|largest|biggest)\b/)
    : undefined;
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
