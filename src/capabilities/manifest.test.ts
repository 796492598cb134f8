import { describe, expect, it } from 'vitest';
import type { CapabilityManifest } from '../domain/index.js';
import { matchIntent, parseCommand } from '../understanding/index.js';
import { validateManifest } from './manifest.js';

const base = {
  id: 'count-by-colour',
  name: 'Count shapes of a colour',
  version: 1,
  description: 'hand-written',
  permissions: ['screen.capture', 'vision.analyze'],
  inputSchema: { type: 'object' },
  outputSchema: { type: 'object' },
  limits: { timeoutMs: 1000, memoryMb: 64 },
  origin: { kind: 'imported', generator: 'hand', failureIds: [] },
};
const manifest = (intents: unknown[]) => ({ ...base, intents });
const code = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected an error');
};

describe('manifest intents', () => {
  it('accepts a partial `fixed` (pinning some fields, not all six)', () => {
    const m = validateManifest(
      manifest([
        {
          action: 'count',
          targetKind: 'shape',
          fixed: { shape: 'circle' },
          slots: ['color'],
          examples: ['count the red circles'],
        },
      ]),
    );
    expect(m.intents[0]?.fixed).toEqual({ shape: 'circle' });
  });

  it('still refuses an unknown fixed field', () => {
    const e = code(() =>
      validateManifest(
        manifest([{ action: 'count', targetKind: 'shape', fixed: { size: 'big' }, slots: [], examples: [] }]),
      ),
    );
    expect(e.code).toBe('E_CAPABILITY_INVALID');
    expect(e.message).toContain('intents.0.fixed');
  });

  it('derives action, targetKind and slots from examples alone, and then routes what they say', () => {
    const m: CapabilityManifest = validateManifest(
      manifest([{ examples: ['count the red circles', 'count the blue squares in the sidebar'] }]),
    );
    expect(m.intents[0]).toMatchObject({ action: 'count', targetKind: 'shape' });
    expect([...m.intents[0]!.slots].sort()).toEqual(['color', 'region', 'shape']);
    // The judge is the parser serving a new command: the derived intent takes it with its slots as input.
    const hit = matchIntent(parseCommand('count the green triangles').frame, m.intents[0]!);
    expect(hit?.input).toMatchObject({ color: 'green', shape: 'triangle' });
  });

  it('keeps the fields a manifest gives and derives only the missing ones', () => {
    const m = validateManifest(manifest([{ slots: ['color'], examples: ['count the red circles'] }]));
    expect(m.intents[0]).toMatchObject({ action: 'count', targetKind: 'shape', slots: ['color'] });
  });

  it('says exactly what is missing when there is nothing to derive from', () => {
    const e = code(() => validateManifest(manifest([{ action: 'count', examples: [] }])));
    expect(e.code).toBe('E_CAPABILITY_INVALID');
    expect(e.message).toContain('intents.0');
    expect(e.message).toContain('missing targetKind, slots');
  });

  it('names the example that disagrees, or that it cannot understand', () => {
    const mixed = code(() =>
      validateManifest(manifest([{ examples: ['count the red circles', 'read the title bar'] }])),
    );
    expect(mixed.code).toBe('E_CAPABILITY_INVALID');
    expect(mixed.message).toMatch(/disagree on action/);
    expect(mixed.message).toContain('"read the title bar"');
    const vague = code(() =>
      validateManifest(manifest([{ examples: ['count the red circles', 'zorp blim'] }])),
    );
    expect(vague.code).toBe('E_CAPABILITY_INVALID');
    expect(vague.message).toContain('examples.1 "zorp blim" is not understood');
  });
});
