import type { Capability, CapabilityManifest, IntentSpec, JsonSchema, Pattern } from '../domain/index.js';
import type { IntentSpecExt } from '../understanding/index.js';
import { emitModule } from './emit-module.js';
import { examples, stepIntent } from './intent-examples.js';
import { opsSchema, outputSchema, stepInputSchema } from './manifest-schemas.js';
import type { Plan, StepPlan } from './plan.js';
import { planPermissions } from './plan.js';

export { emitModule } from './emit-module.js';

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
