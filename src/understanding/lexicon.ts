import type { Action, ColorName, NamedRegion, Shape, TargetKind } from '../domain/index.js';

/**
 * The words the grammar knows (docs/generation.md, "Grammar"). Every content word of a command must be one of
 * these, a slot value (a label, a text to type), or a stopword; anything else is reported as unexplained.
 */

/** Politeness and hedges: removed before parsing, they never change what is asked. */
/** A lookup table without a prototype: a command word like "constructor" must not find Object's. */
function table<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}

export const POLITENESS: readonly RegExp[] = [
  /^(?:(?:hey|hi|hello|ok|okay|so|now|just|yo|alright|ironcliw|and)\b[,\s]*)+/,
  // A presenter's "let's click on …", "let us count …": the action is the command.
  /^let(?:'s| us) (?=(?:click|tap|press|hit|type|enter|select|choose|pick|check|uncheck|tick|untick|toggle|open|close|expand|collapse|focus|hover|drag|double|right|count|find|locate|read|describe|list)\b)/,
  // Speech: hesitations ("um count the uh blue squares") carry nothing.
  /\b(?:um+|uh+|erm|hmm+)\b,?/g,
  // A test step's number ("Step 3: click Save", "4. Click OK") and its Gherkin keyword ("When I click …").
  /^(?:step\s*\d{1,3}\s*[:.)-]?|\d{1,3}\s*[.):-])\s*/,
  // An instruction's order word before a comma ("First, click Save", "Finally, press Enter"): when, in the
  // instructions, not which one (without the comma "first" may pick: "first click the second tab" stays as it is).
  /^(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|next|finally|lastly|after that|now),\s*/,
  // The same words that can only order, without the comma, before a verb ("then click Save", "finally press
  // Enter": one step of longer instructions; "next" and "first" may pick, and stay).
  /^(?:(?:and )?then|finally|lastly|after that|afterwards)\s+(?=(?:click|tap|press|hit|type|enter|select|choose|pick|check|uncheck|tick|untick|toggle|open|close|expand|collapse|focus|hover|drag|double|right|count|find|locate|read|describe|list)\b)/,
  /^(?:given|when|then|and|but) i (?=(?:click|tap|press|type|enter|select|choose|check|uncheck|tick|untick|open|close|expand|collapse|focus|hover|drag|double|right)\b)/,
  /^(?:is it|is) possible (?:for you )?to\b/,
  // Formal requests: "be so kind as to …", "it would be helpful if you could …", "I would appreciate it if you …".
  /^(?:(?:(?:would|could) you )?be so (?:kind|good) as to|it would be (?:helpful|great|nice|good|useful) if you (?:could|would|can)|i(?: would|'d) (?:really )?appreciate it if you (?:could|would|can))\b/,
  // Long polite openings: "I was wondering if you could …", "sorry to bother you, but …", "if it isn't too much
  // trouble, …" (each a whole phrase: "if" alone still opens a condition).
  /^(?:i (?:was|am|'m) wondering (?:if|whether) you (?:could|would|can|might)|sorry to (?:bother|trouble|disturb) you,?(?: but)?|if it(?: is|'s)? ?(?:n't|not) too much (?:trouble|bother),?)\b/,
  /^i want that you\b/,
  // "make click on …", "do double click on …": the click is the verb.
  /^(?:make|do|give)(?: a)? (?=(?:double[- ]?|right[- ]?)?click\b)/,
  /^you (?:can|could)\b(?! see\b)/,
  // "what's on my screen": the screen is the screen, whoever's it is.
  /\bmy\b(?= (?:screen|display|desktop)\b)/,
  /\b(?:please|pls|plz|kindly|thanks|thank you)\b/g,
  // "can you see …" is a question about the screen (a check), not politeness.
  /^(?:could|can|would|will) you(?: possibly)?\b(?! see\b| spot\b)/,
  /^i(?: would|'d)? (?:want|need|like) (?:you )?to know\b/,
  /^i(?: would|'d)? (?:want|need|like) (?:you )?to\b/,
  /^(?:help me|let me know|tell me|go ahead and|try to|i wonder)\b(?= \S)/,
  /\bfor me\b/g,
  // "what is on my screen right now": when is now; "right" is no side here.
  /\bright now\b/g,
  // "find and click the Search button": finding is part of clicking.
  /^(?:find|locate) and (?=(?:click|tap|select|press|hit)\b)/,
  /\b(?:just|quickly|simply)\b(?= (?:click|tap|press|type|select|read|count))/g,
];

export const COLOR_WORDS: Readonly<Record<string, ColorName>> = table({
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
});

export const SHAPE_WORDS: Readonly<Record<string, Shape>> = table({
  circle: 'circle',
  circles: 'circle',
  dot: 'circle',
  dots: 'circle',
  disc: 'circle',
  discs: 'circle',
  round: 'circle',
  // A child's word for a circle on the screen ("click the big red ball").
  ball: 'circle',
  balls: 'circle',
  square: 'square',
  squares: 'square',
  rectangle: 'rectangle',
  rectangles: 'rectangle',
  box: 'rectangle',
  boxes: 'rectangle',
  triangle: 'triangle',
  triangles: 'triangle',
});

/** Words for "some shape": a shape target with no particular shape. */
export const GENERIC_SHAPE_WORDS: ReadonlySet<string> = new Set([
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

export const SIZE_WORDS: Readonly<Record<string, 'large' | 'small'>> = table({
  large: 'large',
  big: 'large',
  huge: 'large',
  small: 'small',
  tiny: 'small',
  little: 'small',
});

/**
 * Comparatives pick one of several ("the bigger circle" is the biggest of those named), they never name a size
 * class: `larger`/`bigger`/`smaller` are read by the ordinal rule, or stay unexplained ("the larger of the two").
 */
export const COMPARATIVES: Readonly<Record<string, 'asc' | 'desc'>> = table({
  larger: 'desc',
  bigger: 'desc',
  smaller: 'asc',
});

/**
 * Words of state or history ("the disabled button", "the empty field", "the same link"): they select by
 * something the frame cannot hold, so in lower case they are never taken as a label (a capitalised or quoted
 * "Default" still is).
 */
export const STATE_WORDS: ReadonlySet<string> = new Set(
  (
    'disabled enabled active inactive selected unselected checked unchecked ticked unticked empty blank filled ' +
    'highlighted focused current hidden other same remaining required optional invalid valid greyed grayed ' +
    'default primary secondary main wrong correct another different previous last new old open opened closed ' +
    'expanded collapsed clicked pressed visited unread read ' +
    // Negations are never a label in lower case either ("click nothing"; a "No" button is capitalised).
    'nothing none nobody never no nowhere ' +
    // Vague amounts: how many is not said ("click several circles", "most of the buttons").
    'several most few ' +
    // Pictures, not text: an icon is described by what it shows, which no label matches ("the hamburger
    // menu", "the gear icon"); capitalised or quoted ("the Trash") it is a label again.
    'hamburger kebab burger gear cog trash bin arrow chevron caret ellipsis logo avatar image picture ' +
    'photo thumbnail next ' +
    // Auxiliaries ("where am i", "where should i click") are never a label either.
    'am was were should could would will can shall may might must ' +
    // Function words and degree words ("count how much links", "the more big circle"): never a name in lower
    // case, and whatever they modify is something the frame does not hold.
    'much many more less very too such how why when who whom whose where than only even still already again ' +
    'else instead rather anywhere everywhere its their his her our then per before after until while during ' +
    'because unless ' +
    // The frame's own attributes are not names ("select the small size", "the circles of color red").
    'size colour color shape'
  ).split(' '),
);

/** Target kinds that are UI widgets (found through the element detector), `element` being any of them. */
export const WIDGET_KINDS: ReadonlySet<TargetKind> = new Set([
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

/**
 * Widget nouns (multi-word first), each naming a target kind. `menu` stays a button (what the template
 * generator has always clicked by label); `option`/`section` are any element.
 */
export const WIDGET_PHRASES: ReadonlyArray<[RegExp, TargetKind]> = [
  [
    /\b(?:text ?fields?|text ?box(?:es)?|text ?areas?|input (?:box|field)(?:es|s)?|search (?:bar|box|field)|textarea)\b/,
    'text-field',
  ],
  [/\b(?:check ?box(?:es)?|tick ?box(?:es)?|switch(?:es)?|toggles?)\b/, 'checkbox'],
  [/\b(?:radio(?: buttons?)?|option buttons?)\b/, 'radio'],
  [/\b(?:drop-?downs?|combo ?box(?:es)?|select box(?:es)?|pick ?lists?)\b/, 'dropdown'],
  [/\b(?:list items?|list entries|list entry)\b/, 'list-item'],
  [/\b(?:tree nodes?|nodes?|folders?|files?)\b/, 'tree-node'],
  [
    /\b(?:dialog(?: box(?:es)?| window)?s?|pop[- ]?ups?(?: windows?)?|modals?(?: windows?)?|alert(?: box| dialog)?s?)\b/,
    'dialog',
  ],
  [/\b(?:menu items?|menus?(?! buttons?\b)|buttons?)\b/, 'button'],
  [/\b(?:hyper)?links?\b/, 'link'],
  [/\btabs?\b/, 'tab'],
  [/\b(?:fields?|inputs?)\b/, 'text-field'],
  [/\b(?:windows?)\b/, 'window'],
  [/\b(?:options?|sections?|elements?|controls?|entries|entry)\b/, 'element'],
];

/** "search box", "message box": the word before `box` names the field. */
export const FIELD_BOX = /\b(search|message|comment|email|name|input|text) (?:box|field|bar)\b/;

/** Nouns of text: a text target ("the word "Error"", "how many words"). */
export const TEXT_NOUNS = /^(?:text|texts|words?|labels?|message|messages|says|say|written|caption)$/;

/** Filler: no content, neither adds nor costs confidence. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'the a an of on in at to from inside within there is are be any some that this these those ' +
    'me my you screen display please what which how do does did i we see visible currently now ' +
    'whole entire and with have has shown appear appears page ' +
    "there's it's all every each both also ones one them it"
  ).split(' '),
);

/** Words that only point ("it", "one", "something"): as the whole target of an action they explain nothing. */
export const VAGUE: ReadonlySet<string> = new Set([
  'it',
  'them',
  'one',
  'ones',
  'something',
  'somewhere',
  'anything',
  'everything',
  'your',
  'my',
  'this',
  'that',
  'these',
  'those',
  'here',
  // What a previous answer was ("Click the number."): the frame cannot refer back to it.
  'number',
  'answer',
  'result',
]);

/**
 * The UI's own phrasal labels, which speech says in lower case ("click log in", "tap sign up"): a verb of these
 * and a particle (in, up, out, on, off) is a name even in lower case, where other lower-case phrases are not.
 */
export const PHRASAL_LABEL = /^(?:log|sign|check|opt|set|back|zoom|clock) (?:in|up|out|on|off)$/;

/**
 * Words screens name their controls with, trusted as a name in lower case ("click save", "tap login", "the
 * search box"); any other lower-case name must have been earned on the dev half (calibration.ts). Written from
 * common UI vocabulary, not from the corpus. Words that are also states, directions or pointers ("next", "open",
 * "new", "last") are not here.
 */
export const UI_LABEL_WORDS: ReadonlySet<string> = new Set(
  (
    'ok okay yes cancel save submit apply done continue confirm accept decline agree login logout signin signup ' +
    'log sign register search settings preferences options help home back delete remove edit add update reset ' +
    'send finish start stop play pause resume retry refresh reload undo redo copy paste cut print share export ' +
    'import download upload file view tools insert format profile account cart checkout buy pay subscribe ' +
    'unsubscribe email password username name address phone city country message comment notes title ' +
    'description inbox drafts trash archive spam notifications remember close x e-mail ' +
    // Menus, pages and sections most apps have.
    'dashboard overview reports analytics calendar contacts contact about support faq terms privacy pricing ' +
    'plans billing upgrade team members users admin messages chat photos music videos documents favorites ' +
    'bookmarks history downloads library tasks projects filter sort details more info security language ' +
    'signout zip code age date bold italic underline strikethrough number ' +
    // Mail, media players, maps and settings pages, and the last word of names like "Full screen", "Home page",
    // "Dark mode".
    'reply forward compose mute unmute volume shuffle subtitles captions fullscreen directions wifi bluetooth ' +
    'screen page mode us'
  ).split(' '),
);

/** Stopwords that may sit inside an unquoted label ("Log in", "Remember me", "Sign up"). */
export const LABEL_INNER: ReadonlySet<string> = new Set([
  'in',
  'me',
  'up',
  'out',
  'on',
  'off',
  'of',
  'to',
  'it',
  'my',
  'you',
]);

/** Words a bulk request is made of: dropped from a count, never from an action. */
export const BULK = /^(?:all|every|each|both|some)$/;

export const ORDINALS: Readonly<Record<string, number>> = table({
  first: 1,
  '1st': 1,
  second: 2,
  '2nd': 2,
  third: 3,
  '3rd': 3,
  fourth: 4,
  '4th': 4,
  fifth: 5,
  '5th': 5,
  sixth: 6,
  '6th': 6,
  seventh: 7,
  '7th': 7,
  eighth: 8,
  '8th': 8,
  ninth: 9,
  '9th': 9,
  tenth: 10,
  '10th': 10,
});

export const NUMBER_WORDS: Readonly<Record<string, number>> = table({
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
});

/** Superlatives of position and size: which item of several ("the topmost link", "the largest circle"). */
export const SUPERLATIVES: Readonly<Record<string, { by: 'x' | 'y' | 'size'; order: 'asc' | 'desc' }>> =
  table({
    topmost: { by: 'y', order: 'asc' },
    'top-most': { by: 'y', order: 'asc' },
    uppermost: { by: 'y', order: 'asc' },
    highest: { by: 'y', order: 'asc' },
    bottommost: { by: 'y', order: 'desc' },
    'bottom-most': { by: 'y', order: 'desc' },
    lowest: { by: 'y', order: 'desc' },
    lowermost: { by: 'y', order: 'desc' },
    leftmost: { by: 'x', order: 'asc' },
    'left-most': { by: 'x', order: 'asc' },
    rightmost: { by: 'x', order: 'desc' },
    'right-most': { by: 'x', order: 'desc' },
    largest: { by: 'size', order: 'desc' },
    biggest: { by: 'size', order: 'desc' },
    smallest: { by: 'size', order: 'asc' },
    tiniest: { by: 'size', order: 'asc' },
  });

/** Multi-word region phrases first, so "top left" wins over "top". */
export const REGION_PHRASES: ReadonlyArray<[RegExp, NamedRegion]> = [
  [/\b(?:top|upper)[- ]left(?: corner)?\b/, 'top-left'],
  [/\b(?:top|upper)[- ]right(?: corner)?\b/, 'top-right'],
  [/\b(?:bottom|lower)[- ]left(?: corner)?\b/, 'bottom-left'],
  [/\b(?:bottom|lower)[- ]right(?: corner)?\b/, 'bottom-right'],
  [
    /\btitle[- ]?bar\b|\bwindow title\b|\btitle area\b|\btitle of (?:the |this |that )?(?:window|page|screen|app|application)\b|\btitle\b(?! of\b)/,
    'titlebar',
  ],
  [/\btool[- ]?bar\b|\bribbon\b/, 'toolbar'],
  [
    /\bside[- ]?bar\b|\bside (?:panel|pane)\b|\bleft (?:panel|pane)\b|\bnavigation (?:panel|pane)\b/,
    'sidebar',
  ],
  [/\bstatus[- ]?bar\b|\bstatus line\b|\bfooter\b/, 'statusbar'],
  [/\b(?:main |content )(?:area|panel|pane|region|window)\b|\bcontent\b|\bcanvas\b/, 'content'],
  [/\b(?:center|centre|middle)(?: of the screen)?\b/, 'center'],
  [/\b(?:top|upper)(?: (?:edge|part|half|side))?\b/, 'top'],
  [/\b(?:bottom|lower)(?: (?:edge|part|half|side))?\b/, 'bottom'],
  [/\bleft(?:[- ]hand)?(?: (?:edge|part|half|side))?\b/, 'left'],
  [/\bright(?:[- ]hand)?(?: (?:edge|part|half|side))?\b/, 'right'],
];

/**
 * Words without which no widget phrase / no region phrase above can match (each phrase starts with one): one
 * cheap pass says whether to try them at all (most clauses have one or none).
 */
export const ANY_WIDGET =
  /\b(?:text|input|search|check|tick|switch|toggle|radio|option|drop|combo|select|pick|list|tree|node|folder|file|dialog|pop|modal|alert|menu|button|hyper|link|tab|field|window|section|element|control|entr)/;
export const ANY_REGION =
  /\b(?:top|upper|bottom|lower|title|window|tool|ribbon|side|left|right|navigation|status|footer|main|content|canvas|cent|middle)/;

/** A region name alone (for "not on the toolbar", "drag … to the toolbar"). */
export function regionOf(phrase: string): NamedRegion | undefined {
  for (const [re, name] of REGION_PHRASES) {
    const m = re.exec(phrase);
    if (m && m[0].length === phrase.trim().length) return name;
  }
  return undefined;
}

interface ActionRule {
  action: Action;
  pattern: RegExp;
  /** The verb's own words say the target is text ("where does it say …"). */
  text?: boolean;
  state?: 'on' | 'off';
  /** Extra op the verb implies ("what colour is …"). */
  attribute?: 'color' | 'shape';
}

/** Ordered: the first rule that matches at the start wins. */
export const ACTION_RULES: readonly ActionRule[] = [
  {
    action: 'help',
    pattern: /^(?:help|what can you do|what do you do|what are your (?:skills|capabilities|commands))$/,
  },
  {
    action: 'list',
    pattern: /^(?:list|show|what are) (?:(?:all|the|your) )*(?:capabilities|skills|commands)$/,
  },
  {
    action: 'count',
    pattern:
      /^(?:count how (?:many|much)|tally(?: up)?|count up|count(?: the number of)?|(?:what(?:'s| is) )?the total (?:number|count) of|how (?:many|much)|(?:what )?number of|(?:what(?:'s| is) |give me |tell me )?the (?:quantity|amount) of|i (?:need|want) (?:to know )?the (?:number|count) of|the number of|what(?:'s| is) the (?:number|count) of|give me the (?:number|count) of)\b/,
  },
  {
    action: 'describe',
    pattern:
      /^(?:what|which) (colou?rs?) (?:is|are|has|have)\b|^which is the colou?r of\b|^(?:give me|tell me|what(?:'s| is)) the colou?r of\b/,
    attribute: 'color',
  },
  // "which shape is the largest" picks a shape; "what shape is …" asks for one.
  {
    action: 'describe',
    pattern: /^what (shape) (?:is|are|has|have)\b|^(?:give me|tell me|what(?:'s| is)) the shape of\b/,
    attribute: 'shape',
  },
  {
    action: 'describe',
    pattern:
      /^(?:(?:describe|summari[sz]e) what(?:'s| is) (?:in|on)|about|describe|summari[sz]e|what(?:'s| is) (?:on|there on)|what(?:'s| is)(?= the (?:largest|biggest|smallest|tiniest|leftmost|rightmost|topmost|bottommost)\b)|what do you see|what am i looking at|explain what is in|explain|analy[sz]e|identify|give me (?:a summary|an overview) of)\b/,
  },
  {
    action: 'read',
    pattern:
      /^(?:what(?:'s| is| are) the(?= (?:names?|titles?|labels?) of (?:the |this |that )?(?:\S+ ){0,3}(?:button|link|tab|checkbox|radio|field|item|option|node|folder|file|section)s?\b)|what(?= .+ (?:says|reads)$)|what says|what(?:'s| is) the(?= title(?: of (?:the |this |that )?(?:window|page|screen|app|application))?$)|read(?: out| aloud)? what(?= .+ (?:says|reads)$)|read(?: out| aloud)?(?: me)?(?: what it says(?: at| in| on)?| what(?:'s| is) (?:in|on|written (?:in|on)))?|what(?:'s| is) the (?:value|contents?) of|can you read what it says(?: at| in| on)?|what does|what do|what(?:'s| is) the text(?: in| of| on)?|get (?:the )?text(?: from| of| in)?|transcribe|what(?:'s| is) written on(?= (?:the|this|that) )|what(?:'s| is) (?:written|writing)|what(?:'s| is) in)\b/,
  },
  { action: 'double-click', pattern: /^(?:(?:double|dbl)[- ]?click(?: on)?|double[- ]?tap)\b/ },
  { action: 'right-click', pattern: /^right[- ]?click(?: on)?\b/ },
  {
    action: 'hover',
    pattern:
      /^(?:hover(?: over| on)?|mouse over|(?:move|pass|put|place) the (?:mouse|cursor|pointer) (?:over|on)|move the mouse to)\b/,
  },
  // "move focus to the Email field", "put the focus on the search box": keyboard focus, not a drag.
  {
    action: 'focus',
    pattern: /^(?:move|put|set|give|bring) (?:the )?(?:keyboard )?focus (?:to|on|onto|in|into)\b/,
  },
  { action: 'drag', pattern: /^(?:drag|move(?! the (?:mouse|cursor|pointer)\b))\b/ },
  {
    action: 'focus',
    pattern: /^(?:focus(?: on| into| in)?|put the cursor (?:in|into|on)|place the cursor (?:in|into|on))\b/,
  },
  { action: 'locate', pattern: /^(?:where does it say|where can i see)\b/, text: true },
  {
    action: 'locate',
    pattern:
      /^(?:locate|where (?:is|are) located|where(?:'s| is| are)|where can i find|position of|find the position of|show me where)\b/,
  },
  {
    action: 'check',
    pattern:
      /^(?:is there|are there|you see|(?:if|whether) there(?: is|'s| are)|check (?:if|whether|for)(?: there (?:is|are))?|(?:verify|assert|confirm|ensure|check|make sure)(?: that| if| whether)? there (?:is|are)|does (?:the )?\S+ (?:have|contain|show)|do you see|can you see|can you spot|do you spot|is there any|are any of)\b/,
  },
  { action: 'toggle', pattern: /^(?:check|tick|mark|turn on|switch on|enable|activate)\b/, state: 'on' },
  {
    action: 'toggle',
    pattern: /^(?:uncheck|untick|clear|deselect|unselect|unmark|turn off|switch off|disable|deactivate)\b/,
    state: 'off',
  },
  { action: 'toggle', pattern: /^toggle\b/ },
  {
    action: 'click',
    pattern:
      /^(?:click(?: on| into| in| at)?|tap(?: on)?|touch|hit|press|push|open|switch to|go to|navigate to|proceed to|follow)\b/,
  },
  { action: 'select', pattern: /^(?:select|choose|pick)\b/ },
  { action: 'expand', pattern: /^(?:expand|unfold)\b/ },
  { action: 'collapse', pattern: /^(?:collapse|fold)\b/ },
  { action: 'close', pattern: /^(?:close|dismiss|get rid of)\b/ },
  // "put "42" in the Age box": only with a quoted text ("put the cursor in …" is focus, above).
  { action: 'type', pattern: /^(?:type|enter|input|insert|write|fill(?: in| out)?|put(?= ⟦\d+⟧))\b/ },
  {
    action: 'find',
    pattern:
      /^(?:find(?: me)?|show(?: me)?|highlight|search for|search(?= (?:the )?(?:word|text|⟦))|look for|point out|which ones? (?:is|are)(?= \S)|which)\b/,
  },
  { action: 'list', pattern: /^(?:list|enumerate|name(?: all)?)\b/ },
  { action: 'list', pattern: /^what(?= \S+(?: \S+)? (?:are|is) (?:there|on|in|visible|shown)\b)/ },
  { action: 'compare', pattern: /^(?:compare|which (?:is|are) more)\b/ },
];

/** Actions that need a target on the screen: without one, the command is not understood. */
export const TARGETED: ReadonlySet<Action> = new Set([
  'count',
  'find',
  'locate',
  'check',
  'click',
  'select',
  'toggle',
  'expand',
  'collapse',
  'focus',
  'double-click',
  'right-click',
  'hover',
  'drag',
]);

/** Actions that change something: "all"/"every" is never filler for them. */
export { ACTING_ACTIONS as ACTING } from '../domain/index.js';

/** Actions whose unknown words may be a label ("click Save", "find the frobnicator"). */
export const LABELLING: ReadonlySet<Action> = new Set([
  'click',
  'find',
  'locate',
  'select',
  'toggle',
  'expand',
  'collapse',
  'close',
  'focus',
  'double-click',
  'right-click',
  'hover',
  'drag',
]);

/** A key chord for `press` ("enter", "ctrl+s", "the escape key"). */
export const KEY_CHORD =
  /^(?:the )?((?:(?:ctrl|control|alt|shift|cmd|command|meta|super|win) ?[+ ] ?)*(?:enter|return|tab|escape|esc|space(?: ?bar)?|backspace|delete|del|home|end|page ?up|page ?down|up|down|left|right|f\d{1,2}|[a-z0-9]))(?: key)?$/;
