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
    limits: { timeoutMs: 5000, memoryMb: 64 },
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

export const describeScreenCapability: BuiltinCapability = {
  manifest: builtinManifest(
    'describe-screen',
    'Describe the screen',
    'Summarises the screen or a region: layout regions, shapes by colour, dominant colours.',
    [
      {
        action: 'describe',
        targetKind: 'screen',
        slots: ['region'],
        examples: ['describe the screen', 'describe the toolbar'],
      },
    ],
    ['screen.capture', 'vision.analyze'],
  ),
  async execute(input, ctx) {
    const screen = await ctx.sdk.call('screen.capture', []);
    const area =
      typeof input.region === 'string' ? await ctx.sdk.call('vision.region', [screen, input.region]) : screen;
    const summary = (await ctx.sdk.call('vision.describe', [area])) as { summary?: string } & Record<
      string,
      unknown
    >;
    return {
      answer: typeof summary.summary === 'string' ? summary.summary : 'I could not summarise the screen.',
      data: summary,
    };
  },
};

export const BUILTIN_CAPABILITIES: readonly BuiltinCapability[] = [
  helpCapability,
  listCapabilitiesCapability,
  describeScreenCapability,
];
