import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ironcliw-pkg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// What a user of the library runs (README "Library"): the package imported by its name, resolved through
// package.json "exports" to the built dist/ — not our sources — in a plain Node process.
const SCRIPT = `
import * as pkg from 'ironcliw';
const { createIroncliw, IroncliwError, ERROR_CODES, buildServer, createSandbox } = pkg;
const ironcliw = await createIroncliw({ db: process.env.DB, sharing: { keysDir: process.env.KEYS } });
try {
  const answered = await ironcliw.processCommand('what can you do', { user: 'ana', groups: [] });
  const failed = await ironcliw.processCommand('count the purple triangles in the sidebar', { user: 'ana' });
  const status = await ironcliw.getAutonomousCapabilitiesStatus();
  console.log(JSON.stringify({
    exports: Object.keys(pkg).sort(),
    kinds: [typeof createIroncliw, typeof buildServer, typeof createSandbox, typeof IroncliwError],
    knowsErrors: 'E_INPUT_INVALID' in ERROR_CODES,
    answered: answered.ok && answered.capability.id,
    failed: !failed.ok && failed.failure.category,
    failuresRecorded: status.failureStats.total,
  }));
} finally {
  await ironcliw.close();
}`;

describe("the package entry point ('ironcliw')", () => {
  it('is built with its type declarations', () => {
    expect(existsSync(join(root, 'dist/index.js'))).toBe(true);
    expect(existsSync(join(root, 'dist/index.d.ts'))).toBe(true);
  });

  it('serves the README library example from a plain Node process', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
      cwd: root,
      env: { ...process.env, DB: join(dir, 'store.db'), KEYS: join(dir, 'keys') },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find/);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.kinds).toEqual(['function', 'function', 'function', 'function']);
    expect(out.exports).toEqual(expect.arrayContaining(['createIroncliw', 'loadConfig', 'buildServer']));
    expect(out.knowsErrors).toBe(true);
    expect(out.answered).toBe('help');
    expect(out.failed).toBe('missing_handler');
    expect(out.failuresRecorded).toBe(1);
  });
});
