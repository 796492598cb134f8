import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UiElement, UiElementKind } from '../domain/index.js';
import { uiElement } from '../../test/support/ui-elements.js';
import { emitAndGate } from '../../test/support/demonstrated.js';
import { createHostSdk, RecordingActuator, seededRandom } from '../capabilities/index.js';
import type { SandboxTier } from '../sandbox/index.js';
import { createSandboxTier } from '../sandbox/index.js';
import { parseCommand } from '../understanding/index.js';
import type { DemoAction, Program, SynthesisExample } from './index.js';
import {
  centre,
  commandParams,
  describeProgram,
  locate,
  parseDemoActions,
  synthesizeProgram,
} from './index.js';

const el = (kind: UiElementKind, text: string, x: number, y: number, w = 60, h = 20): UiElement =>
  uiElement(kind, text, x, y, w, h);
const SCREEN = { width: 400, height: 300 };
const at = (e: UiElement): DemoAction => ({ type: 'click', ...centre(e) });

function example(
  id: string,
  command: string,
  elements: UiElement[],
  actions: DemoAction[],
  expect?: Record<string, unknown>,
): SynthesisExample {
  return {
    id,
    params: commandParams(parseCommand(command).frame),
    elements,
    actions,
    screen: SCREEN,
    ...(expect ? { expect } : {}),
  };
}

/** What a program does on a screen for a command, evaluated with the host's semantics. */
function clicks(program: Program, command: string, elements: UiElement[]): Array<UiElement | undefined> {
  const params = commandParams(parseCommand(command).frame);
  return program.steps.flatMap((s) => (s.op === 'click' ? [locate(elements, s.locate, params)] : []));
}

const dialogA = () => {
  const ok = el('button', 'OK', 20, 200);
  const cancel = el('button', 'Cancel', 100, 200);
  const help = el('button', 'Help', 180, 200);
  return { ok, cancel, help, all: [el('heading', 'Settings', 20, 10, 200), ok, cancel, help] };
};

