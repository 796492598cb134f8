/** A capability: manifest (intents, permissions, schemas, limits, origin), code, and what it returns. */
import type { Action, DataOpName, Rect, TargetKind } from './intent-frame.js';

export const PERMISSIONS = [
  'screen.capture',
  'vision.analyze',
  'ocr.read',
  'actions.click',
  'actions.type',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export type CapabilityOriginKind = 'builtin' | 'generated' | 'imported';

export interface CapabilityOrigin {
  kind: CapabilityOriginKind;
  generator: string;
  patternId?: string;
  failureIds: string[];
}

/** Minimal JSON-schema subset used for capability inputs and outputs. */
export interface JsonSchema {
  type?: 'object' | 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'null';
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  additionalProperties?: boolean | JsonSchema;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  description?: string;
}

/** One way a capability can be asked for: a frame template; `slots` name the frame fields taken from the command. */
export interface IntentSpec {
  action: Action;
  targetKind: TargetKind;
  /** Fixed frame fields, e.g. {shape:'circle'}; absent fields are free. */
  fixed?: Partial<Record<'shape' | 'color' | 'region' | 'text' | 'label', string>>;
  /** Frame fields passed to the capability as input, e.g. ['color','shape','region']. */
  slots: Array<'shape' | 'color' | 'region' | 'text' | 'label' | 'quantity' | 'size' | 'state'>;
  /**
   * Slots the capability cannot run without ("click <label>" needs a label): a frame that leaves one empty is
   * not routed here (it is a missing_handler of its own signature).
   */
  required?: Array<'shape' | 'color' | 'region' | 'text' | 'label' | 'quantity' | 'size' | 'state'>;
  examples: string[];
  /** Names of the data ops the capability applies, in order (their parameters arrive in `input.ops`). */
  ops?: DataOpName[];
  /** A composed intent: each part is an intent of its own; inputs arrive as `input.steps[i]`. */
  parts?: { mode: 'sequence' | 'parallel' | 'conditional'; intents: IntentSpec[] };
}

export interface CapabilityLimits {
  timeoutMs: number;
  memoryMb: number;
}

export interface CapabilityManifest {
  id: string;
  name: string;
  version: number;
  description: string;
  intents: IntentSpec[];
  permissions: Permission[];
  inputSchema: JsonSchema;
  outputSchema: JsonSchema;
  limits: CapabilityLimits;
  origin: CapabilityOrigin;
  combines?: string[];
}

export interface Capability {
  manifest: CapabilityManifest;
  /** One ES2022 module whose default export is `async function run(input, sdk)`. */
  code: string;
}

export interface Item {
  kind: string;
  shape?: string;
  color?: string;
  text?: string;
  bbox: Rect;
}

export interface CapabilityResult {
  answer: string;
  data: {
    count?: number;
    items?: Item[];
    text?: string;
    present?: boolean;
    actions?: Array<{
      type: 'click' | 'type' | 'press' | 'hover' | 'drag';
      x?: number;
      y?: number;
      /** A click's mouse button; absent means left. */
      button?: 'left' | 'right';
      /** Where a drag releases the button. */
      to?: { x: number; y: number };
      text?: string;
      keys?: string;
    }>;
    [key: string]: unknown;
  };
}
