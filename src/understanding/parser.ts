import type { DataOp, ExtendedFrame, PartFrame } from './frame-ext.js';
import type { Action, ColorName, NamedRegion, Shape, Target, UnderstandResult } from '../domain/index.js';

/**
 * A small, deterministic grammar for screen commands. It does not try to be a general NL parser: it finds
 * the action, the target (shape/colour/text/label) and the region, and reports as confidence the share
 * of content words it accounted for, so the router can tell "understood" from "guessed".
 */

const POLITENESS = [
  /^(?:hey|hi|ok|okay)\b[,\s]*/,
  /\b(?:please|kindly|thanks|thank you)\b/g,
  /^(?:could|can|would|will) you\b/,
  /^i (?:want|need|would like) (?:you )?to\b/,
  /^(?:help me|let me know)\b(?= \w)/,
  /\bfor me\b/g,
];

const COLOR_WORDS: Record<string, ColorName> = {
  red: 'red',
  orange: 'orange',
  yellow: 'yellow',
  green: 'green',
  blue: 'blue',
  purple: 'purple',
  violet: 'purple',
  pink: 'pink',
  magenta: 'pink',
  white: 'white',
  grey: 'grey',
  gray: 'grey',
  black: 'black',
  brown: 'brown',
  cyan: 'cyan',
  teal: 'cyan',
};

const SHAPE_WORDS: Record<string, Shape> = {
  circle: 'circle',
  circles: 'circle',
  dot: 'circle',
  dots: 'circle',
  disc: 'circle',
  discs: 'circle',
  round: 'circle',
  square: 'square',
  squares: 'square',
  rectangle: 'rectangle',
  rectangles: 'rectangle',
  box: 'rectangle',
  boxes: 'rectangle',
  triangle: 'triangle',
  triangles: 'triangle',
};

const GENERIC_SHAPE_WORDS = new Set([
  'shape',
  'shapes',
  'object',
  'objects',
  'thing',
  'things',
  'item',
  'items',
  'icon',
  'icons',
  'badge',
  'badges',
  'marker',
  'markers',
]);

/** Multi-word region phrases first, so "top left" wins over "top". */
const REGION_PHRASES: Array<[RegExp, NamedRegion]> = [
  [/\b(?:top|upper)[- ]left(?: corner)?\b/, 'top-left'],
  [/\b(?:top|upper)[- ]right(?: corner)?\b/, 'top-right'],
  [/\b(?:bottom|lower)[- ]left(?: corner)?\b/, 'bottom-left'],
  [/\b(?:bottom|lower)[- ]right(?: corner)?\b/, 'bottom-right'],
  [/\btitle[- ]?bar\b|\bwindow title\b|\btitle area\b/, 'titlebar'],
  [/\btool[- ]?bar\b|\bribbon\b/, 'toolbar'],
  [
    /\bside[- ]?bar\b|\bside (?:panel|pane)\b|\bleft (?:panel|pane)\b|\bnavigation (?:panel|pane)\b/,
    'sidebar',
  ],
  [/\bstatus[- ]?bar\b|\bstatus line\b|\bfooter\b/, 'statusbar'],
  [/\b(?:main |content )(?:area|panel|pane|region|window)\b|\bcontent\b|\bcanvas\b/, 'content'],
  [/\b(?:center|centre|middle)(?: of the screen)?\b/, 'center'],
  [/\b(?:top|upper)(?: (?:edge|part|half|side))?(?= of the screen\b|$| \w+$)?\b/, 'top'],
  [/\b(?:bottom|lower)(?: (?:edge|part|half|side))?\b/, 'bottom'],
  [/\bleft(?: (?:edge|part|half|side))?\b/, 'left'],
  [/\bright(?: (?:edge|part|half|side))?\b/, 'right'],
];

/** Words that carry no content: they neither add nor cost confidence. */
const STOPWORDS = new Set(
  (
    'the a an of on in at to from inside within there is are be any all some every each that this these those ' +
    'me my you it its screen display window please what which how do does did i we see visible currently now ' +
    'here area part side corner edge half region whole entire and with have has shown appear appears'
  ).split(' '),
);

interface ActionRule {
  action: Action;
  pattern: RegExp;
}

