/**
 * The `ironcliw` command's bundle (issue 20, CLI start-up): dist/cli/entry.js and what it imports, with the
 * pure-JavaScript packages on its paths (kysely's 263 modules, zod's 95, commander…), as one ES module per
 * loading step in dist/cli-bundle/ (`entry.js` plus the chunks its `import()`s load). A command then reads a
 * few files instead of ≈ 600, which was most of `run "what can you do"`'s start-up. `bin/ironcliw.js` loads
 * it; the library entry (dist/index.js, package.json "exports") stays the plain tsc build.
 *
 * What stays outside, loaded from node_modules as before: every package not in {@link BUNDLED} (native
 * addons: better-sqlite3, sharp, @resvg; big or self-locating ones: tesseract.js, OpenCV, esbuild, QuickJS,
 * pg, playwright-core; and the server's: fastify, pino, prom-client…), so nothing that finds its own files
 * next to itself is moved. Our own files that other processes or threads run by path (the sandbox's
 * launcher-host.mjs / child-host.mjs / quickjs-engine.mjs, vision-worker.js, the learner's cli/entry.js) stay
 * where tsc put them: each module's `import.meta.url` is rewritten to its own dist/ file's URL, so every
 * `new URL('./x', import.meta.url)` and `createRequire(import.meta.url)` means what it meant unbundled.
 *
 * Used by build-if-stale.mjs after tsc; `node scripts/bundle-cli.mjs` rebuilds only the bundle.
 */
import { createRequire } from 'node:module';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Packages bundled (with their own dependencies): pure JavaScript that never locates files beside itself. */
export const BUNDLED = new Set([
  'kysely',
  'zod',
  'commander',
  'murmurhash',
  '@openfeature/server-sdk',
  '@openfeature/core',
  'acorn',
  'acorn-walk',
  'astring',
  'safe-regex2',
  'safe-stable-stringify',
]);

const packageName = (specifier) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];

/** The bundle's folder, relative to the package root. */
export const BUNDLE_DIR = join('dist', 'cli-bundle');

/** Builds dist/cli-bundle/ from dist/ (tsc's output) in the package at `root`; false when there is no CLI. */
export async function bundleCli(root = process.cwd()) {
  const dist = join(root, 'dist');
  const entry = join(dist, 'cli', 'entry.js');
  if (!existsSync(entry)) return false;
  const outdir = join(root, BUNDLE_DIR);
  rmSync(outdir, { recursive: true, force: true });
  const { build } = createRequire(join(root, 'package.json'))('esbuild');
  /** `./x` or `../x` from the bundle's folder to `file`, as an import specifier. */
  const fromBundle = (file) => {
    const rel = relative(outdir, file).split(sep).join('/');
    return rel.startsWith('.') ? rel : `./${rel}`;
  };
  const inDist = (file) => file.startsWith(dist + sep) && !file.startsWith(outdir + sep);

  /** @type {import('esbuild').Plugin} */
  const layout = {
    name: 'ironcliw-layout',
    setup(b) {
      // Bare specifiers: bundled when listed (or imported by a bundled package), else left to Node.
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('node:')) return { path: args.path, external: true };
        if (args.importer.includes(`${sep}node_modules${sep}`)) return undefined;
        return BUNDLED.has(packageName(args.path)) ? undefined : { path: args.path, external: true };
      });
      // Plain-JS files other processes run by path (the sandbox's hosts and engine) stay files of their own,
      // imported where tsc put them.
      b.onResolve({ filter: /\.mjs$/ }, (args) => {
        if (!inDist(args.importer)) return undefined;
        return { path: fromBundle(resolve(dirname(args.importer), args.path)), external: true };
      });
      // Each module keeps its own location: `import.meta.url` becomes its dist/ file's URL.
      b.onLoad({ filter: /\.js$/ }, async (args) => {
        if (!inDist(args.path)) return undefined;
        const { readFile } = await import('node:fs/promises');
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return { contents: source, loader: 'js' };
        const own = `new URL(${JSON.stringify(fromBundle(args.path))}, import.meta.url).href`;
        return { contents: source.replaceAll('import.meta.url', own), loader: 'js' };
      });
    },
  };

  await build({
    entryPoints: { entry },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    // CommonJS packages in the bundle (commander, murmurhash…) call require() for node: built-ins.
    banner: {
      js: "import { createRequire as __ironcliwCreateRequire } from 'node:module'; const require = __ironcliwCreateRequire(import.meta.url);",
    },
    plugins: [layout],
    logLevel: 'warning',
  });
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (!(await bundleCli())) {
    console.error('no dist/cli/entry.js: build first (npm run build)');
    process.exit(1);
  }
}
