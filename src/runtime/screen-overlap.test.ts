import { describe, expect, it } from 'vitest';
import type { VisionPort } from '../capabilities/index.js';
import { CapabilityRegistry } from '../capabilities/index.js';
import { IroncliwError } from '../domain/index.js';
import type { SandboxTier } from '../sandbox/index.js';
import { createMemoryStore } from '../store/index.js';
import type { RuntimeDeps, ScreenKeeper } from './index.js';
import { processCommand } from './index.js';

/**
 * Issue 20, the cost of being a service: the screen decodes while the command is understood and routed, and a
 * command known to fail before the decode ends has its screen kept meanwhile. The decode's outcome still
 * comes first: no failure is recorded before it, and an unreadable screen is the caller's error, recorded
 * nowhere.
 */

const screen = { width: 4, height: 2, data: new Uint8Array(4 * 2 * 4) };
const never = (what: string) => () => {
  throw new Error(`${what} must not be used by a command nothing handles`);
};

function setup() {
  const store = createMemoryStore();
  let finish!: (outcome: Error | undefined) => void;
  const decoded = new Promise<typeof screen>((resolve, reject) => {
    finish = (err) => (err ? reject(err) : resolve(screen));
  });
  const deps: RuntimeDeps = {
    store,
    // No capabilities: every command is `missing_handler`.
    registry: new CapabilityRegistry({ internalGroup: 'internal', betaGroup: 'beta' }),
    vision: {} as VisionPort,
    screens: { decode: () => decoded, load: never('screens.load') },
    sandbox: { run: never('the sandbox') } as unknown as SandboxTier,
    maxCommandLength: 2000,
    minConfidence: 0.6,
    sandboxDefaults: { timeoutMs: 1000, memoryMb: 64 },
  };
  const events: string[] = [];
  const keeper: ScreenKeeper = {
    keep: async () => void events.push('keep'),
    discard: async () => void events.push('discard'),
  };
  const answer = processCommand(
    deps,
    'count the green circles on the toolbar',
    { user: 'ana' },
    { screen: { bytes: new Uint8Array([1, 2, 3]), ref: 'screen:scr_1' }, keeper },
  );
  return { store, finish, events, answer };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('a command nothing handles, while its screen decodes', () => {
  it('is routed and its screen kept before the decode ends; its failure is recorded only after it', async () => {
    const { store, finish, events, answer } = setup();
    await turn();
    expect(events).toEqual(['keep']);
    expect(await store.failures.count()).toBe(0);
    finish(undefined);
    const r = await answer;
    expect(r).toMatchObject({ ok: false, failure: { category: 'missing_handler' } });
    expect(events).toEqual(['keep']);
    const [failure] = await store.failures.list({});
    expect(failure).toMatchObject({
      command: 'count the green circles on the toolbar',
      screenRef: 'screen:scr_1',
    });
  });

  it('records nothing and drops its kept screen when the screen proves unreadable', async () => {
    const { store, finish, events, answer } = setup();
    await turn();
    finish(new IroncliwError('E_IMAGE_INVALID', 'the screen image is damaged: truncated'));
    await expect(answer).rejects.toMatchObject({ code: 'E_IMAGE_INVALID' });
    expect(events).toEqual(['keep', 'discard']);
    expect(await store.failures.count()).toBe(0);
  });
});
