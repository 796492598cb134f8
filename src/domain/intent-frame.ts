/** What a command means: the IntentFrame the parser builds (actions, targets, regions, data ops, parts). */

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
