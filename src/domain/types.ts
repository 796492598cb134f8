/**
 * The shared vocabulary of Ironcliw (DESIGN.md "Contracts"). Pure types: no I/O, no imports of ours.
 * JSON shapes are camelCase and binding between stages.
 */

export const ACTIONS = [
  'count',
  'find',
  'locate',
  'read',
  'click',
  'type',
  'press',
  'describe',
  'check',
  'list',
  'compare',
  'help',
  // UI actions (the widget grammar, docs/generation.md): executed through `sdk.vision.elements` + `sdk.actions.*`.
  'select',
  'toggle',
  'expand',
  'collapse',
  'close',
  'focus',
  'double-click',
  'right-click',
  'hover',
  'drag',
] as const;
export type Action = (typeof ACTIONS)[number];

/** Every action that changes something on the screen: bulk use is a safety concern, and "all" is never filler. */
export const ACTING_ACTIONS: ReadonlySet<Action> = new Set<Action>([
  'click',
  'type',
  'press',
  'select',
  'toggle',
  'expand',
  'collapse',
  'close',
  'focus',
  'double-click',
  'right-click',
  'hover',
  'drag',
]);

export const NAMED_REGIONS = [
  'titlebar',
  'toolbar',
  'sidebar',
  'statusbar',
  'content',
  'top-left',
  'top',
  'top-right',
  'left',
  'center',
  'right',
  'bottom-left',
  'bottom',
  'bottom-right',
] as const;
export type NamedRegion = (typeof NAMED_REGIONS)[number];

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type Region = NamedRegion | Rect;

export const SHAPES = ['circle', 'square', 'rectangle', 'triangle'] as const;
export type Shape = (typeof SHAPES)[number];

export const COLORS = [
  'red',
  'orange',
  'yellow',
  'green',
  'blue',
  'purple',
  'pink',
  'white',
  'grey',
  'black',
  'brown',
  'cyan',
] as const;
export type ColorName = (typeof COLORS)[number];

/**
 * What a command is about: a shape, a piece of text, a UI element (any, or of one widget kind — the names are
 * UiElementKind's), the screen itself, or the system.
 */
export const TARGET_KINDS = [
  'shape',
  'text',
  'button',
  'element',
  'screen',
  'capabilities',
  'window',
  'link',
  'text-field',
  'checkbox',
  'radio',
  'tab',
  'dialog',
  'list-item',
  'tree-node',
  'dropdown',
] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export interface Target {
  kind: TargetKind;
  shape?: Shape;
  color?: ColorName;
  text?: string;
  label?: string;
  /** "a large 5", "the small squares": relative to the other candidates on the screen. */
  size?: 'large' | 'small';
}

export interface Condition {
  /** e.g. "if there is a red badge" → {action:'check', target:{...}} */
  frame: Omit<IntentFrame, 'condition' | 'raw'>;
}

export const DATA_OPS = [
  'sort',
  'filter',
  'aggregate',
  'convert',
  'compare',
  'exclude',
  'relative',
  'pick',
  'attribute',
  'group',
  'repeat',
] as const;
export type DataOpName = (typeof DATA_OPS)[number];

export type SortOp = { op: 'sort'; by: 'x' | 'y' | 'size'; order: 'asc' | 'desc' };
export type FilterOp = { op: 'filter'; by: 'size' | 'width' | 'height'; cmp: 'gt' | 'lt'; value: number };
export type AggregateOp = {
  op: 'aggregate';
  fn: 'max' | 'min' | 'mean' | 'sum';
  by: 'size' | 'width' | 'height' | 'area';
};
export type ConvertOp = { op: 'convert'; unit: 'cm' | 'mm' | 'in' | 'pt' };
export type CompareOp = { op: 'compare'; relation: 'more' | 'fewer' | 'same' };
/** "not on the toolbar", "except the green ones", "anything but buttons": drop the items that have this value. */
export type ExcludeOp = { op: 'exclude'; by: 'color' | 'shape' | 'region' | 'kind' | 'label'; value: string };
/** "the button to the right of Cancel", "the field below Email": keep items on that side of the anchor, nearest first. */
export type RelativeOp = {
  op: 'relative';
  relation: 'right-of' | 'left-of' | 'above' | 'below' | 'near';
  anchor: string;
};
/**
 * Ordinals and superlatives: "the second blue square" (reading order, index 2), "the last button" (reading, desc,
 * 1), "the topmost link" (y, asc, 1), "the 3 largest circles" (size, desc, 1, count 3). `index` is 1-based.
 */
export type PickOp = {
  op: 'pick';
  by: 'reading' | 'x' | 'y' | 'size';
  order: 'asc' | 'desc';
  index: number;
  count: number;
};
/** "what colour is …", "what shape is …": the answer is that attribute of the items. */
export type AttributeOp = { op: 'attribute'; of: 'color' | 'shape' };
/** "how many lines …": words grouped into lines of text. */
export type GroupOp = { op: 'group'; by: 'line' };
/** "click it twice": the action is performed `times` times on the same target. */
export type RepeatOp = { op: 'repeat'; times: number };
/** Data processing applied to what a frame's action returns ("from left to right", "larger than 40 px"). */
export type DataOp =
  | SortOp
  | FilterOp
  | AggregateOp
  | ConvertOp
  | CompareOp
  | ExcludeOp
  | RelativeOp
  | PickOp
  | AttributeOp
  | GroupOp
  | RepeatOp;