describe('synthesizeProgram', () => {
  it('binds the clicked label to the command word, so another command clicks another button on another screen', () => {
    const a = dialogA();
    const r = synthesizeProgram([example('d1', 'click the Cancel button', a.all, [at(a.cancel)])]);
    expect(r.status).toBe('learned');
    if (r.status !== 'learned') return;
    expect(r.program.steps[0]).toMatchObject({ op: 'click', locate: { text: { param: 'label' } } });
    // A new screen (buttons moved and reordered) and a new value.
    const save = el('button', 'Save', 300, 40);
    const other = [el('button', 'Help', 20, 40), el('button', 'Cancel', 120, 40), save];
    expect(clicks(r.program, 'click the Save button', other)).toEqual([save]);
    expect(clicks(r.program, 'click the Help button', other)).toEqual([other[0]]);
    // Nothing with that label: nothing is clicked (not the nearest guess).
    expect(clicks(r.program, 'click the Quit button', other)).toEqual([undefined]);
  });

  it('learns click a field, type the quoted text, press a key; the text follows the command', () => {
    const name = el('text-field', 'Name', 100, 50, 150);
    const email = el('text-field', 'Email', 100, 90, 150);
    const screen = [
      el('label', 'Name', 20, 50),
      name,
      el('label', 'Email', 20, 90),
      email,
      el('button', 'Submit', 100, 130),
    ];
    const r = synthesizeProgram([
      example('d1', 'type "Kasey" into the name field and press enter', screen, [
        at(email),
        { type: 'type', text: 'Kasey' },
        { type: 'press', key: 'Enter' },
      ]),
    ]);
    // The field clicked was Email although the command says name: the only fitting programs use a constant.
    expect(r.status).not.toBe('unfit');
    const program =
      r.status === 'learned' ? r.program : r.status === 'ambiguous' ? r.candidates[0]! : undefined;
    expect(program?.steps.map((s) => s.op)).toEqual(['click', 'type', 'press']);
    // The quoted name is the frame's text slot (`0.text` when the parser reads the command as a sequence).
    expect(program?.steps[1]).toMatchObject({
      op: 'type',
      text: { param: expect.stringMatching(/^(0\.)?text$/) },
    });
    expect(program?.steps[2]).toEqual({ op: 'press', key: 'Enter' });
    expect(clicks(program!, 'type "Ann" into the name field', screen)).toEqual([email]);
  });

  it('asks for another demonstration when equally simple programs would click different things, then learns', () => {
    const remember = el('checkbox', 'Remember me', 20, 50);
    const news = el('checkbox', 'Send me news', 20, 90);
    const first = [remember, news];
    const r1 = synthesizeProgram([example('d1', 'tick it', first, [at(remember)])]);
    expect(r1.status).toBe('ambiguous');
    if (r1.status !== 'ambiguous') return;
    expect(r1.candidates.length).toBeGreaterThanOrEqual(2);
    expect(r1.disagreement).toMatch(/step 1: .*\|/);
    // The second demonstration has the boxes the other way round: only the label still fits.
    const remember2 = el('checkbox', 'Remember me', 20, 90);
    const second = [el('checkbox', 'Send me news', 20, 50), remember2];
    const r2 = synthesizeProgram([
      example('d1', 'tick it', first, [at(remember)]),
      example('d2', 'tick it', second, [at(remember2)]),
      example('d3', 'tick it', first, [at(remember)]),
    ]);
    expect(r2.status).toBe('learned');
    if (r2.status === 'learned') expect(describeProgram(r2.program)).toContain('"Remember me"');
  });

  it('says why when no program fits: text typed that is neither in the command nor constant', () => {
    const f = el('text-field', '', 10, 10, 100);
    const r = synthesizeProgram([
      example('d1', 'fill it', [f], [at(f), { type: 'type', text: 'one' }]),
      example('d2', 'fill it', [f], [at(f), { type: 'type', text: 'two' }]),
    ]);
    expect(r).toMatchObject({ status: 'unfit' });
    if (r.status === 'unfit') expect(r.reason).toMatch(/step 2 types "one" \/ "two"/);
    const off = synthesizeProgram([example('d1', 'click it', [f], [{ type: 'click', x: 300, y: 280 }])]);
    expect(off.status === 'unfit' && off.reason).toMatch(/on no element/);
    const different = synthesizeProgram([
      example('d1', 'click it', [f], [at(f)]),
      example('d2', 'click it', [f], [{ type: 'press', key: 'Enter' }]),
    ]);
    expect(different.status === 'unfit' && different.reason).toMatch(/do different things/);
  });

  it('answers an expected count from the elements the command names', () => {
    const shape = (color: string, s: string, x: number): UiElement => ({
      kind: 'shape',
      text: '',
      color,
      shape: s,
      bbox: { x, y: 100, width: 20, height: 20 },
      state: [],
    });
    const screen1 = [
      shape('red', 'circle', 10),
      shape('red', 'circle', 40),
      shape('blue', 'circle', 70),
      shape('red', 'square', 100),
    ];
    const r = synthesizeProgram([example('d1', 'count the red circles', screen1, [], { count: 2 })]);
    expect(r.status).toBe('learned');
    if (r.status !== 'learned') return;
    expect(r.program.answer?.query).toMatchObject({ color: { param: 'color' }, shape: { param: 'shape' } });
  });
});

