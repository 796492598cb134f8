/** A UI action as performed (or recorded). Coordinates are screen pixels. */
export interface PerformedAction {
  /**
   * `hover` moves the pointer to (x, y) without pressing a button; `drag` presses the left button at (x, y),
   * moves to `to` and releases it there.
   */
  type: 'click' | 'type' | 'press' | 'hover' | 'drag';
  x?: number;
  y?: number;
  /** The button of a `click`; absent means left (so a left click reads as it always did). */
  button?: 'left' | 'right';
  /** Where a `drag` releases the button. */
  to?: { x: number; y: number };
  text?: string;
  /** Key chord for `press`, e.g. "ctrl+s". */
  keys?: string;
}

/** Performs UI actions. The recording actuator is the default; a real one drives a display. */
export interface Actuator {
  perform(action: PerformedAction): Promise<PerformedAction>;
}

/** The shortcuts every actuator offers, each one `perform` call. */
export abstract class ActuatorBase implements Actuator {
  abstract perform(action: PerformedAction): Promise<PerformedAction>;

  click(x: number, y: number, button: 'left' | 'right' = 'left'): Promise<PerformedAction> {
    return this.perform(button === 'right' ? { type: 'click', x, y, button } : { type: 'click', x, y });
  }

  hover(x: number, y: number): Promise<PerformedAction> {
    return this.perform({ type: 'hover', x, y });
  }

  drag(x: number, y: number, toX: number, toY: number): Promise<PerformedAction> {
    return this.perform({ type: 'drag', x, y, to: { x: toX, y: toY } });
  }

  type(text: string): Promise<PerformedAction> {
    return this.perform({ type: 'type', text });
  }

  press(keys: string): Promise<PerformedAction> {
    return this.perform({ type: 'press', keys });
  }
}

/**
 * Records actions instead of performing them: the default actuator and the test double.
 *
 * @example const a = new RecordingActuator(); await a.click(10, 20); a.performed // [{type:'click', x:10, y:20}]
 */
export class RecordingActuator extends ActuatorBase {
  readonly name = 'recording';
  readonly performed: PerformedAction[] = [];

  override async perform(action: PerformedAction): Promise<PerformedAction> {
    const copy = { ...action };
    this.performed.push(copy);
    return copy;
  }

  clear(): void {
    this.performed.length = 0;
  }
}
