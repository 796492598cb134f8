import { describe, expect, it } from 'vitest';
import type { Permission } from '../domain/index.js';
import { COUNT_SHAPES_MODULE } from '../generation/index.js';
import { analyze } from './index.js';

const VISION: Permission[] = ['screen.capture', 'vision.analyze'];
const OCR: Permission[] = ['screen.capture', 'vision.analyze', 'ocr.read'];
const CLICK: Permission[] = ['screen.capture', 'vision.analyze', 'ocr.read', 'actions.click'];
const TYPE: Permission[] = ['screen.capture', 'vision.analyze', 'actions.type'];

/** Programs in the style the generators write. Every one must pass with zero violations. */
const BENIGN: Array<{ name: string; permissions: Permission[]; code: string; typescript?: boolean }> = [
  {
    name: 'count shapes (brief example)',
    permissions: VISION,
    code: `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const area = input.region ? await sdk.vision.region(screen, input.region) : screen;
  const items = await sdk.vision.findShapes(area, { shape: input.shape, color: input.color });
  const label = "green circle";
  const count = items.length;
  return { answer: \`There \${count === 1 ? 'is' : 'are'} \${count} \${label}\${count === 1 ? '' : 's'}.\`, data: { count, items: items.map((it) => ({ ...it })) } };
}`,
  },
  {
    name: 'count-shapes generator template',
    permissions: VISION,
    code: COUNT_SHAPES_MODULE,
  },
  {
    name: 'group by colour with a local dictionary',
    permissions: VISION,
    code: `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const items = await sdk.vision.findShapes(screen, {});
  const byColor = {};
  for (const it of items) {
    byColor[it.color] = (byColor[it.color] || 0) + 1;
  }
  const parts = Object.entries(byColor).map(([color, n]) => n + ' ' + color);
  return { answer: parts.length ? parts.join(', ') : 'No shapes.', data: { count: items.length, items, byColor } };
}`,
  },
  {
    name: 'sort, filter, Math',
    permissions: VISION,
    code: `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const items = (await sdk.vision.findShapes(screen, { shape: input.shape })).filter((it) => it.bbox.width * it.bbox.height >= 25);
  const sorted = items.slice().sort((a, b) => a.bbox.x - b.bbox.x);
  const widest = sorted.reduce((m, it) => Math.max(m, it.bbox.width), 0);
  const left = sorted[0];
  const right = sorted[sorted.length - 1];
  return {
    answer: left ? 'Leftmost at x=' + Math.round(left.bbox.x) + ', widest ' + Math.min(widest, 9999) : 'Nothing found.',
    data: { count: sorted.length, items: sorted, right: right ? right.bbox : null },
  };
}`,
  },
  {
    name: 'OCR read with try/catch and JSON',
    permissions: OCR,
    code: `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const area = await sdk.vision.region(screen, input.region || 'titlebar');
  let text = '';
  try {
    const result = await sdk.vision.readText(area);
    text = String(result.text || '').trim();
  } catch (err) {
    sdk.log('readText failed', String(err));
    text = '';
  }
  sdk.log(JSON.stringify({ length: text.length }));
  return { answer: text ? 'It says: ' + text : 'I could not read any text.', data: { text } };
}`,
  },
  {
    name: 'find text and click it',
    permissions: CLICK,
    code: `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const hits = await sdk.vision.findText(screen, input.text);
  if (!Array.isArray(hits) || hits.length === 0) {
    return { answer: 'I could not find "' + input.text + '".', data: { count: 0, items: [], actions: [] } };
  }
  const target = hits[0];
  const x = Math.round(target.bbox.x + target.bbox.width / 2);
  const y = Math.round(target.bbox.y + target.bbox.height / 2);
  await sdk.actions.click({ x, y });
  return { answer: 'Clicked ' + input.text + '.', data: { count: 1, items: [target], actions: [{ type: 'click', x, y }] } };
}`,
  },
  {
    name: 'random pick and clock',
    permissions: VISION,
    code: `export default async function run(input, sdk) {
  const started = sdk.clock.now();
  const screen = await sdk.screen.capture();
  const items = await sdk.vision.findShapes(screen, { color: input.color });
  const idx = Math.floor(sdk.random() * items.length);
  const pick = items.length ? items[idx] : null;
  const elapsed = sdk.clock.now() - started;
  return { answer: pick ? 'Picked one ' + pick.shape + '.' : 'None.', data: { count: items.length, items: pick ? [pick] : [], elapsed } };
}`,
  },
  {
    name: 'index loop with for(;;) and break',
    permissions: VISION,
    code: `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const items = await sdk.vision.findShapes(screen, {});
  const out = [];
  for (let i = 0; i < items.length; i++) {
    if (items[i].color === input.color) out.push(items[i]);
  }
  let n = 0;
  for (;;) {
    n += 1;
    if (n >= 3) break;
  }
  let k = out.length;
  while (true) {
    if (k <= 0) break;
    k--;
  }
  return { answer: 'Found ' + out.length + '.', data: { count: out.length, items: out, n } };
}`,
  },
  {
    name: 'colours summary with Map and Set',
    permissions: VISION,
    code: `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const colors = await sdk.vision.colors(screen);
  const seen = new Set();
  const shares = new Map();
  for (const c of colors) {
    if (seen.has(c.name)) continue;
    seen.add(c.name);
    shares.set(c.name, Number(c.share) || 0);
  }
  const top = [...shares.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
  return { answer: 'Main colours: ' + top.map(([name]) => name).join(', ') + '.', data: { colors: Object.fromEntries(top) } };
}`,
  },
  {
    name: 'describe with region and helper function',
    permissions: VISION,
    code: `const REGIONS = ['titlebar', 'toolbar', 'sidebar', 'statusbar', 'content'];

function pickRegion(name) {
  return REGIONS.includes(name) ? name : 'content';
}

export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const area = await sdk.vision.region(screen, pickRegion(input.region));
  const summary = await sdk.vision.describe(area);
  return { answer: String(summary.summary || 'Nothing to describe.'), data: { summary } };
}`,
  },
  {
    name: 'type text with switch',
    permissions: TYPE,
    code: `export default async function run(input, sdk) {
  const text = typeof input.text === 'string' ? input.text.slice(0, 200) : '';
  switch (input.mode) {
    case 'enter':
      await sdk.actions.type(text);
      await sdk.actions.press('Enter');
      break;
    default:
      await sdk.actions.type(text);
  }
  return { answer: 'Typed ' + text.length + ' characters.', data: { actions: [{ type: 'type', text }] } };
}`,
  },
  {
    name: 'check presence with regex literal and parseInt',
    permissions: OCR,
    code: `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const { text } = await sdk.vision.readText(screen);
  const digits = String(text).match(/\\d+/g) || [];
  const numbers = digits.map((d) => parseInt(d, 10)).filter((n) => !isNaN(n) && isFinite(n));
  const present = /save|submit/i.test(text);
  return { answer: present ? 'Yes.' : 'No.', data: { present, numbers, total: numbers.reduce((a, b) => a + b, 0) } };
}`,
  },
  {
    name: 'Promise.all over regions, optional chaining, nullish',
    permissions: VISION,
    code: `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const names = ['toolbar', 'sidebar'];
  const areas = await Promise.all(names.map((n) => sdk.vision.region(screen, n)));
  const found = await Promise.all(areas.map((a) => sdk.vision.findShapes(a, { shape: input?.shape ?? 'circle' })));
  const counts = {};
  names.forEach((n, i) => {
    counts[n] = found[i]?.length ?? 0;
  });
  return { answer: names.map((n) => n + ': ' + counts[n]).join('; '), data: { counts } };
}`,
  },
  {
    name: 'errors thrown and Object.assign on a local object',
    permissions: VISION,
    code: `export default async function run(input, sdk) {
  if (typeof input.shape !== 'string') throw new TypeError('shape must be a string');
  const screen = await sdk.screen.capture();
  const items = await sdk.vision.findShapes(screen, { shape: input.shape });
  if (items.length > 1000) throw new RangeError('too many shapes');
  const result = Object.assign({}, { count: items.length });
  const meta = {};
  Object.assign(meta, { shape: input.shape });
  return Object.freeze({ answer: 'Counted ' + result.count + '.', data: { ...result, items, meta, keys: Object.keys(meta) } });
}`,
  },
  {
    name: 'async arrow default export and destructured input',
    permissions: VISION,
    code: `export default async ({ shape = 'circle', color } = {}, sdk) => {
  const screen = await sdk.screen.capture();
  const items = await sdk.vision.findShapes(screen, color ? { shape, color } : { shape });
  const [first, ...rest] = items;
  return { answer: first ? 'First at ' + first.bbox.x + ', ' + rest.length + ' more.' : 'None.', data: { count: items.length, items } };
};`,
  },
  {
    name: 'TypeScript input stripped by esbuild',
    permissions: VISION,
    typescript: true,
    code: `interface Item { color?: string; bbox: { x: number; y: number; width: number; height: number } }
export default async function run(input: { color?: string }, sdk: any): Promise<{ answer: string; data: { count: number } }> {
  const screen = await sdk.screen.capture();
  const items: Item[] = await sdk.vision.findShapes(screen, { color: input.color });
  const count: number = items.filter((it: Item) => it.color === input.color).length;
  return { answer: \`\${count} found\`, data: { count } };
}`,
  },
  {
    name: 'date from a timestamp, new Date(sdk.clock.now())',
    permissions: VISION,
    code: `export default async function run(input, sdk) {
  const now = new Date(sdk.clock.now());
  const hour = now.getUTCHours();
  const screen = await sdk.screen.capture();
  const items = await sdk.vision.findShapes(screen, {});
  const label = hour < 12 ? 'morning' : 'afternoon';
  return { answer: 'Good ' + label + ', ' + items.length + ' shapes.', data: { count: items.length } };
}`,
  },
  {
    name: 'nested helpers, do-while with exit, string building',
    permissions: CLICK,
    code: `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const items = await sdk.vision.findShapes(screen, { shape: 'rectangle' });
  const centre = (b) => ({ x: Math.round(b.x + b.width / 2), y: Math.round(b.y + b.height / 2) });
  const actions = [];
  let i = 0;
  do {
    if (i >= items.length) break;
    const p = centre(items[i].bbox);
    await sdk.actions.click(p);
    actions.push({ type: 'click', x: p.x, y: p.y });
    i++;
  } while (i < 3);
  const list = actions.map((a) => \`(\${a.x},\${a.y})\`).join(' ');
  return { answer: actions.length ? 'Clicked ' + list : 'Nothing to click.', data: { actions } };
}`,
  },
  {
    name: 'reduce into an object accumulator keyed by colour',
    permissions: VISION,
    code: `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const items = await sdk.vision.findShapes(screen, {});
  const byColor = items.reduce((acc, it) => {
    acc[it.color] = (acc[it.color] || 0) + 1;
    return acc;
  }, {});
  const groups = items.reduce((acc, it) => ((acc[it.shape] = acc[it.shape] || []).push(it), acc), {});
  return { answer: JSON.stringify(byColor), data: { count: items.length, byColor, groups } };
}`,
  },
  {
    name: 'result object filled through nested static paths',
    permissions: VISION,
    code: `export default async function run(input, sdk) {
  const result = { answer: '', data: { count: 0, items: [], summary: { colors: [] } } };
  const screen = await sdk.screen.capture();
  const items = await sdk.vision.findShapes(screen, {});
  result.data.count = items.length;
  result.data.items = items.filter((it) => it.bbox.width > 2);
  result.data.summary.colors = [...new Set(items.map((it) => it.color))].sort();
  result.data.summary[input.color || 'none'] = items.filter((it) => it.color === input.color).length;
  result.answer = \`Found \${result.data.count}\`;
  return result;
}`,
  },
  {
    name: 'groups of SDK items under run-time keys, read back by key',
    permissions: VISION,
    code: `const LABELS = { circle: 'circles', square: 'squares' };
function plural(n, word) { return n === 1 ? word : (LABELS[word] || word + 's'); }
export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const items = await sdk.vision.findShapes(screen, {});
  const groups = {};
  const firstOf = {};
  for (const it of items) {
    const key = it.color + ' ' + it.shape;
    if (!groups[key]) groups[key] = [];
    groups[key].push(it);
    firstOf[it.color] = firstOf[it.color] || it;
    firstOf[it.shape] ??= it.bbox;
  }
  items.forEach((it) => { firstOf[it.kind] = it; });
  const lines = Object.keys(groups).sort().map((k) => groups[k].length + ' ' + plural(groups[k].length, k));
  return { answer: lines.join(', ') || 'Nothing found.', data: { count: items.length, firstOf } };
}`,
  },
  {
    name: 'JSON round trip read by run-time keys',
    permissions: VISION,
    code: `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const summary = await sdk.vision.describe(screen);
  const json = JSON.parse(JSON.stringify(summary));
  const numeric = Object.keys(json).filter((k) => typeof json[k] === 'number');
  const table = Object.fromEntries(numeric.map((k) => [k, json[k]]));
  const picked = table[input.key] ?? null;
  return { answer: numeric.join(', '), data: { numeric, picked } };
}`,
  },
  {
    name: 'Promise.all over SDK calls then per-region tallies',
    permissions: VISION,
    code: `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const regions = ['toolbar', 'sidebar', 'content'];
  const found = await Promise.all(regions.map((r) => sdk.vision.findShapes(screen, { color: input.color })));
  const tally = {};
  for (let i = 0; i < regions.length; i++) tally[regions[i]] = found[i].length;
  const best = Object.entries(tally).sort((a, b) => b[1] - a[1])[0];
  return { answer: best ? best[0] : 'none', data: { tally } };
}`,
  },
];

describe('benign corpus: zero false positives', () => {
  it('has at least 15 programs', () => {
    expect(BENIGN.length).toBeGreaterThanOrEqual(15);
  });
  for (const program of BENIGN) {
    it(program.name, () => {
      const report = analyze(program.code, {
        permissions: program.permissions,
        typescript: program.typescript ?? false,
      });
      expect(report.violations).toEqual([]);
      expect(report.safe).toBe(true);
      expect(report.score).toBe(1);
    });
  }

  it('reports the permissions an action capability needs', () => {
    const action = BENIGN.find((p) => p.name === 'find text and click it');
    const report = analyze(action?.code ?? '');
    expect(report.requiredPermissions).toEqual(['actions.click', 'ocr.read', 'screen.capture']);
    expect(report.sdkMethods).toEqual(['actions.click', 'screen.capture', 'vision.findText']);
  });
});
