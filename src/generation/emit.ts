import type { Capability, CapabilityManifest, IntentSpec, JsonSchema, Pattern } from '../domain/index.js';
import { COLORS, NAMED_REGIONS, SHAPES } from '../domain/index.js';
import type { DataOpName, IntentSpecExt } from '../understanding/index.js';
import { OP_PARAMS, OP_VALUES } from '../understanding/index.js';
import type { Plan, Slot, StepPlan } from './plan.js';
import { planPermissions } from './plan.js';

/**
 * Plan → module text. Every line below is a constant of this file: the emitter only chooses and numbers
 * templates, so nothing a user typed can reach the code (values arrive through `input` at run time).
 */

const HELPERS = {
  target: `function targetText(input) {
  if (input.label) return 'the "' + input.label + '"' + (input.region ? ' in the ' + input.region : '');
  if (input.text) return '"' + input.text + '"' + (input.region ? ' in the ' + input.region : '');
  const noun = input.shape ? input.shape + 's' : 'shapes';
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
type Helper = keyof typeof HELPERS;

function opCall(op: DataOpName, index: number, step: StepPlan): string {
  if (op === 'exclude') {
    // A region is excluded by finding what is inside it and dropping those items (items are in screen pixels).
    const inside =
      step.kind === 'elements'
        ? 'await sdk.vision.elements(await sdk.vision.region(screen, String(ops[' +
          index +
          '].value)), query)'
        : 'await sdk.vision.findShapes(await sdk.vision.region(screen, String(ops[' +
          index +
          '].value)), query)';
    // Only named regions are cut (the parser never sends another; a fuzzed value excludes nothing, not a crash).
    return `  if ((ops[${index}] || {}).by === 'region' && REGION_NAMES.includes(String(ops[${index}].value))) {
    const inside${index} = ${inside};
    items = items.filter((item) => !inside${index}.some((o) => sameBox(o.bbox, item.bbox)));
  } else items = excludeItems(items, ops[${index}] || {});`;
  }
  if (op === 'relative')
    return `  const anchors${index} = await sdk.vision.findText(screen, String((ops[${index}] || {}).anchor || ''));
  items = relativeTo(items, anchors${index}, ops[${index}] || {});`;
  if (op === 'pick') return `  items = pickItems(items, ops[${index}] || {});`;
  if (op === 'attribute' || op === 'repeat' || op === 'group') return '';
  if (op === 'filter') return `  items = filterItems(items, ops[${index}] || {});`;
  if (op === 'sort') return `  items = sortItems(items, ops[${index}] || {});`;
  if (op === 'aggregate') return `  const measured = aggregate(items, ops[${index}] || {});`;
  // convert: screen pixels at the conventional 96 dpi unless the input says otherwise.
  return `  const converted = measured.value === null ? null : convert(measured.value, ops[${index}] || {}, Number(input.dpi) > 0 ? Number(input.dpi) : 96);`;
}

function opIndex(step: StepPlan, op: DataOpName): number {
  return step.ops.indexOf(op);
}

/** Clicks on `items[0]`: once, twice for a double-click, or as often as "twice" / "3 times" says (at most 10). */
function clickCode(step: StepPlan): string {
  const rep = opIndex(step, 'repeat');
  const times =
    rep >= 0
      ? `Math.min(10, Math.max(1, Math.floor(Number((ops[${rep}] || {}).times) || 1)))${step.action === 'double-click' ? ' * 2' : ''}`
      : step.action === 'double-click'
        ? '2'
        : '1';
  return `  if (items.length === 0) return { answer: 'I could not find ' + what + ' to click.', data: { clicked: false, actions: [], items: [] } };
  const times = ${times};
  const done = [];
  for (let k = 0; k < times; k++) done.push(await sdk.actions.click(items[0]));
  return { answer: 'Clicked ' + itemText(items[0], screen) + (times > 1 ? ' ' + times + ' times' : '') + '.', data: { clicked: true, actions: done, items: [items[0]] } };`;
}

function finishItems(step: StepPlan): string {
  if (step.ops.includes('aggregate')) {
    const conv = step.ops.includes('convert');
    return `  if (measured.value === null) return { answer: 'I found no ' + what + '.', data: { value: null, count: 0, items: [] } };
  const detail = ${conv ? "converted.value + ' ' + converted.unit + ' (' + measured.value + ' px)'" : "measured.value + ' px'"};
  return {
    answer: 'The ' + ((ops[${step.ops.indexOf('aggregate')}] || {}).fn || 'max') + ' ' + ((ops[${step.ops.indexOf('aggregate')}] || {}).by || 'size') + ' of the ' + items.length + ' ' + what + ' is ' + detail + '.',
    data: { value: ${conv ? 'converted.value' : 'measured.value'}, ${conv ? 'unit: converted.unit, pixels: measured.value, ' : "unit: 'px', "}count: items.length, items: items, item: measured.item },
  };`;
  }
  if (step.ops.includes('attribute')) {
    const at = opIndex(step, 'attribute');
    return `  if (items.length === 0) return { answer: 'I found no ' + what + '.', data: { value: null, values: [], count: 0, items: [] } };
  const of = (ops[${at}] || {}).of === 'shape' ? 'shape' : 'color';
  const values = items.map((item) => String((of === 'shape' ? item.shape : item.color) || 'unknown'));
  const distinct = values.filter((v, i) => values.indexOf(v) === i);
  return { answer: 'The ' + what + (items.length === 1 ? ' is ' : ' are ') + distinct.join(', ') + '.', data: { value: distinct.join(', '), values: values, count: items.length, items: items } };`;
  }
  switch (step.action) {
    case 'count':
      return `  return { answer: 'There ' + (items.length === 1 ? 'is ' : 'are ') + items.length + ' ' + what + '.', data: { count: items.length, items: items } };`;
    case 'check':
      return `  return {
    answer: items.length ? 'Yes, I see ' + items.length + ' ' + what + '.' : 'No, I see no ' + what + '.',
    data: { present: items.length > 0, count: items.length, items: items },
  };`;
    case 'click':
    case 'double-click':
      return clickCode(step);
    default:
      return `  return {
    answer: items.length ? 'Found ' + items.length + ' ' + what + ': ' + items.map((item) => itemText(item, screen)).join('; ') + '.' : 'I found no ' + what + '.',
    data: { count: items.length, items: items },
  };`;
  }
}

/** UI elements: what an acting step does to the element it found (`sdk.actions.*` only; states decide toggles). */
function finishElements(step: StepPlan): string {
  const none = (verb: string) =>
    `  if (items.length === 0) return { answer: 'I could not find ' + what + ' to ${verb}.', data: { clicked: false, actions: [], items: [] } };`;
  switch (step.action) {
    case 'read':
      return `  const text = items.map((item) => item.text).filter((t) => t).join('\\n');
  return { answer: items.length ? 'It says: ' + text : 'I found no ' + what + '.', data: { text: text, count: items.length, items: items } };`;
    case 'click':
    case 'double-click':
      return clickCode(step);
    case 'select':
    case 'focus':
      return `${none(step.action)}
  const chosen = ${step.slots.includes('quantity') ? 'items.slice(0, Math.max(1, Math.floor(Number(input.quantity) || 1)))' : 'items.slice(0, 1)'};
  const done = [];
  for (const item of chosen) if (!(item.state || []).includes('${step.action === 'focus' ? 'focused' : 'selected'}') || ${step.action === 'select' ? "item.kind === 'checkbox' && !(item.state || []).includes('checked')" : 'false'}) done.push(await sdk.actions.click(item));
  return { answer: (done.length ? 'Clicked ' : 'Already done: ') + chosen.map((item) => itemText(item, screen)).join('; ') + '.', data: { clicked: done.length > 0, actions: done, items: chosen } };`;
    case 'toggle':
    case 'expand':
    case 'collapse': {
      const flag = step.action === 'toggle' ? 'checked' : 'expanded';
      const want =
        step.action === 'toggle'
          ? "input.state === 'on' ? true : input.state === 'off' ? false : null"
          : String(step.action === 'expand');
      return `${none(step.action)}
  const item = items[0];
  const now = (item.state || []).includes('${flag}') || (item.state || []).includes('selected');
  const want = ${want};
  if (want !== null && now === want) return { answer: 'Already ' + (want ? '${step.action === 'toggle' ? 'checked' : 'expanded'}' : '${step.action === 'toggle' ? 'unchecked' : 'collapsed'}') + ': ' + itemText(item, screen) + '.', data: { clicked: false, actions: [], items: [item] } };
  const done = await sdk.actions.click(item);
  return { answer: 'Clicked ' + itemText(item, screen) + '.', data: { clicked: true, actions: [done], items: [item] } };`;
    }
    case 'close':
      return `${none('close')}
  const box = items[0].bbox;
  const closers = (await sdk.vision.elements(screen, { kind: 'close-button' })).filter((c) => c.bbox.x >= box.x && c.bbox.y >= box.y && c.bbox.x + c.bbox.width <= box.x + box.width && c.bbox.y + c.bbox.height <= box.y + box.height);
  if (closers.length === 0) {
    const pressed = await sdk.actions.press('Escape');
    return { answer: 'Pressed Escape to close ' + itemText(items[0], screen) + '.', data: { clicked: false, actions: [pressed], items: [items[0]] } };
  }
  const done = await sdk.actions.click(closers[0]);
  return { answer: 'Closed ' + itemText(items[0], screen) + '.', data: { clicked: true, actions: [done], items: [items[0]] } };`;
    case 'type':
      return `${none('type into')}
  const clicked = await sdk.actions.click(items[0]);
  const typed = await sdk.actions.type(String(input.text));
  return { answer: 'Typed "' + input.text + '" into ' + itemText(items[0], screen) + '.', data: { actions: [clicked, typed], items: [items[0]] } };`;
    default:
      return finishItems(step);
  }
}

/** The UiElementKind a target kind asks `sdk.vision.elements` for (none: any element). */
const ELEMENT_KIND: Partial<Record<string, string>> = {
  button: 'button',
  link: 'link',
  'text-field': 'text-field',
  checkbox: 'checkbox',
  radio: 'radio',
  tab: 'tab',
  dialog: 'dialog',
  window: 'dialog',
  'list-item': 'list-item',
  'tree-node': 'tree-node',
  dropdown: 'dropdown',
};

function stepCode(n: number, step: StepPlan, helpers: Set<Helper>): string {
  const region = step.slots.includes('region');
  const lines: string[] = [`const step${n} = async (input) => {`];
  const capture = () => {
    lines.push('  const screen = await sdk.screen.capture();');
    lines.push(
      // Slots are optional at routing time (a frame may leave one empty), so the module checks each.
      region
        ? '  const area = input.region ? await sdk.vision.region(screen, input.region) : screen;'
        : '  const area = screen;',
    );
  };
  switch (step.kind) {
    case 'shapes': {
      capture();
      helpers.add('target');
      lines.push('  const query = {};');
      if (step.slots.includes('shape')) lines.push('  if (input.shape) query.shape = input.shape;');
      if (step.slots.includes('color')) lines.push('  if (input.color) query.color = input.color;');
      lines.push('  let items = await sdk.vision.findShapes(area, query);');
      if (step.slots.includes('size')) {
        helpers.add('size');
        lines.push('  if (input.size) items = bySize(items, input.size);');
      }
      break;
    }
    case 'elements': {
      capture();
      helpers.add('target');
      const k = ELEMENT_KIND[step.targetKind];
      lines.push(`  const query = {${k ? ` kind: '${k}'` : ''} };`);
      if (step.slots.includes('label')) lines.push('  if (input.label) query.text = String(input.label);');
      lines.push('  let items = await sdk.vision.elements(area, query);');
      if (step.slots.includes('label')) {
        lines.push("  const plain = (s) => String(s).toLowerCase().replace(/\\s+/g, ' ').trim();");
        lines.push(
          '  const exact = input.label ? items.filter((item) => plain(item.text) === plain(input.label)) : [];',
        );
        lines.push('  if (exact.length) items = exact;');
      }
      if (step.slots.includes('size')) {
        helpers.add('size');
        lines.push('  if (input.size) items = bySize(items, input.size);');
      }
      break;
    }
    case 'words': {
      capture();
      const lines_ = step.ops.includes('group');
      if (lines_) helpers.add('lines');
      lines.push('  const read = await sdk.vision.readText(area);');
      lines.push('  const words = read.words || [];');
      lines.push(`  const count = ${lines_ ? 'countLines(words)' : 'words.length'};`);
      lines.push(
        `  return { answer: 'There ' + (count === 1 ? 'is ' : 'are ') + count + ' ${lines_ ? "line' + (count === 1 ? '' : 's') + ' of text'" : "word' + (count === 1 ? '' : 's')"} + (input.region ? ' in the ' + input.region : '') + '.', data: { count: count, text: read.text, items: words.map((w) => ({ kind: 'text', text: w.text, bbox: w.bbox })) } };`,
      );
      lines.push('};');
      return lines.join('\n');
    }
    case 'text': {
      capture();
      helpers.add('target');
      const field = step.slots.includes('label') ? 'label' : 'text';
      lines.push(`  let items = await sdk.vision.findText(area, String(input.${field}));`);
      // findText tolerates OCR slips ("Save" also finds "Saved"): exact matches, when there are any, win.
      // Letters and digits of any script ("确定"); a label of symbols only ("♥♥♥") is compared as it is.
      lines.push(
        "  const plain = (s) => String(s).toLowerCase().replace(/[^\\p{L}\\p{N}]+/gu, ' ').trim() || String(s).replace(/\\s+/g, '');",
      );
      lines.push(`  const exact = items.filter((item) => plain(item.text) === plain(input.${field}));`);
      lines.push('  if (exact.length) items = exact;');
      break;
    }
    case 'read':
      capture();
      lines.push('  const read = await sdk.vision.readText(area);');
      lines.push(
        `  return { answer: read.text ? 'It says: ' + read.text : 'I found no text' + (input.region ? ' in the ' + input.region : '') + '.', data: { text: read.text, words: read.words } };`,
      );
      lines.push('};');
      return lines.join('\n');
    case 'describe':
      capture();
      lines.push('  const d = await sdk.vision.describe(area);');
      lines.push(
        '  return { answer: d.summary, data: { text: d.summary, shapes: d.shapes, dominantColors: d.dominantColors, size: d.size } };',
      );
      lines.push('};');
      return lines.join('\n');
    case 'type':
      lines.push('  const done = await sdk.actions.type(String(input.text));');
      lines.push(`  return { answer: 'Typed "' + input.text + '".', data: { actions: [done] } };`);
      lines.push('};');
      return lines.join('\n');
    case 'press':
      // Only a key chord is pressed; anything else is answered, not attempted (the SDK would refuse it).
      lines.push('  const keys = String(input.text);');
      lines.push(
        `  if (!/^[A-Za-z0-9+_ -]{1,64}$/.test(keys)) return { answer: 'I cannot press "' + keys + '": it is not a key chord.', data: { actions: [] } };`,
      );
      lines.push('  const done = await sdk.actions.press(keys);');
      lines.push(`  return { answer: 'Pressed ' + input.text + '.', data: { actions: [done] } };`);
      lines.push('};');
      return lines.join('\n');
  }
  if (step.ops.length) {
    lines.push('  const ops = Array.isArray(input.ops) ? input.ops : [];');
    helpers.add('measure');
    step.ops.forEach((op, i) => {
      if (
        op === 'filter' ||
        op === 'sort' ||
        op === 'aggregate' ||
        op === 'convert' ||
        op === 'exclude' ||
        op === 'relative' ||
        op === 'pick'
      )
        helpers.add(op);
      const code = opCall(op, i, step);
      if (code) lines.push(code);
    });
  }
  lines.push('  const what = targetText(input);');
  if (!step.ops.includes('aggregate') && step.action !== 'count' && step.action !== 'check')
    helpers.add('itemText');
  lines.push(step.kind === 'elements' ? finishElements(step) : finishItems(step));
  lines.push('};');
  return lines.join('\n');
}

