import { NAMED_REGIONS } from '../domain/index.js';

/**
 * The helper functions a generated module may carry, as text: a module gets the ones its steps use, in
 * HELPER_ORDER (emit-module.ts). Constants only; see emit-module.ts for why.
 */

export const HELPERS = {
  target: `function targetText(input, n) {
  if (input.label) return 'the "' + input.label + '"' + (input.region ? ' in the ' + input.region : '');
  if (input.text) return '"' + input.text + '"' + (input.region ? ' in the ' + input.region : '');
  const noun = (input.shape || 'shape') + (n === 1 ? '' : 's');
  return (input.color ? input.color + ' ' : '') + noun + (input.region ? ' in the ' + input.region : '');
}`,
  itemText: `const ROWS = ['top', 'middle', 'bottom'];
const COLS = ['left', 'centre', 'right'];
function itemText(item, screen) {
  const b = item.bbox;
  const cx = b.x + b.width / 2;
  const cy = b.y + b.height / 2;
  const col = cx < screen.width / 3 ? 0 : cx < (2 * screen.width) / 3 ? 1 : 2;
  const row = cy < screen.height / 3 ? 0 : cy < (2 * screen.height) / 3 ? 1 : 2;
  const what = item.kind === 'text' ? '"' + item.text + '"' : (item.color ? item.color + ' ' : '') + (item.shape || item.kind);
  return what + ' at (' + Math.round(cx) + ', ' + Math.round(cy) + '), ' + ROWS[row] + ' ' + COLS[col];
}`,
  measure: `function measure(item, by) {
  const b = item.bbox;
  if (by === 'width') return b.width;
  if (by === 'height') return b.height;
  if (by === 'area') return b.width * b.height;
  if (by === 'x') return b.x + b.width / 2;
  if (by === 'y') return b.y + b.height / 2;
  return Math.max(b.width, b.height);
}`,
  filter: `function filterItems(items, op) {
  const value = Number(op.value);
  if (!Number.isFinite(value)) return items;
  return items.filter((item) => (op.cmp === 'lt' ? measure(item, op.by) < value : measure(item, op.by) > value));
}`,
  sort: `function sortItems(items, op) {
  const sign = op.order === 'desc' ? -1 : 1;
  return items.slice().sort((a, b) => sign * (measure(a, op.by) - measure(b, op.by)));
}`,
  aggregate: `function aggregate(items, op) {
  if (items.length === 0) return { value: null, item: null };
  const values = items.map((item) => measure(item, op.by));
  if (op.fn === 'sum') return { value: values.reduce((a, b) => a + b, 0), item: null };
  if (op.fn === 'mean') return { value: Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 100) / 100, item: null };
  let best = 0;
  for (let i = 1; i < values.length; i++) {
    if (op.fn === 'min' ? values[i] < values[best] : values[i] > values[best]) best = i;
  }
  return { value: values[best], item: items[best] };
}`,
  convert: `const PER_INCH = { in: 1, cm: 2.54, mm: 25.4, pt: 72 };
function convert(pixels, op, dpi) {
  const unit = op.unit === 'cm' || op.unit === 'mm' || op.unit === 'pt' ? op.unit : 'in';
  return { value: Math.round((pixels / dpi) * PER_INCH[unit] * 100) / 100, unit: unit };
}`,
  size: `function bySize(items, size) {
  if (size !== 'large' && size !== 'small') return items;
  const sizes = items.map((item) => Math.max(item.bbox.width, item.bbox.height));
  const lo = Math.min(...sizes);
  const hi = Math.max(...sizes);
  if (!(hi > lo * 1.25)) return items;
  const mid = (lo + hi) / 2;
  return items.filter((item, i) => (size === 'large' ? sizes[i] >= mid : sizes[i] < mid));
}`,
  exclude: `const REGION_NAMES = ${JSON.stringify(NAMED_REGIONS)};
function sameBox(a, b) {
  return Math.abs(a.x - b.x) <= 2 && Math.abs(a.y - b.y) <= 2 && Math.abs(a.width - b.width) <= 2 && Math.abs(a.height - b.height) <= 2;
}
function excludeItems(items, op) {
  const value = String(op.value || '').toLowerCase().trim();
  const get = (item) => (op.by === 'color' ? item.color : op.by === 'shape' ? item.shape : op.by === 'kind' ? item.kind : op.by === 'label' ? item.text : null);
  if (op.by !== 'color' && op.by !== 'shape' && op.by !== 'kind' && op.by !== 'label') return items;
  return items.filter((item) => String(get(item) || '').toLowerCase().trim() !== value);
}`,
  relative: `function relativeTo(items, anchors, op) {
  if (!anchors.length) return [];
  const a = anchors[0].bbox;
  const ax = a.x + a.width / 2;
  const ay = a.y + a.height / 2;
  const keep = items.filter((item) => {
    const b = item.bbox;
    const cx = b.x + b.width / 2;
    const cy = b.y + b.height / 2;
    if (cx >= a.x && cx <= a.x + a.width && cy >= a.y && cy <= a.y + a.height) return false;
    const row = b.y < a.y + a.height && a.y < b.y + b.height;
    const col = b.x < a.x + a.width && a.x < b.x + b.width;
    if (op.relation === 'right-of') return row && cx > a.x + a.width;
    if (op.relation === 'left-of') return row && cx < a.x;
    if (op.relation === 'below') return col && cy > a.y + a.height;
    if (op.relation === 'above') return col && cy < a.y;
    return true;
  });
  const dist = (item) => Math.hypot(item.bbox.x + item.bbox.width / 2 - ax, item.bbox.y + item.bbox.height / 2 - ay);
  return keep.slice().sort((p, q) => dist(p) - dist(q));
}`,
  pick: `function readingOrder(items) {
  const cy = (item) => item.bbox.y + item.bbox.height / 2;
  const byY = items.slice().sort((p, q) => cy(p) - cy(q));
  const keyed = [];
  let row = -1;
  let cy0 = 0;
  let h0 = 0;
  for (const item of byY) {
    if (row < 0 || Math.abs(cy(item) - cy0) > Math.max(h0, item.bbox.height) / 2) {
      row++;
      cy0 = cy(item);
      h0 = item.bbox.height;
    }
    keyed.push({ item: item, row: row });
  }
  return keyed.sort((a, b) => a.row - b.row || a.item.bbox.x - b.item.bbox.x).map((k) => k.item);
}
function pickItems(items, op) {
  let sorted;
  if (op.by === 'x' || op.by === 'y' || op.by === 'size') {
    const key = (item) => (op.by === 'x' ? item.bbox.x + item.bbox.width / 2 : op.by === 'y' ? item.bbox.y + item.bbox.height / 2 : Math.max(item.bbox.width, item.bbox.height));
    sorted = items.slice().sort((p, q) => key(p) - key(q));
  } else sorted = readingOrder(items);
  if (op.order === 'desc') sorted.reverse();
  const index = Math.max(1, Math.floor(Number(op.index) || 1));
  const count = Math.max(1, Math.floor(Number(op.count) || 1));
  return sorted.slice(index - 1, index - 1 + count);
}`,
  lines: `function countLines(words) {
  let n = 0;
  let cy0 = 0;
  let h0 = 0;
  for (const w of words.slice().sort((p, q) => p.bbox.y + p.bbox.height / 2 - (q.bbox.y + q.bbox.height / 2))) {
    const cy = w.bbox.y + w.bbox.height / 2;
    if (n > 0 && Math.abs(cy - cy0) <= Math.max(h0, w.bbox.height) / 2) continue;
    n++;
    cy0 = cy;
    h0 = w.bbox.height;
  }
  return n;
}`,
} as const;
export type Helper = keyof typeof HELPERS;

/** The order helpers appear in a module: fixed, so the same plan always gives the same text. */
export const HELPER_ORDER: readonly Helper[] = [
  'target',
  'itemText',
  'measure',
  'size',
  'exclude',
  'relative',
  'filter',
  'sort',
  'pick',
  'aggregate',
  'convert',
  'lines',
];
