/**
 * The container tier's seccomp filter, emitted here as a classic BPF program (what bubblewrap's `--seccomp FD`
 * loads): no libseccomp binding, no install-time build step, and the whole policy is readable below.
 *
 * Policy: a deny-list in the spirit of Docker's and Flatpak's default profiles. Everything the child (Node +
 * QuickJS) needs stays allowed; what only an escaped guest attacking the kernel or its neighbours would call is
 * refused with EPERM — kernel modules, mounts and namespaces, ptrace and cross-process memory, keyrings, BPF,
 * perf, userfaultfd, io_uring, clock and host-name changes, terminal injection, and every socket family but
 * AF_UNIX (Node's IPC channel is an inherited socket; the child opens none). A foreign system-call ABI (i386
 * or x32 on x86-64) kills the process: those numbers mean other calls and would slip past the list.
 */

/** `struct sock_filter`: 8 bytes, little-endian on every architecture we emit for. */
interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS
const JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JGE_K = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const JSET_K = 0x45; // BPF_JMP | BPF_JSET | BPF_K
const RET_K = 0x06; // BPF_RET | BPF_K

const RET_KILL_PROCESS = 0x80000000;
const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;
const EPERM = 1;
const ENOSYS = 38;

// struct seccomp_data offsets: nr (u32), arch (u32), instruction_pointer (u64), args[6] (u64 each).
const OFF_NR = 0;
const OFF_ARCH = 4;
const argLow = (i: number) => 16 + 8 * i; // the low 32 bits of an argument (little-endian)

/** clone()'s namespace flags: NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME. */
const CLONE_NEW_ANY =
  0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x80;
const AF_UNIX = 1;
/** ioctl requests that push input into (or reprogram) a terminal: TIOCSTI, TIOCLINUX. */
const TTY_INJECT = [0x5412, 0x541c];

/** The system calls refused with EPERM, by name (numbers per architecture below). */
export const DENIED_SYSCALLS = Object.freeze([
  'ptrace',
  'process_vm_readv',
  'process_vm_writev',
  'kcmp',
  'syslog',
  'acct',
  'settimeofday',
  'clock_settime',
  'clock_adjtime',
  'adjtimex',
  'mount',
  'umount2',
  'mount_setattr',
  'open_tree',
  'move_mount',
  'fsopen',
  'fsconfig',
  'fsmount',
  'fspick',
  'pivot_root',
  'chroot',
  'swapon',
  'swapoff',
  'reboot',
  'sethostname',
  'setdomainname',
  'init_module',
  'finit_module',
  'delete_module',
  'kexec_load',
  'kexec_file_load',
  'quotactl',
  'quotactl_fd',
  'nfsservctl',
  'vhangup',
  'lookup_dcookie',
  'add_key',
  'request_key',
  'keyctl',
  'unshare',
  'setns',
  'move_pages',
  'perf_event_open',
  'fanotify_init',
  'name_to_handle_at',
  'open_by_handle_at',
  'bpf',
  'userfaultfd',
  // x86-64 only
  'iopl',
  'ioperm',
  'create_module',
  'get_kernel_syms',
  'query_module',
  'uselib',
  'ustat',
  'sysfs',
  '_sysctl',
] as const);

/**
 * Refused with ENOSYS, so callers fall back instead of failing: io_uring (a large kernel attack surface; libuv
 * falls back to its thread pool) and clone3 (its flags live in memory a filter cannot read; glibc falls back
 * to clone, whose flags are checked).
 */
export const ENOSYS_SYSCALLS = Object.freeze([
  'io_uring_setup',
  'io_uring_enter',
  'io_uring_register',
  'clone3',
] as const);

type Name =
  (typeof DENIED_SYSCALLS)[number] | (typeof ENOSYS_SYSCALLS)[number] | 'clone' | 'socket' | 'ioctl';

interface ArchTable {
  /** AUDIT_ARCH_* of the native ABI. */
  auditArch: number;
  /** Numbers at or above this belong to another ABI on the same arch (x32 on x86-64). */
  foreignFrom?: number;
  nr: Partial<Record<Name, number>>;
}