/**
 * Steps are closures inside `run`: the static gate forbids passing `sdk` on (it could not follow what the
 * callee does with it), so only `run` itself and its own closures touch it.
 */
function runCode(plan: Plan, stepCodes: string[]): string {
  const n = plan.steps.length;
  const indent = (code: string) =>
    code
      .split('\n')
      .map((l) => (l ? '  ' + l : l))
      .join('\n');
  const lines = ['export default async function run(input, sdk) {', ...stepCodes.map(indent)];
  if (plan.mode === 'single') {
    lines.push('  return step0(input);', '}');
    return lines.join('\n');
  }
  lines.push('  const steps = Array.isArray(input.steps) ? input.steps : [];');
  const arg = (i: number) => `steps[${i}] || {}`;
  if (plan.mode === 'conditional') {
    lines.push(`  const condition = await step0(${arg(0)});`);
    lines.push(
      "  if (!condition.data.present) return { answer: 'The condition does not hold: ' + condition.answer, data: { present: false, condition: condition.data, actions: [] } };",
    );
    lines.push(`  const then = await step1(${arg(1)});`);
    lines.push(
      "  return { answer: condition.answer + ' ' + then.answer, data: { present: true, condition: condition.data, result: then.data, actions: then.data.actions || [] } };",
    );
    lines.push('}');
    return lines.join('\n');
  }
  if (plan.mode === 'sequence') {
    // In order: an action may change what the next step sees, so each step captures the screen anew.
    lines.push('  const results = [];');
    for (let i = 0; i < n; i++) lines.push(`  results.push(await step${i}(${arg(i)}));`);
  } else {
    const calls = Array.from({ length: n }, (_, i) => `step${i}(${arg(i)})`).join(', ');
    lines.push(`  const results = await Promise.all([${calls}]);`);
  }
  lines.push('  const parts = results.map((r) => r.data);');
  lines.push('  const actions = [];');
  lines.push('  for (const r of results) for (const a of r.data.actions || []) actions.push(a);');
  lines.push("  const answer = results.map((r) => r.answer).join(' ');");
  if (plan.ops[0] === 'compare') {
    lines.push('  const op = Array.isArray(input.ops) && input.ops.length ? input.ops[0] : {};');
    lines.push('  const a = parts[0].count;');
    lines.push('  const b = parts[1].count;');
    lines.push("  const holds = op.relation === 'fewer' ? a < b : op.relation === 'same' ? a === b : a > b;");
    lines.push(
      "  return { answer: (holds ? 'Yes. ' : 'No. ') + answer, data: { result: holds, present: holds, counts: [a, b], parts: parts } };",
    );
  } else if (
    plan.steps.every(
      (s) => s.action === 'count' || s.action === 'find' || s.action === 'list' || s.action === 'locate',
    ) &&
    plan.steps.every((s) => s.kind === 'shapes' && !s.ops.includes('aggregate'))
  ) {
    lines.push('  const counts = parts.map((p) => p.count);');
    lines.push('  const total = counts.reduce((x, y) => x + y, 0);');
    lines.push(
      "  return { answer: answer + ' (' + total + ' in all)', data: { count: total, counts: counts, parts: parts } };",
    );
  } else {
    lines.push(
      "  const text = parts.filter((p) => typeof p.text === 'string').map((p) => p.text).join('\\n');",
    );
    lines.push('  return { answer: answer, data: { parts: parts, actions: actions, text: text } };');
  }
  lines.push('}');
  return lines.join('\n');
}

