import { z } from 'zod';
import type { CapabilityManifest, IntentSpec, JsonSchema } from '../domain/index.js';
import { ACTIONS, DATA_OPS, IroncliwError, PERMISSIONS, TARGET_KINDS } from '../domain/index.js';
import { compositionOf, frameFields, opsOf, parseCommand } from '../understanding/index.js';
import { checkSchema } from './schema-check.js';

const JsonSchemaZ: z.ZodType<JsonSchema> = z.lazy(() =>
  z
    .object({
      type: z.enum(['object', 'string', 'number', 'integer', 'boolean', 'array', 'null']).optional(),
      properties: z.record(z.string(), JsonSchemaZ).optional(),
      required: z.array(z.string()).optional(),
      items: JsonSchemaZ.optional(),
      enum: z.array(z.unknown()).max(200).optional(),
      additionalProperties: z.union([z.boolean(), JsonSchemaZ]).optional(),
      minimum: z.number().optional(),
      maximum: z.number().optional(),
      maxLength: z.number().int().optional(),
      description: z.string().max(500).optional(),
    })
    .strict(),
);

const SLOT = z.enum(['shape', 'color', 'region', 'text', 'label', 'quantity', 'size', 'state']);
const FIXED_SLOT = z.enum(['shape', 'color', 'region', 'text', 'label']);

/**
 * One intent; a composed intent lists its parts (recursively, at most 8 parts per level and 3 levels deep, so a
 * hostile manifest cannot make validation or routing walk an unbounded tree).
 */
const intentSchema = (depth: number): z.ZodType<IntentSpec> =>
  z
    .object({
      action: z.enum(ACTIONS),
      targetKind: z.enum(TARGET_KINDS),
      // Partial: an intent pins some fields and leaves the rest free (zod 4's z.record with enum keys is
      // exhaustive — it demanded every slot).
      fixed: z.partialRecord(FIXED_SLOT, z.string()).optional(),
      slots: z.array(SLOT),
      required: z.array(SLOT).max(8).optional(),
      examples: z.array(z.string().max(300)).max(50),
      ops: z.array(z.enum(DATA_OPS)).max(8).optional(),
      ...(depth > 0
        ? {
            parts: z
              .object({
                mode: z.enum(['sequence', 'parallel', 'conditional']),
                intents: z
                  .array(z.lazy(() => intentSchema(depth - 1)))
                  .min(1)
                  .max(8),
              })
              .strict()
              .optional(),
          }
        : {}),
    })
    .strict() as z.ZodType<IntentSpec>;
const IntentSchema = intentSchema(3);

/** Manifests come from generators, bundles and users: validated strictly, unknown keys rejected. */
export const ManifestSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{0,79}$/, 'lowercase letters, digits, dots and dashes, ≤ 80 chars'),
    name: z.string().min(1).max(120),
    version: z.number().int().min(1),
    description: z.string().max(2000),
    intents: z.array(IntentSchema).min(1).max(20),
    permissions: z.array(z.enum(PERMISSIONS)),
    inputSchema: JsonSchemaZ,
    outputSchema: JsonSchemaZ,
    limits: z
      .object({ timeoutMs: z.number().int().min(1).max(60_000), memoryMb: z.number().int().min(8).max(1024) })
      .strict(),
    origin: z
      .object({
        kind: z.enum(['builtin', 'generated', 'imported']),
        generator: z.string().max(200),
        patternId: z.string().max(100).optional(),
        failureIds: z.array(z.string().max(100)).max(10_000),
      })
      .strict(),
    combines: z.array(z.string()).optional(),
  })
  .strict();

/** Below this parser confidence an example cannot define an intent (the same bar as serving a command). */
const MIN_EXAMPLE_CONFIDENCE = 0.6;

type IntentIn = Record<string, unknown> & { examples?: unknown };

/**
 * A hand-written intent may give only `examples`: its `action`, `targetKind` and `slots` (and `ops`) are then
 * read from them with the same parser that serves commands, so the intent matches exactly what its examples
 * say. Every example must parse, and all must agree on action, target kind and data ops; the fields any
 * example names become slots (pin values with `fixed`). Given fields are kept as written. Whatever cannot be
 * derived is refused with the intent's path, the example and what is missing.
 */
