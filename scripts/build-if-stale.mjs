#!/usr/bin/env node
/**
 * `npm start`'s pre-step: rebuilds dist/ with tsc (then the CLI's bundle, scripts/bundle-cli.mjs) only when a
 * source is newer than the last build, so a start from a built checkout serves in seconds instead of waiting
 * 20-40 s for tsc every time. The last build is dist/.build-stamp, written after tsc and the bundle succeeded. `--force` always builds (`npm run build`), into an
 * emptied dist/, so a file moved or deleted in src/ (a test helper, a renamed module) does not ship from an
 * earlier build.
 * Works on the package in the working directory (npm runs scripts there).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleCli } from './bundle-cli.mjs';

const root = process.cwd();
const force = process.argv.includes('--force');
const stamp = join(root, 'dist', '.build-stamp');

/** Newest modification time (ms) under `dir`, for the files tsc reads. */
function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) t = Math.max(t, newest(path));
    else if (/\.(ts|mts|mjs|js|json)$/.test(entry.name)) t = Math.max(t, statSync(path).mtimeMs);
  }
  return t;
}

const sources = Math.max(
  newest(join(root, 'src')),
  ...['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => statSync(join(root, f)).mtimeMs),
);
const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
if (!force && built >= sources) process.exit(0);
if (force) rmSync(join(root, 'dist'), { recursive: true, force: true });
if (!force)
  console.error(built ? 'sources changed since the last build: building…' : 'no build yet: building…');
const r = spawnSync(
  process.execPath,
  [createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (r.status !== 0) process.exit(r.status ?? 1);
// The CLI's bundle (bin/ironcliw.js loads it) from what tsc just wrote; a package without a CLI has none.
await bundleCli(root);
writeFileSync(stamp, `${new Date().toISOString()}\n`);
