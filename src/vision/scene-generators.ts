import type { ColorName, NamedRegion, Rect, Shape } from '../domain/index.js';
import { SHAPES, seededRandom } from '../domain/index.js';
import type { LayoutRegion, ParsedScene, SceneElementSpec, SceneSpec } from './scene-spec.js';
import { parseSceneSpec, sceneRegions } from './scene-spec.js';

/** The colours random scenes draw shapes in: every hue name (achromatic shapes are not looked for by default). */
export const SCENE_COLORS: readonly ColorName[] = [
  'red',
  'orange',
  'yellow',
  'green',
  'cyan',
  'blue',
  'purple',
  'pink',
  'brown',
];

const pick = <T>(rand: () => number, list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
const between = (rand: () => number, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

const SIZES = [
  [800, 600],
  [1024, 768],
  [1280, 720],
  [1280, 800],
  [1366, 768],
  [1440, 900],
  [1600, 900],
  [1920, 1080],
] as const;

/** Accent title bars (with white title text): chromatic backgrounds shapes must not be confused with. */
const ACCENTS = ['#2d5b9a', '#00695c', '#5e35b1', '#37474f'];
const WORDS = ['Save', 'Open', 'Print', 'Share', 'Export', 'Undo', 'Search', 'Help', 'Settings', 'Reload'];
const LINES = [
  'Quarterly report draft',
  'Meeting notes for Tuesday',
  'The quick brown fox jumps over the lazy dog',
  'Invoice 2024-0117 is overdue',
  'Build passed in 42 seconds',
  'Welcome back, Ada',
];
const NAV = ['Inbox', 'Drafts', 'Archive', 'Projects', 'Photos', 'Music', 'Trash'];

/** Places boxes without overlap (with a gap), by rejection sampling inside an area. */
class Placer {
  readonly taken: Rect[] = [];
  constructor(private readonly rand: () => number) {}

  reserve(r: Rect): void {
    this.taken.push(r);
  }

  /** A free spot for a w×h box inside `area` (screen coordinates), or undefined when the area is full. */
  place(area: Rect, w: number, h: number, gap = 10, inset = 4): Rect | undefined {
    const xMax = area.x + area.width - inset - w;
    const yMax = area.y + area.height - inset - h;
    if (xMax < area.x + inset || yMax < area.y + inset) return undefined;
    for (let attempt = 0; attempt < 60; attempt++) {
      const r = {
        x: between(this.rand, area.x + inset, Math.floor(xMax)),
        y: between(this.rand, area.y + inset, Math.floor(yMax)),
        width: w,
        height: h,
      };
      const clash = this.taken.some(
        (t) =>
          r.x < t.x + t.width + gap &&
          t.x < r.x + r.width + gap &&
          r.y < t.y + t.height + gap &&
          t.y < r.y + r.height + gap,
      );
      if (!clash) {
        this.taken.push(r);
        return r;
      }
    }
    return undefined;
  }
}

function shapeBox(shape: Shape, size: number): { w: number; h: number } {
  return shape === 'rectangle' ? { w: Math.round(size * 1.6), h: size } : { w: size, h: size };
}

/** Largest shape a region comfortably holds: bars take what their height allows. */
function sizeRange(region: LayoutRegion | 'screen', area: Rect): [number, number] {
  if (region === 'toolbar' || region === 'statusbar' || region === 'titlebar') {
    const hi = Math.max(14, Math.min(36, area.height - 10));
    return [Math.min(16, hi), hi];
  }
  return [18, Math.max(18, Math.min(72, Math.floor(Math.min(area.width, area.height) / 3)))];
}

function shapeElement(
  placer: Placer,
  rand: () => number,
  region: LayoutRegion | 'screen',
  area: Rect,
  origin: Rect,
  shape: Shape,
  color: ColorName,
): SceneElementSpec | undefined {
  const [lo, hi] = sizeRange(region, area);
  // Triangles below 16 px lose their corners to anti-aliasing.
  const size = between(rand, shape === 'triangle' ? Math.max(lo, 16) : lo, hi);
  const { w, h } = shapeBox(shape, size);
  const spot = placer.place(area, w, h);
  if (!spot) return undefined;
  const base = {
    type: 'shape' as const,
    shape,
    color,
    region,
    x: spot.x - origin.x,
    y: spot.y - origin.y,
    size,
  };
  return shape === 'rectangle' ? { ...base, width: w, height: h } : base;
}

export interface RandomSceneOptions {
  /** Upper bound of shapes per bar-like region; content gets up to twice as many. Default 4. */
  maxShapesPerRegion?: number;
  /** Draw text lines, navigation labels and buttons as distractors. Default true. */
  distractors?: boolean;
  colors?: readonly ColorName[];
  shapes?: readonly Shape[];
}

/**
 * A varied, valid scene for test corpora: 800×600 up to 1920×1080, light or dark (sometimes with an accent
 * title bar), optional sidebar and status bar, 0..N non-overlapping shapes in each region, plus text and
 * buttons that must not be mistaken for shapes. The same seed always gives the same scene.
 */
export function randomScene(seed: number, options: RandomSceneOptions = {}): SceneSpec {
  const rand = seededRandom(seed);
  const [width, height] = pick(rand, SIZES);
  const theme = rand() < 0.5 ? 'light' : 'dark';
  const accent = rand() < 0.25 ? pick(rand, ACCENTS) : undefined;
  const spec = {
    width,
    height,
    theme,
    titlebar: {
      height: between(rand, 24, 40),
      title: `${pick(rand, LINES.slice(0, 2))} — Scene ${seed}`,
      ...(accent ? { color: accent, textColor: '#ffffff' } : {}),
    },
    toolbar: rand() < 0.9 ? { height: between(rand, 36, 60) } : (false as const),
    sidebar:
      rand() < 0.8
        ? { width: between(rand, 120, Math.min(300, Math.round(width * 0.28))) }
        : (false as const),
    statusbar: rand() < 0.8 ? { height: between(rand, 24, 34), text: 'Ready' } : (false as const),
    elements: [] as SceneElementSpec[],
  } satisfies SceneSpec;
  const parsed = parseSceneSpec(spec);
  const regions = sceneRegions(parsed);
  const placer = new Placer(rand);
  reserveChrome(placer, parsed, regions);
  const colors = options.colors ?? SCENE_COLORS;
  const shapes = options.shapes ?? SHAPES;
  const per = options.maxShapesPerRegion ?? 4;
  const elements = spec.elements;

  if (options.distractors ?? true) {
    if (regions.toolbar) {
      let x = 8;
      for (let i = between(rand, 0, 3); i > 0; i--) {
        const label = pick(rand, WORDS);
        const h = Math.min(28, regions.toolbar.height - 8);
        const w = Math.round(label.length * 8 + 24);
        const y = Math.floor((regions.toolbar.height - h) / 2);
        elements.push({ type: 'button', label, region: 'toolbar', x, y, width: w, height: h });
        placer.reserve({ x, y: regions.toolbar.y + y, width: w, height: h });
        x += w + 8;
      }
    }
    if (regions.sidebar) {
      for (let i = between(rand, 0, 4); i > 0; i--) {
        const spot = placer.place(regions.sidebar, 90, 19);
        if (spot) {
          const { x, y } = regions.sidebar;
          elements.push({
            type: 'text',
            text: pick(rand, NAV),
            region: 'sidebar',
            x: spot.x - x,
            y: spot.y - y,
            size: 14,
          });
        }
      }
    }
    if (regions.content) {
      for (let i = between(rand, 0, 3); i > 0; i--) {
        const text = pick(rand, LINES);
        const size = between(rand, 12, 22);
        const spot = placer.place(
          regions.content,
          Math.ceil(text.length * size * 0.65),
          Math.ceil(size * 1.25),
        );
        if (spot) {
          const { x, y } = regions.content;
          elements.push({ type: 'text', text, region: 'content', x: spot.x - x, y: spot.y - y, size });
        }
      }
    }
  }

  for (const region of ['toolbar', 'sidebar', 'content', 'statusbar'] as const) {
    const area = regions[region];
    if (!area) continue;
    const n = between(rand, 0, region === 'content' ? per * 2 : per);
    for (let i = 0; i < n; i++) {
      const shape = pick(rand, shapes);
      // Triangles do not fit in a thin status bar.
      if (region === 'statusbar' && shape === 'triangle' && area.height < 26) continue;
      const el = shapeElement(placer, rand, region, area, area, shape, pick(rand, colors));
      if (el) elements.push(el);
    }
  }
  return spec;
}

/** Title and status texts are drawn by the bars themselves: keep shapes off them. */
function reserveChrome(placer: Placer, s: ParsedScene, regions: Partial<Record<LayoutRegion, Rect>>): void {
  if (regions.statusbar && s.statusbar && s.statusbar.text) {
    placer.reserve({ x: 0, y: regions.statusbar.y, width: 80, height: regions.statusbar.height });
  }
}

export interface CountSceneRequest {
  color?: ColorName;
  shape?: Shape;
  /** A layout region or a compass area; absent = anywhere. */
  region?: NamedRegion;
  count: number;
  seed: number;
  theme?: 'light' | 'dark';
}

const COMPASS_LAYOUT: readonly LayoutRegion[] = ['titlebar', 'toolbar', 'sidebar', 'statusbar', 'content'];

function compassRect(name: NamedRegion, W: number, H: number): Rect {
  const col = name.endsWith('left') ? 0 : name.endsWith('right') ? 2 : 1;
  const row = name.startsWith('top') ? 0 : name.startsWith('bottom') ? 2 : 1;
  const x0 = Math.round((W * col) / 3);
  const y0 = Math.round((H * row) / 3);
  return {
    x: x0,
    y: y0,
    width: Math.round((W * (col + 1)) / 3) - x0,
    height: Math.round((H * (row + 1)) / 3) - y0,
  };
}

/**
 * A 1280×800 screen holding exactly `count` shapes that match (colour, shape) inside `region`, plus distractors
 * that must not be counted: the same shape in other colours, the same colour in other shapes, and matching
 * shapes outside the region. Used to test generated counting capabilities against ground truth.
 */
export function countScene(req: CountSceneRequest): SceneSpec {
  const rand = seededRandom(req.seed * 7919 + 13);
  const spec = {
    width: 1280,
    height: 800,
    theme: req.theme ?? (req.seed % 2 ? 'light' : 'dark'),
    titlebar: { height: 32, title: 'Test screen' },
    toolbar: { height: 52 },
    sidebar: { width: 220 },
    statusbar: { height: 30, text: 'Ready' },
    elements: [] as SceneElementSpec[],
  } satisfies SceneSpec;
  const parsed = parseSceneSpec(spec);
  const regions = sceneRegions(parsed);
  const placer = new Placer(rand);
  reserveChrome(placer, parsed, regions);
  // Shapes go where shapes can be: never on the title bar's text.
  const anywhere: Rect = { x: 0, y: 32, width: 1280, height: 800 - 32 };

  type Target = { region: LayoutRegion | 'screen'; area: Rect; origin: Rect };
  const targetOf = (name: NamedRegion | undefined): Target => {
    if (!name) return { region: 'screen', area: anywhere, origin: { x: 0, y: 0, width: 1280, height: 800 } };
    if ((COMPASS_LAYOUT as readonly string[]).includes(name)) {
      const r = regions[name as LayoutRegion]!;
      return { region: name as LayoutRegion, area: r, origin: r };
    }
    const third = compassRect(name, 1280, 800);
    const top = Math.max(third.y, 32);
    return {
      region: 'screen',
      area: { ...third, y: top, height: third.y + third.height - top },
      origin: { x: 0, y: 0, width: 1280, height: 800 },
    };
  };
  const colorPool = SCENE_COLORS;
  const shapePool = (region: LayoutRegion | 'screen'): readonly Shape[] =>
    region === 'statusbar' ? SHAPES.filter((x) => x !== 'triangle') : SHAPES;
  const add = (t: Target, shape: Shape, color: ColorName): boolean => {
    const el = shapeElement(placer, rand, t.region, t.area, t.origin, shape, color);
    if (el) spec.elements.push(el);
    return el !== undefined;
  };

  const target = targetOf(req.region);
  let placed = 0;
  for (let i = 0; i < req.count; i++) {
    // A free slot varies among the matches, so a capability must not over-constrain it.
    const shape = req.shape ?? pick(rand, shapePool(target.region));
    if (add(target, shape, req.color ?? pick(rand, colorPool))) placed++;
  }
  if (placed !== req.count) throw new Error(`countScene: room for only ${placed} of ${req.count} shapes`);

  const distinct = (s: Shape) =>
    SHAPES.filter(
      (x) => x !== s && !(s === 'square' && x === 'rectangle') && !(s === 'rectangle' && x === 'square'),
    );
  if (req.color) {
    const others = colorPool.filter((c) => c !== req.color);
    for (let i = 0; i < 2; i++)
      add(target, req.shape ?? pick(rand, shapePool(target.region)), pick(rand, others));
  }
  if (req.shape) {
    const others = distinct(req.shape).filter((x) => shapePool(target.region).includes(x));
    for (let i = 0; i < 2 && others.length; i++)
      add(target, pick(rand, others), req.color ?? pick(rand, colorPool));
  }
  if (req.region) {
    const elsewhere = (['toolbar', 'sidebar', 'content', 'statusbar', 'top-left', 'bottom-right'] as const)
      .filter((r) => r !== req.region)
      .map(targetOf)
      .filter((t) => {
        // A compass target overlapping the requested area would make the distractor count.
        const own = targetOf(req.region).area;
        return !(
          t.area.x < own.x + own.width &&
          own.x < t.area.x + t.area.width &&
          t.area.y < own.y + own.height &&
          own.y < t.area.y + t.area.height
        );
      });
    for (let i = 0; i < 2 && elsewhere.length; i++) {
      const t = pick(rand, elsewhere);
      add(t, req.shape ?? pick(rand, shapePool(t.region)), req.color ?? pick(rand, colorPool));
    }
  }
  return spec;
}

/** A random layout (see {@link randomScene}) with text and buttons but no shapes. */
export function emptyScene(seed: number): SceneSpec {
  const spec = randomScene(seed, { maxShapesPerRegion: 0 });
  return spec;
}
