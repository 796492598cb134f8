import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createInlineTier, createProcessTier } from '../sandbox/index.js';
import type { Store } from '../store/index.js';
import { createMemoryStore, openStore } from '../store/index.js';
import { checkHealth } from './health.js';

const dir = mkdtempSync(join(tmpdir(), 'ironcliw-health-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checkHealth', () => {
  it('is ok when a real SQLite store answers and a real process pool has a ready child', async () => {
    const store = await openStore(join(dir, 'ok.db'));
    const sandbox = createProcessTier({ poolSize: 1 });
    try {
      // "Has a ready child": wait for it, so the 2 s check does not time out on a child still booting (a
      // fresh child took ≈ 2 s on this 2-core machine at load average 20).
      expect(await sandbox.availability()).toEqual({ available: true });
      const report = await checkHealth({ store, sandbox, closed: false });
      expect(report.status).toBe('ok');
      expect(report.checks.store).toMatchObject({ ok: true, dialect: 'sqlite' });
      expect(report.checks.sandbox).toMatchObject({ ok: true, tier: 'process' });
      expect(report.checks.store.error).toBeUndefined();
      expect(report.checks.store.ms).toBeGreaterThanOrEqual(0);
    } finally {
      await sandbox.close();
      await store.close();
    }
  });

  it('is degraded, not failing, when the database does not answer: the node still serves what it handles', async () => {
    const store = await openStore(join(dir, 'closed.db'));
    await store.close();
    const sandbox = createInlineTier();
    const report = await checkHealth({ store, sandbox, closed: false });
    expect(report.status).toBe('degraded');
    expect(report.checks.store.ok).toBe(false);
    expect(report.checks.store.error).toMatch(/^E_DB_UNAVAILABLE: /);
    expect(report.checks.sandbox.ok).toBe(true);
  });

  it('counts a database that hangs as down once the check times out', async () => {
    const inner = createMemoryStore();
    const hung: Store = Object.assign(Object.create(inner) as Store, {
      ping: () => new Promise<void>(() => {}),
    });
    const sandbox = createInlineTier();
    await sandbox.availability(); // its engine loaded, so only the store can be slow here
    const started = performance.now();
    const report = await checkHealth({ store: hung, sandbox, closed: false, timeoutMs: 60 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(59);
    expect(report.status).toBe('degraded');
    expect(report.checks.store).toMatchObject({ ok: false, error: 'no answer within 60 ms' });
    expect(report.checks.store.ms).toBeGreaterThanOrEqual(59);
  });

  it('is failing when the sandbox cannot run capabilities, or the runtime is closed', async () => {
    const store = createMemoryStore();
    const sandbox = createProcessTier({ poolSize: 1 });
    await sandbox.close();
    const noSandbox = await checkHealth({ store, sandbox, closed: false });
    expect(noSandbox.status).toBe('failing');
    expect(noSandbox.checks.sandbox).toMatchObject({
      ok: false,
      tier: 'process',
      error: 'the tier is closed',
    });
    expect(noSandbox.checks.store.ok).toBe(true);

    const closed = await checkHealth({ store, sandbox: createInlineTier(), closed: true });
    expect(closed.status).toBe('failing');
    expect(closed.checks.sandbox.error).toBe('the runtime is closed');
  });
});
