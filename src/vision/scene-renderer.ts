import type { ColorName, Rect } from '../domain/index.js';
import { IroncliwError } from '../domain/index.js';
import { FONT_FAMILY, FONT_FILE, measureText } from './font-metrics.js';
import type { LayoutRegion, SceneElement, SceneSpec } from './scene-spec.js';
import { LAYOUT_REGIONS, parseSceneSpec, sceneRegions } from './scene-spec.js';

/** The fill used for each colour name: Material 600 tones, what UIs commonly use. */
export const PALETTE: Readonly<Record<ColorName, string>> = {
  red: '#e53935',
  orange: '#fb8c00',
  yellow: '#fdd835',
  green: '#43a047',
  blue: '#1e88e5',
  purple: '#8e24aa',
  pink: '#f06292',
  cyan: '#00acc1',
  brown: '#795548',
  white: '#ffffff',
  grey: '#9e9e9e',
  black: '#212121',
};

export const THEMES = {
  light: {
    titlebar: '#dfe3ea',
    toolbar: '#f1f3f6',
    sidebar: '#e6e9ee',
    content: '#ffffff',
    statusbar: '#cfd5de',
    text: '#333333',
    button: '#e0e0e0',
    buttonBorder: '#9e9e9e',
  },
  dark: {
    titlebar: '#1f2329',
    toolbar: '#2e333b',
    sidebar: '#262b32',
    content: '#16181c',
    statusbar: '#3a414b',
    text: '#dddddd',
    button: '#3a3f47',
    buttonBorder: '#5a606a',
  },
} as const;

export interface RenderedScene {
  png: Buffer;
  width: number;
  height: number;
  /** Every element drawn (title and status texts included), in screen coordinates. */
  truth: SceneElement[];
  /** The layout regions the scene has. */
  regions: Partial<Record<LayoutRegion, Rect>>;
}

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );
const n = (v: number) => Math.round(v * 100) / 100;

function regionAt(regions: Partial<Record<LayoutRegion, Rect>>, b: Rect): LayoutRegion {
  const cx = b.x + b.width / 2;
  const cy = b.y + b.height / 2;
  for (const name of LAYOUT_REGIONS) {
    const r = regions[name];
    if (r && cx >= r.x && cx < r.x + r.width && cy >= r.y && cy < r.y + r.height) return name;
  }
  return 'content';
}

/**
 * Renders a desktop-like screen to PNG (resvg, with the DejaVu Sans font from npm: no system fonts, no
 * downloads) and returns the ground truth of everything drawn. Elements are positioned relative to their
 * region and must fit inside it.
 *
 * @example const { png, truth } = await renderScene({ elements: [{ type: 'shape', shape: 'circle', color: 'red', x: 40, y: 40 }] });
 */
