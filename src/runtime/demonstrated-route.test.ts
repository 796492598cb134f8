import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredCapability, VisionPort } from '../capabilities/index.js';
import { CapabilityRegistry } from '../capabilities/index.js';
import type { IntentFrame, UiElement, UnderstandResult } from '../domain/index.js';
import { emitDemonstrated } from '../demonstration/index.js';
import { generaliseFrame } from '../discovery/index.js';
import { createSandboxTier } from '../sandbox/index.js';
import type { SandboxTier } from '../sandbox/index.js';
import { createMemoryStore } from '../store/index.js';
import type { Store } from '../store/index.js';
import { synthesize } from '../synthesis/index.js';
import type { RuntimeDeps } from './index.js';
import { processCommand } from './index.js';

/**
 * Issue 19: a command the parser only partly understood (confidence below `minConfidence`) is served only by
 * a capability learned from demonstrations of commands worded like it (≥ 0.6 text similarity to one of its
 * examples). Anything else — an unrelated command with the same frame, or a template capability that would
 * match the frame — stays an honest `low_confidence` failure naming the words not understood.
 */

const MIN_CONFIDENCE = 0.6;
const ELEMENTS: UiElement[] = [
  { kind: 'button', text: 'Save', bbox: { x: 10, y: 10, width: 40, height: 20 }, state: [] },
  { kind: 'button', text: 'Cancel', bbox: { x: 70, y: 10, width: 50, height: 20 }, state: [] },
];

/** A vision port whose element detector sees two buttons (the module asks for nothing else). */
const vision: VisionPort = {
  resolveRegion: () => ({ x: 0, y: 0, width: 200, height: 100 }),
  findShapes: async () => [],
  colors: () => [],
  describe: async () => ({}),
  elements: async () => ELEMENTS.map((e) => ({ ...e, bbox: { ...e.bbox }, state: [] })),
};
const screen = { width: 200, height: 100, data: new Uint8Array(200 * 100 * 4) };

/** What the parser makes of these commands: the label understood, the other words not (confidence 0.3). */
const PARTLY: Record<string, string[]> = {
  'Frob the gizmo called Save': ['frob', 'gizmo'],
  'Frob the gizmo called Cancel': ['frob', 'gizmo'],
  'Wobble the bandersnatch near Cancel twice': ['wobble', 'bandersnatch', 'twice'],
};
const frameOf = (command: string, label: string): IntentFrame => ({
  action: 'click',
  target: { kind: 'element', label },
  raw: command,
});
function parse(command: string): UnderstandResult {
  const label = /(Save|Cancel)/.exec(command)?.[1] ?? 'Save';
  const unexplained = PARTLY[command];
  return unexplained
    ? { frame: frameOf(command, label), confidence: 0.3, unexplained }
    : { frame: frameOf(command, label), confidence: 0.9 };
}

/** A capability learned from one demonstration of "Frob the gizmo called Save": click the labelled element. */
function demonstrated(generator = 'demonstration'): RegisteredCapability {
  const { frame, parameters } = generaliseFrame(frameOf('Frob the gizmo called Save', 'Save'));
  const cap = emitDemonstrated(
    { steps: [{ op: 'click', locate: { text: { param: 'label' } } }] },
    {
      id: generator === 'demonstration' ? 'demo-click-element-label' : 'click-element-label',
      version: 1,
      pattern: { id: 'pat-frob', frame, parameters },
      examples: ['Frob the gizmo called Save'],
      failureIds: [],
    },
  );
  const gate = synthesize(cap.code, { permissions: cap.manifest.permissions });
  expect(gate.report.safe, JSON.stringify(gate.report.violations)).toBe(true);
  return {
    manifest: { ...cap.manifest, origin: { ...cap.manifest.origin, generator } },
    code: gate.code,
  };
}

let sandbox: SandboxTier;
beforeAll(async () => {
  sandbox = await createSandboxTier('process', { poolSize: 1 });
}, 60_000);
afterAll(async () => {
  await sandbox?.close();
});

function depsWith(capability: RegisteredCapability, store: Store): RuntimeDeps {
  const registry = new CapabilityRegistry({ internalGroup: 'internal', betaGroup: 'beta' });
  registry.replace([capability]);
  return {
    store,
    registry,
    vision,
    screens: {
      decode: async () => screen,
      load: async () => screen,
    },
    sandbox,
    maxCommandLength: 2000,
    minConfidence: MIN_CONFIDENCE,
    sandboxDefaults: { timeoutMs: 10_000, memoryMb: 64 },
    parse,
  };
}

const run = (deps: RuntimeDeps, command: string) =>
  processCommand(deps, command, { user: 'ana' }, { screen: { image: screen } });

describe('partly understood commands and demonstration-learned capabilities', () => {
  it('serves a partly understood command of the demonstrated pattern, with its own label', async () => {
    const store = createMemoryStore();
    const r = await run(depsWith(demonstrated(), store), 'Frob the gizmo called Cancel');
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    expect(r.capability.id).toBe('demo-click-element-label');
    // The command's own label, not the demonstrated one: the Cancel button's centre.
    expect(r.result.data.actions).toEqual([expect.objectContaining({ type: 'click', x: 95, y: 20 })]);
    expect(await store.failures.list({})).toHaveLength(0);
  }, 60_000);

  it('an unrelated partly understood command is not served by it: a low_confidence failure naming the words', async () => {
    const store = createMemoryStore();
    const r = await run(depsWith(demonstrated(), store), 'Wobble the bandersnatch near Cancel twice');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.failure.category).toBe('low_confidence');
    expect(r.failure.message).toContain('"wobble", "bandersnatch", "twice"');
    expect(r.failure.message).toContain('teach it with a demonstration');
    const stored = await store.failures.list({});
    expect(stored.map((f) => [f.category, f.command])).toEqual([
      ['low_confidence', 'Wobble the bandersnatch near Cancel twice'],
    ]);
    // Nothing ran: no capability is blamed for a command it never served.
    expect(stored[0]!.capabilityId).toBeUndefined();
  }, 60_000);

  it('a capability not learned from demonstrations never serves a partly understood command', async () => {
    const store = createMemoryStore();
    const deps = depsWith(demonstrated('template/element-by-label'), store);
    const partly = await run(deps, 'Frob the gizmo called Cancel');
    expect(partly.ok).toBe(false);
    if (!partly.ok) expect(partly.failure.category).toBe('low_confidence');
    // The same capability serves the frame when the command is understood.
    const understood = await run(deps, 'Click Cancel');
    expect(understood.ok, JSON.stringify(understood)).toBe(true);
  }, 60_000);
});
