import { describe, expect, it, vi } from 'vitest';
import type { SandboxResult } from './domain/index.js';
import { lazySandbox } from './lazy-sandbox.js';
import type { SandboxRequest, SandboxTier } from './sandbox/index.js';

const OK: SandboxResult = {
  status: 'ok',
  violations: [],
  resources: { wallMs: 1, cpuMs: 1, peakMemoryMb: 1 },
  hostCalls: [],
};

/** A tier that counts starts and closes, and whose runs take as long as the test says. */
function fakeTier() {
  const counts = { started: 0, closed: 0 };
  let release: (() => void) | undefined;
  const start = async (): Promise<SandboxTier> => {
    counts.started++;
    let open = true;
    const close = async () => {
      open = false;
      counts.closed++;
    };
    return {
      name: 'process',
      availability: async () => ({ available: open }),
      async run(_req: SandboxRequest) {
        if (!open) throw new Error('run on a closed tier');
        if (release === undefined) return OK;
        await new Promise<void>((r) => (release = r));
        return OK;
      },
      close,
      [Symbol.asyncDispose]: close,
    };
  };
  return {
    counts,
    start,
    /** The next run waits until `finish()`. */
    holdRuns: () => (release = () => {}),
    finish: () => release?.(),
  };
}

const request = { code: 'export default async () => 1' } as unknown as SandboxRequest;

describe('lazySandbox', () => {
  it('starts on first use only, and keeps the tier without an idle period', async () => {
    const f = fakeTier();
    const tier = lazySandbox('process', f.start);
    expect(f.counts.started).toBe(0);
    expect((await tier.run(request)).status).toBe('ok');
    await new Promise((r) => setTimeout(r, 100));
    expect(tier.started()).toBe(true);
    await tier.close();
    expect(f.counts).toEqual({ started: 1, closed: 1 });
  });

  // Issue 20: a learner between jobs gives its launcher and pool children back.
  it('closes the tier after idleMs without a run, and the next run starts a new one', async () => {
    const f = fakeTier();
    const tier = lazySandbox('process', f.start, { idleMs: 100 });
    expect((await tier.run(request)).status).toBe('ok');
    expect(tier.started()).toBe(true);
    await vi.waitFor(() => expect(f.counts.closed).toBe(1), { timeout: 5000, interval: 10 });
    expect(tier.started()).toBe(false);
    expect(tier.idleCloses).toBe(1);
    expect((await tier.run(request)).status).toBe('ok');
    expect(f.counts.started).toBe(2);
    await tier.close();
    expect(f.counts).toEqual({ started: 2, closed: 2 });
  });

  it('warm() starts the tier now, and the idle clock runs from then', async () => {
    const f = fakeTier();
    const tier = lazySandbox('process', f.start, { idleMs: 100 });
    await tier.warm();
    expect(f.counts.started).toBe(1);
    await vi.waitFor(() => expect(f.counts.closed).toBe(1), { timeout: 5000, interval: 10 });
    await tier.close();
    await tier.warm(); // closed: nothing starts
    expect(f.counts).toEqual({ started: 1, closed: 1 });
  });

  it('never closes under a run in flight, however long it takes', async () => {
    const f = fakeTier();
    const tier = lazySandbox('process', f.start, { idleMs: 50 });
    expect(await tier.availability()).toEqual({ available: true });
    f.holdRuns();
    const running = tier.run(request);
    await new Promise((r) => setTimeout(r, 300));
    expect(f.counts.closed).toBe(0);
    f.finish();
    expect((await running).status).toBe('ok');
    await vi.waitFor(() => expect(f.counts.closed).toBe(1), { timeout: 5000, interval: 10 });
    await tier.close();
    expect(f.counts).toEqual({ started: 1, closed: 1 });
  });
});
