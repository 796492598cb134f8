import type {
  Capability,
  CapabilityManifest,
  IntentFrame,
  IntentSpec,
  JsonSchema,
  Pattern,
  Permission,
} from '../domain/index.js';
import type { PartFrame } from '../understanding/index.js';
import { compositionOf, frameFields, opsOf } from '../understanding/index.js';
import { describeProgram, MAX_LIST_ITEMS } from './synthesize.js';
import type { AnswerSpec, DslValue, ListRef, Locator, Program, Step } from './types.js';
import { ITEM_PARAM, SIZE_SLACK } from './types.js';
import { SLOT_SCHEMAS } from '../generation/index.js';

/** The generator name demonstrated capabilities carry in `origin.generator`. */
export const DEMONSTRATION_GENERATOR = 'demonstration';

type Slot = IntentSpec['slots'][number];
const SLOTS: readonly Slot[] = ['shape', 'color', 'region', 'text', 'label', 'quantity', 'size', 'state'];

/**
 * The parameters of a command for synthesis: its frame's slots as text (`label`, `text`…; `0.text` for the
 * first part of a composed frame), exactly the names the emitted module reads from its input.
 */
export function commandParams(frame: Omit<IntentFrame, 'raw'>): Record<string, string> {
  const out: Record<string, string> = {};
  const comp = compositionOf(frame);
  const parts: Array<[string, PartFrame]> = comp
    ? comp.frames.map((f, i) => [`${i}.`, f])
    : [['', frame as PartFrame]];
  for (const [prefix, f] of parts)
    for (const [k, v] of Object.entries(frameFields(f))) if (v !== undefined) out[prefix + k] = String(v);
  return out;
}

/** Why a pattern cannot be served by a demonstrated program, or undefined when it can. */
export function unservable(pattern: Pick<Pattern, 'signature' | 'frame'>): string | undefined {
  if (opsOf(pattern.frame).length) return 'commands with data operations are not learned from demonstrations';
  if (compositionOf(pattern.frame)?.mode === 'conditional')
    return 'conditional commands are not learned from demonstrations';
  return undefined;
}

function partIntent(f: PartFrame, slots: Slot[]): IntentSpec {
  return { action: f.action, targetKind: f.target.kind, slots, examples: [] };
}

/** The intent that routes the pattern's commands to the capability: its action, target kind and slots. */
function intentFor(pattern: Pick<Pattern, 'frame' | 'parameters'>, examples: string[]): IntentSpec {
  const comp = compositionOf(pattern.frame);
  const slotsOf = (prefix: string) => SLOTS.filter((s) => pattern.parameters.includes(prefix + s));
  if (!comp) return { ...partIntent(pattern.frame as PartFrame, slotsOf('')), examples };
  return {
    action: pattern.frame.action,
    targetKind: pattern.frame.target.kind,
    slots: [],
    examples,
    parts: {
      mode: comp.mode as 'sequence' | 'parallel',
      intents: comp.frames.map((f, i) => partIntent(f, slotsOf(`${i}.`))),
    },
  };
}

/** Most parts of a composed intent (the manifest schema's limit, src/capabilities/manifest.ts). */
const MAX_PARTS = 8;

/**
 * The intents of a program with a list step: the pattern's parts with the list's run repeated 1 to
 * MAX_LIST_ITEMS times (within MAX_PARTS parts) ("Select A and click Submit" … "Select A, B, C and D and click Submit"), each part's
 * slots those of the pattern's part it copies.
 */
function listIntents(
  pattern: Pick<Pattern, 'frame' | 'parameters'>,
  examples: string[],
  list: ListRef,
): IntentSpec[] | undefined {
  const comp = compositionOf(pattern.frame);
  if (!comp || comp.mode !== 'sequence') return undefined;
  const n = comp.frames.length;
  if (list.start + list.end >= n) return undefined;
  const slotsOf = (i: number) => SLOTS.filter((s) => pattern.parameters.includes(`${i}.${s}`));
  const before = comp.frames.slice(0, list.start).map((f, i) => partIntent(f, slotsOf(i)));
  const after = comp.frames.slice(n - list.end).map((f, i) => partIntent(f, slotsOf(n - list.end + i)));
  const item = partIntent(comp.frames[list.start]!, slotsOf(list.start));
  // A composed intent has at most MAX_PARTS parts (the manifest's schema): the list fills what is left.
  const most = Math.min(MAX_LIST_ITEMS, MAX_PARTS - list.start - list.end);
  if (most < 1) return undefined;
  return Array.from({ length: most }, (_, k) => ({
    action: pattern.frame.action,
    targetKind: pattern.frame.target.kind,
    slots: [],
    examples,
    parts: {
      mode: 'sequence' as const,
      intents: [...before, ...Array.from({ length: k + 1 }, () => item), ...after],
    },
  }));
}