/** The module for a plan: helpers, one function per step, the default-exported `run`. */
export function emitModule(plan: Plan): string {
  const helpers = new Set<Helper>();
  const steps = plan.steps.map((s, i) => stepCode(i, s, helpers));
  const order: Helper[] = [
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
  const used = order.filter((h) => helpers.has(h)).map((h) => HELPERS[h]);
  return [...used, runCode(plan, steps)].join('\n\n') + '\n';
}

const SLOT_SCHEMAS: Record<Slot, JsonSchema> = {
  color: { type: 'string', enum: [...COLORS] },
  shape: { type: 'string', enum: [...SHAPES] },
  region: { type: 'string', enum: [...NAMED_REGIONS] },
  text: { type: 'string', maxLength: 200 },
  label: { type: 'string', maxLength: 200 },
  quantity: { type: 'integer', minimum: 0, maximum: 1000 },
  size: { type: 'string', enum: ['large', 'small'] },
  state: { type: 'string', enum: ['on', 'off'] },
};

function opSchema(op: DataOpName): JsonSchema {
  const params = OP_PARAMS[op] as Record<string, readonly string[]>;
  const properties: Record<string, JsonSchema> = { op: { type: 'string', enum: [op] } };
  for (const [k, values] of Object.entries(params)) properties[k] = { type: 'string', enum: [...values] };
  const free = OP_VALUES[op] ?? {};
  for (const [k, v] of Object.entries(free))
    properties[k] =
      v === 'string'
        ? { type: 'string', maxLength: 200 }
        : { type: op === 'filter' ? 'number' : 'integer', minimum: v.min, maximum: v.max };
  return {
    type: 'object',
    required: ['op', ...Object.keys(params), ...Object.keys(free)],
    properties,
    additionalProperties: false,
  };
}

function opsSchema(ops: DataOpName[]): JsonSchema {
  // The subset has no tuples: each element may be any of the declared ops; the module reads them by position.
  const distinct = [...new Set(ops)];
  return {
    type: 'array',
    items:
      distinct.length === 1
        ? opSchema(distinct[0]!)
        : { type: 'object', properties: { op: { type: 'string', enum: distinct } }, required: ['op'] },
  };
}

function stepInputSchema(step: StepPlan): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const s of step.slots) properties[s] = SLOT_SCHEMAS[s];
  if (step.ops.length) properties.ops = opsSchema(step.ops);
  return {
    type: 'object',
    properties,
    // Text to find, type or press is the point of the step; shape, colour and region narrow it and may be absent.
    required: [...requiredSlots(step), ...(step.ops.length ? ['ops'] : [])],
    additionalProperties: false,
  };
}

