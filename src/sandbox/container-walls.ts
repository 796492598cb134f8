import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';

import { seccompProgram } from './seccomp-filter.js';

/**
 * The container tier's filesystem: an empty root (bubblewrap's own tmpfs, remounted read-only) holding only
 * what the child needs — the Node binary, the shared libraries it links, the child's two scripts and the
 * QuickJS packages — each bound read-only at its own path. Nothing else of the host exists in there: no
 * /etc, no home directories, no checkout beyond the runtime files, no `.ironcliw` store.
 */
interface ContainerFiles {
  /** The Node binary as the child executes it (its real path, bound at that path). */
  node: string;
  /** Every host path bound read-only into the container. */
  binds: string[];
  /** How the libraries were found (for the layer's detail). */
  libsFrom: 'ldd' | 'static' | 'library folders';
}

/** Folders bound whole when `ldd` cannot tell us the libraries: read-only system code, no data. */
const LIB_DIRS = ['/lib', '/lib64', '/usr/lib', '/usr/lib64'];

/** The shared libraries (and the ELF interpreter) of a binary, from `ldd`. */
function linkedLibraries(binary: string): { paths: string[]; from: ContainerFiles['libsFrom'] } {
  const r = spawnSync('ldd', [binary], { encoding: 'utf8', timeout: 5000, env: {} });
  if (r.error || r.status === null)
    return { paths: LIB_DIRS.filter((d) => existsSync(d)), from: 'library folders' };
  if (/not a dynamic executable|statically linked/.test(`${r.stdout}${r.stderr}`))
    return { paths: [], from: 'static' };
  if (r.status !== 0) return { paths: LIB_DIRS.filter((d) => existsSync(d)), from: 'library folders' };
  const paths: string[] = [];
  for (const line of r.stdout.split('\n')) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)"
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (m?.[1]) paths.push(m[1]);
  }
  return { paths, from: 'ldd' };
}

const filesCache = new Map<string, ContainerFiles>();

export function containerFiles(nodePath: string, runtimePaths: readonly string[]): ContainerFiles {
  const key = `${nodePath}\0${runtimePaths.join('\0')}`;
  const hit = filesCache.get(key);
  if (hit) return hit;
  const node = realpathSync(nodePath);
  const libs = linkedLibraries(node);
  const files: ContainerFiles = {
    node,
    binds: [...new Set([node, ...libs.paths, ...runtimePaths])],
    libsFrom: libs.from,
  };
  filesCache.set(key, files);
  return files;
}

/** The uid/gid the child has inside the container (the kernel's overflow id, "nobody"). */
export const CONTAINER_ID = 65534;

/**
 * bubblewrap's arguments (before `--`): fresh user/pid/net/ipc/uts namespaces, an empty read-only root with
 * the child's files bound in, a scratch /tmp, a private /proc and a minimal /dev, no capabilities, uid/gid
 * 65534, and — when `seccomp` is set — the filter read from stdin (fd 0) at start-up.
 */
export function bwrapArgs(files: ContainerFiles, seccomp: boolean): string[] {
  return [
    '--unshare-user',
    '--unshare-pid',
    '--unshare-net',
    '--unshare-ipc',
    '--unshare-uts',
    '--die-with-parent',
    '--new-session',
    // First, so the binds below land on top of it (a checkout or Node under /tmp stays visible).
    '--tmpfs',
    '/tmp',
    ...files.binds.flatMap((p) => ['--ro-bind', p, p]),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--remount-ro',
    '/',
    '--cap-drop',
    'ALL',
    '--uid',
    String(CONTAINER_ID),
    '--gid',
    String(CONTAINER_ID),
    ...(seccomp ? ['--seccomp', '0'] : []),
  ];
}

interface BwrapProbe {
  ok: boolean;
  detail: string;
  /** The filter bytes (null where this architecture has no table; the layer is then reported unavailable). */
  seccomp: Buffer | null;
}

const probeCache = new Map<string, BwrapProbe>();

/**
 * Whether bubblewrap can build these walls here, filter included: it starts `node --version` inside them
 * (a few ms; once per process and Node binary).
 */
export function probeBwrap(
  bwrap: string | null,
  nodePath: string,
  runtimePaths: readonly string[],
): BwrapProbe {
  const key = `${bwrap}\0${nodePath}`;
  const hit = probeCache.get(key);
  if (hit) return hit;
  const seccomp = seccompProgram();
  let probe: BwrapProbe;
  if (!bwrap)
    probe = {
      ok: false,
      detail: 'bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap)',
      seccomp,
    };
  else {
    const files = containerFiles(nodePath, runtimePaths);
    const r = spawnSync(bwrap, [...bwrapArgs(files, seccomp !== null), '--', files.node, '--version'], {
      encoding: 'utf8',
      timeout: 5000,
      env: {},
      ...(seccomp ? { input: seccomp } : {}),
    });
    const why = r.error
      ? r.error.message
      : r.status !== 0
        ? (r.stderr || `exit ${r.status ?? r.signal}`).trim().slice(0, 300)
        : '';
    probe = why
      ? { ok: false, detail: `bwrap cannot create its namespaces here: ${why}`, seccomp }
      : { ok: true, detail: 'ok', seccomp };
  }
  probeCache.set(key, probe);
  return probe;
}
