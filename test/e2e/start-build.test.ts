import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm start` runs scripts/build-if-stale.mjs first: tsc only when a source is newer than the last build.
 * Tried on a package of its own (one source file) so the checkout's dist/ is never rebuilt under other tests.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'build-if-stale.mjs');
const dir = mkdtempSync(join(tmpdir(), 'ironcliw-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function prestart(): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [SCRIPT], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

describe('npm start', () => {
  it('builds when there is no build or a source changed, and not otherwise', { timeout: 400_000 }, () => {
    mkdirSync(join(dir, 'src'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'p', type: 'module' }));
    writeFileSync(join(dir, 'tsconfig.json'), '{}');
    writeFileSync(
      join(dir, 'tsconfig.build.json'),
      JSON.stringify({
        compilerOptions: {
          outDir: 'dist',
          rootDir: 'src',
          module: 'NodeNext',
          types: [],
          lib: ['ES2022'],
          skipLibCheck: true,
        },
        include: ['src'],
      }),
    );
    const source = join(dir, 'src', 'a.ts');
    writeFileSync(source, 'export const a: number = 1;\n');
    const stamp = join(dir, 'dist', '.build-stamp');

    const first = prestart();
    expect(first).toMatchObject({ status: 0 });
    expect(first.stderr).toMatch(/no build yet: building/);
    expect(statSync(join(dir, 'dist', 'a.js')).isFile()).toBe(true);
    const builtAt = statSync(stamp).mtimeMs;

    const again = prestart();
    expect(again).toEqual({ status: 0, stderr: '' });
    expect(statSync(stamp).mtimeMs).toBe(builtAt);

    // A source edited after the build (its mtime set past the stamp's, whatever the clock's resolution).
    const later = new Date(builtAt + 5000);
    utimesSync(source, later, later);
    const changed = prestart();
    expect(changed.status).toBe(0);
    expect(changed.stderr).toMatch(/sources changed since the last build: building/);
    expect(statSync(stamp).mtimeMs).toBeGreaterThan(builtAt);
  });
});
