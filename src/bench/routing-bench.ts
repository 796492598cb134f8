import type { CapabilityManifest, Rollout } from '../domain/index.js';
import { CapabilityRegistry } from '../capabilities/index.js';
import { parseCommand } from '../understanding/index.js';
import type { Figure } from './harness.js';
import { measure } from './harness.js';

const SHAPES = ['circle', 'square', 'triangle', 'rectangle'] as const;
const COLORS = ['red', 'green', 'blue', 'yellow', 'purple'] as const;

const REGIONS = [
  'toolbar',
  'sidebar',
  'content',
  'statusbar',
  'titlebar',
  'top-left',
  'center',
  'bottom-right',
  'top',
  'left',
  'right',
  'bottom',
  'top-right',
  'bottom-left',
] as const;

/**
 * 1,000 distinct capabilities (action × shape × colour × region, each a specialised intent) with live
 * rollouts in every stage, plus a few generic ones with slots, so a frame has several candidates.
 */
export function syntheticRegistry(n = 1000): CapabilityRegistry {
  const registry = new CapabilityRegistry({ internalGroup: 'internal', betaGroup: 'beta' });
  const actions = ['count', 'find', 'locate', 'check'] as const;
  const stages: Rollout['stage'][] = ['canary', 'beta', 'gradual', 'production'];
  const entries = [];
  for (let i = 0; i < n; i++) {
    const manifest: CapabilityManifest = {
      id: `cap-${i}`,
      name: `cap ${i}`,
      version: 1,
      description: '',
      intents: [
        {
          action: actions[i % actions.length]!,
          targetKind: 'shape',
          fixed:
            i % 100 === 0
              ? { shape: SHAPES[i % SHAPES.length]! }
              : {
                  shape: SHAPES[Math.floor(i / 4) % SHAPES.length]!,
                  color: COLORS[Math.floor(i / 16) % COLORS.length]!,
                  region: REGIONS[Math.floor(i / 80) % REGIONS.length]!,
                },
          slots: i % 100 === 0 ? ['color', 'region'] : [],
          examples: [],
        },
      ],
      permissions: ['screen.capture', 'vision.analyze'],
      inputSchema: { type: 'object' },
      outputSchema: { type: 'object' },
      limits: { timeoutMs: 1000, memoryMb: 64 },
      origin: { kind: 'generated', generator: 'bench', failureIds: [] },
    };
    const stage = stages[i % stages.length]!;
    entries.push({
      manifest,
      code: '',
      rollout: {
        id: `r${i}`,
        capabilityId: manifest.id,
        version: 1,
        stage,
        percentage: stage === 'production' ? 10_000 : 2500,
        rolloutKey: `${manifest.id}:v1`,
        stageEnteredAt: '',
        updatedAt: '',
      },
    });
  }
  registry.replace(entries);
  return registry;
}

export function routingFigures(): Figure[] {
  const registry = syntheticRegistry(1000);
  const frame = parseCommand('count the green circles on the toolbar').frame;
  let i = 0;
  const route = measure(() => {
    registry.route(frame, { user: `user-${i++ % 5000}` });
  }, 200_000);
  const parse = measure(() => {
    parseCommand('could you count the green circles on the toolbar please');
  }, 50_000);
  return [
    {
      name: 'routing + rollout decision, 1,000 capabilities (p99)',
      value: route.p99,
      unit: 'µs',
      budget: { max: 50, unit: 'µs' },
    },
    {
      name: 'command understanding (p99)',
      value: parse.p99,
      unit: 'µs',
      budget: { max: 100, unit: 'µs' },
    },
  ];
}