/** A frame inside a composed frame (no text of its own, no condition). */
export type PartFrame = Omit<IntentFrame, 'raw' | 'condition'>;

export interface FrameParts {
  mode: 'sequence' | 'parallel';
  frames: PartFrame[];
}

export interface IntentFrame {
  action: Action;
  target: Target;
  region?: Region;
  quantity?: number;
  condition?: Condition;
  /**
   * Data ops applied, in order, to what the action returns. Parsed frames carry their parameters; a
   * pattern's generalised frame carries only the op names (the parameters become slots).
   */
  ops?: DataOp[] | Array<{ op: DataOpName }>;
  /** Several frames executed one after the other or side by side (compare works over parallel parts). */
  parts?: FrameParts;
  /** toggle: the state wanted ("check" → on, "uncheck" → off; absent = flip). */
  state?: 'on' | 'off';
  /** drag: where the target goes ("drag the red circle to the toolbar"). */
  destination?: { target?: Target; region?: Region };
  /** The command text as received (after trimming). */
  raw: string;
}

export interface UnderstandResult {
  frame: IntentFrame;
  /** 0..1 — how much of the command the parser accounted for (docs/generation.md, "Confidence"). */
  confidence: number;
  /** Content words of the command that no slot, op, part or known filler explains (they may change its meaning). */
  unexplained?: string[];
}

export interface RequestContext {
  user: string;
  groups?: string[];
}

/** The user id of a request that names no user. */
export const ANONYMOUS_USER = 'anonymous';
/**
 * Prefix of a user id nobody vouched for (an unauthenticated HTTP caller's `context.user`): it still keys
 * rollout buckets, but never matches a rollout's target users and never counts as a distinct user for
 * learning (docs/security.md), so a flood of invented ids cannot trigger generation.
 */
export const UNVERIFIED_USER_PREFIX = 'anon:';

/** Whether a user id is an identity someone vouched for (the library's caller, a client key, a proxy). */
export function isVerifiedUser(userId: string): boolean {
  return userId !== ANONYMOUS_USER && !userId.startsWith(UNVERIFIED_USER_PREFIX);
}

export interface Command {
  id: string;
  text: string;
  context: RequestContext;
  screenRef?: string;
  receivedAt: string;
}

export const FAILURE_CATEGORIES = [
  'missing_handler',
  'low_confidence',
  'timeout',
  'permission',
  'error',
  'invalid_output',
] as const;
export type FailureCategory = (typeof FAILURE_CATEGORIES)[number];

export interface Failure {
  id: string;
  /** ISO-8601 timestamp. */
  at: string;
  userId: string;
  command: string;
  frame: IntentFrame;
  category: FailureCategory;
  message: string;
  capabilityId?: string;
  screenRef?: string;
  /** Frame signature used for clustering (see discovery). */
  signature: string;
  /**
   * What the user said the answer should be (`ironcliw teach`): the expected `data` fields on the screen
   * `screenRef`. Becomes a test case of the capability generated for the command's pattern.
   */
  expectation?: { data: Record<string, unknown> };
}

export type PatternStatus = 'collecting' | 'queued' | 'generating' | 'generated' | 'rejected' | 'blocked';

export interface Pattern {
  id: string;
  signature: string;
  /** The generalised frame: slots that vary are listed in `parameters`. */
  frame: Omit<IntentFrame, 'raw'>;
  parameters: string[];
  count: number;
  distinctUsers: number;
  firstSeen: string;
  lastSeen: string;
  status: PatternStatus;
  statusReason?: string;
  capabilityId?: string;
}

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
      type: 'click' | 'type' | 'press';
      x?: number;
      y?: number;
      text?: string;
      keys?: string;
    }>;
    [key: string]: unknown;
  };
}

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface Violation {
  rule: string;
  severity: Severity;
  message: string;
  line: number;
  column: number;
}

export interface SynthesisReport {
  safe: boolean;
  score: number;
  violations: Violation[];
  /** The transformed module, when transforms ran. */
  transformed?: string;
}

export type SandboxStatus = 'ok' | 'error' | 'timeout' | 'memory' | 'violation';

export interface HostCall {
  method: string;
  permission: Permission | null;
  allowed: boolean;
  args: unknown[];
  ms: number;
}

export interface SandboxResult {
  status: SandboxStatus;
  output?: unknown;
  error?: string;
  violations: string[];
  resources: { wallMs: number; cpuMs: number; peakMemoryMb: number };
  hostCalls: HostCall[];
}

export type VerificationLevel = 'basic' | 'standard' | 'comprehensive' | 'production';
export type VerificationDecision = 'approve' | 'conditional' | 'reject';

