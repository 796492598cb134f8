import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LEVELS } from '../verification/index.js';
import { LEVEL_CHOICES } from './commands/verify.js';

/**
 * CLI start-up (issue 20): each command loads what it uses and nothing more. The CLI runs in a child process
 * with a module hook that refuses to resolve the modules a command must not load, and that fails the process
 * at exit if a CommonJS package among them was required anyway (`createRequire` bypasses the ESM hook), so a
 * static import slipping back onto a path fails here. How fast it is is measured by the `cli` bench suite,
 * not here.
 */
const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'entry.ts');

/** What never belongs on a command's start-up path unless the command itself needs it. */
const SERVER_AND_BENCH = ['fastify', 'autocannon', 'prom-client', '@fastify/swagger', '@fastify/rate-limit'];
/** The synthesis gate's parsers and printers: only generation, verification and `check` need them. */
const SYNTHESIS = ['esbuild', 'acorn', 'acorn-walk', 'astring', 'safe-regex2'];
/** Pixels and text: only a command about a screen needs them, and OCR only one that reads text. */
const PIXELS = ['sharp', 'tesseract.js', '@techstark/opencv-js', '@resvg/resvg-js'];

function runCli(
  args: string[],
  refuse: { packages: readonly string[]; sources: RegExp },
): ReturnType<typeof spawnSync> & { stdout: string; stderr: string } {
  const hooks = `
const heavy = new Set(${JSON.stringify(refuse.packages)});
export async function resolve(specifier, context, next) {
  if (heavy.has(specifier)) throw new Error('must not load ' + specifier + ' (from ' + context.parentURL + ')');
  const r = await next(specifier, context);
  if (${refuse.sources.toString()}.test(r.url)) throw new Error('must not load ' + r.url + ' (from ' + context.parentURL + ')');
  return r;
}`;
  // CommonJS packages required through createRequire (ajv, better-sqlite3) never meet the ESM hook: they are
  // read from the require cache when the process ends (but for what was loaded before the CLI started: tsx's
  // own esbuild, which runs this test's TypeScript).
  const preload = `import Module, { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});
const heavy = ${JSON.stringify(refuse.packages)};
const cache = Module._cache;
const before = new Set(Object.keys(cache));
process.on('exit', () => {
  const loaded = Object.keys(cache).filter(
    (f) => !before.has(f) && heavy.some((p) => f.includes('/node_modules/' + p + '/')),
  );
  if (loaded.length) {
    process.stderr.write('must not load ' + loaded.join(', ') + '\\n');
    process.exitCode = 70;
  }
});`;
  return spawnSync(
    process.execPath,
    [
      '--import',
      import.meta.resolve('tsx'),
      '--import',
      `data:text/javascript,${encodeURIComponent(preload)}`,
      ENTRY,
      ...args,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
}

const dir = mkdtempSync(join(tmpdir(), 'ironcliw-start-up-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CLI start-up', () => {
  it('--help loads no command implementation (runtime, store, server, vision, sandbox, config schema)', () => {
    const r = runCli(['--help'], {
      packages: [
        ...SERVER_AND_BENCH,
        ...SYNTHESIS,
        ...PIXELS,
        'kysely',
        'pg',
        'better-sqlite3',
        'zod',
        'ajv',
      ],
      sources:
        /\/src\/(ironcliw\.ts|vision-port\.ts|server\/|store\/|vision\/|sandbox\/|config\/|synthesis\/|verification\/)/,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: ironcliw/);
    expect(r.stdout).toMatch(/serve/);
  });

  it('run "what can you do" on a SQLite store loads no learning, no synthesis gate, no pixels, no server', () => {
    const args = ['run', 'what can you do', '--db', join(dir, 'store.db')];
    const refuse = {
      packages: [
        ...SERVER_AND_BENCH,
        ...SYNTHESIS,
        ...PIXELS,
        'pg',
        'quickjs-emscripten',
        'hdr-histogram-js',
      ],
      // Learning (verification, demonstrations, generation's gate, the benchmark), the HTTP service, bundles,
      // the vision worker thread.
      sources:
        /\/src\/(server\/|synthesis\/|verification\/|demonstration\/|benchmark\/|sharing\/|demo\/|vision-offload\.ts|pipeline\/generation-step\.ts)/,
    };
    // Twice: the first run creates the store (migrations), the second is what every later command does.
    for (let i = 0; i < 2; i++) {
      const r = runCli(args, refuse);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/I can handle \d+ kinds of request/);
      expect(r.stdout).toMatch(/\(help v1, builtin/);
    }
  });

  it("verify's --level choices, spelled in the CLI so registering it stays light, are verification's LEVELS", () => {
    expect([...LEVEL_CHOICES]).toEqual([...LEVELS]);
  });
});