const BBOX: JsonSchema = {
  type: 'object',
  required: ['x', 'y', 'width', 'height'],
  properties: {
    x: { type: 'number' },
    y: { type: 'number' },
    width: { type: 'number' },
    height: { type: 'number' },
  },
};
const ITEMS: JsonSchema = {
  type: 'array',
  items: { type: 'object', required: ['kind', 'bbox'], properties: { kind: { type: 'string' }, bbox: BBOX } },
};
const ACTIONS_SCHEMA: JsonSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['type'],
    properties: { type: { type: 'string', enum: ['click', 'type', 'press'] } },
  },
};

function stepDataSchema(step: StepPlan): JsonSchema {
  const obj = (required: string[], properties: Record<string, JsonSchema>): JsonSchema => ({
    type: 'object',
    required,
    properties,
  });
  if (step.ops.includes('aggregate'))
    return obj(['value', 'count', 'items'], {
      count: { type: 'integer', minimum: 0 },
      items: ITEMS,
      unit: { type: 'string' },
    });
  if (step.kind === 'words')
    return obj(['count', 'items'], { count: { type: 'integer', minimum: 0 }, items: ITEMS });
  if (step.kind === 'elements') {
    if (step.action === 'read')
      return obj(['text', 'count', 'items'], { text: { type: 'string' }, items: ITEMS });
    if (step.action === 'type') return obj(['actions'], { actions: ACTIONS_SCHEMA });
    if (!['count', 'find', 'locate', 'check', 'list'].includes(step.action))
      return obj(['clicked', 'actions', 'items'], {
        clicked: { type: 'boolean' },
        actions: ACTIONS_SCHEMA,
        items: ITEMS,
      });
  }
  switch (step.kind) {
    case 'read':
      return obj(['text', 'words'], { text: { type: 'string' }, words: { type: 'array' } });
    case 'describe':
      return obj(['text', 'shapes'], { text: { type: 'string' }, shapes: { type: 'array' } });
    case 'type':
    case 'press':
      return obj(['actions'], { actions: ACTIONS_SCHEMA });
    default:
      if (step.action === 'click' || step.action === 'double-click')
        return obj(['clicked', 'actions', 'items'], {
          clicked: { type: 'boolean' },
          actions: ACTIONS_SCHEMA,
          items: ITEMS,
        });
      if (step.action === 'check')
        return obj(['present', 'count', 'items'], {
          present: { type: 'boolean' },
          count: { type: 'integer', minimum: 0 },
          items: ITEMS,
        });
      return obj(['count', 'items'], { count: { type: 'integer', minimum: 0 }, items: ITEMS });
  }
}

