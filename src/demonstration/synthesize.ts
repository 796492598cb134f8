import type { UiElement, UiElementKind } from '../domain/index.js';
import { centre, locate, norm, readingOrder, select } from './locate.js';
import type {
  AnswerSpec,
  DemoAction,
  DslValue,
  ListRef,
  Locator,
  Program,
  Step,
  SynthesisExample,
  SynthesisOutcome,
} from './types.js';
import { ITEM_PARAM } from './types.js';

/** How far (px) a demonstrated click may fall outside an element and still be on it (a hand is not exact). */
const CLICK_SLACK = 3;
/** Anchors considered for `near`: the closest labelled elements around a target. */
const MAX_ANCHORS = 6;

export interface SynthesisOptions {
  /**
   * While there are fewer demonstrations than this, programs that fit equally well but act differently ask
   * for another demonstration; from this many on, the preferred one is learned (and the others recorded).
   */
  askUntil: number;
}

export const SYNTHESIS_DEFAULTS: SynthesisOptions = { askUntil: 3 };

const inside = (p: { x: number; y: number }, e: UiElement, slack = 0) =>
  p.x >= e.bbox.x - slack &&
  p.y >= e.bbox.y - slack &&
  p.x <= e.bbox.x + e.bbox.width + slack &&
  p.y <= e.bbox.y + e.bbox.height + slack;

const area = (e: UiElement) => e.bbox.width * e.bbox.height;

/** The element a demonstrated click was on: the smallest one under the point (within a few px). */
export function clickTarget(elements: UiElement[], p: { x: number; y: number }): UiElement | undefined {
  const hits = elements.filter((e) => inside(p, e, CLICK_SLACK));
  hits.sort((a, b) => (inside(p, b) ? 1 : 0) - (inside(p, a) ? 1 : 0) || area(a) - area(b));
  return hits[0];
}

/** Values for a slot of a locator: parameters whose value reads as the element's, then the constant. */
function valuesFor(text: string | undefined, params: Record<string, string>): Array<[DslValue, number]> {
  if (!text || !norm(text)) return [];
  const out: Array<[DslValue, number]> = [];
  for (const [name, value] of Object.entries(params))
    if (norm(value) === norm(text)) out.push([{ param: name }, 1]);
  out.push([{ const: text }, 2]);
  return out;
}

interface Candidate {
  locator: Locator;
  cost: number;
}

/**
 * Locators that pick the target by position among alike candidates (the same filters, and optionally the
 * target's size): the position the number of elements of some kind gives (`countOf`, "click the number of
 * shapes"), and, among same-size elements only, a fixed ordinal.
 */
function countedCandidates(
  ex: SynthesisExample,
  target: UiElement,
  base: Locator,
  cost: number,
  kindCounts: Map<UiElementKind, number>,
): Candidate[] {
  const out: Candidate[] = [];
  const size = { width: target.bbox.width, height: target.bbox.height };
  for (const [loc, extra] of [
    [base, 0],
    [{ ...base, size }, 1],
  ] as Array<[Locator, number]>) {
    const selected = select(ex.elements, loc, ex.params);
    const i = selected.indexOf(target);
    if (i < 0 || selected.length < 2) continue;
    if (extra)
      out.push(
        { locator: { ...loc, ordinal: i }, cost: cost + extra + (i === 0 ? 3 : 4) },
        {
          locator: { ...loc, ordinal: i - selected.length },
          cost: cost + extra + (i === selected.length - 1 ? 3 : 4),
        },
      );
    for (const [kind, n] of kindCounts)
      for (const offset of [-1, 0])
        if (n + offset === i && kind !== target.kind)
          out.push({ locator: { ...loc, countOf: { kind, offset } }, cost: cost + extra + (offset ? 3 : 4) });
  }
  return out;
}

