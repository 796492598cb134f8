import type { ExcludeOp } from '../domain/index.js';
import {
  ACTING,
  COLOR_WORDS,
  ORDINALS,
  SHAPE_WORDS,
  STATE_WORDS,
  STOPWORDS,
  SUPERLATIVES,
  WIDGET_PHRASES,
  regionOf,
} from './lexicon.js';
import type { Draft } from './draft.js';
import { quoteOf } from './draft.js';
import type { Span } from './span.js';
import { unearnedName } from './calibration.js';

/** Exclusion and negation: "not in the toolbar", "except the Cancel button", "anything but circles". */

/** A phrase naming something to exclude: "the green ones", "triangles", "the Cancel button", "buttons". */
function excluded(phrase: string, orig: string, quotes: readonly string[]): ExcludeOp | undefined {
  // "those in the toolbar", "in the sidebar": the place itself.
  phrase = phrase.replace(/^(?:those |the ones |ones )?(?:(?:in|on|inside|within|at) )?/, '');
  orig = orig.slice(orig.length - phrase.length);
  // Lists ("buttons and links", "red or blue") and picks ("the first", "the largest") are not one exclusion; nor
  // is a second negation ("that are not not green": the exclusion of the exclusion).
  if (/\b(?:and|or|nor|not|never|no)\b|,|n't\b/.test(phrase)) return undefined;
  const words = phrase.split(' ').filter((w) => w && !STOPWORDS.has(w) && w !== 'ones' && w !== 'one');
  if (words.length === 0) return undefined;
  if (words.some((w) => ORDINALS[w] !== undefined || SUPERLATIVES[w] || STATE_WORDS.has(w) || w === 'last'))
    return undefined;
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
    // A label made of nouns, colours or shapes ("the red buttons") is not a label.
    if (
      words
        .slice(0, -1)
        .some((w) => COLOR_WORDS[w] || SHAPE_WORDS[w] || WIDGET_PHRASES.some(([re]) => re.test(w)))
    )
      return undefined;
    const q = labelWords.length === 1 ? quoteOf(labelWords[0]!, quotes) : undefined;
    return { op: 'exclude', by: 'label', value: q !== undefined ? quotes[q]! : labelWords.join(' ') };
  }
  return undefined;
}

const PLACE_RE = '(?:on|in|inside|within|at) (?:the )?(.+?)';
const EXCLUSIONS: ReadonlyArray<[RegExp, 'place' | 'thing']> = [
  [new RegExp(`,? (?:but |that |which )?(?:are |is )?(?:not|n't) ${PLACE_RE}$`), 'place'],
  [new RegExp(`,? (?:that|which|who) (?:are not|aren't|is not|isn't) ${PLACE_RE}$`), 'place'],
  [/\b(?:that are|which are|that is|which is|are|is) (?:not|n't) (?:in|on|inside) (?:the )?(.+?)$/, 'place'],
  [/(?:,? but)? (?:not )?(?:outside|out of) (?:of )?(?:the )?(.+?)$/, 'place'],
  [
    new RegExp(
      `(?:,? but not|,? not including|,? except(?: for)?|,? excluding|,? other than|,? apart from|,? besides|,? (?:but )?ignor(?:e|ing)|,? without|,? but) (?:the )?(.+?)$`,
    ),
    'thing',
  ],
  [/\b(?:that|which|who)? ?(?:are not|aren't|is not|isn't|are|is)? ?(?:not|n't) (?:the )?(.+?)$/, 'thing'],
];

export function takeExclusions(span: Span, d: Draft, quotes: readonly string[]): void {
  // Cheap pre-check: most commands exclude nothing.
  if (
    !/\b(?:not|n't|outside|out of|except|excluding|other than|apart from|besides|but|ignore|ignoring|without|non)\b|n't\b/.test(
      span.s,
    )
  )
    return;
  // "the non-red circles", "the non-square shapes", "the non-button elements": a prefix that excludes.
  const non = /\bnon-?([a-z]+)\b/.exec(span.s);
  if (non) {
    const w = non[1]!;
    const widget = WIDGET_PHRASES.find(([re]) => re.exec(w)?.[0] === w);
    const op: ExcludeOp | undefined = COLOR_WORDS[w]
      ? { op: 'exclude', by: 'color', value: COLOR_WORDS[w] }
      : SHAPE_WORDS[w]
        ? { op: 'exclude', by: 'shape', value: SHAPE_WORDS[w] }
        : widget
          ? { op: 'exclude', by: 'kind', value: widget[1] }
          : undefined;
    if (op) {
      span.cut(non.index, non[0].length);
      d.exclude.push(op);
      if (op.by === 'kind') d.kind ??= 'element';
    }
  }
  for (let guard = 0; guard < 3; guard++) {
    let hit = false;
    for (const [re, kind] of EXCLUSIONS) {
      const m = re.exec(span.s);
      if (!m) continue;
      // "that are not not green": a second negation undoes the first; no exclusion is sure.
      if ((m[0].match(/\bnot\b|n't\b/g)?.length ?? 0) > 1) continue;
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
        // "click Save without closing the dialog": a lower-case name is trusted only once earned, as any other
        // guessed name (calibration.ts) — here "closing" says how, it names no dialog.
        else d.unexplained.push(...unearnedName(op.value));
      }
      span.cut(m.index, m[0].length);
      // "anything but buttons", "everything but the circles": the target is what the exclusion is about.
      const pre = /\b(?:anything|everything|all|elements?)$/.exec(span.s);
      if (pre) {
        span.cut(pre.index, pre[0].length);
        // "click all but the first": a bulk action, which no frame of one target holds.
        if (d.action && ACTING.has(d.action)) d.unexplained.push(pre[0]);
        // "read everything except the sidebar": what is read is text, not the shapes the rest would count.
        if (d.action === 'read' || d.action === 'type') d.unexplained.push(pre[0]);
        else if (op.by === 'kind' || op.by === 'label') d.kind ??= 'element';
        else d.genericShape = true;
      }
      d.exclude.push(op);
      hit = true;
      break;
    }
    if (!hit) break;
  }
}
