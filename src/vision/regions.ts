import type { NamedRegion, Rect, Region } from '../domain/index.js';
import { IroncliwError, NAMED_REGIONS } from '../domain/index.js';
import type { RgbaImage } from './image-io.js';
import { assertImage, clampRect } from './image-io.js';
import type { LayoutRegion } from './scene-spec.js';

/** What {@link detectRegions} returns: a rectangle for each layout region seen in the pixels. */
export type DetectedRegions = Record<LayoutRegion, Rect | undefined>;

/**
 * Used by {@link resolveRegion} for a band that is not visible in the pixels, as fractions of the screen:
 * title bar = top 5%; toolbar = the next 7% below the title bar; status bar = bottom 4%; sidebar = left 18%
 * between the toolbar and the status bar. Content is always found (it is what the bands leave).
 */
export const REGION_FALLBACKS = { titlebar: 0.05, toolbar: 0.07, statusbar: 0.04, sidebar: 0.18 } as const;

/** Bar size limits, as fractions of the screen: taller (wider) uniform areas are content, not bars. */
const LIMITS = {
  titlebar: 0.15,
  toolbar: 0.2,
  statusbar: 0.12,
  sidebar: { min: 0.04, max: 0.45 },
} as const;
/** Bars thinner than this are separators or borders; they belong to the bar next to them. */
const MIN_BAR = 8;
const SEPARATOR = 3;
/** A line counts as background when its most common colour covers this share of it (items cover the rest). */
const UNIFORM_SHARE = 0.5;
/** Max per-channel difference between lines of one band; distinct bars differ by more (#fafafa vs #fff: 5). */
const SAME_COLOR = 3;

interface LineStat {
  uniform: boolean;
  r: number;
  g: number;
  b: number;
}

/** The dominant colour of a row or column segment (sampled), and whether it dominates. */
function lineStat(img: RgbaImage, fixed: number, from: number, to: number, horizontal: boolean): LineStat {
  const keys: number[] = [];
  const counts: number[] = [];
  const sums: number[] = [];
  const step = Math.max(1, Math.floor((to - from) / 320));
  let n = 0;
  const d = img.data;
  for (let t = from; t < to; t += step) {
    const i = horizontal ? (fixed * img.width + t) * 4 : (t * img.width + fixed) * 4;
    const r = d[i]!;
    const g = d[i + 1]!;
    const b = d[i + 2]!;
    // 4 levels of slack per channel: flat fills and JPEG noise fall in one bucket.
    const key = ((r >> 2) << 12) | ((g >> 2) << 6) | (b >> 2);
    let k = keys.indexOf(key);
    if (k < 0) {
      k = keys.push(key) - 1;
      counts.push(0);
      sums.push(0, 0, 0);
    }
    counts[k]!++;
    sums[k * 3] = sums[k * 3]! + r;
    sums[k * 3 + 1] = sums[k * 3 + 1]! + g;
    sums[k * 3 + 2] = sums[k * 3 + 2]! + b;
    n++;
  }
  let best = 0;
  for (let k = 1; k < counts.length; k++) if (counts[k]! > counts[best]!) best = k;
  const c = counts[best] ?? 0;
  return {
    uniform: c >= n * UNIFORM_SHARE,
    r: (sums[best * 3] ?? 0) / Math.max(1, c),
    g: (sums[best * 3 + 1] ?? 0) / Math.max(1, c),
    b: (sums[best * 3 + 2] ?? 0) / Math.max(1, c),
  };
}

interface Band {
  start: number;
  /** Exclusive. */
  end: number;
  uniform: boolean;
}

/**
 * Splits lines into runs of one background colour; non-uniform lines form their own runs. A line continues
 * the run when it matches the previous line (a gradient drifts slowly) or the run's mean colour (JPEG
 * ringing makes lines near an edge flicker around the true colour).
 */