/** Every locator, with its cost, that designates `target` on the first demonstration's screen. */
function clickCandidates(ex: SynthesisExample, target: UiElement): Candidate[] {
  const out: Candidate[] = [];
  const kinds: Array<[Locator['kind'], number]> = [
    [undefined, 0],
    [target.kind, 1],
  ];
  const texts: Array<[DslValue | undefined, number]> = [
    [undefined, 0],
    ...valuesFor(target.text, ex.params).map(([v, c]) => [v, c === 1 ? 1 : 3] as [DslValue, number]),
  ];
  const colors: Array<[DslValue | undefined, number]> = [
    [undefined, 0],
    ...valuesFor(target.color, ex.params),
  ];
  const shapes: Array<[DslValue | undefined, number]> = [
    [undefined, 0],
    ...valuesFor(target.shape, ex.params),
  ];
  const c0 = centre(target);
  const anchors = ex.elements
    .filter((e) => e !== target && norm(e.text))
    .map((e) => ({ e, d: (centre(e).x - c0.x) ** 2 + (centre(e).y - c0.y) ** 2 }))
    .sort((a, b) => a.d - b.d)
    .slice(0, MAX_ANCHORS);
  const nears: Array<[DslValue, number]> = anchors.flatMap(({ e }) =>
    valuesFor(e.text, ex.params).map(([v, c]) => [v, c === 1 ? 2 : 4] as [DslValue, number]),
  );
  const kindCounts = new Map<UiElementKind, number>();
  for (const e of ex.elements) kindCounts.set(e.kind, (kindCounts.get(e.kind) ?? 0) + 1);
  for (const [kind, ck] of kinds)
    for (const [text, ct] of texts)
      for (const [color, cc] of colors)
        for (const [shape, cs] of shapes) {
          const base: Locator = {
            ...(kind ? { kind } : {}),
            ...(text ? { text } : {}),
            ...(color ? { color } : {}),
            ...(shape ? { shape } : {}),
          };
          const cost = ck + ct + cc + cs;
          out.push(...countedCandidates(ex, target, base, cost, kindCounts));
          const selected = select(ex.elements, base, ex.params);
          const i = selected.indexOf(target);
          if (i < 0) continue;
          if (selected.length === 1) out.push({ locator: base, cost });
          else {
            out.push({ locator: { ...base, ordinal: i }, cost: cost + (i === 0 ? 3 : 4) });
            out.push({
              locator: { ...base, ordinal: i - selected.length },
              cost: cost + (i === selected.length - 1 ? 3 : 4),
            });
          }
          for (const [near, cn] of nears) {
            const loc = { ...base, near };
            if (locate(ex.elements, loc, ex.params) === target) out.push({ locator: loc, cost: cost + cn });
          }
        }
  return out.sort((a, b) => a.cost - b.cost);
}

/**
 * How a locator behaves beyond what was shown: on each demonstration screen, with each parameter it reads set to
 * every other plausible value (the texts, colours and shapes of the screen's elements), and with the demonstrated
 * target removed. Two programs with different behaviours would generalise differently.
 */
function behaviour(loc: Locator, examples: SynthesisExample[], targets: UiElement[][], step: number): string {
  const out: number[] = [];
  const used = [loc.text, loc.color, loc.shape, loc.near].flatMap((v) =>
    v && 'param' in v ? [v.param] : [],
  );
  for (const [d, ex] of examples.entries()) {
    const alts = new Set<string>();
    for (const e of ex.elements) for (const s of [e.text, e.color, e.shape]) if (s && norm(s)) alts.add(s);
    for (const p of used)
      for (const v of [...alts].sort()) {
        const e = locate(ex.elements, loc, { ...ex.params, [p]: v });
        out.push(e ? ex.elements.indexOf(e) : -1);
      }
    const target = targets[d]![step]!;
    const without = ex.elements.filter((e) => e !== target);
    const e = locate(without, loc, ex.params);
    out.push(e ? without.indexOf(e) : -1);
    // A position taken from a count moves with the count: one element fewer of each kind.
    if (loc.countOf)
      for (const kind of [...new Set(ex.elements.map((x) => x.kind))].sort()) {
        const gone = ex.elements.find((x) => x.kind === kind && x !== target);
        const fewer = ex.elements.filter((x) => x !== gone);
        const f = locate(fewer, loc, ex.params);
        out.push(f ? ex.elements.indexOf(f) : -1);
      }
  }
  return out.join(',');
}

/** Whether a locator reads a parameter of the command (a label, colour or shape the command names). */
const bindsCommand = (loc: Locator) =>
  [loc.text, loc.color, loc.shape, loc.near].some((v) => v !== undefined && 'param' in v);

