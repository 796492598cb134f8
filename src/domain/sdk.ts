import type { Permission } from './types.js';

/**
 * The SDK surface generated code may call (DESIGN.md "The SDK"), and the permission each method needs.
 * `null` = always allowed (deterministic helpers injected by the host). Names are binding; extend, never rename.
 */
export const SDK_METHODS = {
  'screen.capture': 'screen.capture',
  'vision.region': 'vision.analyze',
  'vision.findShapes': 'vision.analyze',
  'vision.colors': 'vision.analyze',
  'vision.describe': 'vision.analyze',
  'vision.elements': 'vision.analyze',
  'vision.readText': 'ocr.read',
  'vision.findText': 'ocr.read',
  'actions.click': 'actions.click',
  // Hovering moves the pointer without pressing: a pointer action like a click, so it needs the same permission
  // (a new one would have to be threaded through every manifest and policy for no difference in risk).
  'actions.hover': 'actions.click',
  // A drag presses the left button at one point and releases it at another: a pointer action too.
  'actions.drag': 'actions.click',
  'actions.type': 'actions.type',
  'actions.press': 'actions.type',
  random: null,
  'clock.now': null,
  log: null,
} as const satisfies Record<string, Permission | null>;

export type SdkMethod = keyof typeof SDK_METHODS;

export function isSdkMethod(name: string): name is SdkMethod {
  return Object.prototype.hasOwnProperty.call(SDK_METHODS, name);
}

/** An opaque image handle as seen by generated code: pixels stay on the host. */
export interface ImageHandle {
  $image: string;
  width: number;
  height: number;
}
