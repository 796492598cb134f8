import { Command, CommanderError } from 'commander';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerVerify } from '../cli/commands/verify.js';
import { EXIT } from '../cli/kit.js';
import { isIroncliwError } from '../domain/index.js';
import { openStore } from '../store/index.js';
import { generatedCount, leaksSecret } from '../../test/support/verification-capabilities.js';

/** Runs `ironcliw verify …` in-process the way cli/main does (IroncliwError → exit 2 with its code). */
async function verify(...argv: string[]): Promise<{ code: number; out: string; json: any }> {
  let out = '';
  let code: number = EXIT.ok;
  const program = new Command('ironcliw')
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerVerify(program, {
    io: { out: (s) => (out += s + '\n'), err: () => {} },
    setExit: (c) => (code = c),
  });
  try {
    await program.parseAsync(['verify', ...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) code = EXIT.usage;
    else if (isIroncliwError(err)) {
      code = EXIT.usage;
      out += JSON.stringify({ ok: false, error: err.toJSON() }) + '\n';
    } else throw err;
  }
  let json: any;
  try {
    json = JSON.parse(out.trim().split('\n').pop() ?? '');
  } catch {
    json = undefined;
  }
  return { code, out, json };
}

const dir = mkdtempSync(join(tmpdir(), 'ironcliw-verify-'));
function files(name: string, cap: { manifest: unknown; code: string }) {
  const code = join(dir, `${name}.js`);
  const manifest = join(dir, `${name}.json`);
  writeFileSync(code, cap.code);
  writeFileSync(manifest, JSON.stringify(cap.manifest));
  return { code, manifest };
}

describe('ironcliw verify', () => {
  it('approves a generated module file (exit 0) and prints the VerificationReport as JSON', async () => {
    const f = files('good', generatedCount());
    const r = await verify(f.code, '--manifest', f.manifest, '--level', 'comprehensive', '--json');
    expect(r.code, r.out).toBe(EXIT.ok);
    expect(r.json).toMatchObject({
      level: 'comprehensive',
      passed: true,
      decision: 'approve',
      storedAs: null,
    });
    expect(r.json.checks.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining([
        'static-safety',
        'tests',
        'determinism',
        'robustness',
        'side-effects',
        'secrets',
      ]),
    );
    expect(typeof r.json.riskScore).toBe('number');
  });

  it('rejects a module that leaks a secret (exit 1) and says which check', async () => {
    const f = files('leak', leaksSecret);
    const r = await verify(f.code, '--manifest', f.manifest, '--level', 'comprehensive');
    expect(r.code).toBe(EXIT.no);
    expect(r.out).toContain('REJECT');
    expect(r.out).toMatch(/secrets\s+FAIL/);
  });

  it('exit 2 on bad input: no manifest for a file, unreadable manifest, unknown level, unknown id', async () => {
    const f = files('bad', generatedCount());
    expect((await verify(f.code, '--level', 'basic', '--json')).json.error.code).toBe('E_USAGE');
    const missing = await verify(f.code, '--manifest', join(dir, 'nope.json'), '--level', 'basic', '--json');
    expect([missing.code, missing.json.error.code]).toEqual([EXIT.usage, 'E_INPUT_INVALID']);
    expect((await verify(f.code, '--manifest', f.manifest, '--level', 'extreme')).code).toBe(EXIT.usage);
    const db = join(dir, 'empty.db');
    const unknown = await verify('no-such-capability', '--db', db, '--level', 'basic', '--json');
    expect([unknown.code, unknown.json.error.code]).toEqual([EXIT.usage, 'E_NOT_FOUND']);
  });

  it('verifies a stored capability and stores the report with it (kind verification)', async () => {
    const db = join(dir, 'store.db');
    const cap = generatedCount(['shape']);
    const store = await openStore(db);
    await store.capabilities.put(cap);
    await store.close();
    const r = await verify(cap.manifest.id, '--db', db, '--level', 'standard', '--json');
    // Standard is below the approval level: held in development, exit 1.
    expect(r.code).toBe(EXIT.no);
    expect(r.json).toMatchObject({ level: 'standard', decision: 'conditional', passed: true });
    const again = await openStore(db);
    try {
      const reports = await again.reports.list(cap.manifest.id, 1, 'verification');
      expect(reports).toHaveLength(1);
      expect(reports[0]!.id).toBe(r.json.storedAs);
      expect(reports[0]!.report).toMatchObject({
        decision: 'conditional',
        conditions: ['manual-promotion', 'max-stage:development'],
      });
    } finally {
      await again.close();
    }
  });
});
