import { describe, expect, it } from 'vitest';
import type { IntentSpec } from '../domain/index.js';
import { readFileSync } from 'node:fs';
import { CORPUS_URL, loadCorpus, scoreCorpus } from '../../bench/understanding-corpus.js';
import { earnedFrom, recordCorpus } from '../../bench/understanding-calibrate.js';
import { EARNED_LABEL_WORDS } from './calibration-data.js';
import { frameSignature, matchIntent, parseCommand } from './index.js';

/** The examples (issue 17), one by one: the right frame, or not served with the words named. */
describe('never silently change the meaning', () => {
  it('negation becomes an exclusion, not a dropped word', () => {
    const a = parseCommand('count the green circles not on the toolbar');
    expect(a.confidence).toBe(1);
    expect(a.frame.region).toBeUndefined();
    expect(a.frame.ops).toEqual([{ op: 'exclude', by: 'region', value: 'toolbar' }]);
    const b = parseCommand('count all circles but not the green ones');
    expect(b.frame.target).toEqual({ kind: 'shape', shape: 'circle' });
    expect(b.frame.ops).toEqual([{ op: 'exclude', by: 'color', value: 'green' }]);
    expect(parseCommand('every circle except the green ones').frame.ops).toEqual([
      { op: 'exclude', by: 'color', value: 'green' },
    ]);
    expect(parseCommand('count anything but buttons').frame).toMatchObject({
      target: { kind: 'element' },
      ops: [{ op: 'exclude', by: 'kind', value: 'button' }],
    });
    // An exclusion is part of the signature: a capability that ignores it is never chosen.
    expect(frameSignature(a.frame)).toBe('count:shape[color,shape]+exclude');
  });

  it('ordinals pick an item instead of acting on the first', () => {
    expect(parseCommand('click the second blue square').frame.ops).toEqual([
      { op: 'pick', by: 'reading', order: 'asc', index: 2, count: 1 },
    ]);
    expect(parseCommand('click the last button').frame.ops).toEqual([
      { op: 'pick', by: 'reading', order: 'desc', index: 1, count: 1 },
    ]);
    expect(parseCommand('the third item in the list').frame.target.kind).toBe('list-item');
    expect(parseCommand('click the topmost link').frame.ops).toEqual([
      { op: 'pick', by: 'y', order: 'asc', index: 1, count: 1 },
    ]);
    expect(parseCommand('find the 3 largest circles').frame.ops).toEqual([
      { op: 'pick', by: 'size', order: 'desc', index: 1, count: 3 },
    ]);
    expect(parseCommand('click the button to the right of Cancel').frame.ops).toEqual([
      { op: 'relative', relation: 'right-of', anchor: 'Cancel' },
    ]);
    expect(parseCommand('find the field below Email').frame).toMatchObject({
      target: { kind: 'text-field' },
      ops: [{ op: 'relative', relation: 'below', anchor: 'Email' }],
    });
  });

  it('unknown verbs and words are not served, and are named', () => {
    const r = parseCommand('frobnicate the toolbar circles');
    expect(r.confidence).toBeLessThan(0.6);
    expect(r.unexplained).toContain('frobnicate');
    const s = parseCommand('count the green circles near the frobnicator widget');
    expect(s.confidence).toBeLessThan(0.6);
    expect(s.unexplained).toContain('widget');
    // "all" is filler for counting, never for an action.
    expect(parseCommand('count all the circles').confidence).toBe(1);
    expect(parseCommand('click all the buttons').unexplained).toContain('all');
    expect(parseCommand('click it twice').confidence).toBeLessThan(0.6);
    expect(parseCommand('count the circles twice').unexplained).toContain('twice');
  });

  it("a word that would be Object.prototype's is just an unknown word", () => {
    expect(parseCommand('count the constructor circles').unexplained).toContain('constructor');
    expect(parseCommand('count the __proto__ squares').unexplained).toContain('__proto__');
  });
});