function bands(stats: LineStat[]): Band[] {
  const out: Band[] = [];
  let start = 0;
  const mean = { uniform: true, r: 0, g: 0, b: 0 };
  const sum = [0, 0, 0];
  const add = (l: LineStat, n: number) => {
    sum[0] = (n === 1 ? 0 : sum[0]!) + l.r;
    sum[1] = (n === 1 ? 0 : sum[1]!) + l.g;
    sum[2] = (n === 1 ? 0 : sum[2]!) + l.b;
    mean.r = sum[0] / n;
    mean.g = sum[1] / n;
    mean.b = sum[2] / n;
  };
  if (stats[0]) add(stats[0], 1);
  for (let i = 1; i <= stats.length; i++) {
    const a = stats[i - 1]!;
    const b = stats[i];
    const near = (x: LineStat, y: LineStat, tol: number) =>
      Math.abs(x.r - y.r) <= tol && Math.abs(x.g - y.g) <= tol && Math.abs(x.b - y.b) <= tol;
    const boundary =
      !b ||
      a.uniform !== b.uniform ||
      (a.uniform && !near(a, b, SAME_COLOR) && !near(mean, b, SAME_COLOR + 1));
    if (boundary) {
      out.push({ start, end: i, uniform: a.uniform });
      start = i;
    }
    if (b) add(b, i - start + 1);
  }
  return out;
}

/**
 * The bar starting at the first line (or ending at the last, `fromEnd`). Runs of a few lines at its edges
 * (a border, a separator, JPEG ringing along the boundary) belong to it.
 */
function edgeBar(list: Band[], fromEnd: boolean, min: number, max: number): Band | undefined {
  const ordered = fromEnd ? [...list].reverse() : list;
  const thin = (b: Band | undefined) => b !== undefined && b.end - b.start <= SEPARATOR;
  let i = 0;
  while (thin(ordered[i]) && i < 2) i++;
  const body = ordered[i];
  if (!body?.uniform) return undefined;
  i++;
  for (let extra = 0; thin(ordered[i]) && ordered[i + 1] && extra < 2; extra++) i++;
  const span = ordered.slice(0, i);
  const start = Math.min(...span.map((b) => b.start));
  const end = Math.max(...span.map((b) => b.end));
  // A bar has a neighbour (else it is the whole screen) and a bar's size.
  if (end - start < min || end - start > max || !ordered[i]) return undefined;
  return { start, end, uniform: true };
}

/**
 * Finds the layout regions from the pixels: horizontal bands of (near-)uniform background at the top (title bar
 * = topmost band, toolbar = the band below it) and bottom (status bar), and a column at the left between them
 * (sidebar), each accepted only when bar-sized and distinct from its neighbour. Content is the rest. Regions
 * not seen are `undefined`; {@link resolveRegion} applies {@link REGION_FALLBACKS} to them.
 *
 * @example detectRegions(img).toolbar // { x: 0, y: 32, width: 1280, height: 48 }
 */
export function detectRegions(img: RgbaImage): DetectedRegions {
  assertImage(img);
  const { width: W, height: H } = img;
  const rows: LineStat[] = [];
  for (let y = 0; y < H; y++) rows.push(lineStat(img, y, 0, W, true));
  const rowBands = bands(rows);

  let titlebar: Rect | undefined;
  let toolbar: Rect | undefined;
  let statusbar: Rect | undefined;
  let sidebar: Rect | undefined;

  const t = edgeBar(rowBands, false, MIN_BAR, H * LIMITS.titlebar);
  if (t) {
    titlebar = { x: 0, y: 0, width: W, height: t.end };
    const rest = rowBands.filter((b) => b.start >= t.end);
    const tb = edgeBar(rest, false, MIN_BAR, H * LIMITS.toolbar);
    if (tb) toolbar = { x: 0, y: t.end, width: W, height: tb.end - t.end };
  }
  const top = toolbar ? toolbar.y + toolbar.height : titlebar ? titlebar.height : 0;
  const s = edgeBar(
    rowBands.filter((b) => b.start >= top),
    true,
    MIN_BAR,
    H * LIMITS.statusbar,
  );
  if (s) statusbar = { x: 0, y: s.start, width: W, height: H - s.start };
  const bottom = statusbar ? statusbar.y : H;

  if (bottom - top > 2 * MIN_BAR) {
    const cols: LineStat[] = [];
    for (let x = 0; x < W; x++) cols.push(lineStat(img, x, top, bottom, false));
    const sb = edgeBar(bands(cols), false, Math.max(MIN_BAR, W * LIMITS.sidebar.min), W * LIMITS.sidebar.max);
    if (sb) sidebar = { x: 0, y: top, width: sb.end, height: bottom - top };
  }
  const left = sidebar ? sidebar.width : 0;
  const content = { x: left, y: top, width: W - left, height: bottom - top };
  return { titlebar, toolbar, sidebar, statusbar, content };
}

