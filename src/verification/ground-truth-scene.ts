import { seededRandom } from '../capabilities/index.js';
import type { Color, ShapeName } from './case-types.js';

/** Colours the test screens draw shapes in (hues vision names reliably). */
export const TEST_COLORS: Color[] = ['red', 'green', 'blue', 'yellow', 'purple', 'orange'];
export const ALT_SHAPES: ShapeName[] = ['circle', 'square', 'triangle'];
const TITLES = ['Quarterly report', 'Meeting notes', 'Invoice overview', 'Project plan'];
// No status word is one edit away from a button label or a sidebar word ("Saved" would match "Save").
const STATUS = ['Ready', 'Offline', 'Synced', 'Idle'];
export const BUTTONS = ['Save', 'Open', 'Export', 'Print', 'Help'];
export const NAV = ['Inbox', 'Drafts', 'Archive', 'Photos'];
export const TYPED = ['hello world', 'Meeting at noon', 'abc'];
export const KEYS = ['enter', 'ctrl+s', 'escape'];

/**
 * A desktop-like 1280×800 scene (vision's JSON scene format): buttons in the toolbar (Save/Open/Export always,
 * in varying order), words in the sidebar, a title and a status text, and shapes on a grid (never
 * overlapping) with sizes away from 40 px so size filters have one right answer. `shapes: false` leaves the
 * layout and text but no shapes.
 */
export function groundTruthScene(seed: number, options: { shapes?: boolean } = {}): Record<string, unknown> {
  const rand = seededRandom(seed * 104729 + 7);
  const withShapes = options.shapes !== false;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const elements: Array<Record<string, unknown>> = [];
  const buttons = [...BUTTONS].sort(() => rand() - 0.5).slice(0, 4);
  for (const must of ['Save', 'Open', 'Export'])
    if (!buttons.includes(must)) buttons[buttons.length - 1] = must;
  let x = 10;
  for (const label of [...new Set(buttons)]) {
    elements.push({ type: 'button', label, region: 'toolbar', x, y: 12, height: 28 });
    x += label.length * 9 + 40;
  }
  let tx = 480 + Math.floor(rand() * 40);
  for (let i = Math.floor(rand() * 4); i > 0; i--) {
    const size = pick([22, 30]);
    const shape = pick(['circle', 'square', 'triangle'] as const);
    const color = pick(TEST_COLORS);
    if (withShapes)
      elements.push({ type: 'shape', shape, color, region: 'toolbar', x: tx, y: (52 - size) >> 1, size });
    tx += 70;
  }
  const nav = [...NAV].sort(() => rand() - 0.5).slice(0, 2 + Math.floor(rand() * 3));
  nav.forEach((text, i) =>
    elements.push({ type: 'text', text, region: 'sidebar', x: 20, y: 14 + i * 30, size: 14 }),
  );
  const sideCells = [0, 1, 2, 3, 4, 5].sort(() => rand() - 0.5).slice(0, 1 + Math.floor(rand() * 3));
  for (const c of sideCells) {
    const size = pick([22, 30, 52]);
    const shape = pick(['circle', 'square', 'triangle'] as const);
    const color = pick(TEST_COLORS);
    if (withShapes)
      elements.push({
        type: 'shape',
        shape,
        color,
        region: 'sidebar',
        x: 20 + (c % 2) * 100,
        y: 150 + Math.floor(c / 2) * 110,
        size,
      });
  }
  elements.push({
    type: 'text',
    text: `${pick(TITLES)} no. ${seed}`,
    region: 'content',
    x: 30,
    y: 16,
    size: 18,
  });
  for (let cell = 0; cell < 36; cell++) {
    if (rand() > 0.36) continue;
    const shape = pick(['circle', 'square', 'triangle', 'rectangle'] as const);
    const size = pick([22, 30, 52, 64]);
    const color = pick(TEST_COLORS);
    const w = shape === 'rectangle' ? Math.round(size * 1.6) : size;
    const base = {
      type: 'shape',
      shape,
      color,
      region: 'content',
      x: 20 + (cell % 9) * 115 + ((110 - w) >> 1),
      y: 70 + Math.floor(cell / 9) * 140 + ((110 - size) >> 1),
      size,
    };
    if (withShapes) elements.push(shape === 'rectangle' ? { ...base, width: w, height: size } : base);
  }
  return {
    width: 1280,
    height: 800,
    theme: seed % 2 ? 'light' : 'dark',
    titlebar: { height: 32, title: `${pick(TITLES)} — Editor` },
    toolbar: { height: 52 },
    sidebar: { width: 220 },
    statusbar: { height: 30, text: pick(STATUS) },
    elements,
  };
}