describe('understanding more', () => {
  it('quoted strings are verbatim in any script; numbers in labels are not quantities', () => {
    expect(parseCommand('Click on the "确定" button.').frame.target).toEqual({
      kind: 'button',
      label: '确定',
    });
    expect(parseCommand('Click on "♥♥♥".').frame.target).toEqual({ kind: 'element', label: '♥♥♥' });
    expect(parseCommand('type "こんにちは"').frame.target).toEqual({ kind: 'text', text: 'こんにちは' });
    expect(parseCommand("click on 'Next'").frame.target.label).toBe('Next');
    const tab = parseCommand('Click on Tab #3.');
    expect(tab.frame).toMatchObject({ action: 'click', target: { kind: 'tab', label: 'Tab #3' } });
    expect(tab.frame.quantity).toBeUndefined();
    const five = parseCommand('Click on a large 5');
    expect(five.frame.target).toEqual({ kind: 'element', label: '5', size: 'large' });
    expect(five.frame.quantity).toBeUndefined();
    expect(parseCommand('select 2 checkboxes').frame).toMatchObject({
      target: { kind: 'checkbox' },
      quantity: 2,
    });
  });

  it('lists of targets and a trailing action are parts', () => {
    const r = parseCommand('Select ACjXo, ktK, ZAHr and click Submit.');
    expect(r.confidence).toBeGreaterThanOrEqual(0.6);
    expect(r.frame.parts?.mode).toBe('sequence');
    expect(r.frame.parts?.frames.map((f) => [f.action, f.target.label])).toEqual([
      ['select', 'ACjXo'],
      ['select', 'ktK'],
      ['select', 'ZAHr'],
      ['click', 'Submit'],
    ]);
    const e = parseCommand('Enter "Kasey" into the text field and press Submit');
    expect(e.frame.parts?.frames).toEqual([
      { action: 'type', target: { kind: 'text-field', text: 'Kasey' } },
      { action: 'click', target: { kind: 'element', label: 'Submit' } },
    ]);
    expect(parseCommand('Close the dialog box by clicking the "x"').frame).toMatchObject({
      action: 'close',
      target: { kind: 'dialog' },
    });
  });

  it('UI verbs: check/uncheck/toggle, select, expand/collapse, close, focus, double/right-click, hover, drag', () => {
    const f = (c: string) => {
      const { raw: _raw, ...rest } = parseCommand(c).frame;
      return rest;
    };
    expect(f('check the "I agree" checkbox')).toEqual({
      action: 'toggle',
      target: { kind: 'checkbox', label: 'I agree' },
      state: 'on',
    });
    expect(f('uncheck the Newsletter checkbox').state).toBe('off');
    expect(f('expand the "Documents" folder').action).toBe('expand');
    expect(f('collapse the "Settings" node').action).toBe('collapse');
    expect(f('close the dialog')).toEqual({ action: 'close', target: { kind: 'dialog' } });
    expect(f('focus the Email field')).toEqual({
      action: 'focus',
      target: { kind: 'text-field', label: 'Email' },
    });
    expect(f('double-click the "Documents" folder').action).toBe('double-click');
    expect(f('right click on the red square').action).toBe('right-click');
    expect(f('hover over the Help link').action).toBe('hover');
    expect(f('drag the red circle to the toolbar')).toMatchObject({
      action: 'drag',
      destination: { region: 'toolbar' },
    });
    expect(f('type "bob@example.com" into the Email field')).toEqual({
      action: 'type',
      target: { kind: 'text-field', label: 'Email', text: 'bob@example.com' },
    });
    expect(f('how many links are on the page')).toEqual({ action: 'count', target: { kind: 'link' } });
    expect(f('how many lines are in the status bar')).toEqual({
      action: 'count',
      target: { kind: 'text' },
      region: 'statusbar',
      ops: [{ op: 'group', by: 'line' }],
    });
  });

  it('paraphrases are one intent: a capability learned from "find" serves "where is", "locate", "show me"', () => {
    const intent: IntentSpec = {
      action: 'find',
      targetKind: 'button',
      slots: ['label'],
      required: ['label'],
      examples: [],
    };
    for (const c of [
      'find the Export button',
      'where is the Import button',
      'locate the Save button',
      'show me the OK button',
    ])
      expect(matchIntent(parseCommand(c).frame, intent)?.input, c).toMatchObject({
        label: expect.any(String),
      });
    expect(parseCommand('how many red circles are there').frame.action).toBe('count');
    expect(parseCommand('what does the status bar say').frame).toMatchObject({
      action: 'read',
      region: 'statusbar',
    });
  });

  it('"analyze the green circles on the toolbar" is understood as a shape description', () => {
    const r = parseCommand('analyze the green circles on the toolbar');
    expect(r.confidence).toBe(1);
    expect(r.frame).toMatchObject({
      action: 'describe',
      target: { kind: 'shape', color: 'green', shape: 'circle' },
      region: 'toolbar',
    });
  });

  it('a required slot the frame leaves empty is not routed ("Click the button." is not click-<label>)', () => {
    const clickByLabel: IntentSpec = {
      action: 'click',
      targetKind: 'button',
      slots: ['label'],
      required: ['label'],
      examples: [],
    };
    expect(parseCommand('Click the button.').frame).toMatchObject({
      action: 'click',
      target: { kind: 'button' },
    });
    expect(matchIntent(parseCommand('Click the button.').frame, clickByLabel)).toBeUndefined();
    expect(matchIntent(parseCommand('click the "Save" button').frame, clickByLabel)?.input).toEqual({
      label: 'Save',
    });
  });
});