function inputSchemaFor(intent: IntentSpec): JsonSchema {
  const props = (slots: Slot[]) => Object.fromEntries(slots.map((s) => [s, SLOT_SCHEMAS[s]]));
  if (!intent.parts) return { type: 'object', properties: props(intent.slots), additionalProperties: false };
  return {
    type: 'object',
    required: ['steps'],
    properties: { steps: { type: 'array', items: { type: 'object' } } },
    additionalProperties: false,
  };
}

const ACTIONS_SCHEMA: JsonSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['type'],
    properties: { type: { type: 'string', enum: ['click', 'type', 'press'] } },
  },
};

/**
 * The DSL's helpers as the module carries them (the same semantics as locate.ts on the host; a test runs a
 * module in the sandbox beside the host evaluation). Programs are compiled to straight-line code over them:
 * parameter and constant names are fixed at emit time, so the module reads no run-time keys (the static gate's
 * rule) and calls only the SDK methods its steps need (least permissions).
 */
const RUNTIME_SOURCE = `function norm(s) {
  return String(s === undefined || s === null ? '' : s).toLowerCase().replace(/[\\s_]+/g, ' ').replace(/^[\\s"'.,:;!?()[\\]|*\\u2022\\u00b7-]+|[\\s"'.,:;!?()[\\]|*\\u2022\\u00b7-]+$/g, '');
}
function plain(s) {
  return String(s === undefined || s === null ? '' : s).toLowerCase().replace(/\\s+/g, ' ').trim();
}
function textTier(text, want) {
  const w = norm(want);
  const t = norm(text);
  if (t === w) return plain(text) === plain(want) ? 0 : 1;
  return w !== '' && t.replace(/^[il1|]['\\u2019 ]\\s*/, '') === w ? 2 : -1;
}
function sameText(text, want) {
  return textTier(text, want) >= 0;
}
function byReading(want) {
  return (a, b) => textTier(a.text, want) - textTier(b.text, want) || readingOrder(a, b);
}
function centreOf(e) {
  return { x: Math.round(e.bbox.x + e.bbox.width / 2), y: Math.round(e.bbox.y + e.bbox.height / 2) };
}
function readingOrder(a, b) {
  const ay = a.bbox.y + a.bbox.height / 2;
  const by = b.bbox.y + b.bbox.height / 2;
  if (Math.abs(ay - by) > 8) return ay - by;
  return a.bbox.x - b.bbox.x || ay - by;
}
function nearest(candidates, elements, anchorText) {
  const anchor = elements.find((e) => candidates.indexOf(e) < 0 && sameText(e.text, anchorText));
  if (!anchor) return undefined;
  const a = centreOf(anchor);
  let best;
  let bestD = Infinity;
  for (const c of candidates) {
    const p = centreOf(c);
    const d = (p.x - a.x) * (p.x - a.x) + (p.y - a.y) * (p.y - a.y);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
function countth(found, elements, kind, offset) {
  const n = elements.filter((e) => e.kind === kind).length + offset;
  return n >= 0 ? found.slice(n, n + 1)[0] : undefined;
}
function param(v) {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}`;

/** A DSL value as a JavaScript expression: a static read of the input, or a JSON literal. */
function valueExpr(v: DslValue): string {
  if ('const' in v) return JSON.stringify(v.const);
  if (v.param === ITEM_PARAM) return 'param(item)';
  const m = /^(?:(-?\d+)\.)?(shape|color|region|text|label|quantity|size|state)$/.exec(v.param);
  if (!m) throw new Error(`unknown parameter ${v.param}`);
  if (m[1] === undefined) return `param(input.${m[2]})`;
  const i = Number(m[1]);
  // A negative index counts from the end (the part after a list of any length): `-1` is the last part.
  const part = i < 0 ? `(input.steps || []).slice(${i})[0]` : `(input.steps || [])[${i}]`;
  return `param(${part} && ${part}.${m[2]})`;
}

