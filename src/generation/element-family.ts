import type {
  Capability,
  IntentSpec,
  JsonSchema,
  Pattern,
  Permission,
  UiElementKind,
} from '../domain/index.js';
import { NAMED_REGIONS, UI_ELEMENT_KINDS } from '../domain/index.js';
import { compositionOf, opsOf } from '../understanding/index.js';
import type { GeneratorFamily } from './family.js';

/**
 * Widgets by kind and label, through `sdk.vision.elements`: click, right-click or hover over a control
 * ("click the Save button", a link,
 * a tab, a list item, a checkbox by its label), type into a field named by its label, read what a control says
 * or holds, check whether a control is there. A control is found by its own label, never by words of a sentence
 * that happen to quote it: elements of kind text, heading and label only name things and are never acted on.
 *
 * Modules are fixed text per verb; the label, the text to type and the region arrive through `input`.
 */
type Verb = 'click' | 'right-click' | 'hover' | 'type' | 'read' | 'check';

/** What people call a kind, in the words they use ("field", "check box"), mapped to the SDK's kind. */
const KIND_WORDS: Readonly<Record<string, UiElementKind>> = {
  field: 'text-field',
  'text field': 'text-field',
  textfield: 'text-field',
  textbox: 'text-field',
  'text box': 'text-field',
  input: 'text-field',
  box: 'text-field',
  'check box': 'checkbox',
  'radio button': 'radio',
  'drop down': 'dropdown',
  'drop-down': 'dropdown',
  select: 'dropdown',
  menu: 'dropdown',
  close: 'close-button',
  item: 'list-item',
  'list item': 'list-item',
  node: 'tree-node',
};

/**
 * The generated code checks its own inputs before the SDK sees them: a kind is normalised (case, spaces, the
 * words people use) and one that names no element kind finds nothing (a clean "not found" of the output's
 * shape, never an SDK error); the label is cut to what the SDK's query takes.
 */
const FIND = `  const KINDS = ${JSON.stringify(UI_ELEMENT_KINDS)};
  const KIND_WORDS = ${JSON.stringify(KIND_WORDS)};
  const screen = await sdk.screen.capture();
  const area = typeof input.region === 'string' ? await sdk.vision.region(screen, input.region) : screen;
  const label = String(input.label === undefined || input.label === null ? '' : input.label).trim().slice(0, 200);
  const asked = typeof input.kind === 'string' ? input.kind.trim().toLowerCase().replace(/[\\s_]+/g, ' ') : '';
  const kind = asked === '' ? undefined : KINDS.indexOf(asked.replace(/ /g, '-')) >= 0 ? asked.replace(/ /g, '-') : KIND_WORDS[asked] || null;
  // Words in a sentence, headings and labels name controls; the control is what is acted on or read. A control
  // whose label could not be read is never taken for one asked by name ("♥♥♥" is no word and matches no text).
  const NAMING = ['text', 'heading', 'label'];
  const query = kind ? { kind: kind, text: label } : { text: label };
  const found = kind === null ? [] : (await sdk.vision.elements(area, query)).filter((e) => NAMING.indexOf(e.kind) < 0 && (e.kind === 'close-button' || (e.text || e.value || '') !== ''));
  const item = (e) => ({ kind: e.kind, text: e.text, bbox: e.bbox, state: e.state });
`;

/** A pointer action on the control found first: `call` is the SDK call on `target`, `verb` what it says. */
function pointerModule(call: string, verb: string, done: string): string {
  return `export default async function run(input, sdk) {
${FIND}  if (found.length === 0) return { answer: 'I could not find "' + label + '" to ${verb}.', data: { clicked: false, actions: [], items: [] } };
  const target = found[0];
  const done = await ${call};
  return { answer: '${done} the ' + target.kind + ' "' + (target.text || label) + '".', data: { clicked: true, actions: [done], items: [item(target)] } };
}
`;
}

const MODULES: Record<Verb, string> = {
  click: pointerModule('sdk.actions.click(target)', 'click', 'Clicked'),
  'right-click': pointerModule(
    "sdk.actions.click(target, { button: 'right' })",
    'right-click',
    'Right-clicked',
  ),
  hover: pointerModule('sdk.actions.hover(target)', 'hover over', 'Hovered over'),
  type: `export default async function run(input, sdk) {
${FIND}  let fields = found.filter((e) => e.kind === 'text-field');
  // "the text field", "the box": a generic name is the only field there is.
  if (fields.length === 0) {
    const all = await sdk.vision.elements(area, { kind: 'text-field' });
    if (all.length === 1) fields = all;
  }
  if (fields.length === 0) return { answer: 'I could not find the field "' + label + '".', data: { actions: [], items: [] } };
  const text = String(input.text === undefined || input.text === null ? '' : input.text).slice(0, 1000);
  const clicked = await sdk.actions.click(fields[0]);
  if (text === '') return { answer: 'Clicked the field "' + label + '"; there was nothing to type.', data: { actions: [clicked], items: [item(fields[0])] } };
  const typed = await sdk.actions.type(text);
  return { answer: 'Typed "' + text + '" into "' + label + '".', data: { actions: [clicked, typed], items: [item(fields[0])] } };
}
`,
  read: `export default async function run(input, sdk) {
${FIND}  if (found.length === 0) return { answer: 'I could not find "' + label + '".', data: { text: '', items: [] } };
  const e = found[0];
  const said = e.value !== undefined ? e.value : e.text;
  const state = e.state.length ? ' (' + e.state.join(', ') + ')' : '';
  return { answer: 'The ' + e.kind + ' "' + label + '" ' + (e.value !== undefined ? 'holds "' + said + '"' : 'says "' + said + '"') + state + '.', data: { text: said, state: e.state, items: [item(e)] } };
}
`,
  check: `export default async function run(input, sdk) {
${FIND}  const what = (kind || asked || 'control') + ' "' + label + '"';
  return {
    answer: found.length ? 'Yes, there is a ' + what + '.' : 'No, I see no ' + what + '.',
    data: { present: found.length > 0, count: found.length, items: found.map(item) },
  };
}
`,
};

