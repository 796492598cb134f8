import { IroncliwError } from '../domain/index.js';

export interface DecodeAdmissionOptions {
  /** Decoded pixels requests may hold at once (an image larger than this is admitted only alone). */
  pixelsInFlight: number;
  /** Requests that may wait for budget; one more is refused at once. */
  maxQueued: number;
  /** Longest wait for budget before the request is refused. */
  maxWaitMs: number;
}

interface Waiter {
  pixels: number;
  admit: () => void;
  refuse: (err: IroncliwError) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Admission of screen decodes by the pixels they will hold. A small PNG can claim 6300×6300 pixels (160 MB
 * decoded); eight at once took a server from 367 MB to 1.75 GB. A request is admitted while the pixels of
 * the requests in flight (held until each request ends, since its run reads the decoded screen) stay within
 * the budget; others wait in a bounded FIFO queue for a bounded time; beyond either bound the answer is
 * E_BUSY (503 with Retry-After) at once, before a pixel is allocated.
 */
export class DecodeAdmission {
  private inFlight = 0;
  private admitted = 0;
  private readonly queue: Waiter[] = [];
  /** Most pixels ever held at once, for the bench and tests. */
  peakPixels = 0;

  constructor(private readonly options: DecodeAdmissionOptions) {}

  /** Pixels held now and requests waiting (for /metrics and tests). */
  get state(): { pixelsInFlight: number; requests: number; queued: number } {
    return { pixelsInFlight: this.inFlight, requests: this.admitted, queued: this.queue.length };
  }

  /** Waits for budget for `pixels`; resolves to the release function (call it once, when the request ends). */
  async admit(pixels: number): Promise<() => void> {
    const n = Math.max(0, Math.floor(pixels));
    if (this.queue.length === 0 && this.fits(n)) return this.take(n);
    if (this.queue.length >= this.options.maxQueued) throw this.busy('the decode queue is full');
    return new Promise<() => void>((resolve, reject) => {
      const w: Waiter = {
        pixels: n,
        admit: () => resolve(this.take(n)),
        refuse: reject,
        timer: undefined,
      };
      if (this.options.maxWaitMs >= 0) {
        w.timer = setTimeout(() => {
          const i = this.queue.indexOf(w);
          if (i >= 0) this.queue.splice(i, 1);
          reject(this.busy(`no decode budget within ${this.options.maxWaitMs} ms`));
        }, this.options.maxWaitMs);
        w.timer.unref();
      }
      this.queue.push(w);
    });
  }

  private fits(pixels: number): boolean {
    return this.admitted === 0 || this.inFlight + pixels <= this.options.pixelsInFlight;
  }

  private take(pixels: number): () => void {
    this.inFlight += pixels;
    this.admitted++;
    if (this.inFlight > this.peakPixels) this.peakPixels = this.inFlight;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= pixels;
      this.admitted--;
      this.drain();
    };
  }

  /** FIFO: the head waits until it fits, so a huge image is not starved by a stream of small ones. */
  private drain(): void {
    while (this.queue.length > 0 && this.fits(this.queue[0]!.pixels)) {
      const w = this.queue.shift()!;
      if (w.timer) clearTimeout(w.timer);
      w.admit();
    }
  }

  private busy(why: string): IroncliwError {
    const retryAfterSeconds = Math.max(1, Math.ceil(this.options.maxWaitMs / 4000));
    return new IroncliwError(
      'E_BUSY',
      `${why}: ${this.inFlight} of ${this.options.pixelsInFlight} decoded pixels are in flight, ${this.queue.length} requests wait`,
      { details: { retryAfterSeconds } },
    );
  }
}