export function describeLocator(loc: Locator): string {
  const v = (x: DslValue) => ('param' in x ? `the command's ${x.param}` : JSON.stringify(x.const));
  const parts = [loc.kind ?? 'element'];
  if (loc.text) parts.push(`labelled ${v(loc.text)}`);
  if (loc.color) parts.push(`coloured ${v(loc.color)}`);
  if (loc.shape) parts.push(`shaped ${v(loc.shape)}`);
  if (loc.near) parts.push(`nearest to ${v(loc.near)}`);
  if (loc.size) parts.push(`sized ${loc.size.width}×${loc.size.height}`);
  if (loc.ordinal !== undefined)
    parts.push(loc.ordinal < 0 ? `#${-loc.ordinal} from the end` : `#${loc.ordinal + 1}`);
  if (loc.countOf)
    parts.push(
      `#(number of ${loc.countOf.kind}s${loc.countOf.offset + 1 ? ` ${loc.countOf.offset + 1 > 0 ? '+' : ''}${loc.countOf.offset + 1}` : ''})`,
    );
  return parts.join(' ');
}

export function describeProgram(p: Program): string {
  const v = (x: DslValue) => ('param' in x ? `the command's ${x.param}` : JSON.stringify(x.const));
  const steps = p.steps.map((s) =>
    s.op === 'click'
      ? `click the ${describeLocator(s.locate)}`
      : s.op === 'each'
        ? `for each item the command names (its ${s.list.slot}s), click the ${describeLocator(s.locate).replace(/the command's item/g, 'item')}`
        : s.op === 'type'
          ? `type ${v(s.text)}`
          : `press ${s.key}`,
  );
  if (p.answer) steps.push(`answer ${p.answer.fields.join('/')} of ${describeLocator(p.answer.query)}`);
  return steps.join(', then ') || 'nothing';
}

const shape = (a: DemoAction[]) => a.map((x) => x.type).join(',');

const ANSWER_FIELDS = ['count', 'present', 'text'] as const;

function answerFits(spec: AnswerSpec, ex: SynthesisExample): boolean {
  const sel = select(ex.elements, spec.query, ex.params);
  const e = ex.expect ?? {};
  for (const f of spec.fields) {
    if (f === 'count' && sel.length !== e.count) return false;
    if (f === 'present' && sel.length > 0 !== e.present) return false;
    if (f === 'text' && norm(sel[0]?.text) !== norm(e.text)) return false;
  }
  return true;
}

/** The cheapest query whose selection gives every demonstration's expected count / presence / text. */
function synthesizeAnswer(examples: SynthesisExample[]): AnswerSpec | string | undefined {
  const withExpect = examples.filter((e) => e.expect && Object.keys(e.expect).length);
  if (!withExpect.length) return undefined;
  const keys = new Set(withExpect.flatMap((e) => Object.keys(e.expect!)));
  const unsupported = [...keys].filter((k) => !(ANSWER_FIELDS as readonly string[]).includes(k));
  if (unsupported.length)
    return `expected fields ${unsupported.join(', ')} cannot be answered by a demonstrated program (it answers count, present and text)`;
  const fields = ANSWER_FIELDS.filter((f) => keys.has(f));
  const first = withExpect[0]!;
  const kinds = [undefined, ...new Set(first.elements.map((e) => e.kind))];
  const vals = (get: (e: UiElement) => string | undefined) => [
    undefined,
    ...new Map(
      first.elements
        .flatMap((e) => valuesFor(get(e), first.params))
        .map(([v, c]) => [JSON.stringify(v), [v, c] as const]),
    ).values(),
  ];
  let best: { spec: AnswerSpec; cost: number } | undefined;
  for (const kind of kinds)
    for (const t of vals((e) => e.text))
      for (const c of vals((e) => e.color))
        for (const s of vals((e) => e.shape)) {
          const query = {
            ...(kind ? { kind } : {}),
            ...(t ? { text: t[0] } : {}),
            ...(c ? { color: c[0] } : {}),
            ...(s ? { shape: s[0] } : {}),
          };
          const cost = (kind ? 1 : 0) + (t?.[1] ?? 0) + (c?.[1] ?? 0) + (s?.[1] ?? 0);
          if (best && best.cost <= cost) continue;
          const spec: AnswerSpec = { query, fields };
          if (withExpect.every((ex) => answerFits(spec, ex))) best = { spec, cost };
        }
  return best?.spec ?? `no query over the screens' elements gives the expected ${fields.join(', ')}`;
}

