import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ironcliw } from '../../src/ironcliw.js';
import { createIroncliw } from '../../src/ironcliw.js';
import { createMemoryStore } from '../../src/store/index.js';
import type { VisionImage } from '../../src/capabilities/index.js';
import { decodeImage, parseSceneSpec, renderScene } from '../../src/vision/index.js';

/**
 * The refusing side of the understanding rules, through `processCommand` on one rendered screen; each command
 * fails as `low_confidence` and the message names the words not understood, so nothing is clicked, typed, counted
 * or toggled on a guess.
 * - Round 3's served-wrong classes (src/understanding/round3-rules.test.ts): each was parsed to a confident wrong
 *   frame.
 * - Round 4's coverage rules (src/understanding/round4-rules.test.ts): what they must not take for a switch, a
 *   link or a name (a thing in the room, how often, for whom, something followed that is no link).
 */

let ironcliw: Ironcliw;
let image: VisionImage;

beforeAll(async () => {
  const r = await renderScene(
    parseSceneSpec({
      width: 800,
      height: 500,
      theme: 'light',
      titlebar: { height: 32, title: 'Checkout' },
      toolbar: { height: 52 },
      elements: [
        { type: 'button', label: 'Save', region: 'toolbar', x: 10, y: 12, height: 28 },
        { type: 'shape', shape: 'circle', color: 'green', region: 'content', x: 80, y: 120, size: 30 },
      ],
    }),
  );
  image = await decodeImage(r.png);
  ironcliw = await createIroncliw({ db: ':memory:' }, { startWorkers: false, store: createMemoryStore() });
}, 60_000);

afterAll(async () => {
  await ironcliw?.close();
});

describe('round 3: commands once served with a wrong frame fail honestly, naming the words', () => {
  const cases: Array<[string, string]> = [
    ['click #submit', '"#submit"'],
    ['Click Save without closing the dialog', '"closing"'],
    ['read it', '"it"'],
    ['click Save ok', '"ok"'],
    ['read 2 links', '"2"'],
    ['type "hello" except in the Name field', '"Name"'],
    ['click Save 0 times', '"0 times"'],
    ['count the circles that are not not green', '"not"'],
    ['type quote hello unquote', '"quote"'],
  ];
  for (const [command, named] of cases)
    it(command, async () => {
      const r = await ironcliw.processCommand(command, { user: 'dana' }, { screen: { image } });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.failure.category, r.failure.message).toBe('low_confidence');
      expect(r.failure.message).toContain(named);
    });
});

describe('round 4: what the new rules must not understand fails honestly, naming the words', () => {
  const cases: Array<[string, string]> = [
    ['turn on the lights', '"turn"'],
    ['turn on wifi twice', '"twice"'],
    ['enable notifications for Slack', '"for"'],
    ['follow the instructions', '"follow"'],
    ['click the button named OK next', '"next"'],
    ['click save all', '"all"'],
  ];
  for (const [command, named] of cases)
    it(command, async () => {
      const r = await ironcliw.processCommand(command, { user: 'dana' }, { screen: { image } });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.failure.category, r.failure.message).toBe('low_confidence');
      expect(r.failure.message).toContain(named);
    });
});
