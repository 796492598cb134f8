import type { ColorName, Shape } from '../../src/domain/index.js';
import type { SceneElement, SceneElementSpec, SceneSpec } from '../../src/vision/index.js';
import { decodeImage, renderScene } from '../../src/vision/index.js';
import type { VisionImage } from '../../src/capabilities/index.js';

/** mulberry32, so a seed always gives the same screen. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const LEARN_COLORS: ColorName[] = ['red', 'green', 'blue', 'yellow', 'purple', 'orange'];
const SHAPES: Shape[] = ['circle', 'square', 'triangle', 'rectangle'];
const TITLES = ['Quarterly report', 'Meeting notes', 'Invoice overview', 'Project plan'];
const STATUS = ['Ready', 'Saved', 'Offline', 'Synced'];
const BUTTONS = ['Save', 'Open', 'Export', 'Print', 'Help'];
const NAV = ['Inbox', 'Drafts', 'Archive', 'Photos'];

/**
 * A desktop-like 1280×800 screen for the learning corpus. Shapes sit on a grid (never overlapping), with sizes
 * chosen away from the corpus' 40 px threshold so size filters have one right answer; every screen has the
 * buttons Save/Open/Export (in varying order), sidebar labels, a title and a status text.
 */
export function learningScene(seed: number): SceneSpec {
  const rand = prng(seed * 104729 + 7);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const elements: SceneElementSpec[] = [];
  const buttons = [...BUTTONS].sort(() => rand() - 0.5).slice(0, 4);
  for (const must of ['Save', 'Open', 'Export'])
    if (!buttons.includes(must)) buttons[buttons.length - 1] = must;
  const unique = [...new Set(buttons)];
  let x = 10;
  for (const label of unique) {
    elements.push({ type: 'button', label, region: 'toolbar', x, y: 12, height: 28 });
    x += label.length * 9 + 40;
  }
  // Toolbar shapes to the right of the buttons.
  let tx = 480 + Math.floor(rand() * 40);
  for (let i = Math.floor(rand() * 4); i > 0; i--) {
    const size = pick([22, 30]);
    const shape = pick(['circle', 'square', 'triangle'] as const);
    elements.push({
      type: 'shape',
      shape,
      color: pick(LEARN_COLORS),
      region: 'toolbar',
      x: tx,
      y: Math.round((52 - size) / 2),
      size,
    });
    tx += 70;
  }
  const nav = NAV.slice(0, 2 + Math.floor(rand() * 3));
  nav.forEach((text, i) =>
    elements.push({ type: 'text', text, region: 'sidebar', x: 20, y: 14 + i * 30, size: 14 }),
  );
  // Sidebar shapes in a 2-column grid below the labels.
  const sideCells = [0, 1, 2, 3, 4, 5].sort(() => rand() - 0.5).slice(0, Math.floor(rand() * 4));
  for (const c of sideCells) {
    const size = pick([22, 30, 52]);
    const shape = pick(['circle', 'square', 'triangle'] as const);
    elements.push({
      type: 'shape',
      shape,
      color: pick(LEARN_COLORS),
      region: 'sidebar',
      x: 20 + (c % 2) * 100,
      y: 150 + Math.floor(c / 2) * 110,
      size,
    });
  }
  elements.push({
    type: 'text',
    text: `${pick(TITLES)} draft ${seed}`,
    region: 'content',
    x: 30,
    y: 16,
    size: 18,
  });
  // Content: a 9×4 grid of 110 px cells, about a third of them filled.
  for (let cell = 0; cell < 36; cell++) {
    if (rand() > 0.36) continue;
    const shape = pick(SHAPES);
    const size = pick([22, 30, 52, 64]);
    const w = shape === 'rectangle' ? Math.round(size * 1.6) : size;
    const cx = 20 + (cell % 9) * 115;
    const cy = 70 + Math.floor(cell / 9) * 140;
    const base = {
      type: 'shape' as const,
      shape,
      color: pick(LEARN_COLORS),
      region: 'content' as const,
      x: cx + Math.floor((110 - w) / 2),
      y: cy + Math.floor((110 - size) / 2),
      size,
    };
    elements.push(shape === 'rectangle' ? { ...base, width: w, height: size } : base);
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

export interface LearningScreen {
  seed: number;
  image: VisionImage;
  truth: SceneElement[];
}

export async function renderLearningScreen(seed: number): Promise<LearningScreen> {
  const r = await renderScene(learningScene(seed));
  return { seed, image: await decodeImage(r.png), truth: r.truth };
}