/** Ordered: the first rule that matches at the start (or anywhere, for questions) wins. */
const ACTION_RULES: ActionRule[] = [
  {
    action: 'help',
    pattern: /^(?:help|what can you do|what do you do|what are your (?:skills|capabilities))\b/,
  },
  {
    action: 'list',
    pattern: /^(?:list|show|what are) (?:(?:all|the|your) )*(?:capabilities|skills|commands)\b/,
  },
  { action: 'count', pattern: /^(?:count|how many|number of|tell me how many|what is the number of)\b/ },
  { action: 'describe', pattern: /^(?:describe|summari[sz]e|what(?:'s| is) on|what do you see|explain)\b/ },
  {
    action: 'read',
    pattern: /^(?:read|what does|what is the text|get the text|transcribe|what(?:'s| is) written)\b/,
  },
  { action: 'click', pattern: /^(?:click|tap|hit|double[- ]click|select)\b/ },
  { action: 'type', pattern: /^(?:type|enter|input|write|fill in)\b/ },
  { action: 'press', pattern: /^(?:press)\b/ },
  { action: 'locate', pattern: /^(?:locate|where(?:'s| is| are)|position of|find the position of)\b/ },
  { action: 'find', pattern: /^(?:find|show|highlight|search for|look for|point out|get)\b/ },
  {
    action: 'check',
    pattern:
      /^(?:is there|are there|check (?:if|whether|for)|does (?:the )?\w+ (?:have|contain|show)|do you see|can you see)\b/,
  },
  { action: 'list', pattern: /^(?:list|enumerate|name)\b/ },
  { action: 'compare', pattern: /^(?:compare|are there more|which (?:is|are) more|is there more)\b/ },
];

export function normalizeCommand(text: string): string {
  let s = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
  for (const p of POLITENESS) s = s.replace(p, ' ').replace(/\s+/g, ' ').trim();
  // Trailing punctuation and filler carry no meaning for the grammar.
  s = s
    .replace(/[?!.,;:]+$/g, '')
    .replace(/^[,\s]+/, '')
    .trim();
  return s;
}

/** Text in quotes is kept verbatim (original case) as a label or text to type. */
function extractQuoted(original: string): { quoted?: string; rest: string } {
  const m = /["“”']([^"“”']{1,200})["“”']/.exec(original);
  if (!m || m[1] === undefined) return { rest: original };
  return { quoted: m[1], rest: original.slice(0, m.index) + ' ' + original.slice(m.index + m[0].length) };
}

/** One frame from one clause (no composition); data-op phrases are taken out first. */
export function parseSimple(text: string): UnderstandResult {
  const raw = text.trim();
  const { quoted, rest } = extractQuoted(raw);
  const extracted = extractOps(normalizeCommand(rest));
  let s = extracted.rest;

  let action: Action | undefined;
  let actionMatched = '';
  for (const rule of ACTION_RULES) {
    const m = rule.pattern.exec(s);
    if (m) {
      action = rule.action;
      actionMatched = m[0];
      break;
    }
  }
  if (action) s = s.slice(actionMatched.length).trim();

  // Region first: its words ("top left") must not be read as targets.
  let region: NamedRegion | undefined;
  for (const [pattern, name] of REGION_PHRASES) {
    const m = pattern.exec(s);
    if (m) {
      region = name;
      s = (s.slice(0, m.index) + ' ' + s.slice(m.index + m[0].length)).replace(/\s+/g, ' ').trim();
      break;
    }
  }

  const words = s.split(/[^a-z0-9+'-]+/).filter((w) => w.length > 0);
  let color: ColorName | undefined;
  let shape: Shape | undefined;
  let genericShape = false;
  let button = false;
  let textTarget = false;
  let quantity: number | undefined;
  let explained = 0;
  let content = 0;
  const unexplained: string[] = [];

  for (const w of words) {
    if (STOPWORDS.has(w)) continue;
    content++;
    const c = COLOR_WORDS[w];
    const sh = SHAPE_WORDS[w];
    if (c && !color) {
      color = c;
      explained++;
    } else if (sh && !shape) {
      shape = sh;
      explained++;
    } else if (GENERIC_SHAPE_WORDS.has(w)) {
      genericShape = true;
      explained++;
    } else if (/^(?:buttons?|links?|tabs?|menu(?:s| item| items)?|checkbox(?:es)?)$/.test(w)) {
      button = true;
      explained++;
    } else if (/^(?:text|texts|words?|labels?|title|heading|message|says|say|written)$/.test(w)) {
      textTarget = true;
      explained++;
    } else if (/^\d+$/.test(w) && quantity === undefined) {
      quantity = Number(w);
      explained++;
    } else if (/^(?:coloured|colored|shaped|big|small|large|tiny)$/.test(w)) {
      explained++;
    } else {
      unexplained.push(w);
    }
  }

  const target: Target = { kind: 'screen' };
  if (action === 'help') {
    target.kind = 'capabilities';
  } else if (action === 'list' && /capabilit|skill|command/.test(actionMatched)) {
    target.kind = 'capabilities';
  } else if (action === 'type' || action === 'press') {
    target.kind = 'text';
    const typed = quoted ?? unexplained.join(' ');
    if (typed) target.text = typed;
    explained += unexplained.length;
  } else if (shape || color || genericShape) {
    target.kind = 'shape';
    if (shape) target.shape = shape;
    if (color) target.color = color;
  } else if (textTarget && quoted && !button) {
    target.kind = 'text';
    target.text = quoted;
    explained += unexplained.length;
  } else if (button || quoted) {
    target.kind = 'button';
    const label = quoted ?? unexplained.join(' ');
    if (label) target.label = label;
    // Label words are explained by the button context ("the save button").
    explained += unexplained.length;
  } else if (textTarget) {
    target.kind = 'text';
  } else if (action === 'describe' || action === 'read') {
    target.kind = action === 'read' ? 'text' : 'screen';
  } else if (unexplained.length > 0 && (action === 'click' || action === 'find' || action === 'locate')) {
    target.kind = 'element';
    target.label = unexplained.join(' ');
    explained += unexplained.length;
  }

  if (action === 'read' && !region && /\btitle\b/.test(s + ' ' + actionMatched)) region = 'titlebar';
  if (extracted.action && (!action || action === 'list' || action === 'find' || action === 'locate'))
    action = extracted.action;
  if (!action && extracted.ops.length && target.kind === 'shape') action = 'find';
  const frame: ExtendedFrame = { action: action ?? 'describe', target, raw };
  if (region) frame.region = region;
  if (quantity !== undefined) frame.quantity = quantity;
  if (extracted.ops.length) {
    frame.ops = extracted.ops;
    explained += extracted.explained;
    content += extracted.explained;
  }

  // Confidence: the action is half the evidence; the content words account for the rest.
  const wordShare = content === 0 ? 1 : Math.min(1, explained / content);
  let confidence = action ? 0.5 + 0.5 * wordShare : 0.25 * wordShare;
  if (action === 'count' && target.kind === 'screen') confidence = Math.min(confidence, 0.5);
  confidence = Math.round(confidence * 1000) / 1000;
  return { frame, confidence };
}

interface ExtractedOps {
  rest: string;
  ops: DataOp[];
  /** The action the op phrase implies when the clause has none of its own ("sort …", "how big is …"). */
  action?: Action;
  explained: number;
}

const SIZE_WORDS: Record<string, 'size' | 'width' | 'height'> = {
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

/**
 * Data-processing phrases (sorting, size filters, aggregates, unit conversion) become ops with their parameters;
 * the words are removed so the rest of the clause parses as an ordinary frame.
 */
function extractOps(input: string): ExtractedOps {
  let s = input;
  const ops: DataOp[] = [];
  let action: Action | undefined;
  let explained = 0;
  const cut = (m: RegExpExecArray, words: number) => {
    s = (s.slice(0, m.index) + ' ' + s.slice(m.index + m[0].length)).replace(/\s+/g, ' ').trim();
    explained += words;
  };
  let m: RegExpExecArray | null;

  // Measurement questions: "how wide is the smallest blue square", "what is the average size of the circles".
  let measure: 'size' | 'width' | 'height' | 'area' | undefined;
  let fn: 'max' | 'min' | 'mean' | 'sum' | undefined;
  if ((m = /^how (big|large|wide|tall|high) (?:is|are) /.exec(s))) {
    measure = SIZE_WORDS[m[1]!]!;
    cut(m, 2);
  } else if (
    (m = /^what(?:'s| is) the (?:(average|mean|total|combined) )?(size|width|height|area) of /.exec(s))
  ) {
    measure = m[2] as 'size' | 'width' | 'height' | 'area';
    if (m[1]) fn = m[1] === 'average' || m[1] === 'mean' ? 'mean' : 'sum';
    cut(m, m[1] ? 3 : 2);
  }
  if (measure) {
    if ((m = /\b(largest|biggest|widest|tallest|smallest|tiniest|narrowest|shortest)\b/.exec(s))) {
      fn ??= /^(?:largest|biggest|widest|tallest)$/.test(m[1]!) ? 'max' : 'min';
      cut(m, 1);
    }
    ops.push({ op: 'aggregate', fn: fn ?? 'max', by: measure });
    action = 'find';
    for (const [re, unit] of UNITS) {
      if ((m = re.exec(s))) {
        ops.push({ op: 'convert', unit });
        cut(m, 1);
        break;
      }
    }
  }

  // Size filters: "larger than 40 pixels", "wider than 30 px".
  if (
    (m =
      /\b(larger|bigger|wider|taller|higher|smaller|narrower|shorter) than (\d{1,5}) ?(?:pixels?|px)?\b/.exec(
        s,
      ))
  ) {
    const word = m[1]!;
    ops.push({
      op: 'filter',
      by: SIZE_WORDS[word]!,
      cmp: /^(?:smaller|narrower|shorter)$/.test(word) ? 'lt' : 'gt',
      value: Number(m[2]),
    });
    cut(m, 3);
  }

  // Orderings: "from left to right", "from largest to smallest", "sorted by size".
  if ((m = /\b(?:(?:sorted|ordered) )?from (left|right|top|bottom) to (right|left|bottom|top)\b/.exec(s))) {
    const by = m[1] === 'left' || m[1] === 'right' ? 'x' : 'y';
    ops.push({ op: 'sort', by, order: m[1] === 'left' || m[1] === 'top' ? 'asc' : 'desc' });
    cut(m, 3);
  } else if (
    (m = /\b(?:(?:sorted|ordered) )?from (largest|biggest|smallest) to (smallest|largest|biggest)\b/.exec(s))
  ) {
    ops.push({ op: 'sort', by: 'size', order: m[1] === 'smallest' ? 'asc' : 'desc' });
    cut(m, 3);
  } else if ((m = /^(?:sort|order|rank)\b(.*?)\bby (size|width|height|position)\b/.exec(s))) {
    const by = m[2] === 'position' ? 'x' : 'size';
    ops.push({ op: 'sort', by, order: 'asc' });
    s = (m[1] ?? '').trim() + ' ' + s.slice(m.index + m[0].length);
    s = s.replace(/\s+/g, ' ').trim();
    explained += 3;
    action = 'list';
  }
  return { rest: s, ops, ...(action ? { action } : {}), explained };
}

const ACTING: ReadonlySet<Action> = new Set(['click', 'type', 'press']);

/** A frame without its `raw` text, as a part of a composed frame. */
function part(r: UnderstandResult): PartFrame {
  const { raw: _raw, ...rest } = r.frame as ExtendedFrame;
  return rest;
}

function result(frame: ExtendedFrame, confidence: number): UnderstandResult {
  return { frame, confidence: Math.round(confidence * 1000) / 1000 };
}

/**
 * Composed commands, tried before single frames:
 * - conditional: "if there is a red circle, click it" → the `then` frame with `condition` (a check frame);
 * - comparison: "are there more red circles than blue squares" → action `compare`, two parallel count parts;
 * - sequence: "read the title and then click Save" → parts in order;
 * - parallel: "count the red and the green circles" → one action over several targets.
 */
function parseComposed(raw: string): UnderstandResult | undefined {
  const lower = normalizeCommand(raw);
  // Quoted text may hold the separator words; they only count outside quotes.
  const outside = lower.replace(/["“”'][^"“”']{0,200}["“”']/g, (q) => 'q'.repeat(q.length));
  let m: RegExpExecArray | null;
  if (
    (m =
      /^(?:if|when) (?:there (?:is|are)|there's|you (?:can )?see) (.+?),? (?:then )?((?:click|tap|press|type|select|hit|read|count)\b.*)$/.exec(
        outside,
      ))
  ) {
    const condText = sliceOriginal(raw, lower, m.index + m[0].indexOf(m[1]!), m[1]!.length);
    const thenText = sliceOriginal(raw, lower, m.index + m[0].lastIndexOf(m[2]!), m[2]!.length);
    const cond = parseSimple(`is there ${condText}`);
    let then = parseSimple(thenText);
    if (/\b(?:it|them)$/.test(normalizeCommand(thenText)) && then.frame.action === 'click') {
      then = { frame: { ...then.frame, target: { ...cond.frame.target } }, confidence: 1 };
      if (cond.frame.region) then.frame.region = cond.frame.region;
      else delete then.frame.region;
    }
    const { raw: _r, ...condFrame } = cond.frame;
    const frame: ExtendedFrame = { ...then.frame, condition: { frame: condFrame }, raw };
    return result(frame, Math.min(cond.confidence, then.confidence));
  }
  if ((m = /^(?:are there|is there|do you see) (more|fewer|less) (.+) than (.+)$/.exec(outside))) {
    const a = parseSimple(
      `count the ${sliceOriginal(raw, lower, m.index + m[0].indexOf(m[2]!, m[0].indexOf(m[1]!) + m[1]!.length), m[2]!.length)}`,
    );
    const b = parseSimple(
      `count the ${sliceOriginal(raw, lower, m.index + m[0].lastIndexOf(m[3]!), m[3]!.length)}`,
    );
    if (a.frame.target.kind !== 'shape' || b.frame.target.kind !== 'shape') return undefined;
    const relation = m[1] === 'more' ? 'more' : 'fewer';
    const frame: ExtendedFrame = {
      action: 'compare',
      target: { kind: 'shape' },
      parts: { mode: 'parallel', frames: [part(a), part(b)] },
      ops: [{ op: 'compare', relation }],
      raw,
    };
    return result(frame, Math.min(a.confidence, b.confidence));
  }
  const seq = /,? (?:and )?then |; | and after that /g;
  const cuts: Array<[number, number]> = [];
  while ((m = seq.exec(outside))) cuts.push([m.index, m.index + m[0].length]);
  if (cuts.length > 0 && cuts.length < 4) {
    const texts: string[] = [];
    let from = 0;
    for (const [a, b] of cuts) {
      texts.push(sliceOriginal(raw, lower, from, a - from));
      from = b;
    }
    texts.push(sliceOriginal(raw, lower, from, lower.length - from));
    const parsed = texts.map((t) => parseSimple(t));
    // A sequence that acts is an acting command ("read the title and then click Save" clicks): the frame's
    // own action and target are its first acting part's, so routing and verification treat it as one.
    const lead = parsed.find((p) => ACTING.has(p.frame.action)) ?? parsed[0]!;
    const frame: ExtendedFrame = {
      ...lead.frame,
      parts: { mode: 'sequence', frames: parsed.map(part) },
      raw,
    };
    return result(frame, Math.min(...parsed.map((p) => p.confidence)));
  }
  // Parallel: one action, several shape targets joined by "and" ("the red and the green circles").
  if (
    (m = /^(count|how many|find|locate|where are|list) (.+?)( are there| are on the screen)?$/.exec(outside))
  ) {
    const body = m[2]!;
    const pieces = body.split(/,? and (?:the |also )?|, /);
    if (pieces.length < 2 || pieces.length > 4) return undefined;
    const verb = m[1] === 'how many' ? 'count' : m[1] === 'where are' ? 'locate' : m[1]!;
    const parsed = pieces.map((p) => parseSimple(`${verb} the ${p.replace(/^the /, '')}`));
    if (
      !parsed.every((p) => p.frame.target.kind === 'shape' && (p.frame.target.color || p.frame.target.shape))
    )
      return undefined;
    // "the red and the green circles": the shape and region named last apply to every part that names none.
    const last = parsed[parsed.length - 1]!.frame;
    for (const p of parsed) {
      if (!p.frame.target.shape && last.target.shape) p.frame.target.shape = last.target.shape;
      if (!p.frame.region && last.region) p.frame.region = last.region;
    }
    const frame: ExtendedFrame = {
      ...parsed[0]!.frame,
      parts: { mode: 'parallel', frames: parsed.map(part) },
      raw,
    };
    return result(frame, Math.min(...parsed.map((p) => p.confidence)));
  }
  return undefined;
}

/**
 * Maps a span of the normalised text back to the original (quoted labels keep their case). Normalisation
 * lower-cases, collapses spaces and drops politeness, so the span is found by searching the original,
 * case-insensitively, for the normalised words.
 */
function sliceOriginal(raw: string, lower: string, start: number, length: number): string {
  const wanted = lower.slice(start, start + length).trim();
  const i = raw.toLowerCase().indexOf(wanted);
  return i >= 0 ? raw.slice(i, i + wanted.length) : wanted;
}

/**
 * Command text → IntentFrame + confidence. Composed commands (conditions, comparisons, sequences, parallel
 * targets) become frames with `condition` / `parts`; everything else is one clause.
 *
 * @example parseCommand('count the green circles on the toolbar').frame
 * // { action: 'count', target: { kind: 'shape', color: 'green', shape: 'circle' }, region: 'toolbar', raw: … }
 */
export function parseCommand(text: string): UnderstandResult {
  const raw = text.trim();
  if (raw.length <= 1000) {
    const composed = parseComposed(raw);
    if (composed) return composed;
  }
  return parseSimple(raw);
}