/** Detection reads every row and column; screens are immutable, so results are cached per image object. */
const detected = new WeakMap<RgbaImage, DetectedRegions>();

function regionsOf(img: RgbaImage): DetectedRegions {
  let d = detected.get(img);
  if (!d) detected.set(img, (d = detectRegions(img)));
  return d;
}

/** Layout rectangles with the documented fallbacks applied: every region gets a rectangle. */
export function layoutOf(img: RgbaImage): {
  regions: Record<LayoutRegion, Rect>;
  detected: Record<LayoutRegion, boolean>;
} {
  const d = regionsOf(img);
  const { width: W, height: H } = img;
  const titlebar = d.titlebar ?? { x: 0, y: 0, width: W, height: Math.round(H * REGION_FALLBACKS.titlebar) };
  const toolbar = d.toolbar ?? {
    x: 0,
    y: titlebar.y + titlebar.height,
    width: W,
    height: Math.round(H * REGION_FALLBACKS.toolbar),
  };
  const sh = Math.round(H * REGION_FALLBACKS.statusbar);
  const statusbar = d.statusbar ?? { x: 0, y: H - sh, width: W, height: sh };
  const sTop = toolbar.y + toolbar.height;
  const sidebar = d.sidebar ?? {
    x: 0,
    y: sTop,
    width: Math.round(W * REGION_FALLBACKS.sidebar),
    height: Math.max(1, statusbar.y - sTop),
  };
  return {
    regions: {
      titlebar,
      toolbar,
      sidebar,
      statusbar,
      content: d.content ?? { x: 0, y: 0, width: W, height: H },
    },
    detected: {
      titlebar: !!d.titlebar,
      toolbar: !!d.toolbar,
      sidebar: !!d.sidebar,
      statusbar: !!d.statusbar,
      content: true,
    },
  };
}

const LAYOUT: ReadonlySet<string> = new Set(['titlebar', 'toolbar', 'sidebar', 'statusbar', 'content']);

/**
 * A region as a rectangle inside the image: a layout region (detected, else its fallback), one of the nine
 * compass areas (thirds of the screen: `top-left`, `top`, `top-right`, `left`, `center`, `right`,
 * `bottom-left`, `bottom`, `bottom-right`), or an explicit rectangle (clamped to the image; an empty result is
 * `E_INPUT_INVALID`).
 *
 * @example resolveRegion(img, 'bottom-right') // the lower-right ninth of the screen
 */
export function resolveRegion(img: RgbaImage, region: Region): Rect {
  if (typeof region === 'object' && region !== null) {
    const { x, y, width, height } = region;
    if (![x, y, width, height].every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new IroncliwError('E_INPUT_INVALID', 'a region rectangle needs numeric x, y, width and height');
    }
    const r = clampRect(img, region);
    if (r.width === 0 || r.height === 0) {
      throw new IroncliwError(
        'E_INPUT_INVALID',
        `region ${JSON.stringify(region)} is empty or outside the ${img.width}×${img.height} screen`,
      );
    }
    return r;
  }
  if (typeof region !== 'string' || !(NAMED_REGIONS as readonly string[]).includes(region)) {
    throw new IroncliwError('E_INPUT_INVALID', `unknown region "${String(region).slice(0, 40)}"`, {
      hint: `Use one of ${NAMED_REGIONS.join(', ')} or {x, y, width, height}.`,
    });
  }
  const name = region as NamedRegion;
  if (LAYOUT.has(name)) return { ...layoutOf(img).regions[name as LayoutRegion] };
  const col = name.endsWith('left') ? 0 : name.endsWith('right') ? 2 : 1;
  const row = name.startsWith('top') ? 0 : name.startsWith('bottom') ? 2 : 1;
  const x0 = Math.round((img.width * col) / 3);
  const y0 = Math.round((img.height * row) / 3);
  const x1 = Math.round((img.width * (col + 1)) / 3);
  const y1 = Math.round((img.height * (row + 1)) / 3);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}