function outputSchema(plan: Plan): JsonSchema {
  const data: JsonSchema =
    plan.mode === 'single'
      ? stepDataSchema(plan.steps[0]!)
      : plan.mode === 'conditional'
        ? {
            type: 'object',
            required: ['present', 'actions'],
            properties: { present: { type: 'boolean' }, actions: ACTIONS_SCHEMA },
          }
        : plan.ops[0] === 'compare'
          ? {
              type: 'object',
              required: ['result', 'counts'],
              properties: {
                result: { type: 'boolean' },
                counts: { type: 'array', items: { type: 'integer', minimum: 0 } },
              },
            }
          : {
              type: 'object',
              required: ['parts'],
              properties: { parts: { type: 'array', items: { type: 'object' } } },
            };
  return { type: 'object', required: ['answer', 'data'], properties: { answer: { type: 'string' }, data } };
}

const SAMPLE: Record<Slot, string[]> = {
  color: ['green', 'red', 'blue'],
  shape: ['circle', 'square', 'triangle'],
  region: ['toolbar', 'sidebar', 'content'],
  text: ['Ready', 'hello', 'Inbox'],
  label: ['Save', 'Open', 'Export'],
  quantity: ['2', '3', '1'],
  size: ['large', 'small', 'large'],
  state: ['on', 'off', 'on'],
};

