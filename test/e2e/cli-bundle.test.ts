import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderScene } from '../../src/vision/index.js';

/**
 * The installed command (`bin/ironcliw.js`) runs the CLI's bundle (scripts/bundle-cli.mjs, issue 20), not
 * the sources: what a user runs. The bundle moves ≈ 600 modules into a few files, so whatever finds a file
 * beside itself must still find it — the store's native driver, the sandbox's launcher, child and engine
 * scripts, the OCR workers. Needs the build (`npm run build`), like the package-entry test.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'ironcliw.js');
const dir = mkdtempSync(join(tmpdir(), 'ironcliw-cli-bundle-'));
const db = join(dir, 'store.db');
const screen = join(dir, 'screen.png');

beforeAll(async () => {
  const { png } = await renderScene({
    width: 640,
    height: 400,
    titlebar: { title: 'Invoice Editor' },
    elements: [{ type: 'button', label: 'Save', region: 'toolbar', x: 8, y: 8 }],
  });
  writeFileSync(screen, png);
  // The process tier refuses to start without a network namespace unless the risk is accepted; this test is
  // about files being found, not about that wall (src/sandbox/walls.test.ts).
  writeFileSync(join(dir, 'ironcliw.config.json'), JSON.stringify({ sandbox: { allowSharedNetwork: true } }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });

describe('the built `ironcliw` command (the CLI bundle)', () => {
  it('is the bundle that bin/ironcliw.js loads', () => {
    expect(existsSync(join(ROOT, 'dist', 'cli-bundle', 'entry.js'))).toBe(true);
    expect(readFileSync(BIN, 'utf8')).toMatch(/import '\.\.\/dist\/cli-bundle\/entry\.js'/);
  });

  it('answers a built-in on a SQLite store (the native driver is found)', () => {
    const r = cli('run', 'what can you do', '--db', db);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\(help v1, builtin/);
  });

  it('runs a module in the process sandbox (launcher, child and QuickJS engine scripts are found)', () => {
    const module = join(dir, 'add.js');
    writeFileSync(module, 'export default async function run(input) { return input.a + input.b; }');
    const r = cli('sandbox', module, '--input', '{"a":2,"b":3}', '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'ok', output: 5 });
  });

  it(
    'reads a screen with OCR (the OCR workers and their language data are found)',
    { timeout: 120_000 },
    () => {
      const r = cli('run', 'describe the screen', '--screen', screen, '--db', db);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/Invoice Editor/);
      expect(r.stdout).toMatch(/\(describe-screen v1, builtin/);
    },
  );
});
