import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frameSignature, matchIntent, parseCommand } from './index.js';

describe('parseCommand', () => {
  it.each([
    [
      'count the green circles on the toolbar',
      'count',
      { kind: 'shape', color: 'green', shape: 'circle' },
      'toolbar',
    ],
    [
      'Please count the red squares in the sidebar.',
      'count',
      { kind: 'shape', color: 'red', shape: 'square' },
      'sidebar',
    ],
    [
      'Could you tell me how many blue triangles are in the top left corner?',
      'count',
      { kind: 'shape', color: 'blue', shape: 'triangle' },
      'top-left',
    ],
    [
      'how many gray dots are there in the status bar',
      'count',
      { kind: 'shape', color: 'grey', shape: 'circle' },
      'statusbar',
    ],
    [
      'is there a red circle in the title bar?',
      'check',
      { kind: 'shape', color: 'red', shape: 'circle' },
      'titlebar',
    ],
    ['where is the yellow square', 'locate', { kind: 'shape', color: 'yellow', shape: 'square' }, undefined],
    ['click the "Save" button', 'click', { kind: 'button', label: 'Save' }, undefined],
    ['describe the screen', 'describe', { kind: 'screen' }, undefined],
    ['read the title bar', 'read', { kind: 'text' }, 'titlebar'],
    ['what can you do?', 'help', { kind: 'capabilities' }, undefined],
    ['list capabilities', 'list', { kind: 'capabilities' }, undefined],
    ['type "hello world"', 'type', { kind: 'text', text: 'hello world' }, undefined],
  ])('%s', (text, action, target, region) => {
    const { frame, confidence } = parseCommand(text);
    expect(frame.action).toBe(action);
    expect(frame.target).toEqual(target);
    expect(frame.region).toBe(region);
    expect(frame.raw).toBe(text.trim());
    expect(confidence).toBeGreaterThanOrEqual(0.9);
  });

  it('gives low confidence to commands it cannot account for', () => {
    expect(parseCommand('make me a sandwich').confidence).toBeLessThan(0.6);
    expect(parseCommand('count').confidence).toBeLessThan(0.6);
    expect(parseCommand('count the green circles near the frobnicator widget').confidence).toBeLessThan(0.9);
  });

  it('clusters parameter variants under one signature', () => {
    const a = frameSignature(parseCommand('count the green circles on the toolbar').frame);
    const b = frameSignature(parseCommand('how many red squares are in the sidebar').frame);
    const c = frameSignature(parseCommand('count the green circles').frame);
    expect(a).toBe('count:shape[color,shape]@region');
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('never throws and always returns a confidence in [0,1]', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = parseCommand(s);
        expect(r.confidence).toBeGreaterThanOrEqual(0);
        expect(r.confidence).toBeLessThanOrEqual(1);
      }),
      { numRuns: 500 },
    );
  });
});

describe('matchIntent', () => {
  const intent = {
    action: 'count',
    targetKind: 'shape',
    slots: ['color', 'shape', 'region'],
    examples: [] as string[],
  } as const;
  it('passes slot values as input', () => {
    const { frame } = parseCommand('count the red squares in the sidebar');
    expect(matchIntent(frame, { ...intent, slots: [...intent.slots] })?.input).toEqual({
      color: 'red',
      shape: 'square',
      region: 'sidebar',
    });
  });
  it('refuses frames with fields the intent would ignore', () => {
    const { frame } = parseCommand('count the red squares in the sidebar');
    expect(matchIntent(frame, { ...intent, slots: ['color', 'shape'] })).toBeUndefined();
  });
  it('honours fixed fields', () => {
    const { frame } = parseCommand('count the red squares');
    expect(matchIntent(frame, { ...intent, slots: ['color'], fixed: { shape: 'circle' } })).toBeUndefined();
    expect(matchIntent(frame, { ...intent, slots: ['color'], fixed: { shape: 'square' } })?.input).toEqual({
      color: 'red',
    });
  });
});