/** What a widget kind is called in an example phrasing. */
const KIND_NOUN: Partial<Record<string, string>> = {
  button: 'button',
  link: 'link',
  'text-field': 'field',
  checkbox: 'checkbox',
  radio: 'radio button',
  tab: 'tab',
  dialog: 'dialog',
  window: 'window',
  'list-item': 'list item',
  'tree-node': 'folder',
  dropdown: 'dropdown',
};

/** An example phrasing for a step with the i-th sample values (shown by `help` and in the manifest). */
function phrase(step: StepPlan, i: number): string {
  const v = (s: Slot) => SAMPLE[s][i % 3]!;
  const has = (s: Slot) => step.slots.includes(s);
  const where = has('region') ? ` in the ${v('region')}` : '';
  const pick = step.ops.includes('pick') ? 'second ' : '';
  const size = has('size') ? `${v('size')} ` : '';
  const shapes = `${pick}${size}${has('color') ? v('color') + ' ' : ''}${has('shape') ? v('shape') + 's' : 'shapes'}`;
  const ops = step.ops
    .map(
      (o) =>
        ({
          sort: ' from left to right',
          filter: ' larger than 40 pixels',
          aggregate: '',
          convert: ' in centimetres',
          compare: '',
          exclude: ' not in the status bar',
          relative: ' next to "OK"',
          pick: '',
          attribute: '',
          group: '',
          repeat: ' twice',
        })[o],
    )
    .join('');
  const one = (x: string) => (pick ? x.replace(/s$/, '') : x);
  const verb = step.action === 'locate' ? 'where are' : step.action;
  switch (step.kind) {
    case 'shapes':
      if (step.ops.includes('aggregate'))
        return `how big is the largest ${shapes.replace(/s$/, '')}${where}${ops}`;
      if (step.ops.includes('attribute')) return `what colour is the ${shapes.replace(/s$/, '')}${where}`;
      if (step.action === 'check') return `are there any ${shapes}${where}${ops}`;
      if (step.action === 'click' || step.action === 'double-click')
        return `${step.action} the ${shapes.replace(/s$/, '')}${where}${ops}`;
      return `${verb} the ${one(shapes)}${where}${ops}`;
    case 'text':
      return step.slots.includes('label')
        ? `${step.action} the ${pick}"${v('label')}" ${step.targetKind === 'button' ? 'button' : ''}${where}${ops}`
            .replace(/ +/g, ' ')
            .trim()
        : `${step.action} the ${pick}text "${v('text')}"${where}${ops}`;
    case 'read':
      return `read the text${where}`;
    case 'words':
      return `how many ${step.ops.includes('group') ? 'lines' : 'words'} are there${where}`;
    case 'describe':
      return `describe the ${has('region') ? v('region') : 'screen'}`;
    case 'type':
      return `type "${v('text')}"`;
    case 'press':
      return `press ${['enter', 'ctrl+s', 'escape'][i % 3]}`;
    case 'elements': {
      const noun = KIND_NOUN[step.targetKind] ?? 'element';
      const label = has('label') ? `"${v('label')}" ` : '';
      const what = `the ${pick}${size}${label}${noun}${where}${ops}`;
      if (step.action === 'type') return `type "${v('text')}" into ${what}`;
      if (step.action === 'toggle')
        return `${has('state') ? (v('state') === 'on' ? 'check' : 'uncheck') : 'toggle'} ${what}`;
      if (step.action === 'check') return `is there ${what.replace(/^the /, 'a ')}`;
      if (step.action === 'count') return `how many ${noun}s are there${where}`;
      if (step.action === 'select' && has('quantity')) return `select ${v('quantity')} ${noun}s${where}`;
      return `${verb} ${what}`;
    }
  }
}

