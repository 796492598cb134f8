import type {
  Action,
  ColorName,
  IntentFrame,
  NamedRegion,
  Shape,
  Target,
  UnderstandResult,
} from '../domain/index.js';

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

export function parseCommand(text: string): UnderstandResult {
  const raw = text.trim();
  const { quoted, rest } = extractQuoted(raw);
  let s = normalizeCommand(rest);

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

  const frame: IntentFrame = { action: action ?? 'describe', target, raw };
  if (region) frame.region = region;
  if (quantity !== undefined) frame.quantity = quantity;

  // Confidence: the action is half the evidence; the content words account for the rest.
  const wordShare = content === 0 ? 1 : Math.min(1, explained / content);
  let confidence = action ? 0.5 + 0.5 * wordShare : 0.25 * wordShare;
  if (action === 'count' && target.kind === 'screen') confidence = Math.min(confidence, 0.5);
  confidence = Math.round(confidence * 1000) / 1000;
  return { frame, confidence };
}
