import { readdirSync, readFileSync } from 'node:fs';

/**
 * Resident memory of a process and all its descendants, read from /proc (Linux): what `serve` costs the
 * machine with its learner, sandbox launchers and sandbox children, per process and per role.
 */
export interface ProcessMemory {
  pid: number;
  ppid: number;
  /** The command line, arguments joined by spaces. */
  cmd: string;
  role: Role;
  /** VmRSS, kB: what `ps`/`top` call RES. Shared pages (the node binary) count in every process. */
  rssKb: number;
}

/**
 * Who a process is in a `serve` tree. The learner is `… entry.js learn …` (nice/chrt exec it, so no wrapper
 * process is left); a sandbox launcher runs launcher-host.mjs; its children are the sandbox's pooled
 * children, whichever wrapper (setpriv, bwrap) they were started through. Sandboxes are counted with the
 * process that owns them: `serve sandbox` under the server, `learner sandbox` under the learner. `serve vision`
 * is the server's vision child process (vision-child.js: OCR and OpenCV, ended when idle).
 */
export type Role = 'serve' | 'learner' | 'serve sandbox' | 'learner sandbox' | 'serve vision' | 'other';

export const ROLES: readonly Role[] = [
  'serve',
  'learner',
  'serve sandbox',
  'learner sandbox',
  'serve vision',
  'other',
];

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process ended while we looked
  }
}

function parentOf(pid: number): number | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // pid (comm) state ppid …; comm may hold spaces and parentheses, so split after its last ')'.
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

function rssKbOf(pid: number): number | undefined {
  const status = read(`/proc/${pid}/status`);
  const m = status?.match(/^VmRSS:\s+(\d+) kB/m);
  // A zombie (or a kernel thread) has no VmRSS line: it holds no memory.
  return status === undefined ? undefined : m ? Number(m[1]) : 0;
}

/** `root` and every descendant still alive, each with its RSS and role. */
export function processTree(root: number): ProcessMemory[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = parentOf(Number(name));
    if (ppid !== undefined) parents.set(Number(name), ppid);
  }
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const out: ProcessMemory[] = [];
  const visit = (pid: number, owner: 'serve' | 'learner', inSandbox: boolean) => {
    const rssKb = rssKbOf(pid);
    if (rssKb === undefined) return;
    const cmd = (read(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim();
    let role: Role;
    let nextOwner = owner;
    let nextInSandbox = inSandbox;
    if (pid === root) role = 'serve';
    else if (/\bentry\.[jt]s learn\b/.test(cmd)) role = nextOwner = 'learner';
    else if (/\bvision-child\.[jt]s\b/.test(cmd)) role = 'serve vision';
    else if (inSandbox || cmd.includes('launcher-host.mjs')) {
      role = `${owner} sandbox`;
      nextInSandbox = true;
    } else role = 'other';
    out.push({ pid, ppid: parents.get(pid) ?? 0, cmd, role, rssKb });
    for (const c of children.get(pid) ?? []) visit(c, nextOwner, nextInSandbox);
  };
  visit(root, 'serve', false);
  return out;
}

/** MB (10^6 bytes) per role and in total, from one reading of the tree. */
export function byRole(tree: readonly ProcessMemory[]): Record<Role | 'total', number> {
  const mb = Object.fromEntries([...ROLES, 'total'].map((r) => [r, 0])) as Record<Role | 'total', number>;
  for (const p of tree) {
    mb[p.role] += (p.rssKb * 1024) / 1e6;
    mb.total += (p.rssKb * 1024) / 1e6;
  }
  return mb;
}