export async function renderScene(spec: SceneSpec): Promise<RenderedScene> {
  const s = parseSceneSpec(spec);
  const theme = THEMES[s.theme];
  const regions = sceneRegions(s);
  const parts: string[] = [];
  const truth: SceneElement[] = [];
  const rect = (r: Rect, fill: string, extra = '') =>
    parts.push(
      `<rect x="${n(r.x)}" y="${n(r.y)}" width="${n(r.width)}" height="${n(r.height)}" fill="${fill}"${extra}/>`,
    );
  /** Text whose line box starts at `top`; returns its box. */
  const text = (x: number, top: number, size: number, fill: string, value: string): Rect => {
    const m = measureText(value, size);
    parts.push(
      `<text x="${n(x)}" y="${n(top + m.ascent)}" font-family="${FONT_FAMILY}" font-size="${size}" fill="${fill}">${esc(value)}</text>`,
    );
    return {
      x: Math.round(x),
      y: Math.round(top),
      width: Math.round(m.width),
      height: Math.round(m.ascent + m.descent),
    };
  };

  rect({ x: 0, y: 0, width: s.width, height: s.height }, s.content.color ?? theme.content);
  if (s.titlebar && regions.titlebar) {
    rect(regions.titlebar, s.titlebar.color ?? theme.titlebar);
    if (s.titlebar.title) {
      const size = Math.max(8, Math.min(16, Math.round(s.titlebar.height * 0.45)));
      const top = (s.titlebar.height - size * 1.16) / 2;
      const bbox = text(12, top, size, s.titlebar.textColor ?? theme.text, s.titlebar.title);
      truth.push({ kind: 'text', text: s.titlebar.title, region: 'titlebar', bbox });
    }
  }
  if (s.toolbar && regions.toolbar) rect(regions.toolbar, s.toolbar.color ?? theme.toolbar);
  if (s.sidebar && regions.sidebar) rect(regions.sidebar, s.sidebar.color ?? theme.sidebar);
  if (s.statusbar && regions.statusbar) {
    rect(regions.statusbar, s.statusbar.color ?? theme.statusbar);
    if (s.statusbar.text) {
      const size = Math.max(8, Math.min(14, Math.round(s.statusbar.height * 0.45)));
      const top = regions.statusbar.y + (s.statusbar.height - size * 1.16) / 2;
      const bbox = text(10, top, size, theme.text, s.statusbar.text);
      truth.push({ kind: 'text', text: s.statusbar.text, region: 'statusbar', bbox });
    }
  }

  s.elements.forEach((el, index) => {
    const area: Rect | undefined =
      el.region === 'screen' ? { x: 0, y: 0, width: s.width, height: s.height } : regions[el.region];
    if (!area) {
      throw new IroncliwError(
        'E_INPUT_INVALID',
        `scene spec elements.${index}: placed in "${el.region}", but the scene has no ${el.region}`,
        { hint: 'See docs/scenes.md for the scene format.' },
      );
    }
    const x = area.x + el.x;
    const y = area.y + el.y;
    let box: Rect;
    let record: SceneElement;
    if (el.type === 'shape') {
      const w = el.shape === 'rectangle' ? (el.width ?? Math.round(el.size * 1.6)) : el.size;
      const h = el.shape === 'rectangle' ? (el.height ?? el.size) : el.size;
      const fill = PALETTE[el.color];
      if (el.shape === 'circle') {
        parts.push(`<circle cx="${n(x + w / 2)}" cy="${n(y + h / 2)}" r="${n(w / 2)}" fill="${fill}"/>`);
      } else if (el.shape === 'triangle') {
        parts.push(
          `<polygon points="${n(x + w / 2)},${n(y)} ${n(x + w)},${n(y + h)} ${n(x)},${n(y + h)}" fill="${fill}"/>`,
        );
      } else {
        rect({ x, y, width: w, height: h }, fill);
      }
      box = { x, y, width: w, height: h };
      record = { kind: 'shape', shape: el.shape, color: el.color, region: 'content', bbox: box };
    } else if (el.type === 'button') {
      const m = measureText(el.label, el.fontSize);
      const w = el.width ?? Math.round(m.width + 24);
      box = { x, y, width: w, height: el.height };
      rect(box, theme.button, ` rx="4" stroke="${theme.buttonBorder}" stroke-width="1"`);
      text(
        x + (w - m.width) / 2,
        y + (el.height - (m.ascent + m.descent)) / 2,
        el.fontSize,
        theme.text,
        el.label,
      );
      record = { kind: 'button', text: el.label, region: 'content', bbox: box };
    } else {
      box = text(x, y, el.size, el.color ?? theme.text, el.text);
      record = { kind: 'text', text: el.text, region: 'content', bbox: box };
    }
    if (box.x + box.width > area.x + area.width + 0.5 || box.y + box.height > area.y + area.height + 0.5) {
      throw new IroncliwError(
        'E_INPUT_INVALID',
        `scene spec elements.${index}: does not fit inside ${el.region} (${area.width}×${area.height})`,
        { hint: 'See docs/scenes.md for the scene format.' },
      );
    }
    record.bbox = {
      x: Math.round(box.x),
      y: Math.round(box.y),
      width: Math.round(box.width),
      height: Math.round(box.height),
    };
    record.region = el.region === 'screen' ? regionAt(regions, record.bbox) : el.region;
    truth.push(record);
  });

  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${s.width}" height="${s.height}" viewBox="0 0 ${s.width} ${s.height}">${parts.join('')}</svg>`;
  // Loaded on first render: only tests, the demo and the scene CLI draw scenes.
  const { renderAsync } = await import('@resvg/resvg-js');
  const rendered = await renderAsync(svg, {
    font: { fontFiles: [FONT_FILE], loadSystemFonts: false, defaultFontFamily: FONT_FAMILY },
    fitTo: { mode: 'original' },
  });
  return { png: rendered.asPng(), width: s.width, height: s.height, truth, regions };
}
