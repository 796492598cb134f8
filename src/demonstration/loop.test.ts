import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UiElement, UiElementKind } from '../domain/index.js';
import { uiElement } from '../../test/support/ui-elements.js';
import { emitAndGate } from '../../test/support/demonstrated.js';
import { createHostSdk, RecordingActuator, seededRandom, validateManifest } from '../capabilities/index.js';
import type { SandboxTier } from '../sandbox/index.js';
import { createSandboxTier } from '../sandbox/index.js';
import { frameSignature, matchCapability, parseCommand } from '../understanding/index.js';
import type { DemoAction, Program, SynthesisExample } from './index.js';
import {
  centre,
  commandParams,
  describeProgram,
  listSignature,
  demonstrationProblem,
  locate,
  MAX_LIST_ITEMS,
  namesList,
  synthesizeProgram,
} from './index.js';

/**
 * Issue 19, loops over named items: "Select A, B and C and click Submit" checks every named box, then submits.
 * Demonstrations with lists of different lengths are one pattern; the program loops over the items the command
 * names, each bound to the element labelled so, and generalises to lists of other lengths on other screens.
 */

const el = (kind: UiElementKind, text: string, x: number, y: number, w = 15, h = 15): UiElement =>
  uiElement(kind, text, x, y, w, h);

/** A checkbox page as the detector reads it: a box and its label per row, then Submit. */
function page(names: string[], top = 56) {
  const boxes = new Map<string, UiElement>();
  const all: UiElement[] = [el('text', 'Select the named boxes', 0, 4, 160, 12)];
  names.forEach((n, i) => {
    const box = el('checkbox', n, 7, top + 19 * i);
    boxes.set(n, box);
    all.push(box, el('label', n, 24, top + 19 * i + 5, 36, 10));
  });
  const submit = el('button', 'Submit', 4, top + 19 * names.length + 4, 57, 21);
  all.push(submit);
  return { all, boxes, submit };
}

const at = (e: UiElement): DemoAction => ({ type: 'click', ...centre(e) });
const partsOf = (command: string) => {
  const frame = parseCommand(command).frame as Parameters<typeof frameSignature>[0] & {
    parts?: { frames: Array<Parameters<typeof frameSignature>[0]> };
  };
  return frame.parts?.frames.map((f) => frameSignature(f));
};

function example(
  id: string,
  command: string,
  elements: UiElement[],
  actions: DemoAction[],
): SynthesisExample {
  const parts = partsOf(command);
  return {
    id,
    params: commandParams(parseCommand(command).frame),
    elements,
    actions,
    screen: { width: 160, height: 210 },
    ...(parts ? { parts } : {}),
  };
}

/** The clicks a program makes for a command on a screen, with the host's semantics (locate.ts). */
function hostClicks(program: Program, command: string, elements: UiElement[]): Array<UiElement | undefined> {
  const frame = parseCommand(command).frame;
  const params = commandParams(frame);
  const n = partsOf(command)?.length ?? 0;
  return program.steps.flatMap((s) => {
    if (s.op === 'click') {
      // Parameters after the list, counted from the end (`-1.label`), as the synthesis named them.
      const named = { ...params };
      for (const [k, v] of Object.entries(params)) {
        const m = /^(\d+)\.(.+)$/.exec(k);
        if (m) named[`${Number(m[1]) - n}.${m[2]}`] = v;
      }
      return [locate(elements, s.locate, named)];
    }
    if (s.op !== 'each') return [];
    const items = Array.from(
      { length: n - s.list.start - s.list.end },
      (_, j) => params[`${s.list.start + j}.${s.list.slot}`]!,
    );
    return items.map((item) => locate(elements, s.locate, { item }));
  });
}

const learnedFromTwoLengths = () => {
  const a = page(['Dublin', 'Madrid', 'Plum']);
  const b = page(['Berlin', 'Cherry', 'Vienna', 'Paris']);
  // The detector could not read Vienna's label on the second screen: that turn neither confirms nor refutes.
  b.all[b.all.indexOf(b.boxes.get('Vienna')!)] = { ...b.boxes.get('Vienna')!, text: '' };
  const vienna = b.all.find((e) => e.kind === 'checkbox' && e.text === '')!;
  return synthesizeProgram([
    example('d1', 'Select Plum, Dublin and Madrid and click Submit.', a.all, [
      at(a.boxes.get('Plum')!),
      at(a.boxes.get('Dublin')!),
      at(a.boxes.get('Madrid')!),
      at(a.submit),
    ]),
    example('d2', 'Select Vienna and Berlin and click Submit.', b.all, [
      at(vienna),
      at(b.boxes.get('Berlin')!),
      at(b.submit),
    ]),
  ]);
};