function examples(plan: Plan): string[] {
  return [0, 1, 2].map((i) => {
    const ps = plan.steps.map((s) => phrase(s, i));
    if (plan.mode === 'conditional') return `if ${ps[0]!.replace(/^are there any/, 'there are')}, ${ps[1]}`;
    if (plan.ops[0] === 'compare')
      return `are there more ${ps[0]!.replace(/^count the /, '')} than ${ps[1]!.replace(/^count the /, '')}`;
    return ps.join(plan.mode === 'sequence' ? ' and then ' : ' and ');
  });
}

/** The slots a step cannot do without: the text or label it looks for, types or presses. */
function requiredSlots(step: StepPlan): Slot[] {
  return step.slots.filter((x) => x === 'text' || x === 'label');
}

function stepIntent(step: StepPlan): IntentSpecExt {
  const required = requiredSlots(step);
  return {
    action: step.action,
    targetKind: step.targetKind,
    slots: step.slots,
    ...(required.length ? { required } : {}),
    examples: [0, 1, 2].map((i) => phrase(step, i)),
    ...(step.ops.length ? { ops: step.ops } : {}),
  };
}

/** 32-bit FNV-1a, to keep ids short and stable. */
function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36);
}

/** A readable, stable id from the plan (the same pattern always gives the same id). */
export function capabilityIdFor(plan: Plan): string {
  const stepId = (s: StepPlan) => {
    const by = s.slots.filter((x) => x !== 'region');
    return `${s.action}-${s.targetKind}${by.length ? '-by-' + by.join('-') : ''}${s.slots.includes('region') ? '-in-region' : ''}${s.ops.length ? '-' + s.ops.join('-') : ''}`;
  };
  const body =
    plan.mode === 'single'
      ? stepId(plan.steps[0]!)
      : `${plan.mode === 'conditional' ? 'if' : plan.mode === 'sequence' ? 'seq' : 'par'}-${plan.steps.map(stepId).join('--')}${plan.ops.length ? '-' + plan.ops.join('-') : ''}`;
  return body.length <= 72 ? body : `${body.slice(0, 63).replace(/-+$/, '')}-${hash(body)}`;
}