const PERMISSIONS: Record<Verb, Permission[]> = {
  click: ['screen.capture', 'vision.analyze', 'actions.click'],
  // Hovering is a pointer action: the click permission covers it (domain SDK_METHODS).
  'right-click': ['screen.capture', 'vision.analyze', 'actions.click'],
  hover: ['screen.capture', 'vision.analyze', 'actions.click'],
  type: ['screen.capture', 'vision.analyze', 'actions.click', 'actions.type'],
  read: ['screen.capture', 'vision.analyze'],
  check: ['screen.capture', 'vision.analyze'],
};

function verbOf(pattern: Pattern): Verb | undefined {
  const f = pattern.frame;
  if (opsOf(f).length || compositionOf(f)) return undefined;
  if (f.target.kind !== 'button' && f.target.kind !== 'element') return undefined;
  const params = new Set(pattern.parameters);
  if (!params.has('label')) return undefined;
  const allowed = new Set(['label', 'region', ...(f.action === 'type' ? ['text'] : [])]);
  if ([...params].some((p) => !allowed.has(p))) return undefined;
  if (f.region !== undefined && typeof f.region !== 'string') return undefined;
  if (f.action === 'click' || f.action === 'right-click' || f.action === 'hover') return f.action;
  if (f.action === 'type' && params.has('text')) return 'type';
  if (f.action === 'read') return 'read';
  if (f.action === 'check') return 'check';
  return undefined;
}

const EXAMPLES: Record<Verb, string[]> = {
  click: ['click the Save button', 'click on the "Privacy" link', 'click the Submit button'],
  'right-click': ['right-click the Files button', 'right-click the "Inbox" button', 'right-click Save'],
  hover: ['hover over the Help button', 'hover over the "Export" button', 'hover over Print'],
  type: [
    'type Alice into the Name field',
    'enter hello in the Search box',
    'type 42 into the Quantity field',
  ],
  read: ['what does the Email field hold', 'read the Status label', 'what does the Plan dropdown say'],
  check: ['is there a Save button', 'is there a Cancel button', 'is there a Help link'],
};

/** Click / right-click / hover over / type into / read / check a UI control found by its label (and region). */
export const elementFamily: GeneratorFamily = {
  id: 'template/element-by-label',
  accepts(pattern) {
    return verbOf(pattern) !== undefined;
  },
  emit(pattern, version, failureIds): Capability {
    const verb = verbOf(pattern);
    if (!verb) throw new Error('elementFamily.emit called for a pattern it does not accept');
    const slots = pattern.parameters.filter((p) => p === 'label' || p === 'region' || p === 'text');
    const properties: Record<string, JsonSchema> = {
      label: { type: 'string', maxLength: 200 },
      kind: { type: 'string', maxLength: 20 },
      region: { type: 'string', enum: [...NAMED_REGIONS] },
    };
    if (verb === 'type') properties.text = { type: 'string', maxLength: 1000 };
    const intent: IntentSpec = {
      action: pattern.frame.action,
      targetKind: pattern.frame.target.kind,
      slots: slots as IntentSpec['slots'],
      examples: EXAMPLES[verb],
    };
    const where = slots.includes('region') ? '-in-region' : '';
    return {
      manifest: {
        id: `element-${verb}-by-label${where}`,
        name: `${verb[0]!.toUpperCase()}${verb.slice(1)}${verb === 'hover' ? ' over' : ''} a control by its label`,
        version,
        description: `Finds a UI control by its label with sdk.vision.elements (never the words of a sentence) and ${
          verb === 'click'
            ? 'clicks the centre of its box'
            : verb === 'right-click'
              ? 'right-clicks the centre of its box'
              : verb === 'hover'
                ? 'moves the pointer to the centre of its box'
                : verb === 'type'
                  ? 'types into it'
                  : verb === 'read'
                    ? 'reads what it says or holds'
                    : 'says whether it is there'
        }.`,
        intents: [intent],
        permissions: PERMISSIONS[verb],
        inputSchema: {
          type: 'object',
          required: verb === 'type' ? ['label', 'text'] : ['label'],
          properties,
          additionalProperties: false,
        },
        outputSchema: {
          type: 'object',
          required: ['answer', 'data'],
          properties: { answer: { type: 'string' }, data: { type: 'object' } },
        },
        // Every phrase is read by OCR: the same limit as the OCR templates' (emit.ts).
        limits: { timeoutMs: 10_000, memoryMb: 64 },
        origin: {
          kind: 'generated',
          generator: 'template/element-by-label',
          patternId: pattern.id,
          failureIds,
        },
      },
      code: MODULES[verb],
    };
  },
};

/** The module of each verb, for tests that run it in the sandbox against real pages. */
export const ELEMENT_MODULES: Readonly<Record<Verb, string>> = MODULES;
