import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The script every child runs, beside this file in src/ and in dist/ alike. */
export const CHILD_SCRIPT = fileURLToPath(new URL('./child-host.mjs', import.meta.url));
const ENGINE_SCRIPT = fileURLToPath(new URL('./quickjs-engine.mjs', import.meta.url));

/** The ESM entry of a package (its `exports['.'].import`), falling back to the CommonJS one. */
function esmEntry(root: string, cjsEntry: string): string {
  try {
    const pj = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports?: { '.'?: { import?: string } };
      module?: string;
    };
    const rel = pj.exports?.['.']?.import ?? pj.module;
    if (rel && existsSync(join(root, rel))) return realpathSync(join(root, rel));
  } catch {
    // fall back below
  }
  return realpathSync(cjsEntry);
}

function packageRoot(entry: string, name: string): string {
  let dir = dirname(entry);
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === name)
          return realpathSync(dir);
      } catch {
        // unreadable package.json: keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the package folder of ${name} from ${entry}`);
    dir = up;
  }
}

interface EnginePackages {
  /** File URL of quickjs-emscripten-core's entry, imported by the child. */
  coreUrl: string;
  /** File URL of the release-sync variant's entry. */
  variantUrl: string;
  /** Real paths the child may read (Node permission model allow-list): nothing else. */
  readPaths: string[];
}

let packagesCache: EnginePackages | undefined;

/**
 * Resolves the QuickJS packages the child loads, from quickjs-emscripten's own dependencies (the @jitl
 * variant is found where *it* would find it, hoisted or nested), as real paths for the fs allow-list.
 */
export function enginePackages(): EnginePackages {
  if (packagesCache) return packagesCache;
  const req = createRequire(import.meta.url);
  const qeEntry = req.resolve('quickjs-emscripten');
  const qeReq = createRequire(qeEntry);
  const coreEntry = qeReq.resolve('quickjs-emscripten-core');
  const variantEntry = qeReq.resolve('@jitl/quickjs-wasmfile-release-sync');
  const ffiEntry = createRequire(coreEntry).resolve('@jitl/quickjs-ffi-types');
  const roots = [
    packageRoot(coreEntry, 'quickjs-emscripten-core'),
    packageRoot(variantEntry, '@jitl/quickjs-wasmfile-release-sync'),
    packageRoot(ffiEntry, '@jitl/quickjs-ffi-types'),
  ];
  // ESM entries: the CommonJS builds of these packages start several times slower in the child.
  packagesCache = {
    coreUrl: pathToFileURL(esmEntry(roots[0] as string, coreEntry)).href,
    variantUrl: pathToFileURL(esmEntry(roots[1] as string, variantEntry)).href,
    readPaths: [realpathSync(CHILD_SCRIPT), realpathSync(ENGINE_SCRIPT), ...roots],
  };
  return packagesCache;
}
