import type { CapabilityManifest, CapabilityResult, RequestContext } from '../domain/index.js';
import type { HostSdk } from './host-sdk.js';

export interface BuiltinContext {
  sdk: HostSdk;
  context: RequestContext;
  /** Manifests of the capabilities this user is served (help and listings answer per user). */
  served(): CapabilityManifest[];
}

/** A trusted capability shipped with Ironcliw; runs in-process because it is our own reviewed code. */
export interface BuiltinCapability {
  manifest: CapabilityManifest;
  execute(input: Record<string, unknown>, ctx: BuiltinContext): Promise<CapabilityResult>;
}

const RESULT_SCHEMA = {
  type: 'object',
  required: ['answer', 'data'],
  properties: { answer: { type: 'string' }, data: { type: 'object' } },
} as const;

function builtinManifest(
  id: string,
  name: string,
  description: string,
  intents: CapabilityManifest['intents'],
  permissions: CapabilityManifest['permissions'] = [],
  timeoutMs = 5000,
): CapabilityManifest {
  return {
    id,
    name,
    version: 1,
    description,
    intents,
    permissions,
    inputSchema: { type: 'object' },
    outputSchema: RESULT_SCHEMA as unknown as CapabilityManifest['outputSchema'],
    limits: { timeoutMs, memoryMb: 64 },
    origin: { kind: 'builtin', generator: 'ironcliw', failureIds: [] },
  };
}

export const helpCapability: BuiltinCapability = {
  manifest: builtinManifest('help', 'Help', 'Explains what Ironcliw can do for you right now.', [
    { action: 'help', targetKind: 'capabilities', slots: [], examples: ['what can you do', 'help'] },
  ]),
  async execute(_input, ctx) {
    const served = ctx.served();
    const examples = served.flatMap((m) => m.intents.flatMap((i) => i.examples.slice(0, 1)));
    return {
      answer:
        `I can handle ${served.length} kinds of request, for example: ${examples.map((e) => `"${e}"`).join(', ')}. ` +
        'When I cannot handle something, I record it and learn a new capability once it repeats.',
      data: {
        capabilities: served.map((m) => ({
          id: m.id,
          name: m.name,
          examples: m.intents.flatMap((i) => i.examples),
        })),
      },
    };
  },
};

export const listCapabilitiesCapability: BuiltinCapability = {
  manifest: builtinManifest(
    'list-capabilities',
    'List capabilities',
    'Lists the capabilities served to you, with version and origin.',
    [{ action: 'list', targetKind: 'capabilities', slots: [], examples: ['list capabilities'] }],
  ),
  async execute(_input, ctx) {
    const served = ctx.served();
    const items = served.map((m) => ({ id: m.id, name: m.name, version: m.version, origin: m.origin.kind }));
    return {
      answer: `${items.length} capabilities: ${items.map((i) => `${i.id} v${i.version} (${i.origin})`).join(', ')}.`,
      data: { count: items.length, capabilities: items },
    };
  },
};

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface Word {
  text: string;
  bbox: Box;
}
/** A run of words read as one label or phrase, and the layout region it sits in. */
interface TextItem {
  text: string;
  bbox: Box;
  region: string;
}

/**
 * Words into the labels and phrases a person would name: words on one line belong together unless the gap
 * between them is wider than a few spaces (separate toolbar buttons, say). Each item goes to the detected
 * region holding its centre.
 */