/**
 * Program synthesis from demonstrations: the cheapest program of the DSL whose actions on every demonstration
 * screen match that demonstration (each click inside the element clicked, the same text typed, the same keys)
 * and whose answer matches the expected fields. Parameters are bound to the command's slots by alignment (a
 * slot whose value reads as the clicked element's label, or equals the text typed). When programs of the same
 * cost fit but would act differently elsewhere, the outcome is `ambiguous` (until `askUntil` demonstrations).
 * Pure and deterministic: the same demonstrations give the same program.
 */
export function synthesizeProgram(
  examples: SynthesisExample[],
  options: SynthesisOptions = SYNTHESIS_DEFAULTS,
): SynthesisOutcome {
  const t0 = performance.now();
  const ms = () => Math.round((performance.now() - t0) * 1000) / 1000;
  const unfit = (reason: string): SynthesisOutcome => ({ status: 'unfit', reason, ms: ms() });
  if (!examples.length) return unfit('no demonstrations');
  // Demonstrations that click a list of named items ("Select A, B and C"): a loop over the command's items.
  const looped = synthesizeLoop(examples, options);
  if (looped && looped.status !== 'unfit') return { ...looped, ms: ms() };
  const first = examples[0]!;
  const acting = examples.filter((e) => e.actions.length);
  const mismatch = acting.find((e) => shape(e.actions) !== shape(acting[0]!.actions));
  if (mismatch)
    return unfit(
      `demonstrations ${acting[0]!.id} (${shape(acting[0]!.actions)}) and ${mismatch.id} (${shape(mismatch.actions)}) do different things` +
        (looped ? ` (and no loop over the items the commands name fits: ${looped.reason})` : ''),
    );
  const lead = acting[0] ?? first;
  // Only demonstrations that acted constrain the steps.
  const targets: UiElement[][] = [];
  for (const ex of acting) {
    const row: UiElement[] = [];
    for (const [i, a] of ex.actions.entries()) {
      if (a.type !== 'click') continue;
      const t = clickTarget(ex.elements, a);
      if (!t)
        return unfit(
          `the click at (${a.x}, ${a.y}) of demonstration ${ex.id} is on no element seen on its screen`,
        );
      row[i] = t;
    }
    targets.push(row);
  }

  const steps: Step[] = [];
  let cost = 0;
  let fitting = 1;
  const stepsAmbiguous: Array<{ step: number; candidates: Locator[] }> = [];
  for (const [i, a] of lead.actions.entries()) {
    if (a.type === 'press') {
      const keys = new Set(acting.map((e) => norm((e.actions[i] as { key: string }).key)));
      if (keys.size > 1) return unfit(`step ${i + 1} presses different keys: ${[...keys].join(', ')}`);
      steps.push({ op: 'press', key: a.key });
      continue;
    }
    if (a.type === 'type') {
      const texts = acting.map((e) => (e.actions[i] as { text: string }).text);
      const param = Object.keys(lead.params)
        .sort()
        .find((p) => acting.every((e, d) => e.params[p] === texts[d]));
      if (param) {
        steps.push({ op: 'type', text: { param } });
        cost += 1;
      } else if (new Set(texts).size === 1) {
        steps.push({ op: 'type', text: { const: texts[0]! } });
        cost += 3;
      } else
        return unfit(
          `step ${i + 1} types ${texts.map((t) => JSON.stringify(t)).join(' / ')}: neither a slot of the command nor the same every time`,
        );
      continue;
    }
    const fits = clickCandidates(lead, targets[0]![i]!).filter((c) =>
      acting.every((ex, d) => {
        const e = locate(ex.elements, c.locator, ex.params);
        return e !== undefined && inside(centre(e), targets[d]![i]!);
      }),
    );
    if (!fits.length)
      return unfit(`no locator of the DSL finds the element clicked at step ${i + 1} on every demonstration`);
    let best = fits.filter((c) => c.cost === fits[0]!.cost);
    // Alignment first: when some of the simplest locators read a word of the command ("… press Submit") and
    // others do not ("the only button"), the command's word decides.
    const bound = best.filter((c) => bindsCommand(c.locator));
    if (bound.length && bound.length < best.length) best = bound;
    const seen = new Map<string, Locator>();
    for (const c of best) {
      const b = behaviour(c.locator, acting, targets, i);
      if (!seen.has(b)) seen.set(b, c.locator);
    }
    fitting *= fits.length;
    if (seen.size > 1) stepsAmbiguous.push({ step: i, candidates: [...seen.values()] });
    steps.push({ op: 'click', locate: best[0]!.locator });
    cost += best[0]!.cost;
  }
  const answer = synthesizeAnswer(examples);
  if (typeof answer === 'string') return unfit(answer);
  const program: Program = { steps, ...(answer ? { answer } : {}) };
  if (stepsAmbiguous.length && examples.length < options.askUntil) {
    const { step, candidates } = stepsAmbiguous[0]!;
    return {
      status: 'ambiguous',
      candidates: candidates.map((locate) => ({
        ...program,
        steps: steps.map((s, j) => (j === step ? { op: 'click' as const, locate } : s)),
      })),
      disagreement: `step ${step + 1}: ${candidates.map(describeLocator).join(' | ')}`,
      ms: ms(),
    };
  }
  return { status: 'learned', program, cost, fitting, ms: ms() };
}