function deriveIntent(intent: IntentIn, path: string): IntentIn {
  const missing = (['action', 'targetKind', 'slots'] as const).filter((k) => intent[k] === undefined);
  if (missing.length === 0 || intent['parts'] !== undefined) return intent;
  const examples = Array.isArray(intent.examples)
    ? intent.examples.filter((e): e is string => typeof e === 'string')
    : [];
  const fail = (why: string): never => {
    throw new IroncliwError('E_CAPABILITY_INVALID', `manifest ${path}: ${why}`);
  };
  if (examples.length === 0)
    fail(
      `missing ${missing.join(', ')}: give ${missing.length > 1 ? 'them' : 'it'}, or examples (commands this capability answers) to derive ${missing.length > 1 ? 'them' : 'it'} from`,
    );
  const frames = examples.map((text, i) => {
    const r = parseCommand(text);
    if (compositionOf(r.frame))
      fail(
        `examples.${i} "${text}" is a composed command: give action, targetKind, slots and parts explicitly`,
      );
    if (r.confidence < MIN_EXAMPLE_CONFIDENCE)
      fail(
        `examples.${i} "${text}" is not understood well enough to derive ${missing.join(', ')} (confidence ${r.confidence.toFixed(2)} < ${MIN_EXAMPLE_CONFIDENCE}): rephrase it, or give ${missing.join(', ')}`,
      );
    return r.frame;
  });
  const first = frames[0]!;
  const ops = (f: typeof first) => opsOf(f).map((o) => o.op);
  frames.forEach((f, i) => {
    for (const [what, a, b] of [
      ['action', f.action, first.action],
      ['targetKind', f.target.kind, first.target.kind],
      ['data ops', ops(f).join(',') || 'none', ops(first).join(',') || 'none'],
    ] as const)
      if (a !== b)
        fail(
          `examples disagree on ${what}: "${examples[0]}" reads as ${b}, "${examples[i]}" as ${a} — split them into separate intents, or give ${missing.join(', ')}`,
        );
  });
  const slots = [...new Set(frames.flatMap((f) => Object.keys(frameFields(f))))];
  return {
    ...intent,
    ...(intent['action'] === undefined ? { action: first.action } : {}),
    ...(intent['targetKind'] === undefined ? { targetKind: first.target.kind } : {}),
    ...(intent['slots'] === undefined ? { slots } : {}),
    ...(intent['ops'] === undefined && ops(first).length ? { ops: ops(first) } : {}),
  };
}

function withDerivedIntents(value: unknown): unknown {
  if (!value || typeof value !== 'object' || !Array.isArray((value as { intents?: unknown }).intents))
    return value;
  const v = value as { intents: unknown[] };
  return {
    ...v,
    intents: v.intents.map((it, i) =>
      it && typeof it === 'object' && !Array.isArray(it) ? deriveIntent(it as IntentIn, `intents.${i}`) : it,
    ),
  };
}

export function validateManifest(value: unknown): CapabilityManifest {
  const r = ManifestSchema.safeParse(withDerivedIntents(value));
  if (!r.success) {
    const i = r.error.issues[0];
    throw new IroncliwError(
      'E_CAPABILITY_INVALID',
      `manifest ${i?.path.join('.') || '(root)'}: ${i?.message ?? 'invalid'}`,
    );
  }
  return r.data as CapabilityManifest;
}

/**
 * Checks a value against a manifest schema; returns the first problem or undefined. Schemas are the small
 * subset ManifestSchema admits, checked by schema-check.ts with Ajv's verdicts and messages (Ajv itself cost
 * ≈ 0.2 s of a CLI command's start-up to load and compile, issue 20).
 */
export function schemaProblem(schema: JsonSchema, value: unknown): string | undefined {
  const e = checkSchema(schema, value);
  return e ? `${e.instancePath || '(root)'} ${e.message}` : undefined;
}
