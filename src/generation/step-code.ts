import type { DataOpName } from '../understanding/index.js';
import type { Helper } from './module-helpers.js';
import type { StepPlan } from './plan.js';
import { finishElements, finishItems } from './step-finish.js';

/**
 * One step's function, as text: capture the screen, find the items the step is about (shapes, elements, text,
 * words), apply its data ops in order, then finish (step-finish.ts). Records the helpers it calls. Constants
 * only (emit-module.ts).
 */

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

export function stepCode(n: number, step: StepPlan, helpers: Set<Helper>): string {
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
  // Singular for exactly one ("1 red square"), plural otherwise ("no red squares", "3 red squares").
  lines.push('  const what = targetText(input, items.length);');
  if (!step.ops.includes('aggregate') && step.action !== 'count' && step.action !== 'check')
    helpers.add('itemText');
  lines.push(step.kind === 'elements' ? finishElements(step) : finishItems(step));
  lines.push('};');
  return lines.join('\n');
}
