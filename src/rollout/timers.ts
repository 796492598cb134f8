type Log = (msg: string, data?: Record<string, unknown>) => void;

/**
 * The engine's periodic work. A run that is still going when its next tick comes is not started twice, a
 * failure is logged (the next tick tries again), and the timers are unref'd: they never keep a process alive.
 */
export class Timers {
  readonly #log: Log | undefined;
  #timers: NodeJS.Timeout[] = [];
  #busy = new Set<Promise<unknown>>();

  constructor(log: Log | undefined) {
    this.#log = log;
  }

  get started(): boolean {
    return this.#timers.length > 0;
  }

  every(ms: number, what: string, fn: () => Promise<unknown>): void {
    let running = false;
    const t = setInterval(() => {
      if (running) return;
      running = true;
      const p = fn()
        .catch((err: unknown) => this.#log?.(`rollout ${what} failed`, { error: String(err) }))
        .finally(() => {
          running = false;
          this.#busy.delete(p);
        });
      this.#busy.add(p);
    }, ms);
    t.unref();
    this.#timers.push(t);
  }

  /** Clears the timers and waits for the runs in flight. */
  async stop(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    await Promise.allSettled([...this.#busy]);
  }
}
