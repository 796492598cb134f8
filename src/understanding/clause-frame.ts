import type { Action, DataOp, IntentFrame, Target, UnderstandResult } from '../domain/index.js';
import { TARGETED, WIDGET_KINDS } from './lexicon.js';
import type { Draft } from './draft.js';

/** A clause's draft → frame, confidence, and the words it could not explain. */

/** Beside a widget noun or text, a colour, a shape or a generic shape word is a second thing. */
function pushStray(d: Draft): void {
  if (d.color) d.unexplained.push(d.color);
  if (d.shape) d.unexplained.push(d.shape);
  if (d.genericWord) d.unexplained.push(d.genericWord);
}

/** Actions that act on one thing: a plural target with no number is several of them at once. */
const ONE_TARGET: ReadonlySet<string> = new Set([
  'click',
  'double-click',
  'right-click',
  'hover',
  'focus',
  'expand',
  'collapse',
  'close',
  'drag',
  'select',
  'toggle',
]);

/** What check / uncheck / toggle can act on. */
const TOGGLEABLE: ReadonlySet<string> = new Set([
  'checkbox',
  'radio',
  'element',
  'list-item',
  'tree-node',
  'shape',
]);

export function finish(d: Draft, raw: string): UnderstandResult {
  const target: Target = { kind: 'screen' };
  let action = d.action;
  let kind = d.kind;
  const shapey = Boolean(d.color || d.shape || d.genericShape);
  // Beside a widget noun or text, a colour, a shape or a generic shape word ("the buttons with icons") is a
  // second thing the frame cannot hold.
  if (kind && WIDGET_KINDS.has(kind)) {
    if (shapey) pushStray(d);
    // "select the text in the Name field", "count the words in the sidebar's search box": the text inside a
    // widget is not the widget. Reading a widget is reading its text ("what does the button say").
    if (d.textNoun && action !== 'read' && action !== 'type') d.unexplained.push(d.textNoun);
  } else if (kind === 'text') {
    if (shapey) pushStray(d);
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
  // "activate the "Submit" button / the "Skip" link": a button or a link is activated by clicking it (a switch
  // or a checkbox is turned on).
  if (action === 'toggle' && d.verbWord === 'activate' && (kind === 'button' || kind === 'link')) {
    action = 'click';
    d.state = undefined;
  }
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
  // 'what does the "Status" label say': reading a text the command already quotes asks something else
  // (the thing labelled so, which the frame cannot name).
  if (action === 'read' && kind === 'text' && target.text !== undefined) d.unexplained.push(target.text);
  // A size class sorts shapes and elements; "read the big text" or a size of the whole screen is not one.
  if (d.size && (kind === 'text' || kind === 'screen')) d.unexplained.push(d.size);
  else if (d.size) target.size = d.size;

  // Only a checkbox, radio or switch-like element is ticked: "clear the search box", "check the email field",
  // "check the status bar" mean something else (empty it, inspect it). A bare guessed label is not enough
  // either ("check the spelling"): the target must be named by a noun or quoted.
  // A setting's name after "turn on", "enable", "disable" … is a switch's ("turn on dark mode"); a name after
  // "tick" is ticked, whatever it is ("tick Remember me").
  if (action === 'toggle' && d.switchName && kind === 'element' && d.state) kind = target.kind = 'checkbox';
  else if (
    action === 'toggle' &&
    !(d.tickName && kind === 'element' && d.state) &&
    (!TOGGLEABLE.has(kind) || d.guessedLabel || (kind === 'screen' && d.region))
  )
    d.unexplained.push(raw.trim().split(/\s+/)[0]!.toLowerCase());

  const verbWord = d.verbWord ?? raw.trim().split(/\s+/)[0]!.toLowerCase();
  if (d.onlyKind && kind !== d.onlyKind) d.unexplained.push(verbWord);
  // What is closed is a dialog, window or tab ("click the Save and Close button" is no "close the button").
  if (action === 'close' && !/^(?:dialog|window|tab|element)$/.test(kind)) d.unexplained.push(verbWord);
  // "expand the red circle", "collapse the window", "focus the red circle": a shape, a window or a link does not
  // fold, and a shape takes no keyboard focus; the verb means something the frame does not hold.
  if (
    ((action === 'expand' || action === 'collapse') &&
      /^(?:shape|window|link|checkbox|radio|text-field|tab)$/.test(kind)) ||
    (action === 'focus' && kind === 'shape')
  )
    d.unexplained.push(verbWord);
  // "select the dialog", "select the window": a dialog or a window is not one of several options to choose.
  if (action === 'select' && (kind === 'dialog' || kind === 'window')) d.unexplained.push(verbWord);
  // "open a tab", "open a window": opening one of a kind is making a new one, not clicking one that is there.
  if (d.verbWord === 'open' && d.label === undefined && /^\s*(?:\S+\s+)?open\s+(?:a|an|another)\s/i.test(raw))
    d.unexplained.push('open');
  // A piece of text is clicked, hovered or found; selecting, ticking, folding, focusing or closing it is not
  // something the frame holds ("select the word "Hello"" selects text).
  if (kind === 'text' && /^(?:select|toggle|expand|collapse|focus|close|drag)$/.test(action ?? ''))
    d.unexplained.push(raw.trim().split(/\s+/)[0]!.toLowerCase());
  // Text is not an item list: "read the last word", "the first line" pick a unit the frame does not name.
  if (kind === 'text' && d.pick && action !== 'type') d.unexplained.push('(which text)');
  // A drag needs somewhere to go.
  if (action === 'drag' && !d.destination && !d.unexplained.length)
    d.unexplained.push('(nowhere to drag to)');
  // "click the blue circles", "click the links in the sidebar": all of them, a bulk action no frame of one target
  // holds (as "click all the buttons"); a number ("click 3 blue circles") or a pick ("the first three links")
  // says how many.
  if (d.pluralWord && action !== undefined && ONE_TARGET.has(action) && d.quantity === undefined && !d.pick)
    d.unexplained.push(d.pluralWord);
  // "select the first item", "drag the first item to the bottom": an item or a thing with nothing said of it is a
  // list entry, a widget or a shape — which one, the command does not say (counting or finding them is fine).
  if (
    action !== undefined &&
    ONE_TARGET.has(action) &&
    d.genericShape &&
    !d.color &&
    !d.shape &&
    !d.size &&
    d.label === undefined &&
    !d.relative &&
    !d.inList &&
    /^(?:items?|things?|objects?)$/.test(d.genericWord ?? '')
  )
    d.unexplained.push(d.genericWord!);
  // "click 2 of the last buttons": a number of things and a position among them at once; which ones is not sure.
  if (d.quantity !== undefined && d.pick) d.unexplained.push(String(d.quantity));
  // "count the first three buttons", "count the last button": how many were picked is said already; what else is
  // meant is not sure.
  if (action === 'count' && d.pick) d.unexplained.push('(a count of the picked ones)');
  // "check the red circle": inspect it or tick it? A shape has no box to tick; the verb is not sure.
  if (action === 'toggle' && kind === 'shape' && /^(?:check|uncheck)$/.test(d.verbWord ?? ''))
    d.unexplained.push(d.verbWord!);
  // "open the Settings dialog", "open the red circle": a dialog or window is opened by something else, and a shape
  // or a text is not opened at all; clicking it is no opening.
  if (action === 'click' && d.verbWord === 'open' && /^(?:dialog|window|shape|text)$/.test(kind))
    d.unexplained.push('open');
  // "read the message", "read the caption": one particular text, which reading all the text on the screen is not
  // ("read the text", "read everything", "read the screen" are all of it).
  if (
    action === 'read' &&
    kind === 'text' &&
    !d.region &&
    !d.relative &&
    target.text === undefined &&
    /^(?:message|messages|caption|labels?)$/.test(d.textNoun ?? '')
  )
    d.unexplained.push(d.textNoun!);
  // 'type "x" next to Email': typed text is not a thing placed beside another; the field is ('in the field next
  // to Email').
  if (action === 'type' && kind === 'text' && d.relative) d.unexplained.push('(which field)');
  // 'type "hello" except in the Name field': what to leave out of one field typed into says nothing of which.
  if (action === 'type') for (const x of d.exclude) if (x.op === 'exclude') d.unexplained.push(x.value);
  // Typing needs a text ("the field below Email" is a field like any other: the element plan takes the anchor).
  if (action === 'type' && d.text === undefined) d.unexplained.push('(nothing to type)');

  // "click the red circle and not the blue one", "count the red squares except the green ones": leaving out a
  // colour (or shape) the target already excludes by naming another says nothing the frame can act on — a
  // contrast or a slip, not a filter.
  for (const x of d.exclude)
    if (x.op === 'exclude' && ((x.by === 'color' && target.color) || (x.by === 'shape' && target.shape)))
      d.unexplained.push(x.value);
  // A colour or shape is asked of a shape; "what colour is the Save button / the text" is not.
  if (d.attribute && kind !== 'shape')
    d.unexplained.push((d.attribute as { of: string }).of === 'color' ? 'colour' : 'shape');
  // A list needs something to list ("list what is on the screen").
  if (action === 'list' && kind === 'screen') d.unexplained.push('(nothing to list)');

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

  // Most clauses explain every word: no list to tidy then.
  const unexplained = d.unexplained.length ? [...new Set(d.unexplained.filter((w) => w.length > 0))] : [];
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

/** "press ctrl + s": the keys, as one chord. */
export function keyFrame(keys: string, raw: string): UnderstandResult {
  const text = keys
    .replace(/ ?\+ ?/g, '+')
    .replace(/(ctrl|control|alt|shift|cmd|command|meta|super|win) (?=\S)/g, '$1+')
    .replace(/\bcontrol\+/g, 'ctrl+')
    .replace(/\bcommand\+/g, 'cmd+')
    .replace(/space ?bar$/, 'space');
  return { frame: { action: 'press', target: { kind: 'text', text }, raw }, confidence: 1 };
}