describe('the labelled corpus (test/fixtures/understanding)', () => {
  const corpus = loadCorpus();
  it('has at least 500 commands in two halves', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(500);
    expect(corpus.filter((e) => e.half === 'test').length).toBeGreaterThan(200);
    expect(corpus.filter((e) => e.half === 'dev').length).toBeGreaterThan(200);
  });
  // The goal (frame accuracy ≥ 95%, wrong-but-served ≤ 1% on the held-back half) is judged by
  // `npm run bench -- understanding`, which fails while it is not met. Session 8's one measurement, after
  // adding four fresh batches (half of them held back): 93.0% / 4.38% over 872 commands; session 9's, after two
  // more fresh batches in new voices (176 of them held back): 90.9% / 4.10% over 1,048 (docs/generation.md);
  // session 10's, after three more batches in ten more voices (194 held back): 91.1% / 3.89% over 1,242;
  // session 11's, after four more batches in fifteen more voices (199 held back): 91.3% / 3.26% over 1,441;
  // round 2's, after a seventeenth batch in two more voices (15 held back): 91.1% / 3.32% over 1,456;
  // round 3's, after an eighteenth batch in ten more voices (78 held back): 91.1% / 2.83% over 1,534;
  // round 4's, after a nineteenth batch in nine more settings (85 held back): 90.8% / 2.96% over 1,619.
  // This test keeps what was reached from sliding back; it is not the goal.
  it('the held-back half does not fall below the last measured accuracy', () => {
    const test = corpus.filter((e) => e.half === 'test');
    // The whole test half grows with every fresh batch (first sight is harder), so its floor is the last
    // measurement with all batches in: 90.8% over 1,619 (round 4, after its nineteenth batch, which main's
    // parser read at 78.8% on first sight); the 1,534 before that batch keep round 3's 91.1% (measured 91.3%).
    expect(scoreCorpus(test, parseCommand, 0.6).accuracy).toBeGreaterThanOrEqual(0.907);
    const nineteenth = readFileSync(CORPUS_URL, 'utf8')
      .split('\n')
      .findIndex((l) => l.startsWith('## added for issue 17, nineteenth batch'));
    const before19 = test.filter((e) => e.line <= nineteenth);
    expect(before19.length).toBe(1534);
    expect(scoreCorpus(before19, parseCommand, 0.6).accuracy).toBeGreaterThanOrEqual(0.911);
    const eighteenth = readFileSync(CORPUS_URL, 'utf8')
      .split('\n')
      .findIndex((l) => l.startsWith('## added for issue 17, eighteenth batch'));
    const before18 = test.filter((e) => e.line <= eighteenth);
    expect(before18.length).toBe(1456);
    expect(scoreCorpus(before18, parseCommand, 0.6).accuracy).toBeGreaterThanOrEqual(0.917);
    // Session 9's 1,048 held-back commands (all before the tenth batch) were 90.9%; session 10 left them at
    // 92.3%, session 11 at 92.7%.
    const tenth = readFileSync(CORPUS_URL, 'utf8')
      .split('\n')
      .findIndex((l) => l.startsWith('## added for issue 17, tenth batch'));
    const session9 = test.filter((e) => e.line <= tenth);
    expect(session9.length).toBe(1048);
    expect(scoreCorpus(session9, parseCommand, 0.6).accuracy).toBeGreaterThanOrEqual(0.926);
  });
  it("the calibration table is the dev half's, as the grammar reads it now (rerun the generator after a change)", () => {
    // Built from the dev half only: regenerate with `node --import tsx bench/understanding-calibrate.ts`.
    const dev = corpus.filter((e) => e.half === 'dev');
    expect([...earnedFrom(recordCorpus(dev))].map((f) => f.replace(/^label:/, '')).sort()).toEqual(
      [...EARNED_LABEL_WORDS].sort(),
    );
  });
  it('the dev half, which the rules are tuned on, has no wrong-but-served command', () => {
    const s = scoreCorpus(
      corpus.filter((e) => e.half === 'dev'),
      parseCommand,
      0.6,
    );
    expect(s.misses.filter((m) => !m.why.startsWith('not served')).map((m) => m.entry.command)).toEqual([]);
  });
});

describe('the new UI verbs act, so safety treats them as actions', () => {
  it('blocks destructive, bulk and credential requests made with them', async () => {
    const { assessSafety } = await import('../discovery/index.js');
    for (const c of [
      'double-click the "Delete" button',
      'select the Uninstall option',
      'check all the checkboxes',
      'right-click the Trash icon and then click "Empty trash"',
      'focus the password field',
    ])
      expect(assessSafety(parseCommand(c).frame).verdict, c).toBe('block');
    expect(assessSafety(parseCommand('find the "Delete" button').frame).verdict).toBe('lower');
  });
});