describe('loops over the items a command names', () => {
  it('one pattern for lists of any length; a lone item joins it, other sequences do not', () => {
    const sig = (c: string) => listSignature(parseCommand(c).frame);
    expect(sig('Select Plum, Dublin and Madrid and click Submit.')).toBe(
      'seq(select:element[label]*|click:element[label]*)',
    );
    expect(sig('Select Vienna and Berlin and click Submit.')).toBe(
      sig('Select Plum, Dublin and Madrid and click Submit.'),
    );
    expect(sig('Select Kiwi and click Submit.')).toBe(sig('Select Vienna and Berlin and click Submit.'));
    expect(namesList(parseCommand('Select Vienna and Berlin and click Submit.').frame)).toBe(true);
    expect(namesList(parseCommand('Select Kiwi and click Submit.').frame)).toBe(false);
    expect(sig('click the Save button')).toBeUndefined();
  });

  it('learns "for each named item click its box, then Submit" from lists of 3 and 2, and serves lists of 1 and 4', () => {
    const r = learnedFromTwoLengths();
    expect(r.status, JSON.stringify(r)).toBe('learned');
    if (r.status !== 'learned') return;
    expect(r.program.steps).toEqual([
      {
        op: 'each',
        list: { start: 0, end: 1, slot: 'label' },
        locate: { kind: 'checkbox', text: { param: 'item' } },
      },
      expect.objectContaining({ op: 'click' }),
    ]);
    expect(describeProgram(r.program)).toMatch(
      /^for each item the command names \(its labels\), click the checkbox labelled item, then click/,
    );
    // Another screen (other names, other order, a label read with a stray mark) and other list lengths.
    const c = page(['Peach', 'Dublin', 'Madrid', 'Seoul', 'Kiwi'], 40);
    const seoul = c.boxes.get('Seoul')!;
    c.all[c.all.indexOf(seoul)] = { ...seoul, text: "I'Seoul" };
    // The instruction shown on the screen, wrapped so that its last word stands alone above the button.
    c.all.push(el('list-item', 'Submit.', 0, 16, 160, 12));
    expect(hostClicks(r.program, 'Select Dublin, Seoul, Kiwi and Peach and click Submit.', c.all)).toEqual([
      c.boxes.get('Dublin'),
      c.all.find((e) => e.text === "I'Seoul"),
      c.boxes.get('Kiwi'),
      c.boxes.get('Peach'),
      c.submit,
    ]);
    expect(hostClicks(r.program, 'Select Madrid and click Submit.', c.all)).toEqual([
      c.boxes.get('Madrid'),
      c.submit,
    ]);
    // A name not on the screen is found nowhere (no guess).
    expect(hostClicks(r.program, 'Select Oslo and click Submit.', c.all)[0]).toBeUndefined();
  });

  it('says why when the clicks do not follow the named items', () => {
    const a = page(['Dublin', 'Madrid', 'Plum']);
    const b = page(['Berlin', 'Cherry', 'Paris']);
    const r = synthesizeProgram([
      example('d1', 'Select Plum and Dublin and click Submit.', a.all, [
        at(a.boxes.get('Plum')!),
        at(a.boxes.get('Dublin')!),
        at(a.submit),
      ]),
      // Clicks Cherry for "Paris": no locator reads the item.
      example('d2', 'Select Paris, Berlin and Madrid and click Submit.', b.all, [
        at(b.boxes.get('Cherry')!),
        at(b.boxes.get('Berlin')!),
        at(b.boxes.get('Paris')!),
        at(b.submit),
      ]),
    ]);
    expect(r.status).toBe('unfit');
    if (r.status === 'unfit')
      expect(r.reason).toMatch(/do different things \(and no loop over the items the commands name fits: /);
  });
});

describe('a demonstration as a test case', () => {
  it('a run that stops before a click on an element not read on that screen does not contradict it; others do', () => {
    const b = page(['Berlin', 'Vienna']);
    const vienna = { ...b.boxes.get('Vienna')!, text: '' };
    b.all[b.all.indexOf(b.boxes.get('Vienna')!)] = vienna;
    const ex = example('d2', 'Select Berlin and Vienna and click Submit.', b.all, [
      at(b.boxes.get('Berlin')!),
      at(vienna),
      at(b.submit),
    ]);
    const click = (e: UiElement) => ({ type: 'click', ...centre(e) });
    const out = (done: boolean, ...clicked: UiElement[]) => ({
      answer: '',
      data: { done, actions: clicked.map(click) },
    });
    expect(demonstrationProblem(ex, out(false, b.boxes.get('Berlin')!))).toBeNull();
    expect(demonstrationProblem(ex, out(true, b.boxes.get('Berlin')!))).toMatch(/expected 3 actions/);
    expect(demonstrationProblem(ex, out(false))).toMatch(/expected 3 actions/);
    expect(demonstrationProblem(ex, out(false, b.submit))).toMatch(/action 1: clicked at/);
  });
});

describe('the emitted loop module', () => {
  let sandbox: SandboxTier;
  beforeAll(async () => {
    sandbox = await createSandboxTier('process', { poolSize: 1 });
  });
  afterAll(async () => sandbox?.close());

  it('passes the static gate, routes lists of 1 to 7 items, and in the sandbox clicks what the host semantics say', async () => {
    const r = learnedFromTwoLengths();
    expect(r.status).toBe('learned');
    if (r.status !== 'learned') return;
    const first = 'Select Plum, Dublin and Madrid and click Submit.';
    const { cap, gated } = emitAndGate(r.program, first, { id: 'demo-select', patternId: 'pat_list' });
    expect(gated.report.violations).toEqual([]);
    // Lists of 1 to 7 items and Submit: a composed intent has at most 8 parts.
    expect(cap.manifest.intents).toHaveLength(Math.min(MAX_LIST_ITEMS, 7));
    expect(() => validateManifest(cap.manifest)).not.toThrow();
    expect(cap.manifest.description).toContain('for each item the command names');
    // Routing: a list of any length up to the limit, not another kind of sequence.
    expect(matchCapability(parseCommand('Select Kiwi and click Submit.').frame, cap.manifest)).toBeDefined();
    expect(
      matchCapability(
        parseCommand('Enter "Kasey" into the text field and press Submit.').frame,
        cap.manifest,
      ),
    ).toBeUndefined();
    const command = 'Select Dublin, Seoul, Kiwi and Peach and click Submit.';
    const match = matchCapability(parseCommand(command).frame, cap.manifest);
    expect(match).toBeDefined();
    const c = page(['Peach', 'Dublin', 'Madrid', 'Seoul', 'Kiwi'], 40);
    const seoul = c.boxes.get('Seoul')!;
    c.all[c.all.indexOf(seoul)] = { ...seoul, text: 'I Seoul' };
    c.all.push(el('list-item', 'Submit.', 0, 16, 160, 12));
    const run = async (input: unknown) => {
      const host = createHostSdk({
        vision: {
          resolveRegion: () => ({ x: 0, y: 0, width: 160, height: 210 }),
          findShapes: async () => [],
          colors: () => [],
          describe: async () => ({}),
          elements: async () => c.all,
        },
        screen: { width: 160, height: 210, data: new Uint8Array(160 * 210 * 4) },
        permissions: cap.manifest.permissions,
        actuator: new RecordingActuator(),
        random: seededRandom(1),
        now: () => 0,
      });
      const out = await sandbox.run({
        code: gated.code,
        input,
        permissions: cap.manifest.permissions,
        limits: cap.manifest.limits,
        host,
        origin: 'generated',
      });
      expect(out.status, out.error).toBe('ok');
      return out.output as { answer: string; data: { actions: unknown[]; done: boolean } };
    };
    const out = await run(match!.input);
    expect(out.data.done).toBe(true);
    const want = hostClicks(r.program, command, c.all);
    expect(want.every(Boolean)).toBe(true);
    expect(out.data.actions).toEqual(want.map((e) => ({ type: 'click', ...centre(e!) })));
    // A named item not on the screen: it stops and says which, having clicked only what came before it.
    const missing = await run(
      matchCapability(parseCommand('Select Dublin and Oslo and click Submit.').frame, cap.manifest)!.input,
    );
    expect(missing.data.done).toBe(false);
    expect(missing.answer).toContain('"Oslo"');
    expect(missing.data.actions).toEqual([{ type: 'click', ...centre(c.boxes.get('Dublin')!) }]);
  }, 60_000);
});
