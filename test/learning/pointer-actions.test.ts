import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generaliseFrame } from '../../src/discovery/index.js';
import type { Pattern } from '../../src/domain/index.js';
import { familyFor, planPattern, planPermissions } from '../../src/generation/index.js';
import type { Ironcliw } from '../../src/ironcliw.js';
import { createIroncliw } from '../../src/ironcliw.js';
import { synthesize } from '../../src/synthesis/index.js';
import { frameSignature, parseCommand } from '../../src/understanding/index.js';
import type { TruthElement } from '../../src/verification/index.js';
import { decodeImage, renderScene } from '../../src/vision/index.js';
import type { RgbaImage } from '../../src/vision/index.js';
import { checkData } from './oracle.js';

/**
 * Issue 17: "hover over X" and "right-click X" parse to frames a template family plans, and the capability it
 * generates — synthesised by the static gate and run in the sandbox on a rendered screen — hovers or
 * right-clicks on the target (the verification oracle checks the action's kind, button and landing point).
 */
function patternOf(command: string): Pattern {
  const { frame, parameters } = generaliseFrame(parseCommand(command).frame);
  const at = new Date().toISOString();
  return {
    id: `pat_${command.replace(/\W+/g, '_')}`,
    signature: frameSignature(frame),
    frame,
    parameters,
    count: 3,
    distinctUsers: 3,
    firstSeen: at,
    lastSeen: at,
    status: 'generated',
  };
}

const COMMANDS = [
  'hover over the Help link',
  'right-click the red circle',
  'right-click the "Files" button',
  'hover over the blue square',
  'right-click the text "Open"',
];

describe('pointer actions are planned (issue 17)', () => {
  it('a labelled button is found as a control (never a quoted word), other targets by the plan templates', () => {
    expect(familyFor(patternOf('right-click the "Files" button'))!.id).toBe('template/element-by-label');
    expect(familyFor(patternOf('hover over the Help link'))!.id).toBe('template/actions');
    expect(familyFor(patternOf('right-click the red circle'))!.id).toBe('template/actions');
  });

  it.each(COMMANDS)('"%s" plans to a family whose code hovers or right-clicks', (command) => {
    const pattern = patternOf(command);
    const plan = planPattern(pattern);
    expect(plan.steps[0]!.action).toBe(command.startsWith('hover') ? 'hover' : 'right-click');
    // A pointer action needs the click permission and nothing to type with.
    expect(planPermissions(plan)).toContain('actions.click');
    expect(planPermissions(plan)).not.toContain('actions.type');
    const family = familyFor(pattern)!;
    const emitted = family.emit(pattern, 1, []);
    expect(emitted.code).toMatch(
      command.startsWith('hover')
        ? /sdk\.actions\.hover\((items\[0\]|target)\)/
        : /sdk\.actions\.click\((items\[0\]|target), \{ button: 'right' \}\)/,
    );
    expect(emitted.code).not.toMatch(/sdk\.actions\.click\((items\[0\]|target)\)/);
    // The manifest's examples read back to the same action (and, from the plan templates, the same pattern).
    for (const example of emitted.manifest.intents[0]!.examples) {
      const back = generaliseFrame(parseCommand(example).frame).frame;
      expect(back.action, example).toBe(pattern.frame.action);
      if (family.id !== 'template/element-by-label')
        expect(frameSignature(back), example).toBe(pattern.signature);
    }
    const { report } = synthesize(emitted.code, {
      permissions: emitted.manifest.permissions,
      inputSchema: emitted.manifest.inputSchema,
      outputSchema: emitted.manifest.outputSchema,
    });
    expect(report.safe, JSON.stringify(report)).toBe(true);
  });

  it('still refuses drag, saying why: the SDK drags, no template finds the destination', () => {
    expect(() => planPattern(patternOf('drag the red circle to the blue square'))).toThrow(
      /drag is not planned yet: sdk\.actions\.drag exists/,
    );
  });
});

