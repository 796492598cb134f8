import type { PartFrame, UnderstandResult } from '../domain/index.js';
import type { ExtendedFrame } from './frame-ext.js';
import { normalizeText, parseClause } from './clause.js';
import type { Span } from './span.js';
import { mentionsSlip, withSlipsCorrected } from './typos.js';
import { ACTING, COLOR_WORDS, SHAPE_WORDS, regionOf } from './lexicon.js';

/**
 * A small, deterministic grammar for screen commands (docs/generation.md, "Grammar"). It finds the action, the
 * target (shape/colour/widget/label/text), the region, exclusions, relations, ordinals, quantities and data
 * ops, and composes clauses (sequences, lists of targets, conditions, comparisons, parallel targets). Every
 * content word must be explained; the words that are not are returned, and the command is not served.
 */

/** Quoted strings are taken verbatim, in any script: straight, curly, low-9, guillemets, corner brackets. */
const QUOTES =
  /"([^"]{1,200})"|“([^”"]{1,200})[”"]|„([^“”"]{1,200})[“”"]|«([^»]{1,200})»|「([^」]{1,200})」|‘([^’]{1,200})’|(?<![\p{L}\p{N}])'([^']{1,200})'(?![\p{L}\p{N}])/gu;

interface Quoted {
  /** The command with each quoted string replaced by ⟦i⟧. */
  text: string;
  quotes: string[];
}

function extractQuotes(raw: string): Quoted {
  const quotes: string[] = [];
  const text = raw.replace(QUOTES, (...m: unknown[]) => {
    const inner = (m.slice(1, 8) as Array<string | undefined>).find((g) => g !== undefined) ?? '';
    quotes.push(inner);
    return ` ⟦${quotes.length - 1}⟧ `;
  });
  return { text, quotes };
}

/** The normalised (lower-case, politeness removed) form of a command. */
export function normalizeCommand(text: string): string {
  return normalizeText(text).s;
}

/** One frame from one clause (no composition). */
export function parseSimple(text: string): UnderstandResult {
  const raw = text.trim();
  const q = extractQuotes(raw);
  return parseClause(q.text, q.quotes, raw);
}

function part(r: UnderstandResult): PartFrame {
  const { raw: _raw, ...rest } = r.frame as ExtendedFrame;
  return rest;
}

function combine(frame: ExtendedFrame, parsed: UnderstandResult[]): UnderstandResult {
  const unexplained = parsed.some((p) => p.unexplained?.length)
    ? [...new Set(parsed.flatMap((p) => p.unexplained ?? []))]
    : [];
  return {
    frame,
    confidence: Math.round(Math.min(...parsed.map((p) => p.confidence)) * 1000) / 1000,
    ...(unexplained.length ? { unexplained } : {}),
  };
}

const VERB =
  '(?:click|tap|press|hit|type|enter|input|write|fill|select|choose|pick|check|uncheck|tick|untick|toggle|expand|collapse|close|dismiss|focus|read|count|find|locate|open|hover|drag|double[- ]?click|right[- ]?click|describe|list)';
/**
 * Clause boundaries: "then", ";", ", and then", and "and" before a verb; "after that" / "afterwards" before a
 * verb, after a comma, a full stop or "and" ("click Yes. After that, click Close", "click Save, and afterwards
 * click Exit").
 */
const SEPARATOR = new RegExp(
  `,? (?:and )?then |\\s*;\\s*(?:then )?|[,.!?]? (?:and )?(?:after that|afterwards|after this),? (?=${VERB}\\b|on |the )| and after that |,? and (?=${VERB}\\b)|, (?=then |${VERB}\\b)|[.?!] (?=${VERB}\\b)`,
  'g',
);
/** "First" said before the first step's verb, when more steps follow. */
const FIRST_STEP = new RegExp(`^\\s*first(?:ly)? (?=${VERB}\\b)`, 'i');
/** A clause that is only a verb ("Close"). */
const BARE_VERB = new RegExp(`^${VERB}$`, 'i');
/** A clause's own verb, said first ("click on", "double-click"). */
const LEAD_VERB = new RegExp(`^${VERB}(?: on)?(?=\\s)`, 'i');
const LIST_VERBS =
  /^(select|choose|pick|check|uncheck|tick|untick|toggle|click|tap|expand|collapse|turn on|turn off|switch on|switch off|enable|disable)\b\s+(.*)$/;

/**
 * "Select ACjXo, ktK, ZAHr" / "Check "Apple" and "Pear"": one verb over a list of labels becomes one clause
 * per label. Only bare labels and quotes are listed (colours and shapes go to the parallel rule).
 */
function expandList(clause: string, quotes: string[]): string[] {
  const trimmed = clause.trim().replace(/[.!]+$/, '');
  const m = LIST_VERBS.exec(trimmed.toLowerCase());
  if (!m) return [clause];
  const verb = trimmed.slice(0, m[1]!.length);
  const body = trimmed.slice(trimmed.length - m[2]!.length);
  const items = body.split(/\s*,\s*(?:and\s+)?|\s+and\s+/).filter((x) => x.length > 0);
  if (items.length < 2) return [clause];
  const plain = /^(?:⟦\d+⟧|[\p{L}\p{N}][\p{L}\p{N}_#-]*)$/u;
  if (!items.every((x) => plain.test(x.trim()))) return [clause];
  // In a list of names, a colour or shape word is a name too ("Select Orange, Kiwi"): it is quoted. Said in lower
  // case ("click red and blue", "click circle, square") it may as well be the colour or shape it is alone ("click
  // red"): no list of names is read, and the clause is read as said.
  if (
    items.some((x) => {
      const w = x.trim();
      return w === w.toLowerCase() && (COLOR_WORDS[w] !== undefined || SHAPE_WORDS[w] !== undefined);
    })
  )
    return [clause];
  return items.map((x) => {
    const w = x.trim();
    if (!COLOR_WORDS[w.toLowerCase()] && !SHAPE_WORDS[w.toLowerCase()]) return `${verb} ${w}`;
    quotes.push(w);
    return `${verb} ⟦${quotes.length - 1}⟧`;
  });
}

const THEN_ACTION =
  '((?:click|tap|press|type|select|hit|read|count|find|check|toggle|close|dismiss|expand|collapse|focus)\\b.*)';
/** "if there is a red circle, click it", "when you see a dialog, close it". */
const IF_THERE = new RegExp(
  `^(?:if|when) (?:there (?:is|are)|there's|you (?:can )?see) (.+?),? (?:then )?${THEN_ACTION}$`,
);
/** 'If a "Cookies" dialog appears, close it', "when the Continue button is visible, click it". */
const IF_SHOWN = new RegExp(
  `^(?:if|when|once) (.+?) (?:appears?|(?:is|are) (?:shown|visible|displayed|present)|shows up|pops up),? (?:then )?${THEN_ACTION}$`,
);

/** A piece of a parallel target names a colour or a shape, or is only a place. */
function namesColourOrShape(p: string): boolean {
  return (
    /^(?:in|on|at) /i.test(p.trim()) ||
    p
      .toLowerCase()
      .split(/[^a-z]+/)
      .some((w) => COLOR_WORDS[w] !== undefined || SHAPE_WORDS[w] !== undefined)
  );
}

/**
 * Composed commands, tried before single clauses:
 * - conditional: "if there is a red circle, click it" → the `then` frame with `condition` (a check frame);
 * - comparison: "are there more red circles than blue squares" → action `compare`, two parallel count parts;
 * - sequence: "read the title and then click Save", "Select A, B and click Submit" → parts in order;
 * - parallel: "count the red and the green circles" → one action over several targets.
 */
function parseComposed(raw: string, q: Quoted, lower: Span): UnderstandResult | undefined {
  const s = lower.s;
  const o = lower.o;
  let m: RegExpExecArray | null;
  if ((m = IF_THERE.exec(s) ?? IF_SHOWN.exec(s))) {
    const condAt = m[0].indexOf(m[1]!);
    const thenAt = m[0].lastIndexOf(m[2]!);
    const cond = parseClause(`is there ${o.slice(condAt, condAt + m[1]!.length)}`, q.quotes, raw);
    let then = parseClause(o.slice(thenAt, thenAt + m[2]!.length), q.quotes, raw);
    if (/^\S+(?: on)? (?:it|them)$/.test(m[2]!) && ACTING.has(then.frame.action)) {
      // "click it": the condition's target; the pointing word is explained by it.
      then = { frame: { ...then.frame, target: { ...cond.frame.target } }, confidence: cond.confidence };
      if (cond.frame.region) then.frame.region = cond.frame.region;
      else delete then.frame.region;
      // Only the repetition is the `then` clause's own ("click it twice"); other ops were about "it".
      const repeat = then.frame.ops?.filter((o) => o.op === 'repeat');
      if (repeat?.length) then.frame.ops = repeat;
      else delete then.frame.ops;
    }
    const { raw: _r, ...condFrame } = cond.frame;
    const frame: ExtendedFrame = { ...then.frame, condition: { frame: condFrame }, raw };
    return combine(frame, [cond, then]);
  }
  // "click OK if you see a red circle", "click the red circle if there is one": the condition said last. "Close
  // the dialog if it's there", "… if it exists" say "if there is one".
  if (
    s.includes(' if ') &&
    (m =
      /^(.+?),? if (?:there (?:is|are)|there's|you (?:can )?see) (.+)$/.exec(s) ??
      /^(.+?),? if (?:it(?:'s| is) (?:there|open|visible|shown|present)|it exists)()$/.exec(s))
  ) {
    // "check if there is a red square", "verify whether there are …": an existence question (a check), not
    // a tick conditioned on something.
    if (/^(?:check|verify|see|confirm|find out|tell me|let me know)$/.test(m[1]!)) return undefined;
    const then = parseClause(o.slice(0, m[1]!.length), q.quotes, raw);
    if (!ACTING.has(then.frame.action) || then.frame.parts) return undefined;
    const condAt = m[0].lastIndexOf(m[2]!);
    let cond: UnderstandResult;
    if (/^(?:one|any|some|it|them|)$/.test(m[2]!)) {
      // "if there is one": the condition is the action's own target being there (which one is not asked).
      if (then.frame.ops?.length) return undefined;
      const { raw: _r, ...f } = then.frame;
      cond = { frame: { ...f, action: 'check', raw }, confidence: then.confidence };
      delete cond.frame.state;
    } else cond = parseClause(`is there ${o.slice(condAt, condAt + m[2]!.length)}`, q.quotes, raw);
    const { raw: _r, ...condFrame } = cond.frame;
    return combine({ ...then.frame, condition: { frame: condFrame }, raw }, [cond, then]);
  }
  if ((m = /^(?:are there|is there|do you see) (more|fewer|less) (.+) than (.+)$/.exec(s))) {
    const aAt = m[0].indexOf(m[2]!, m[0].indexOf(m[1]!) + m[1]!.length);
    const bAt = m[0].lastIndexOf(m[3]!);
    let bText = o.slice(bAt, bAt + m[3]!.length);
    // "more blue circles than green ones": "ones" are the things counted first.
    const noun = /(\S+)$/.exec(m[2]!)?.[1] ?? '';
    if (/\S\s+ones$/i.test(bText) && SHAPE_WORDS[noun]) bText = bText.replace(/ones$/i, noun);
    const a = parseClause(`count the ${o.slice(aAt, aAt + m[2]!.length)}`, q.quotes, raw);
    let b = parseClause(`count the ${bText}`, q.quotes, raw);
    // "more red circles in the toolbar than blue ones": "ones" after a place are the circles there, or any blue
    // shape? Not sure (more red ones than blue ones, with nothing named before, are shapes).
    if (/\bones$/i.test(bText) && (a.frame.target.shape || a.frame.region))
      b = { ...b, confidence: Math.min(b.confidence, 0.5), unexplained: [...(b.unexplained ?? []), 'ones'] };
    // "more circles in the toolbar than squares": the squares there, or anywhere? Not sure.
    if (a.frame.region && !b.frame.region)
      b = {
        ...b,
        confidence: Math.min(b.confidence, 0.5),
        unexplained: [...(b.unexplained ?? []), '(where)'],
      };
    if (a.frame.target.kind !== 'shape' || b.frame.target.kind !== 'shape') return undefined;
    const frame: ExtendedFrame = {
      action: 'compare',
      target: { kind: 'shape' },
      parts: { mode: 'parallel', frames: [part(a), part(b)] },
      ops: [{ op: 'compare', relation: m[1] === 'more' ? 'more' : 'fewer' }],
      raw,
    };
    return combine(frame, [a, b]);
  }
  const cuts: Array<[number, number]> = [];
  SEPARATOR.lastIndex = 0;
  while ((m = SEPARATOR.exec(s))) cuts.push([m.index, m.index + m[0].length]);
  const texts: string[] = [];
  let from = 0;
  for (const [a, b] of cuts) {
    texts.push(o.slice(from, a));
    from = b;
  }
  texts.push(o.slice(from));
  const clauses = texts.flatMap((t) => expandList(t, q.quotes)).filter((t) => t.trim().length > 0);
  // "first click Accept, then click Done": before a verb, with later steps said, "first" orders the steps (alone,
  // "first click the second tab" is left as it is).
  if (cuts.length && clauses.length > 1) clauses[0] = clauses[0]!.replace(FIRST_STEP, '');
  // "click the red circle, then the blue square": a clause with no verb of its own takes the one before.
  for (let i = 1; i < clauses.length; i++) {
    // "click on Reports, and then on Analytics": the preposition is the verb's.
    const on = /^\s*on\s/i.test(clauses[i]!);
    if (!on && !/^\s*(?:the|a|an)\s/i.test(clauses[i]!)) continue;
    const verb = LEAD_VERB.exec(clauses[i - 1]!.trim());
    if (verb && (!on || / on$/i.test(verb[0])))
      clauses[i] = `${verb[0].replace(on ? / on$/i : /$/, '')} ${clauses[i]!.trim()}`;
  }
  if (clauses.length > 1 && clauses.length <= 8) {
    const parsed = clauses.map((t) => parseClause(t, q.quotes, raw));
    // "click Save and Close": a capitalised verb alone after "and" may as well end the name before it ("Save and
    // Close" is a button on many screens) as be a step of its own.
    for (let i = 1; i < clauses.length; i++)
      if (
        /^\s*\p{Lu}\p{Ll}+\s*[.!]?\s*$/u.test(clauses[i]!) &&
        BARE_VERB.test(clauses[i]!.trim().replace(/[.!]$/, ''))
      )
        parsed[i] = {
          ...parsed[i]!,
          confidence: Math.min(parsed[i]!.confidence, 0.5),
          unexplained: [...(parsed[i]!.unexplained ?? []), clauses[i]!.trim().toLowerCase()],
        };
    // A sequence that acts is an acting command ("read the title and then click Save" clicks): the frame's
    // own action and target are its first acting part's, so routing and verification treat it as one.
    const lead = parsed.find((p) => ACTING.has(p.frame.action)) ?? parsed[0]!;
    const frame: ExtendedFrame = {
      ...lead.frame,
      parts: { mode: 'sequence', frames: parsed.map(part) },
      raw,
    };
    delete frame.ops;
    return combine(frame, parsed);
  }
  // Parallel: one action, several shape targets joined by "and" ("the red and the green circles").
  if (
    (m =
      /^(count|how many|find|locate|where are|list|click(?: on)?|tap(?: on)?) (.+?)( are there| are on the screen)?$/.exec(
        s,
      ))
  ) {
    const bodyAt = m[1]!.length + 1;
    const body = o.slice(bodyAt, bodyAt + m[2]!.length);
    const pieces = body.split(/,? and (?:the |also )?|, /i);
    if (pieces.length < 2 || pieces.length > 4) return undefined;
    // Each piece must name a colour or a shape (or be only a place): otherwise no parse can make it parallel.
    if (!pieces.every(namesColourOrShape)) return undefined;
    // "the red ones and the blue squares": "ones" said before the noun points back at something, not forwards.
    if (pieces.slice(0, -1).some((p) => /\bones?\b/i.test(p))) return undefined;
    const verb = /^(?:click|tap)/.test(m[1]!)
      ? 'click'
      : m[1] === 'how many'
        ? 'count'
        : m[1] === 'where are'
          ? 'locate'
          : m[1]!;
    const parsed: UnderstandResult[] = [];
    for (const p of pieces) {
      // "the circles on the toolbar and in the sidebar": a piece that is only a place repeats the target
      // before it in that place.
      const place = /^(?:in|on|at) (?:the )?(.+)$/i.exec(p.trim());
      const region = place ? regionOf(place[1]!.toLowerCase()) : undefined;
      const prev = parsed[parsed.length - 1];
      if (region && prev?.frame.region && !prev.frame.ops?.length) {
        parsed.push({ frame: { ...prev.frame, region }, confidence: prev.confidence });
        continue;
      }
      parsed.push(parseClause(`${verb} the ${p.replace(/^the /i, '')}`, q.quotes, raw));
    }
    if (
      !parsed.every((p) => p.frame.target.kind === 'shape' && (p.frame.target.color || p.frame.target.shape))
    )
      return undefined;
    // "the red and the green circles": the shape and region named last apply to every part that names none,
    // if the noun is plural ("the red and blue circle" may be one circle of two colours).
    const last = parsed[parsed.length - 1]!.frame;
    const plural = /s$/.test(pieces[pieces.length - 1]!.trim().split(' ').pop() ?? '');
    if (!plural && parsed.some((p) => !p.frame.target.shape && last.target.shape)) return undefined;
    // "the circles which are red and blue": a shape named before and none after is not shared forwards; which
    // things the colours go with is not sure.
    if (!last.target.shape && parsed.some((p) => p.frame.target.shape)) return undefined;
    for (const p of parsed) {
      if (!p.frame.target.shape && last.target.shape) p.frame.target.shape = last.target.shape;
      if (!p.frame.region && last.region) p.frame.region = last.region;
    }
    const frame: ExtendedFrame = {
      ...parsed[0]!.frame,
      parts: { mode: 'parallel', frames: parsed.map(part) },
      raw,
    };
    return combine(frame, parsed);
  }
  return undefined;
}

/**
 * Command text → IntentFrame + confidence (+ the words not understood). Composed commands (conditions,
 * comparisons, sequences, lists of targets, parallel targets) become frames with `condition` / `parts`.
 *
 * @example parseCommand('count the green circles on the toolbar').frame
 * // { action: 'count', target: { kind: 'shape', color: 'green', shape: 'circle' }, region: 'toolbar', raw: … }
 */
export function parseCommand(text: string): UnderstandResult {
  const first = parseOnce(text);
  // A typing slip or chat shorthand left unexplained ("clikc", "sqaures", "can u"): read again with them
  // corrected (typos.ts). Only then: a command understood as written is never re-read, nor pays for it.
  if (first.unexplained?.length && mentionsSlip(first.unexplained)) {
    const second = withSlipsCorrected(() => parseOnce(text));
    if (second.confidence > first.confidence) return second;
  }
  return first;
}

function parseOnce(text: string): UnderstandResult {
  const raw = text.trim();
  const q = extractQuotes(raw);
  // Normalised once: composition reads it, and a single clause is parsed from it.
  const lower = normalizeText(q.text);
  if (raw.length <= 1000) {
    const composed = parseComposed(raw, q, lower);
    if (composed) return composed;
  }
  return parseClause(q.text, q.quotes, raw, lower);
}