export interface Check {
  name: string;
  passed: boolean;
  detail: string;
}

export interface VerificationReport {
  level: VerificationLevel;
  passed: boolean;
  decision: VerificationDecision;
  riskScore: number;
  checks: Check[];
  conditions?: string[];
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface BenchmarkReport {
  latency: LatencySummary;
  throughput: number;
  errorRate: number;
  cpu: number;
  memory: number;
  leak: { suspected: boolean; slopeKbPerIter: number };
  regression?: { verdict: 'improved' | 'unchanged' | 'regressed'; detail: string };
}

export const ROLLOUT_STAGES = [
  'development',
  'canary',
  'beta',
  'gradual',
  'production',
  'paused',
  'rolled_back',
  'retired',
] as const;
export type RolloutStage = (typeof ROLLOUT_STAGES)[number];

export interface Rollout {
  id: string;
  capabilityId: string;
  version: number;
  stage: RolloutStage;
  /** Share of users served, in basis points (0..10000). */
  percentage: number;
  /** Stage held before a pause, so resume knows where to go back. */
  pausedFrom?: RolloutStage;
  rolloutKey: string;
  stageEnteredAt: string;
  updatedAt: string;
}

/**
 * `hold`: an automatic move the rollout gate refused (a verification condition, a stage cap, or a version that
 * replaces one a person rolled back) — stored once per stage window, so a person can see why nothing moves.
 */
export type DecisionKind =
  'reject' | 'approve' | 'register' | 'promote' | 'pause' | 'resume' | 'rollback' | 'retire' | 'hold';

/** Every decision the system takes about a capability, with its reasons and numbers. */
export interface DecisionEvent {
  id: string;
  at: string;
  capabilityId: string;
  version: number;
  kind: DecisionKind;
  fromStage?: RolloutStage;
  toStage?: RolloutStage;
  reason: string;
  numbers: Record<string, number>;
  actor: 'system' | 'user';
  /** Who, for a person's decision (`actor: 'user'`): the name given with `--by`, the OS user, or the API client. */
  by?: string;
}

/**
 * A UI element seen on a screen (`sdk.vision.elements`, DESIGN.md "The SDK"): a control, a piece of text, or a
 * shape. `text` is the element's own label or text; for a control named by a separate label (a checkbox with the
 * words beside it, a field with the label above or left of it) it is that label. `bbox` is the clickable box in
 * screen coordinates; a click lands on its centre.
 */
/** Kinds of UI element `sdk.vision.elements` reports (DESIGN.md "The SDK"). Extend, never rename. */
export const UI_ELEMENT_KINDS = [
  'button',
  'link',
  'text-field',
  'checkbox',
  'radio',
  'tab',
  'dialog',
  'close-button',
  'list-item',
  'tree-node',
  'dropdown',
  'icon',
  'label',
  'heading',
  'text',
  'shape',
] as const;
export type UiElementKind = (typeof UI_ELEMENT_KINDS)[number];

export type UiElementState = 'checked' | 'selected' | 'focused' | 'expanded' | 'disabled';

export interface UiElement {
  kind: UiElementKind;
  /** The label or text, '' when none could be read. */
  text: string;
  bbox: Rect;
  /** Visible states only; absent means not seen (e.g. an unchecked box has no 'checked'). */
  state: UiElementState[];
  /** What a text field or dropdown holds (its label is `text`), when something could be read. */
  value?: string;
  /**
   * 0..100, the lowest OCR word confidence of `text`. Absent when there was no text to read; when there was
   * text but none of it could be read, `text` is '' and `unread` is true (nothing is guessed).
   */
  confidence?: number;
  unread?: boolean;
  /** For kind 'shape': the shape and colour names, as in Item. */
  shape?: string;
  color?: string;
}

/** What `sdk.vision.elements(image, query)` filters by: kind, text (case-insensitive match), near a point/element. */
export interface ElementQuery {
  kind?: UiElementKind;
  text?: string;
  near?: { x: number; y: number };
}

/** One action of a demonstration, in pixels of the demonstration's screen. */
export type DemoAction =
  { type: 'click'; x: number; y: number } | { type: 'type'; text: string } | { type: 'press'; key: string };

/**
 * What a user showed (DESIGN.md "Demonstrations"): a command, the screen it was about, and what should have
 * happened — actions in order and/or the expected answer fields. Demonstrations of one pattern are learned
 * together by program synthesis (src/demonstration/) and become the learned capability's test cases.
 */
export interface Demonstration {
  id: string;
  /** ISO-8601 timestamp. */
  at: string;
  userId: string;
  command: string;
  /** The command's parsed frame (its slots are the program's parameters). */
  frame: IntentFrame;
  /** The pattern it belongs to, and that pattern's signature (frame signature or `text:` cluster). */
  patternId: string;
  signature: string;
  /** Where the screen is: a file path, or `screen:<id>` for a screen kept in the store. */
  screenRef: string;
  actions: DemoAction[];
  expect?: Record<string, unknown>;
}
