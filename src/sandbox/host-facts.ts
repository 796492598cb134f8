import { spawnSync } from 'node:child_process';
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** What this machine offers the sandbox's OS layers: tools on the PATH, namespaces, root or not, file modes. */
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
  /** util-linux `setpriv`, which drops a root host's children to an unprivileged uid/gid. */
  setpriv: string | null;
  /**
   * Whether a network namespace can be made here, and with which `unshare` flags: `-n` needs CAP_SYS_ADMIN
   * (root); otherwise `-U -n` works where unprivileged user namespaces are allowed.
   */
  netns: { ok: boolean; detail: string; flags: string[] };
  bwrap: string | null;
  isRoot: boolean;
}

let factsCache: HostFacts | undefined;

function probeNetns(unshare: string | null): HostFacts['netns'] {
  if (!unshare) return { ok: false, detail: 'unshare (util-linux) is not installed', flags: [] };
  const plain = probe(unshare, ['-n', 'true']);
  if (plain.ok) return { ok: true, detail: 'ok', flags: ['-n'] };
  const userns = probe(unshare, ['-U', '-n', 'true']);
  if (userns.ok) return { ok: true, detail: 'ok (in a user namespace)', flags: ['-U', '-n'] };
  return {
    ok: false,
    detail: `unshare -n failed: ${plain.detail}; unshare -U -n failed: ${userns.detail}`,
    flags: [],
  };
}

/** Probed once per process (a few ms): which OS mechanisms this machine offers. */
export function hostFacts(): HostFacts {
  if (factsCache) return factsCache;
  const unshare = findOnPath('unshare');
  factsCache = {
    prlimit: findOnPath('prlimit'),
    unshare,
    setpriv: findOnPath('setpriv'),
    netns: probeNetns(unshare),
    bwrap: findOnPath('bwrap'),
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
  };
  return factsCache;
}

/** The uid/gid a root host's process-tier children run as ("nobody"). */
export const UNPRIVILEGED_ID = 65534;

/**
 * Why `uid`/`gid` cannot read `path` (or enter a folder on the way), by the mode bits; null when it can.
 * Checked before children are dropped to nobody, so an install under a private folder (e.g. /root) is
 * refused with its path instead of children dying at start-up.
 */
export function unreadableBy(path: string, uid: number, gid: number): string | null {
  const may = (st: Stats, bit: number) =>
    st.uid === uid
      ? (st.mode & (bit << 6)) !== 0
      : st.gid === gid
        ? (st.mode & (bit << 3)) !== 0
        : (st.mode & bit) !== 0;
  // Both the path as the child is given it (every folder on the way must be searchable) and where it
  // really leads (a symlinked file or folder is checked at its target).
  let real: string;
  try {
    real = realpathSync(path);
  } catch (err) {
    return `${path} cannot be resolved: ${(err as Error).message}`;
  }
  for (const p of new Set([resolve(path), real])) {
    const parts = p.split('/').filter(Boolean);
    let dir = '/';
    for (const part of parts) {
      const st = statSync(dir);
      if (!may(st, 1))
        return `${dir} is not searchable by uid ${uid} (mode ${(st.mode & 0o777).toString(8)})`;
      dir = join(dir, part);
    }
  }
  const st = statSync(real);
  if (!may(st, 4) || (st.isDirectory() && !may(st, 1)))
    return `${real} is not readable by uid ${uid} (mode ${(st.mode & 0o777).toString(8)})`;
  return null;
}