/** Most items one list step is served for (within a composed intent's 8 parts: 7 with one part after it). */
export const MAX_LIST_ITEMS = 8;

interface Run {
  sig: string;
  start: number;
  count: number;
}

/** Maximal runs of alike consecutive parts: `select|select|click` → select ×2, click ×1. */
function runsOf(parts: string[]): Run[] {
  const out: Run[] = [];
  for (const [i, sig] of parts.entries()) {
    const last = out.at(-1);
    if (last && last.sig === sig) last.count++;
    else out.push({ sig, start: i, count: 1 });
  }
  return out;
}

/**
 * A demonstration seen through a list: the run's items, its actions split around the run's clicks, and its
 * other parameters named so they mean the same whatever the list's length (`2.label` of the parts before the
 * run stays `2.label`; the last part's `label` is `-1.label`).
 */
interface ListView {
  ex: SynthesisExample;
  items: string[];
  loopClicks: Array<{ x: number; y: number }>;
  rest: SynthesisExample;
}

function listView(ex: SynthesisExample, list: ListRef, p: number): ListView | string {
  const n = ex.parts!.length;
  const k = n - list.start - list.end;
  const items: string[] = [];
  for (let j = 0; j < k; j++) {
    const v = ex.params[`${list.start + j}.${list.slot}`];
    if (v === undefined) return `part ${list.start + j + 1} of "${ex.id}" names no ${list.slot}`;
    items.push(v);
  }
  const loop = ex.actions.slice(p, p + k);
  if (loop.length < k || loop.some((a) => a.type !== 'click'))
    return `demonstration ${ex.id} does not click its ${k} named item(s) one after the other`;
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(ex.params)) {
    const m = /^(\d+)\.(.+)$/.exec(name);
    if (!m) params[name] = value;
    else if (Number(m[1]) < list.start) params[name] = value;
    else if (Number(m[1]) >= n - list.end) params[`${Number(m[1]) - n}.${m[2]}`] = value;
  }
  const rest: SynthesisExample = {
    id: ex.id,
    params,
    elements: ex.elements,
    actions: [...ex.actions.slice(0, p), ...ex.actions.slice(p + k)],
    screen: ex.screen,
    ...(ex.expect ? { expect: ex.expect } : {}),
  };
  return { ex, items, loopClicks: loop as Array<{ x: number; y: number }>, rest };
}

/**
 * The cheapest locator that, for every item of every demonstration, finds the element clicked for it. A turn
 * whose clicked element could not be read (its text is '') and for which nothing is found neither confirms
 * nor refutes a locator; at least one turn must confirm it.
 */