describe('synthesizeProgram: counts and alignment', () => {
  const shapeAt = (x: number, y: number): UiElement => ({
    kind: 'shape',
    text: '',
    shape: 'circle',
    color: 'red',
    bbox: { x, y, width: 20, height: 20 },
    state: [],
  });
  /** "How many shapes? Click the number": n shapes, six alike unlabelled buttons (the 4th misread as a field). */
  const countScreen = (n: number) => {
    const digits = [0, 1, 2, 3, 4, 5].map((k) =>
      el(k === 3 ? 'text-field' : 'button', '', 2 + 24 * k, 156, 24, 21),
    );
    const shapes = [...Array(n).keys()].map((k) => shapeAt(10 + 30 * (k % 4), 40 + 30 * Math.floor(k / 4)));
    return { digits, all: [el('text', 'How many shapes are', 3, 4, 123, 12), ...shapes, ...digits] };
  };
  const command = 'How many shapes are there? Click the number.';

  it('clicks the count-th of the alike buttons: learned from two counts, served for another count', () => {
    const a = countScreen(3);
    const b = countScreen(5);
    const r = synthesizeProgram([
      example('d1', command, a.all, [at(a.digits[2]!)]),
      example('d2', command, b.all, [at(b.digits[4]!)]),
    ]);
    expect(r.status, JSON.stringify(r)).toBe('learned');
    if (r.status !== 'learned') return;
    const step = r.program.steps[0];
    expect(step?.op === 'click' && step.locate.countOf).toEqual({ kind: 'shape', offset: -1 });
    for (const n of [1, 4, 6]) {
      const c = countScreen(n);
      expect(clicks(r.program, command, c.all), `${n} shapes`).toEqual([c.digits[n - 1]]);
    }
  });

  it('asks for another demonstration while a fixed position and a count both explain the clicks', () => {
    const a = countScreen(1);
    const r = synthesizeProgram([example('d1', command, a.all, [at(a.digits[0]!)])]);
    expect(r.status).toBe('ambiguous');
  });

  it('prefers the button the command names over "the only button" (no needless second demonstration)', () => {
    const field = el('text-field', '', 20, 40, 110);
    const submit = el('button', 'Submit', 60, 100);
    const screen = [
      el('text', 'Enter "Kasey" into the text field and press Submit.', 3, 4, 150),
      field,
      submit,
    ];
    const cmd = 'Enter "Kasey" into the text field and press Submit.';
    const r = synthesizeProgram([
      example('d1', cmd, screen, [at(field), { type: 'type', text: 'Kasey' }, at(submit)]),
    ]);
    expect(r.status, JSON.stringify(r)).toBe('learned');
    if (r.status !== 'learned') return;
    expect(r.program.steps[2]).toMatchObject({ op: 'click', locate: { text: { param: '1.label' } } });
    expect(r.program.steps[1]).toMatchObject({ op: 'type', text: { param: '0.text' } });
  });
});

describe('parseDemoActions', () => {
  it('accepts clicks, typing and keys and refuses the rest with E_INPUT_INVALID naming the action', () => {
    expect(
      parseDemoActions([
        { type: 'click', x: 74.4, y: 120 },
        { type: 'type', text: 'Kasey' },
        { type: 'press', key: 'Enter' },
      ]),
    ).toEqual([
      { type: 'click', x: 74, y: 120 },
      { type: 'type', text: 'Kasey' },
      { type: 'press', key: 'Enter' },
    ]);
    const bad: Array<[unknown, RegExp]> = [
      [{}, /must be an array/],
      [[{ type: 'drag' }], /actions\[0\]\.type/],
      [[{ type: 'click', x: -1, y: 2 }], /actions\[0\]\.x/],
      [[{ type: 'click', x: 500, y: 2 }], /outside the 400×300 screen/],
      [[{ type: 'press', key: 'rm -rf /; echo' }], /key chord/],
      [[{ type: 'type', text: 'a', extra: 1 }], /unknown field "extra"/],
    ];
    for (const [value, message] of bad) {
      let err: unknown;
      try {
        parseDemoActions(value, SCREEN);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(value)).toMatchObject({ code: 'E_INPUT_INVALID' });
      expect((err as Error).message).toMatch(message);
    }
  });
});

