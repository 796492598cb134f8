import { describe, expect, it } from 'vitest';
import type { UiElement } from '../../domain/index.js';
import { filterElements } from '../index.js';

const el = (kind: UiElement['kind'], text: string, x = 0): UiElement => ({
  kind,
  text,
  bbox: { x, y: 0, width: 20, height: 10 },
  state: [],
});

describe('filterElements by text', () => {
  const screen = [
    el('close-button', '', 0),
    el('button', '', 30),
    el('button', 'Submit', 60),
    el('button', '♥♥♥', 90),
  ];

  it('a label of symbols only matches its own text, never an unread control or the ×', () => {
    expect(filterElements(screen, { text: '♥♥♥' }).map((e) => e.bbox.x)).toEqual([90]);
    expect(filterElements(screen, { text: '★★' })).toEqual([]);
  });

  it('words still match by words, and "x" names the ×', () => {
    expect(filterElements(screen, { text: 'submit!' }).map((e) => e.text)).toEqual(['Submit']);
    expect(filterElements(screen, { text: 'x' }).map((e) => e.kind)).toEqual(['close-button']);
  });
});