function loopLocator(views: ListView[]): { locator: Locator; cost: number } | string {
  const turns = views.flatMap((v) =>
    v.items.map((item, j) => ({ v, item, target: clickTarget(v.ex.elements, v.loopClicks[j]!) })),
  );
  const nothing = turns.find((t) => !t.target);
  if (nothing)
    return `the click for "${nothing.item}" on demonstration ${nothing.v.ex.id} is on no element seen on its screen`;
  const read = turns.find((t) => norm(t.target!.text));
  if (!read) return 'none of the clicked items could be read on the demonstration screens';
  const item: DslValue = { param: ITEM_PARAM };
  const options: Array<{ locator: Locator; cost: number }> = [
    { locator: { text: item }, cost: 1 },
    { locator: { kind: read.target!.kind, text: item }, cost: 2 },
    { locator: { near: item }, cost: 2 },
    { locator: { kind: read.target!.kind, near: item }, cost: 3 },
  ];
  for (const o of options) {
    let confirmed = 0;
    const fits = turns.every((t) => {
      const e = locate(t.v.ex.elements, o.locator, { ...t.v.rest.params, [ITEM_PARAM]: t.item });
      if (e) {
        const ok = inside(centre(e), t.target!);
        if (ok) confirmed++;
        return ok;
      }
      return !norm(t.target!.text);
    });
    if (fits && confirmed) return o;
  }
  return `no element labelled by (or next to) each named item is the one clicked for it, e.g. "${read.item}" on demonstration ${read.v.ex.id}`;
}

/**
 * Programs with one loop over the items a command names: when the demonstrations' commands are sequences with
 * a run of alike parts (`Select A, B and C and click Submit`: three `select` parts) and at least one shows a
 * list (two items or more), each run is tried as the list and each position as where its clicks are; the rest
 * of each demonstration is synthesized as usual around the loop. Undefined when no demonstration shows a list.
 */
function synthesizeLoop(
  examples: SynthesisExample[],
  options: SynthesisOptions,
): SynthesisOutcome | undefined {
  const acting = examples.filter((e) => e.actions.length);
  if (!acting.length || acting.some((e) => !e.parts)) return undefined;
  const runs = acting.map((e) => runsOf(e.parts!));
  const sigs = runs.map((r) => r.map((x) => x.sig).join('|'));
  if (new Set(sigs).size > 1) return undefined;
  let best: (SynthesisOutcome & { status: 'learned' | 'ambiguous' }) | undefined;
  let bestCost = Infinity;
  let why = '';
  for (const [r] of runs[0]!.entries()) {
    if (!runs.some((rs) => rs[r]!.count >= 2)) continue;
    // The other runs are the same length on every demonstration: only the list varies.
    if (runs.some((rs) => rs.some((x, i) => i !== r && x.count !== runs[0]![i]!.count))) continue;
    const start = runs[0]![r]!.start;
    const end = acting[0]!.parts!.length - start - runs[0]![r]!.count;
    for (const slot of ['label', 'text']) {
      const list: ListRef = { start, end, slot };
      const lead = acting[0]!;
      const k0 = lead.parts!.length - start - end;
      for (let p = 0; p + k0 <= lead.actions.length; p++) {
        const views = acting.map((ex) => listView(ex, list, p));
        const bad = views.find((v): v is string => typeof v === 'string');
        if (bad) {
          why ||= bad;
          continue;
        }
        const vs = views as ListView[];
        const loc = loopLocator(vs);
        if (typeof loc === 'string') {
          why ||= loc;
          continue;
        }
        const others = examples.filter((e) => !e.actions.length);
        const rest = synthesizeProgram([...vs.map((v) => v.rest), ...others], options);
        if (rest.status === 'unfit') {
          why ||= rest.reason;
          continue;
        }
        const each: Step = { op: 'each', list, locate: loc.locator };
        const insert = (prog: Program): Program => ({
          ...prog,
          steps: [...prog.steps.slice(0, p), each, ...prog.steps.slice(p)],
        });
        const cost = loc.cost + (rest.status === 'learned' ? rest.cost : 0);
        if (cost >= bestCost) continue;
        bestCost = cost;
        best =
          rest.status === 'learned'
            ? { ...rest, program: insert(rest.program), cost }
            : {
                ...rest,
                candidates: rest.candidates.map(insert),
                disagreement: rest.disagreement.replace(/^step (\d+)/, (_, n: string) =>
                  Number(n) > p ? `step ${Number(n) + 1}` : `step ${n}`,
                ),
              };
      }
    }
  }
  if (best) return best;
  return why ? { status: 'unfit', reason: why, ms: 0 } : undefined;
}

export { readingOrder };
