import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import type { SandboxLayerInfo } from './types.js';

/** One isolation layer and whether this machine provides it. Unavailable layers are reported, never faked. */
export type SandboxLayer = SandboxLayerInfo;

/** The script every child runs, beside this file in src/ and in dist/ alike. */
export const CHILD_SCRIPT = fileURLToPath(new URL('./child-host.mjs', import.meta.url));
const ENGINE_SCRIPT = fileURLToPath(new URL('./quickjs-engine.mjs', import.meta.url));

export function findOnPath(cmd: string): string | null {
  for (const dir of (process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

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

export interface EnginePackages {
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

/** `--permission` from Node 22 (stable), `--experimental-permission` on Node 20–21. */
export function permissionFlag(version = process.versions.node): string {
  const major = Number(version.split('.')[0]);
  return major >= 22 ? '--permission' : '--experimental-permission';
}

function probe(cmd: string, args: string[]): { ok: boolean; detail: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000, env: {} });
  if (r.error) return { ok: false, detail: r.error.message };
  if (r.status !== 0)
    return { ok: false, detail: (r.stderr || `exit ${r.status ?? r.signal}`).trim().slice(0, 300) };
  return { ok: true, detail: 'ok' };
}

export interface HostFacts {
  prlimit: string | null;
  unshare: string | null;
  /** Whether `unshare -n` works here (needs CAP_SYS_ADMIN or unprivileged user namespaces). */
  netns: { ok: boolean; detail: string };
  bwrap: string | null;
  isRoot: boolean;
}

let factsCache: HostFacts | undefined;

/** Probed once per process (a few ms): which OS mechanisms this machine offers. */
export function hostFacts(): HostFacts {
  if (factsCache) return factsCache;
  const unshare = findOnPath('unshare');
  factsCache = {
    prlimit: findOnPath('prlimit'),
    unshare,
    netns: unshare
      ? probe(unshare, ['-n', 'true'])
      : { ok: false, detail: 'unshare (util-linux) is not installed' },
    bwrap: findOnPath('bwrap'),
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
  };
  return factsCache;
}

function underTmp(dirs: string[]): string[] {
  return [...new Set(dirs.map((d) => d.replace(/\/+$/, '')))].filter((d) => d.startsWith('/tmp/'));
}

/** The bubblewrap flags of the container tier: fresh namespaces, read-only root, scratch /tmp, no capabilities. */
export const BWRAP_FLAGS: readonly string[] = Object.freeze([
  '--unshare-user',
  '--unshare-pid',
  '--unshare-net',
  '--unshare-ipc',
  '--unshare-uts',
  '--die-with-parent',
  '--new-session',
  '--ro-bind',
  '/',
  '/',
  '--tmpfs',
  '/tmp',
  // The scratch /tmp hides whatever lived there; a checkout or a Node binary under /tmp (CI clones, the
  // Node 24 package) is bound back read-only so the child can still load its own code.
  ...underTmp([fileURLToPath(new URL('../..', import.meta.url)), dirname(dirname(process.execPath))]).flatMap(
    (d) => ['--ro-bind', d, d],
  ),
  '--proc',
  '/proc',
  '--dev',
  '/dev',
  '--cap-drop',
  'ALL',
  '--uid',
  '65534',
  '--gid',
  '65534',
]);

let bwrapCache: { ok: boolean; detail: string } | undefined;

export function bwrapUsable(): { ok: boolean; detail: string } {
  if (bwrapCache) return bwrapCache;
  const bwrap = hostFacts().bwrap;
  if (!bwrap)
    bwrapCache = {
      ok: false,
      detail: 'bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap)',
    };
  else {
    const r = probe(bwrap, [...BWRAP_FLAGS, '--', '/bin/true']);
    bwrapCache = r.ok ? r : { ok: false, detail: `bwrap cannot create its namespaces here: ${r.detail}` };
  }
  return bwrapCache;
}

export interface LaunchSpec {
  command: string;
  args: string[];
  layers: SandboxLayer[];
}

export interface LaunchOptions {
  nodePath: string;
  maxMemoryMb: number;
  childHeapMb: number;
  childCpuSeconds: number;
  recycleGrowthMb: number;
  isolateNetwork: boolean;
  engineMemoryWall: boolean;
  container: boolean;
  /** SDK method names, so the child warms up (and pre-builds) exactly the `sdk` real runs get. */
  sdkMethods: readonly string[];
}

/**
 * Address-space rlimit of a child: its own baseline (Node + V8 reservations, measured ≈ 1.1 GB of virtual
 * memory with the wasm trap handler off) plus the largest guest heap, plus the child's JS heap. It bounds
 * what any escape could allocate; per-run budgets are enforced inside the engine.
 */
const AS_BASELINE_MB = 1536;

/** The command line of one child: [bwrap …] [prlimit …] [unshare -n] node <flags> child-host.mjs … */
export function launchSpec(o: LaunchOptions): LaunchSpec {
  const facts = hostFacts();
  const pkgs = enginePackages();
  const layers: SandboxLayer[] = [
    {
      name: 'engine',
      active: true,
      detail:
        'QuickJS (quickjs-emscripten release-sync) — no ambient authority, interrupt deadline, stack 256 KiB, copy-only JSON with size caps, fresh runtime per run',
    },
    {
      name: 'engine-memory-wall',
      active: o.engineMemoryWall,
      detail: o.engineMemoryWall
        ? 'wasm heap growth refused beyond the engine’s resting size + memoryMb; a child whose heap grew is replaced'
        : 'switched off (engineMemoryWall: false): only the OS address-space rlimit bounds guest memory',
    },
  ];
  const nodeArgs = [
    permissionFlag(),
    ...pkgs.readPaths.map((p) => `--allow-fs-read=${p}`),
    // The child's own JS heap; the guest lives in wasm memory, bounded separately.
    `--max-old-space-size=${o.childHeapMb}`,
    // Without V8's trap handler, wasm memories are bounds-checked inline instead of reserving ~10 GB of
    // guard pages each, which is what makes an address-space rlimit possible at all.
    '--disable-wasm-trap-handler',
    // Baseline wasm compiler only. With TurboFan tier-up on, the child's main thread was measured blocking
    // 200–300 ms at a time while background threads published optimised code — a stall that lands inside
    // runs and eats their deadlines. Liftoff-only costs ~2× on CPU-bound guest loops and keeps latency flat.
    '--liftoff-only',
    // If anything ever reached the child's own realm, eval/new Function there are still off.
    '--disallow-code-generation-from-strings',
    '--no-warnings',
  ];
  layers.push({
    name: 'node-permission-model',
    active: true,
    detail: `${permissionFlag()}: fs reads limited to the child script and QuickJS packages; no fs writes, child processes, workers, addons or WASI (Node ${process.versions.node} does not restrict network)`,
  });
  layers.push({
    name: 'empty-environment',
    active: true,
    detail: 'children start with env {} (only Node’s IPC fd variables)',
  });

  let command = o.nodePath;
  let args = [
    ...nodeArgs,
    CHILD_SCRIPT,
    pkgs.coreUrl,
    pkgs.variantUrl,
    String(o.recycleGrowthMb),
    JSON.stringify(o.sdkMethods),
    o.engineMemoryWall ? '1' : '0',
  ];

  const wrapNetns = !o.container && o.isolateNetwork && facts.netns.ok && facts.unshare;
  if (wrapNetns && facts.unshare) {
    args = ['-n', '--', command, ...args];
    command = facts.unshare;
  }
  if (!o.container)
    layers.push({
      name: 'network-namespace',
      active: Boolean(wrapNetns),
      detail: wrapNetns
        ? 'unshare -n: the child has only an unconfigured loopback of its own'
        : !o.isolateNetwork
          ? 'disabled by option isolateNetwork: false'
          : `unavailable: ${facts.netns.detail} — the child can reach the network if the engine is ever escaped`,
    });

  const asBytes = (AS_BASELINE_MB + o.maxMemoryMb + o.childHeapMb) * 1024 * 1024;
  // CPU: soft limit SIGXCPU, hard +5 s SIGKILL. Over the child's whole life: the pool retires children early.
  const cpu = `${o.childCpuSeconds}:${o.childCpuSeconds + 5}`;
  // RLIMIT_NPROC counts every process of the real uid and root is exempt; under bwrap the uid is shared with
  // everything else of that user. Node's permission model already blocks child processes, so nproc is only
  // set where it is meaningful and cannot starve Node's own threads: a non-root user outside bwrap.
  const nproc = !facts.isRoot && !o.container;
  if (facts.prlimit) {
    const limits = [
      `--as=${asBytes}`,
      `--cpu=${cpu}`,
      '--fsize=0',
      '--core=0',
      ...(nproc ? ['--nproc=256'] : []),
    ];
    args = [...limits, '--', command, ...args];
    command = facts.prlimit;
    layers.push({
      name: 'rlimits',
      active: true,
      detail: `prlimit: address space ${Math.round(asBytes / 1048576)} MiB, CPU ${o.childCpuSeconds} s per child life, file size 0, no core dumps${nproc ? ', nproc 256' : ' (nproc not set: root is exempt / shared uid)'}`,
    });
  } else {
    const sh = '/bin/sh';
    const script = `ulimit -v ${Math.floor(asBytes / 1024)} && ulimit -t ${o.childCpuSeconds} && ulimit -f 0 && ulimit -c 0 && exec "$@"`;
    args = ['-c', script, 'sandbox-child', command, ...args];
    command = sh;
    layers.push({
      name: 'rlimits',
      active: true,
      detail: `sh ulimit (prlimit not installed): address space ${Math.round(asBytes / 1048576)} MiB, CPU ${o.childCpuSeconds} s, file size 0`,
    });
  }

  if (o.container) {
    const b = bwrapUsable();
    const bwrap = hostFacts().bwrap;
    if (b.ok && bwrap) {
      args = [...BWRAP_FLAGS, '--', command, ...args];
      command = bwrap;
    }
    layers.push({
      name: 'bubblewrap',
      active: b.ok,
      detail: b.ok
        ? 'bwrap: new user/pid/net/ipc/uts namespaces, read-only root, tmpfs /tmp, all capabilities dropped, uid 65534, dies with parent'
        : `unavailable: ${b.detail}`,
    });
  }
  layers.push({
    name: 'watchdog',
    active: true,
    detail: 'the parent SIGKILLs a child that has not answered by timeoutMs + killGraceMs',
  });
  return { command, args, layers };
}