describe('the emitted module', () => {
  let sandbox: SandboxTier;
  beforeAll(async () => {
    sandbox = await createSandboxTier('process', { poolSize: 1 });
  });
  afterAll(async () => sandbox?.close());

  it('passes the static gate and, in the sandbox, acts as the host semantics say', async () => {
    const name = el('text-field', 'Name', 100, 50, 150);
    const screen = [el('label', 'Name', 20, 50), name, el('button', 'Submit', 100, 130)];
    const command = 'type "Kasey" into the name field';
    const r = synthesizeProgram([
      example('d1', command, screen, [
        at(name),
        { type: 'type', text: 'Kasey' },
        { type: 'press', key: 'Enter' },
      ]),
    ]);
    expect(r.status).toBe('learned');
    if (r.status !== 'learned') return;
    const { cap, gated } = emitAndGate(r.program, command, { id: 'demo-type', patternId: 'pat_1' });
    expect(gated.report.violations).toEqual([]);
    expect(cap.manifest.permissions.sort()).toEqual([
      'actions.click',
      'actions.type',
      'screen.capture',
      'vision.analyze',
    ]);
    // Another screen, another value: the field moved, the text is the new command's.
    const moved = el('text-field', 'Name', 200, 150, 100);
    const other = [el('button', 'Submit', 20, 20), el('label', 'Name', 120, 150), moved];
    const host = createHostSdk({
      vision: {
        resolveRegion: () => ({ x: 0, y: 0, width: 400, height: 300 }),
        findShapes: async () => [],
        colors: () => [],
        describe: async () => ({}),
        elements: async () => other,
      },
      screen: { width: 400, height: 300, data: new Uint8Array(400 * 300 * 4) },
      permissions: cap.manifest.permissions,
      actuator: new RecordingActuator(),
      random: seededRandom(1),
      now: () => 0,
    });
    const out = await sandbox.run({
      code: gated.code,
      input: { text: 'Ann' },
      permissions: cap.manifest.permissions,
      limits: cap.manifest.limits,
      host,
      origin: 'generated',
    });
    expect(out.status, out.error).toBe('ok');
    const data = (out.output as { data: { actions: unknown[]; done: boolean } }).data;
    expect(data.done).toBe(true);
    expect(data.actions).toEqual([
      { type: 'click', ...centre(moved) },
      { type: 'type', text: 'Ann' },
      { type: 'press', keys: 'Enter' },
    ]);
    expect(clicks(r.program, 'type "Ann" into the name field', other)).toEqual([moved]);
  }, 60_000);
  it('clicks the count-th alike button in the sandbox as the host semantics say (countOf, size)', async () => {
    const program: Program = {
      steps: [
        {
          op: 'click',
          locate: { size: { width: 24, height: 21 }, countOf: { kind: 'shape', offset: -1 } },
        },
      ],
    };
    const shape = (x: number): UiElement => ({
      kind: 'shape',
      text: '',
      shape: 'square',
      bbox: { x, y: 40, width: 20, height: 20 },
      state: [],
    });
    const digits = [0, 1, 2, 3, 4, 5].map((k) =>
      el(k === 3 ? 'text-field' : 'button', '', 2 + 24 * k, 156, 24, 21),
    );
    const screen = [
      el('text', 'How many shapes', 3, 4, 123, 12),
      shape(10),
      shape(40),
      shape(70),
      shape(100),
      ...digits,
    ];
    const command = 'How many shapes are there? Click the number.';
    const { cap, gated } = emitAndGate(program, command, { id: 'demo-count', patternId: 'pat_2' });
    expect(gated.report.violations).toEqual([]);
    const host = createHostSdk({
      vision: {
        resolveRegion: () => ({ x: 0, y: 0, width: 160, height: 210 }),
        findShapes: async () => [],
        colors: () => [],
        describe: async () => ({}),
        elements: async () => screen,
      },
      screen: { width: 160, height: 210, data: new Uint8Array(160 * 210 * 4) },
      permissions: cap.manifest.permissions,
      actuator: new RecordingActuator(),
      random: seededRandom(1),
      now: () => 0,
    });
    const out = await sandbox.run({
      code: gated.code,
      input: { steps: [{}, {}] },
      permissions: cap.manifest.permissions,
      limits: cap.manifest.limits,
      host,
      origin: 'generated',
    });
    expect(out.status, out.error).toBe('ok');
    const data = (out.output as { data: { actions: unknown[] } }).data;
    // Four shapes: the 4th alike control, although the detector read it as a text field.
    expect(data.actions).toEqual([{ type: 'click', ...centre(digits[3]!) }]);
    expect(clicks(program, command, screen)).toEqual([digits[3]]);
  }, 60_000);
});
