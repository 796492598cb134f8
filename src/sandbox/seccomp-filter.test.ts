import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DENIED_SYSCALLS, ENOSYS_SYSCALLS, seccompProgram, syscallTable } from './seccomp-filter.js';

const ALLOW = 0x7fff0000;
const KILL = 0x80000000;
const EPERM = 0x00050001;
const ENOSYS = 0x00050026;

/** A classic-BPF interpreter for the instructions the emitter uses, over a `struct seccomp_data`. */
function runFilter(prog: Buffer, data: { nr: number; arch: number; args?: number[] }): number {
  const mem = Buffer.alloc(64);
  mem.writeUInt32LE(data.nr, 0);
  mem.writeUInt32LE(data.arch, 4);
  (data.args ?? []).forEach((a, i) => mem.writeUInt32LE(a >>> 0, 16 + 8 * i));
  let acc = 0;
  for (let pc = 0; pc < prog.length / 8; pc++) {
    const code = prog.readUInt16LE(pc * 8);
    const jt = prog.readUInt8(pc * 8 + 2);
    const jf = prog.readUInt8(pc * 8 + 3);
    const k = prog.readUInt32LE(pc * 8 + 4);
    if (code === 0x20) acc = mem.readUInt32LE(k);
    else if (code === 0x06) return k;
    else if (code === 0x15) pc += acc === k ? jt : jf;
    else if (code === 0x35) pc += acc >= k ? jt : jf;
    else if (code === 0x45) pc += (acc & k) !== 0 ? jt : jf;
    else throw new Error(`unexpected BPF opcode ${code.toString(16)} at ${pc}`);
  }
  throw new Error('fell off the end of the program');
}

describe('seccomp filter (x86-64)', () => {
  const prog = seccompProgram('x64')!;
  const nr = syscallTable('x64')!;
  const X64 = 0xc000003e;
  const run = (n: number, args?: number[], arch = X64) =>
    runFilter(prog, { nr: n, arch, ...(args ? { args } : {}) });

  it('allows what Node needs and refuses the kernel attack surface', () => {
    for (const ordinary of [
      0 /* read */, 1 /* write */, 9 /* mmap */, 202 /* futex */, 257 /* openat */, 59 /* execve */,
    ])
      expect(run(ordinary)).toBe(ALLOW);
    for (const name of DENIED_SYSCALLS) expect(run(nr[name]!), name).toBe(EPERM);
    for (const name of ENOSYS_SYSCALLS) expect(run(nr[name]!), name).toBe(ENOSYS);
  });

  it('lets threads be created but not namespaces', () => {
    const CLONE_THREAD_FLAGS = 0x003d0f00; // what glibc's pthread_create passes
    expect(run(nr.clone!, [CLONE_THREAD_FLAGS])).toBe(ALLOW);
    expect(run(nr.clone!, [0x10000000 /* CLONE_NEWUSER */])).toBe(EPERM);
    expect(run(nr.clone!, [0x40000000 | 0x11 /* CLONE_NEWNET | SIGCHLD */])).toBe(EPERM);
  });

  it('allows Unix sockets only, and no terminal injection', () => {
    expect(run(nr.socket!, [1 /* AF_UNIX */])).toBe(ALLOW);
    expect(run(nr.socket!, [2 /* AF_INET */])).toBe(EPERM);
    expect(run(nr.socket!, [16 /* AF_NETLINK */])).toBe(EPERM);
    expect(run(nr.ioctl!, [0, 0x5412 /* TIOCSTI */])).toBe(EPERM);
    expect(run(nr.ioctl!, [0, 0x5401 /* TCGETS */])).toBe(ALLOW);
  });

  it('kills a foreign ABI (i386, x32) whose numbers mean other calls', () => {
    expect(run(101, [], 0x40000003 /* AUDIT_ARCH_I386 */)).toBe(KILL);
    expect(run(0x40000000 + 101 /* x32 ptrace */)).toBe(KILL);
  });

  it('has no table (and so no faked filter) for other architectures', () => {
    expect(seccompProgram('ppc64')).toBeNull();
  });
});

describe('seccomp filter (arm64)', () => {
  it('refuses the same calls by arm64 numbers', () => {
    const prog = seccompProgram('arm64')!;
    const nr = syscallTable('arm64')!;
    for (const name of DENIED_SYSCALLS)
      if (nr[name] !== undefined)
        expect(runFilter(prog, { nr: nr[name]!, arch: 0xc00000b7 }), name).toBe(EPERM);
    expect(runFilter(prog, { nr: 63 /* read */, arch: 0xc00000b7 })).toBe(ALLOW);
  });
});

// The numbers are the kernel's, not ours: compared with the installed uapi headers where they exist.
const headers = {
  x64: '/usr/include/x86_64-linux-gnu/asm/unistd_64.h',
  arm64: '/usr/include/asm-generic/unistd.h',
};
describe.each(Object.entries(headers))('syscall numbers (%s) against %s', (arch, file) => {
  it.skipIf(!existsSync(file))('match the kernel headers', () => {
    const text = readFileSync(file, 'utf8');
    const table = syscallTable(arch)!;
    for (const [name, n] of Object.entries(table)) {
      const m = new RegExp(`#define __NR(?:3264)?_${name}\\s+(\\d+)`).exec(text);
      expect(m, `${name} in ${file}`).not.toBeNull();
      expect(Number(m![1]), name).toBe(n);
    }
  });
});