export interface EmitOptions {
  generator: string;
  version: number;
  failureIds: string[];
  pattern: Pick<Pattern, 'id'>;
  /** Ids of the capabilities a composed plan combines (its single-step parts). */
  combines?: string[];
}

/** Plan → capability (module + manifest with intents, least permissions, schemas and limits). */
export function emitCapability(plan: Plan, options: EmitOptions): Capability {
  const id = capabilityIdFor(plan);
  const single = plan.mode === 'single';
  const step0 = plan.steps[0]!;
  const intent: IntentSpecExt = single
    ? { ...stepIntent(step0), examples: examples(plan) }
    : {
        action: plan.action,
        targetKind: plan.targetKind,
        slots: [],
        examples: examples(plan),
        parts: {
          mode: plan.mode as 'sequence' | 'parallel' | 'conditional',
          intents: plan.steps.map(stepIntent),
        },
        ...(plan.ops.length ? { ops: plan.ops } : {}),
      };
  const inputSchema: JsonSchema = single
    ? stepInputSchema(step0)
    : {
        type: 'object',
        required: ['steps', ...(plan.ops.length ? ['ops'] : [])],
        properties: {
          steps: { type: 'array', items: { type: 'object' } },
          ...(plan.ops.length ? { ops: opsSchema(plan.ops) } : {}),
        },
        additionalProperties: false,
      };
  const usesOcr = plan.steps.some((s) => s.kind === 'text' || s.kind === 'read');
  const manifest: CapabilityManifest = {
    id,
    name: id
      .split('-')
      .map((w, i) => (i === 0 ? w[0]!.toUpperCase() + w.slice(1) : w))
      .join(' ')
      .slice(0, 120),
    version: options.version,
    description: `Generated from ${plan.mode === 'single' ? 'a' : 'a ' + plan.mode} pattern: ${examples(plan)[0]!}.`,
    intents: [intent as IntentSpec],
    permissions: planPermissions(plan),
    inputSchema,
    outputSchema: outputSchema(plan),
    // OCR reads a region in a few hundred ms; a full screen can take seconds.
    limits: { timeoutMs: usesOcr ? 10_000 : 3000, memoryMb: 64 },
    origin: {
      kind: 'generated',
      generator: options.generator,
      patternId: options.pattern.id,
      failureIds: options.failureIds,
    },
    ...(options.combines?.length ? { combines: options.combines } : {}),
  };
  return { manifest, code: emitModule(plan) };
}