function filterExpr(loc: Omit<Locator, 'ordinal' | 'near'>): string {
  const conds: string[] = [];
  if (loc.kind) conds.push(`e.kind === ${JSON.stringify(loc.kind)}`);
  for (const k of ['text', 'color', 'shape'] as const) {
    const v = loc[k];
    if (v)
      conds.push(
        k === 'text' ? `sameText(e.text, ${valueExpr(v)})` : `norm(e.${k}) === norm(${valueExpr(v)})`,
      );
  }
  if (loc.size)
    conds.push(
      `Math.abs(e.bbox.width - ${Number(loc.size.width)}) <= ${SIZE_SLACK} && Math.abs(e.bbox.height - ${Number(loc.size.height)}) <= ${SIZE_SLACK}`,
    );
  // Better readings of the wanted text first (textTier), then reading order: as select() in locate.ts.
  const order = loc.text ? `byReading(${valueExpr(loc.text)})` : 'readingOrder';
  return `elements.filter((e) => ${conds.join(' && ') || 'true'}).sort(${order})`;
}

/** Parameters a locator needs: when one is missing from the input, the step cannot be done. */
function needs(loc: Locator): string[] {
  return [loc.text, loc.color, loc.shape, loc.near].flatMap((v) =>
    v && 'param' in v && v.param !== ITEM_PARAM ? [valueExpr(v)] : [],
  );
}

/** The command's items as an expression: the list slot of each part between `start` and `end`. */
function itemsExpr(list: ListRef): string {
  if (!/^(shape|color|region|text|label|quantity|size|state)$/.test(list.slot))
    throw new Error(`unknown list slot ${list.slot}`);
  const all = '(input.steps || [])';
  return `${all}.slice(${Number(list.start)}, ${all}.length - ${Number(list.end)}).map((s) => param(s && s.${list.slot}))`;
}

function describeExpr(loc: Omit<Locator, 'ordinal'>): string {
  const parts: string[] = [];
  if (loc.color) parts.push(valueExpr(loc.color));
  if (loc.shape) parts.push(valueExpr(loc.shape));
  parts.push(JSON.stringify(loc.kind ?? 'element'));
  if (loc.text) parts.push(`'"' + ${valueExpr(loc.text)} + '"'`);
  if (loc.near) parts.push(`'near "' + ${valueExpr(loc.near)} + '"'`);
  return parts.join(" + ' ' + ");
}

const FAIL = (what: string) =>
  `return { answer: ${what}, data: { done: false, actions: actions, items: clicked } };`;

function stepSource(step: Step): string {
  if (step.op === 'press') return `  actions.push(await sdk.actions.press(${JSON.stringify(step.key)}));`;
  if (step.op === 'type') {
    const e = valueExpr(step.text);
    return [
      '  {',
      `    const text = ${e};`,
      `    if (text === undefined) ${FAIL("'I do not know what to type.'")}`,
      '    actions.push(await sdk.actions.type(text));',
      '  }',
    ].join('\n');
  }
  if (step.op === 'each') return eachSource(step.list, step.locate);
  const loc = step.locate;
  const pick = loc.near
    ? `nearest(found, elements, ${valueExpr(loc.near)})`
    : loc.countOf
      ? `countth(found, elements, ${JSON.stringify(loc.countOf.kind)}, ${Number(loc.countOf.offset)})`
      : (loc.ordinal ?? 0) < 0
        ? `found[found.length - ${-(loc.ordinal ?? 0)}]`
        : `found[${loc.ordinal ?? 0}]`;
  const missing = needs(loc).map((e) => `${e} === undefined`);
  return [
    '  {',
    ...(missing.length
      ? [`    if (${missing.join(' || ')}) ${FAIL("'The command does not say which element to click.'")}`]
      : []),
    `    const found = ${filterExpr(loc)};`,
    `    const target = ${pick};`,
    `    if (!target) ${FAIL(`'I could not find the ' + ${describeExpr(loc)} + ' to click.'`)}`,
    '    actions.push(await sdk.actions.click(centreOf(target)));',
    '    clicked.push({ kind: target.kind, text: target.text, bbox: target.bbox });',
    '  }',
  ].join('\n');
}

function pickExpr(loc: Locator): string {
  return loc.near
    ? `nearest(found, elements, ${valueExpr(loc.near)})`
    : (loc.ordinal ?? 0) < 0
      ? `found[found.length - ${-(loc.ordinal ?? 0)}]`
      : `found[${loc.ordinal ?? 0}]`;
}

/** For each item the command names: locate its element, click it (a missing one stops with what is missing). */
function eachSource(list: ListRef, loc: Locator): string {
  const missing = needs(loc).map((e) => `${e} === undefined`);
  return [
    '  {',
    `    const items = ${itemsExpr(list)};`,
    `    if (!items.length || items.some((x) => x === undefined)) ${FAIL("'The command does not name the items to click.'")}`,
    ...(missing.length
      ? [`    if (${missing.join(' || ')}) ${FAIL("'The command does not say which element to click.'")}`]
      : []),
    '    for (const item of items) {',
    `      const found = ${filterExpr(loc)};`,
    `      const target = ${pickExpr(loc)};`,
    `      if (!target) ${FAIL(`'I could not find the ' + ${describeExpr(loc)} + ' to click.'`)}`,
    '      actions.push(await sdk.actions.click(centreOf(target)));',
    '      clicked.push({ kind: target.kind, text: target.text, bbox: target.bbox });',
    '    }',
    '  }',
  ].join('\n');
}

