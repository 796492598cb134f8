import type { IntentSpecExt } from '../understanding/index.js';
import { requiredSlots } from './manifest-schemas.js';
import type { Plan, Slot, StepPlan } from './plan.js';
import { POINTER_ACTIONS } from './plan.js';

/** The intents a capability declares, with example phrasings (shown by `help` and in the manifest). */

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
  // "hover over X" is how people say it (and the parser's first example of the verb).
  const act = step.action === 'hover' ? 'hover over' : step.action;
  const verb = step.action === 'locate' ? 'where are' : act;
  switch (step.kind) {
    case 'shapes':
      if (step.ops.includes('aggregate'))
        return `how big is the largest ${shapes.replace(/s$/, '')}${where}${ops}`;
      if (step.ops.includes('attribute')) return `what colour is the ${shapes.replace(/s$/, '')}${where}`;
      if (step.action === 'check') return `are there any ${shapes}${where}${ops}`;
      if (POINTER_ACTIONS.has(step.action)) return `${act} the ${shapes.replace(/s$/, '')}${where}${ops}`;
      return `${verb} the ${one(shapes)}${where}${ops}`;
    case 'text':
      return step.slots.includes('label')
        ? `${act} the ${pick}"${v('label')}" ${LABELLED_NOUN[step.targetKind] ?? ''}${where}${ops}`
            .replace(/ +/g, ' ')
            .trim()
        : `${act} the ${pick}text "${v('text')}"${where}${ops}`;
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

/** Labelled kinds a text step finds by OCR, named so an example reads back to its kind ("the "Help" link"). */
const LABELLED_NOUN: Partial<Record<string, string>> = { button: 'button', link: 'link', tab: 'tab' };

export function examples(plan: Plan): string[] {
  return [0, 1, 2].map((i) => {
    const ps = plan.steps.map((s) => phrase(s, i));
    if (plan.mode === 'conditional') return `if ${ps[0]!.replace(/^are there any/, 'there are')}, ${ps[1]}`;
    if (plan.ops[0] === 'compare')
      return `are there more ${ps[0]!.replace(/^count the /, '')} than ${ps[1]!.replace(/^count the /, '')}`;
    return ps.join(plan.mode === 'sequence' ? ' and then ' : ' and ');
  });
}

export function stepIntent(step: StepPlan): IntentSpecExt {
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
