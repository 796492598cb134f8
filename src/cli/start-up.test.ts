import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LEVELS } from '../verification/index.js';
import { LEVEL_CHOICES } from './commands/verify.js';

/**
 * CLI start-up (issue 20): `ironcliw --help` loads commander and the commands' registrations, never a
 * command's implementation. The process runs with a module hook that refuses to resolve the heavy modules
 * (the runtime, store, server, vision, sandbox, config schema and their packages), so one static import of
 * them anywhere on the registration path makes `--help` fail here. How fast it is is measured by the `cli`
 * bench suite, not here.
 */
const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'entry.ts');
const HEAVY_PACKAGES = [
  'sharp',
  'fastify',
  'tesseract.js',
  '@techstark/opencv-js',
  'kysely',
  'pg',
  'better-sqlite3',
  'zod',
  'ajv',
  'esbuild',
  'acorn',
  'autocannon',
  '@resvg/resvg-js',
  'prom-client',
];
const HEAVY_SOURCES =
  /\/src\/(ironcliw\.ts|vision-port\.ts|server\/|store\/|vision\/|sandbox\/|config\/|synthesis\/|verification\/)/;

const hooks = `
const heavy = new Set(${JSON.stringify(HEAVY_PACKAGES)});
export async function resolve(specifier, context, next) {
  if (heavy.has(specifier)) throw new Error('--help must not load ' + specifier + ' (from ' + context.parentURL + ')');
  const r = await next(specifier, context);
  if (${HEAVY_SOURCES.toString()}.test(r.url)) throw new Error('--help must not load ' + r.url + ' (from ' + context.parentURL + ')');
  return r;
}`;
const register = `import { register } from 'node:module'; register(${JSON.stringify(
  `data:text/javascript,${encodeURIComponent(hooks)}`,
)});`;

describe('CLI start-up', () => {
  it('--help loads no command implementation (runtime, store, server, vision, sandbox, config schema)', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        '--import',
        `data:text/javascript,${encodeURIComponent(register)}`,
        ENTRY,
        '--help',
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: ironcliw/);
    expect(r.stdout).toMatch(/serve/);
  });

  it("verify's --level choices, spelled in the CLI so registering it stays light, are verification's LEVELS", () => {
    expect([...LEVEL_CHOICES]).toEqual([...LEVELS]);
  });
});
