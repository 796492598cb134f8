/** The shapes processCommand takes and answers, and what it needs to run (RuntimeDeps). */
import type { CapabilityResult, Failure, FailureCategory, UnderstandResult } from '../domain/index.js';
import type { CapabilityRegistry, VisionImage, VisionPort } from '../capabilities/index.js';
import type { Actuator, HostBudget } from '../capabilities/index.js';
import type { SandboxTier } from '../sandbox/index.js';
import type { Store } from '../store/index.js';
import type { DecodeAdmission } from './decode-admission.js';

/** Where the screen of a request comes from: an already-decoded image, encoded bytes, or a file. */
export type ScreenInput =
  { image: VisionImage; ref?: string } | { bytes: Uint8Array; ref?: string } | { path: string; ref?: string };

export interface ScreenLoader {
  decode(bytes: Uint8Array): Promise<VisionImage>;
  load(path: string): Promise<VisionImage>;
  /**
   * Width and height from the image header alone (no pixel buffer), for decode admission; undefined when
   * the header cannot be read (the decode then fails on its own, before allocating pixels).
   */
  probe?(
    screen: { bytes: Uint8Array } | { path: string },
  ): Promise<{ width: number; height: number } | undefined>;
}

export interface ProcessOptions {
  screen?: ScreenInput;
}

/** What the runtime's caller (ironcliw.ts) adds to a library caller's options. */
export interface HandleOptions extends ProcessOptions {
  /**
   * Keeps the uploaded screen of a command that fails (its failure's `screenRef` names it). Started as soon
   * as the command is known to fail: for a command nothing handles, while its screen still decodes.
   */
  keeper?: ScreenKeeper;
}

/** Where a failed command's screen is kept. Neither method rejects: keeping a screen is best effort. */
export interface ScreenKeeper {
  keep(): Promise<void>;
  /** Undoes `keep` (the screen turned out unreadable, or the failure could not be recorded). */
  discard(): Promise<void>;
}

export interface CommandSuccess {
  ok: true;
  requestId: string;
  capability: { id: string; version: number; origin: string };
  result: CapabilityResult;
  latencyMs: number;
}

export interface CommandFailure {
  ok: false;
  requestId: string;
  failure: { id: string; category: FailureCategory; message: string };
  latencyMs: number;
}

export type CommandResponse = CommandSuccess | CommandFailure;

export interface ExecutionEvent {
  requestId: string;
  capabilityId: string;
  version: number;
  userId: string;
  ok: boolean;
  category?: FailureCategory;
  latencyMs: number;
}

export interface RuntimeDeps {
  store: Store;
  registry: CapabilityRegistry;
  vision: VisionPort;
  screens: ScreenLoader;
  sandbox: SandboxTier;
  maxCommandLength: number;
  minConfidence: number;
  sandboxDefaults: { timeoutMs: number; memoryMb: number };
  now?: () => Date;
  /** Called after a failure is durably recorded; must not block (learning runs in the background). */
  onFailure?: (failure: Failure) => void;
  /** Performs UI actions (`sdk.actions.*`); default: record them in the result without touching a screen. */
  actuator?: Actuator;
  /** Called after every execution of a capability (metrics for rollout decisions). */
  onExecution?: (event: ExecutionEvent) => void;
  /** Command text → frame; default `parseCommand`. The runtime passes a memoising one (ParseCache). */
  parse?: (text: string) => UnderstandResult;
  /** Host work one generated capability's run may cause (config `hostWork`); unbounded when absent. */
  hostBudget?: HostBudget;
  /** Admits screen decodes by the pixels they hold (config `hostWork.decode*`); unbounded when absent. */
  decodeAdmission?: DecodeAdmission;
}