// From the kernel's uapi headers (asm/unistd_64.h; asm-generic/unistd.h for arm64), checked against the
// installed headers by seccomp-filter.test.ts where they exist. A name missing on an arch is not a call there.
const ARCHES: Record<string, ArchTable> = {
  x64: {
    auditArch: 0xc000003e,
    foreignFrom: 0x40000000,
    nr: {
      ptrace: 101,
      process_vm_readv: 310,
      process_vm_writev: 311,
      kcmp: 312,
      syslog: 103,
      acct: 163,
      settimeofday: 164,
      clock_settime: 227,
      clock_adjtime: 305,
      adjtimex: 159,
      mount: 165,
      umount2: 166,
      mount_setattr: 442,
      open_tree: 428,
      move_mount: 429,
      fsopen: 430,
      fsconfig: 431,
      fsmount: 432,
      fspick: 433,
      pivot_root: 155,
      chroot: 161,
      swapon: 167,
      swapoff: 168,
      reboot: 169,
      sethostname: 170,
      setdomainname: 171,
      init_module: 175,
      finit_module: 313,
      delete_module: 176,
      kexec_load: 246,
      kexec_file_load: 320,
      quotactl: 179,
      quotactl_fd: 443,
      nfsservctl: 180,
      vhangup: 153,
      lookup_dcookie: 212,
      add_key: 248,
      request_key: 249,
      keyctl: 250,
      unshare: 272,
      setns: 308,
      move_pages: 279,
      perf_event_open: 298,
      fanotify_init: 300,
      name_to_handle_at: 303,
      open_by_handle_at: 304,
      bpf: 321,
      userfaultfd: 323,
      iopl: 172,
      ioperm: 173,
      create_module: 174,
      get_kernel_syms: 177,
      query_module: 178,
      uselib: 134,
      ustat: 136,
      sysfs: 139,
      _sysctl: 156,
      io_uring_setup: 425,
      io_uring_enter: 426,
      io_uring_register: 427,
      clone3: 435,
      clone: 56,
      socket: 41,
      ioctl: 16,
    },
  },
  arm64: {
    auditArch: 0xc00000b7,
    nr: {
      ptrace: 117,
      process_vm_readv: 270,
      process_vm_writev: 271,
      kcmp: 272,
      syslog: 116,
      acct: 89,
      settimeofday: 170,
      clock_settime: 112,
      clock_adjtime: 266,
      adjtimex: 171,
      mount: 40,
      umount2: 39,
      mount_setattr: 442,
      open_tree: 428,
      move_mount: 429,
      fsopen: 430,
      fsconfig: 431,
      fsmount: 432,
      fspick: 433,
      pivot_root: 41,
      chroot: 51,
      swapon: 224,
      swapoff: 225,
      reboot: 142,
      sethostname: 161,
      setdomainname: 162,
      init_module: 105,
      finit_module: 273,
      delete_module: 106,
      kexec_load: 104,
      kexec_file_load: 294,
      quotactl: 60,
      quotactl_fd: 443,
      nfsservctl: 42,
      vhangup: 58,
      lookup_dcookie: 18,
      add_key: 217,
      request_key: 218,
      keyctl: 219,
      unshare: 97,
      setns: 268,
      move_pages: 239,
      perf_event_open: 241,
      fanotify_init: 262,
      name_to_handle_at: 264,
      open_by_handle_at: 265,
      bpf: 280,
      userfaultfd: 282,
      io_uring_setup: 425,
      io_uring_enter: 426,
      io_uring_register: 427,
      clone3: 435,
      clone: 220,
      socket: 198,
      ioctl: 29,
    },
  },
};

/** The syscall numbers the filter uses on an architecture (tests compare them with the kernel headers). */
export function syscallTable(arch: string = process.arch): Readonly<Partial<Record<Name, number>>> | null {
  return ARCHES[arch]?.nr ?? null;
}

/**
 * The filter for `arch` (Node's `process.arch`) as the bytes bubblewrap reads from `--seccomp FD`, or null
 * where we have no table (the layer is then reported unavailable, never faked).
 */
export function seccompProgram(arch: string = process.arch): Buffer | null {
  const t = ARCHES[arch];
  if (!t) return null;
  const p: Insn[] = [];
  const ins = (code: number, k: number, jt = 0, jf = 0) => p.push({ code, jt, jf, k });
  const ret = (k: number) => ins(RET_K, k);

  ins(LD_W_ABS, OFF_ARCH);
  ins(JEQ_K, t.auditArch, 1, 0);
  ret(RET_KILL_PROCESS);
  ins(LD_W_ABS, OFF_NR);
  if (t.foreignFrom !== undefined) {
    ins(JGE_K, t.foreignFrom, 0, 1);
    ret(RET_KILL_PROCESS);
  }
  // Each check is "not this call → skip the return": short forward jumps only (BPF offsets are 8 bits).
  for (const name of DENIED_SYSCALLS) {
    const nr = t.nr[name];
    if (nr === undefined) continue;
    ins(JEQ_K, nr, 0, 1);
    ret(RET_ERRNO | EPERM);
  }
  for (const name of ENOSYS_SYSCALLS) {
    const nr = t.nr[name];
    if (nr === undefined) continue;
    ins(JEQ_K, nr, 0, 1);
    ret(RET_ERRNO | ENOSYS);
  }
  // clone: threads and plain forks pass; any namespace flag is refused.
  ins(JEQ_K, t.nr.clone!, 0, 4);
  ins(LD_W_ABS, argLow(0));
  ins(JSET_K, CLONE_NEW_ANY, 0, 1);
  ret(RET_ERRNO | EPERM);
  ret(RET_ALLOW);
  // socket: AF_UNIX only.
  ins(JEQ_K, t.nr.socket!, 0, 4);
  ins(LD_W_ABS, argLow(0));
  ins(JEQ_K, AF_UNIX, 1, 0);
  ret(RET_ERRNO | EPERM);
  ret(RET_ALLOW);
  // ioctl: no terminal injection (bwrap's --new-session already detaches the tty; this holds without it).
  ins(JEQ_K, t.nr.ioctl!, 0, 2 + 2 * TTY_INJECT.length);
  ins(LD_W_ABS, argLow(1));
  for (const req of TTY_INJECT) {
    ins(JEQ_K, req, 0, 1);
    ret(RET_ERRNO | EPERM);
  }
  ret(RET_ALLOW);
  ret(RET_ALLOW);

  const buf = Buffer.alloc(p.length * 8);
  p.forEach((x, i) => {
    buf.writeUInt16LE(x.code, i * 8);
    buf.writeUInt8(x.jt, i * 8 + 2);
    buf.writeUInt8(x.jf, i * 8 + 3);
    buf.writeUInt32LE(x.k >>> 0, i * 8 + 4);
  });
  return buf;
}
