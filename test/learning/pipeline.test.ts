import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ironcliw } from '../../src/ironcliw.js';
import { createIroncliw } from '../../src/ironcliw.js';
import { parseCommand } from '../../src/understanding/index.js';
import type { RenderedTestScene, TruthElement } from '../../src/verification/index.js';
import { expectedDataProblem, groundTruthScene, targetPresent } from '../../src/verification/index.js';
import { closeOcr, decodeImage, parseSceneSpec, renderScene } from '../../src/vision/index.js';

/** One command per family the generator covers (vision, actions, data, combinations). */
const REPRESENTATIVE = [
  'how many blue squares are there',
  'find the red circles',
  'where is the yellow square',
  'read the title bar',
  'find the text "Inbox"',
  'are there any green triangles',
  'list the shapes in the sidebar',
  'click the "Export" button',
  'type "hello world"',
  'press ctrl+s',
  'list the circles from left to right',
  'find the squares larger than 40 pixels',
  'how big is the largest red circle',
  'how wide is the blue rectangle in centimetres',
  'are there more red circles than blue squares',
  'read the title and then click Save',
  'count the red and the green circles',
  'if there is a purple circle, click it',
];

let ironcliw: Ironcliw;
const screens: Array<RenderedTestScene & { seed: number }> = [];

beforeAll(async () => {
  ironcliw = await createIroncliw({ db: ':memory:' }, { startWorkers: false });
  // Evaluation screens: seeds the verifier never renders (its screens start at 101).
  for (let seed = 1; seed <= 8; seed++) {
    const r = await renderScene(parseSceneSpec(groundTruthScene(seed)));
    screens.push({ seed, image: await decodeImage(r.png), truth: r.truth as TruthElement[] });
  }
}, 60_000);

afterAll(async () => {
  await ironcliw?.close();
  await closeOcr();
});

describe('learning through the real pipeline', () => {
  it('turns repeated failures into verified, registered capabilities that answer right on another screen', async () => {
    const started = performance.now();
    const users = ['ana', 'ben', 'ana'];
    for (const command of REPRESENTATIVE)
      for (const user of users) {
        const r = await ironcliw.processCommand(command, { user }, { screen: { image: screens[0]!.image } });
        expect(r.ok, command).toBe(false);
      }
    // Requests that must not be learned, or only later: `failures --patterns` shows them with reasons.
    for (const user of users) {
      await ironcliw.processCommand('click the "Delete" button', { user });
      await ironcliw.processCommand('find the "Uninstall" button', { user });
    }
    for (const [i, text] of [
      'count the widgets near the frobnicator gizmo',
      'count widgets near the frobnicator gizmo',
      'please count the widgets near the frobnicator gizmos',
    ].entries())
      await ironcliw.processCommand(text, { user: ['ana', 'ben', 'cy'][i]! });
    await ironcliw.waitForLearning(110_000);
    const learnedMs = performance.now() - started;

    const outcomes: Array<{ command: string; ok: boolean; why: string }> = [];
    for (const [i, command] of REPRESENTATIVE.entries()) {
      const { frame } = parseCommand(command);
      // A different screen from the one the failures were made on, where the target is present.
      const screen =
        screens.slice(1).find((s, j) => j >= i % 4 && targetPresent(frame, s.truth)) ??
        screens.slice(1).find((s) => targetPresent(frame, s.truth)) ??
        screens[1]!;
      const r = await ironcliw.processCommand(
        command,
        { user: 'carla', groups: ['internal'] },
        { screen: { image: screen.image } },
      );
      if (!r.ok) {
        outcomes.push({ command, ok: false, why: `${r.failure.category}: ${r.failure.message}` });
        continue;
      }
      const problem = expectedDataProblem(frame, r.result.data, screen.truth);
      outcomes.push({ command, ok: problem === null, why: problem ?? `screen ${screen.seed}` });
    }
    const patterns = await ironcliw.patterns();
    const learned = outcomes.filter((o) => o.ok).length;
    const share = learned / REPRESENTATIVE.length;
    console.log(
      `pipeline learning: ${learned}/${REPRESENTATIVE.length} (${(share * 100).toFixed(1)}%) in ${(learnedMs / 1000).toFixed(1)} s`,
    );
    for (const o of outcomes.filter((x) => !x.ok)) console.log(`  not learned: "${o.command}" — ${o.why}`);
    for (const p of patterns.filter((x) => x.status !== 'generated'))
      console.log(`  pattern ${p.signature}: ${p.status} — ${p.statusReason ?? ''}`);
    expect(share).toBeGreaterThanOrEqual(0.9);

    // What `ironcliw failures --patterns` prints is ironcliw.patterns(): counts, users, status and reasons.
    const bySignature = (sig: string) => patterns.find((p) => p.signature === sig);
    const learnedPatterns = patterns.filter((p) => p.status === 'generated');
    for (const p of learnedPatterns) {
      expect(p).toMatchObject({ count: 3, distinctUsers: 2 });
      expect(p.statusReason).toBe('v1 registered in development');
      expect(p.capabilityId).toBeDefined();
    }
    expect(bySignature('click:button[label]')?.status).toBe('generated');
    // "click Delete" is kept apart from "click <label>", which stays learnable (and learned).
    const del = bySignature('blocked:click:button[label]');
    expect(del).toMatchObject({ status: 'blocked', count: 3, distinctUsers: 2 });
    expect(del?.statusReason).toMatch(/^generation blocked: destructive action: it would click "delete"/);
    // …and the learned "click <label>" capability refuses to click Delete when asked (runtime safety check).
    const refused = await ironcliw.processCommand(
      'click the "Delete" button',
      { user: 'root-cause', groups: ['internal'] },
      { screen: { image: screens[0]!.image } },
    );
    expect(refused).toMatchObject({ ok: false, failure: { category: 'permission' } });
    expect(!refused.ok && refused.failure.message).toMatch(/^refused: .*destructive/);
    const uninstall = patterns.find((p) => p.statusReason?.includes('Uninstall'));
    expect(uninstall).toMatchObject({ status: 'collecting', count: 3, distinctUsers: 2 });
    expect(uninstall?.statusReason).toMatch(
      /^lower priority: .*needs 6 failures from 3 users \(has 3 from 2\)/,
    );
    const widgets = patterns.find((p) => p.signature.startsWith('text:'));
    expect(widgets).toMatchObject({ status: 'rejected', count: 3, distinctUsers: 3 });
    expect(widgets?.statusReason).toMatch(/^partly understood: 3 similar commands from 3 users/);
  }, 240_000);
});