function answerSource(answer: AnswerSpec): string {
  const lines = [
    `  const found = ${filterExpr(answer.query)};`,
    `  const what = ${describeExpr(answer.query)};`,
  ];
  for (const f of answer.fields) {
    if (f === 'count')
      lines.push(
        '  data.count = found.length;',
        "  answer = (answer + ' There ' + (found.length === 1 ? 'is 1 ' : 'are ' + found.length + ' ') + what + '.').trim();",
      );
    else if (f === 'present')
      lines.push(
        '  data.present = found.length > 0;',
        "  answer = (answer + (found.length ? ' Yes, there is a ' : ' No, there is no ') + what + '.').trim();",
      );
    else
      lines.push(
        "  data.text = found.length ? found[0].text : '';",
        "  answer = (answer + ' ' + (found.length ? found[0].text : 'Nothing found.')).trim();",
      );
  }
  return lines.join('\n');
}

/** The module of a program: the helpers, then `run` doing the steps in order and answering. */
export function emitModule(program: Program): string {
  return [
    RUNTIME_SOURCE,
    'export default async function run(input, sdk) {',
    '  const screen = await sdk.screen.capture();',
    '  const elements = await sdk.vision.elements(screen, {});',
    '  const actions = [];',
    '  const clicked = [];',
    ...program.steps.map(stepSource),
    '  const data = { done: true, actions: actions, items: clicked };',
    "  let answer = actions.length ? 'Done: ' + actions.map((a) => (a.type === 'click' ? 'clicked at ' + a.x + ',' + a.y : a.type === 'type' ? 'typed \"' + a.text + '\"' : 'pressed ' + a.keys)).join(', ') + '.' : '';",
    ...(program.answer ? [answerSource(program.answer)] : []),
    '  return { answer: answer, data: data };',
    '}',
    '',
  ].join('\n');
}

function permissionsFor(program: Program): Permission[] {
  const p = new Set<Permission>(['screen.capture', 'vision.analyze']);
  for (const s of program.steps)
    p.add(s.op === 'click' || s.op === 'each' ? 'actions.click' : 'actions.type');
  return [...p];
}

export interface DemonstrationEmitOptions {
  id: string;
  version: number;
  pattern: Pick<Pattern, 'id' | 'frame' | 'parameters'>;
  /** Commands demonstrated (kept as the intent's examples; data, never code). */
  examples: string[];
  failureIds: string[];
}

/**
 * Program → capability: the program as a JSON literal (constants from the screens arrive JSON-escaped, never as
 * code), the DSL's runtime, and `run` calling `sdk.vision.elements` and `sdk.actions.*`. An ordinary module:
 * the static gate, the sandbox, verification and rollout treat it like any other.
 */
export function emitDemonstrated(program: Program, o: DemonstrationEmitOptions): Capability {
  const examples = o.examples.slice(0, 5);
  const each = program.steps.find((s) => s.op === 'each');
  const intents = (each && listIntents(o.pattern, examples, each.list)) || [intentFor(o.pattern, examples)];
  const intent = intents[0]!;
  const code = emitModule(program);
  const manifest: CapabilityManifest = {
    id: o.id,
    name: `Demonstrated: ${o.examples[0] ?? o.id}`.slice(0, 120),
    version: o.version,
    description: `Learned from ${o.examples.length} demonstration(s): ${describeProgram(program)}.`.slice(
      0,
      1000,
    ),
    intents,
    permissions: permissionsFor(program),
    inputSchema: inputSchemaFor(intent),
    outputSchema: {
      type: 'object',
      required: ['answer', 'data'],
      properties: {
        answer: { type: 'string' },
        data: {
          type: 'object',
          required: ['actions'],
          properties: { done: { type: 'boolean' }, actions: ACTIONS_SCHEMA },
        },
      },
    },
    limits: { timeoutMs: 5000, memoryMb: 64 },
    origin: {
      kind: 'generated',
      generator: DEMONSTRATION_GENERATOR,
      patternId: o.pattern.id,
      failureIds: o.failureIds,
    },
  };
  return { manifest, code };
}