function textItems(
  words: Word[],
  regions: Array<{ name: string; bbox: Box; detected: boolean }>,
): TextItem[] {
  const sorted = [...words].sort((a, b) => a.bbox.y - b.bbox.y || a.bbox.x - b.bbox.x);
  const lines: Word[][] = [];
  for (const w of sorted) {
    const cy = w.bbox.y + w.bbox.height / 2;
    const line = lines.find(
      (l) => Math.abs(l[0]!.bbox.y + l[0]!.bbox.height / 2 - cy) < l[0]!.bbox.height * 0.6,
    );
    if (line) line.push(w);
    else lines.push([w]);
  }
  const items: TextItem[] = [];
  for (const line of lines) {
    line.sort((a, b) => a.bbox.x - b.bbox.x);
    let run: Word[] = [];
    const flush = () => {
      if (!run.length) return;
      const x = Math.min(...run.map((w) => w.bbox.x));
      const y = Math.min(...run.map((w) => w.bbox.y));
      const x1 = Math.max(...run.map((w) => w.bbox.x + w.bbox.width));
      const y1 = Math.max(...run.map((w) => w.bbox.y + w.bbox.height));
      const cx = (x + x1) / 2;
      const cy = (y + y1) / 2;
      const region = regions.find(
        (r) =>
          r.detected &&
          cx >= r.bbox.x &&
          cx < r.bbox.x + r.bbox.width &&
          cy >= r.bbox.y &&
          cy < r.bbox.y + r.bbox.height,
      );
      items.push({
        text: run.map((w) => w.text).join(' '),
        bbox: { x, y, width: x1 - x, height: y1 - y },
        region: region?.name ?? 'content',
      });
      run = [];
    };
    for (const w of line) {
      const prev = run.at(-1);
      // A word gap is about a third of the text height; separate labels are further apart.
      if (
        prev &&
        w.bbox.x - (prev.bbox.x + prev.bbox.width) > 1.2 * Math.max(prev.bbox.height, w.bbox.height)
      )
        flush();
      run.push(w);
    }
    flush();
  }
  return items;
}

/** At most this many other texts are named in the answer (all are in `data.texts`). */
const NAMED_TEXTS = 8;

const quoted = (items: TextItem[]) => items.map((i) => `"${i.text}"`).join(', ');

export const describeScreenCapability: BuiltinCapability = {
  manifest: builtinManifest(
    'describe-screen',
    'Describe the screen',
    'Summarises the screen or a region: the window title, labels and other visible text (OCR), layout regions, shapes by colour, dominant colours.',
    [
      {
        action: 'describe',
        targetKind: 'screen',
        slots: ['region'],
        examples: ['describe the screen', 'describe the toolbar'],
      },
    ],
    ['screen.capture', 'vision.analyze', 'ocr.read'],
    // OCR's first call in a process starts a tesseract worker: 1-2 s on an idle machine, 15 s seen with the
    // two cores shared by a load of 25. A bound against hanging, not the budget (docs/performance.md).
    30_000,
  ),
  async execute(input, ctx) {
    const screen = await ctx.sdk.call('screen.capture', []);
    const area =
      typeof input.region === 'string' ? await ctx.sdk.call('vision.region', [screen, input.region]) : screen;
    const summary = (await ctx.sdk.call('vision.describe', [area])) as {
      summary?: string;
      regions?: Array<{ name: string; bbox: Box; detected: boolean }>;
    } & Record<string, unknown>;
    // What the screen says, read with OCR (the largest share of this capability's cost: docs/performance.md).
    const read = (await ctx.sdk.call('vision.readText', [area])) as { text: string; words: Word[] };
    const items = textItems(read.words, summary.regions ?? []);
    const title = items.filter((i) => i.region === 'titlebar');
    const toolbar = items.filter((i) => i.region === 'toolbar');
    const statusbar = items.filter((i) => i.region === 'statusbar');
    const other = items.filter((i) => !['titlebar', 'toolbar', 'statusbar'].includes(i.region));
    const parts = [
      typeof summary.summary === 'string' ? summary.summary : 'I could not summarise the screen.',
    ];
    if (title.length) parts.push(`The title says ${quoted(title)}.`);
    if (toolbar.length) parts.push(`Toolbar: ${quoted(toolbar)}.`);
    if (other.length)
      parts.push(
        `Text: ${quoted(other.slice(0, NAMED_TEXTS))}${other.length > NAMED_TEXTS ? ` and ${other.length - NAMED_TEXTS} more` : ''}.`,
      );
    if (statusbar.length) parts.push(`Status bar: ${quoted(statusbar)}.`);
    if (!items.length) parts.push('No text is visible.');
    return {
      answer: parts.join(' '),
      data: {
        ...summary,
        text: read.text,
        title: title.map((i) => i.text).join(' ') || null,
        texts: items,
      },
    };
  },
};

export const BUILTIN_CAPABILITIES: readonly BuiltinCapability[] = [
  helpCapability,
  listCapabilitiesCapability,
  describeScreenCapability,
];
