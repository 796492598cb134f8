import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ironcliw } from '../../src/ironcliw.js';
import { createIroncliw } from '../../src/ironcliw.js';
import { createMemoryStore } from '../../src/store/index.js';
import type { VisionImage } from '../../src/capabilities/index.js';
import { decodeImage, parseSceneSpec, renderScene } from '../../src/vision/index.js';

/**
 * Round 4's coverage rules (src/understanding/round4-rules.test.ts) through `processCommand` on a rendered screen,
 * on their refusing side: what the new rules must not take for a switch, a link or a name (a thing in the room,
 * how often, for whom, something followed that is no link) still fails as `low_confidence` naming the words, so
 * nothing is toggled or clicked on a guess.
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