describe('a generated pointer capability run in the sandbox lands on the target', () => {
  let ironcliw: Ironcliw;
  let screen: RgbaImage;
  let truth: TruthElement[];

  beforeAll(async () => {
    ironcliw = await createIroncliw(
      { db: 'memory:', sandbox: { timeoutMs: 60_000 } },
      { startWorkers: false },
    );
    const scene = await renderScene({
      width: 640,
      height: 400,
      elements: [
        { type: 'shape', shape: 'circle', color: 'red', region: 'content', x: 60, y: 60, size: 40 },
        { type: 'shape', shape: 'square', color: 'blue', region: 'content', x: 220, y: 140, size: 40 },
        { type: 'shape', shape: 'circle', color: 'green', region: 'content', x: 340, y: 60, size: 40 },
        { type: 'button', label: 'Files', region: 'toolbar', x: 20, y: 6, width: 90, height: 28 },
        { type: 'button', label: 'Edit', region: 'toolbar', x: 130, y: 6, width: 90, height: 28 },
        { type: 'text', text: 'Help', region: 'content', x: 40, y: 230, size: 18 },
        { type: 'text', text: 'Open', region: 'content', x: 260, y: 230, size: 18 },
      ],
    });
    screen = await decodeImage(scene.png);
    truth = scene.truth as TruthElement[];
    const at = new Date().toISOString();
    for (const command of COMMANDS) {
      const pattern = patternOf(command);
      const generated = familyFor(pattern)!.emit(pattern, 1, []);
      // What is under test is where the action lands, not the speed of a busy machine.
      const manifest = { ...generated.manifest, limits: { timeoutMs: 60_000, memoryMb: 64 } };
      const { code, report } = synthesize(generated.code, {
        permissions: manifest.permissions,
        inputSchema: manifest.inputSchema,
        outputSchema: manifest.outputSchema,
      });
      expect(report.safe).toBe(true);
      await ironcliw.store.capabilities.put({ manifest, code });
      await ironcliw.store.rollouts.save({
        id: `rol_${manifest.id}`,
        capabilityId: manifest.id,
        version: 1,
        stage: 'production',
        percentage: 10_000,
        rolloutKey: `${manifest.id}:v1`,
        stageEnteredAt: at,
        updatedAt: at,
      });
    }
    await ironcliw.refresh();
  }, 120_000);
  afterAll(() => ironcliw?.close());

  it.each(COMMANDS)('"%s" acts once, with the right kind and button, inside the target', async (command) => {
    const r = await ironcliw.processCommand(command, { user: 'ana' }, { screen: { image: screen } });
    if (!r.ok) throw new Error(`${command}: ${r.failure.message}`);
    const actions = r.result.data.actions!;
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject(
      command.startsWith('hover') ? { type: 'hover' } : { type: 'click', button: 'right' },
    );
    expect(checkData(parseCommand(command).frame, r.result.data, truth)).toBeNull();
  });

  it('the oracle rejects a left click where a right click was asked, and a click where a hover was', () => {
    const circle = truth.find((t) => t.shape === 'circle' && t.color === 'red')!.bbox;
    const at = { x: circle.x + circle.width / 2, y: circle.y + circle.height / 2 };
    const right = parseCommand('right-click the red circle').frame;
    expect(checkData(right, { actions: [{ type: 'click', ...at }] }, truth)).toMatch(
      /expected 1 right click/,
    );
    expect(checkData(right, { actions: [{ type: 'click', ...at, button: 'right' }] }, truth)).toBeNull();
    expect(checkData(right, { actions: [{ type: 'click', x: 5, y: 5, button: 'right' }] }, truth)).toMatch(
      /misses the target/,
    );
    const hover = parseCommand('hover over the red circle').frame;
    expect(checkData(hover, { actions: [{ type: 'click', ...at }] }, truth)).toMatch(/expected 1 hover/);
    expect(checkData(hover, { actions: [{ type: 'hover', ...at }] }, truth)).toBeNull();
  });
});
