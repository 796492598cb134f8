import type { DataOpName } from '../understanding/index.js';
import type { StepPlan } from './plan.js';

/**
 * The end of a step's function, as text: what it answers and returns once it has its items (a count, a check,
 * a measurement, a list), or what it does to them (clicks, toggles, types). Constants only (emit-module.ts).
 */

function opIndex(step: StepPlan, op: DataOpName): number {
  return step.ops.indexOf(op);
}

/**
 * Points at `items[0]`: clicks once, twice for a double-click, or as often as "twice" / "3 times" says (at most
 * 10); right-clicks once (`{button: 'right'}`); hovers once (the pointer moves there, nothing is pressed).
 */
function clickCode(step: StepPlan): string {
  if (step.action === 'hover' || step.action === 'right-click') {
    const call =
      step.action === 'hover'
        ? 'sdk.actions.hover(items[0])'
        : "sdk.actions.click(items[0], { button: 'right' })";
    const verb = step.action === 'hover' ? ['hover over', 'Hovered over'] : ['right-click', 'Right-clicked'];
    return `  if (items.length === 0) return { answer: 'I could not find ' + what + ' to ${verb[0]}.', data: { clicked: false, actions: [], items: [] } };
  const done = await ${call};
  return { answer: '${verb[1]} ' + itemText(items[0], screen) + '.', data: { clicked: true, actions: [done], items: [items[0]] } };`;
  }
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

export function finishItems(step: StepPlan): string {
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
    case 'right-click':
    case 'hover':
      return clickCode(step);
    default:
      return `  return {
    answer: items.length ? 'Found ' + items.length + ' ' + what + ': ' + items.map((item) => itemText(item, screen)).join('; ') + '.' : 'I found no ' + what + '.',
    data: { count: items.length, items: items },
  };`;
  }
}

/** UI elements: what an acting step does to the element it found (`sdk.actions.*` only; states decide toggles). */
export function finishElements(step: StepPlan): string {
  const none = (verb: string) =>
    `  if (items.length === 0) return { answer: 'I could not find ' + what + ' to ${verb}.', data: { clicked: false, actions: [], items: [] } };`;
  switch (step.action) {
    case 'read':
      return `  const text = items.map((item) => item.text).filter((t) => t).join('\\n');
  return { answer: items.length ? 'It says: ' + text : 'I found no ' + what + '.', data: { text: text, count: items.length, items: items } };`;
    case 'click':
    case 'double-click':
    case 'right-click':
    case 'hover':
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
