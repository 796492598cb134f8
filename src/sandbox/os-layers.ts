import { realpathSync } from 'node:fs';

import { bwrapArgs, CONTAINER_ID, containerFiles, probeBwrap } from './container-walls.js';
import { CHILD_SCRIPT, enginePackages } from './engine-packages.js';
import { hostFacts, UNPRIVILEGED_ID, unreadableBy } from './host-facts.js';
import type { HostFacts } from './host-facts.js';
import { DENIED_SYSCALLS } from './seccomp-filter.js';
import type { SandboxLayerInfo } from './types.js';

/** One isolation layer and whether this machine provides it. Unavailable layers are reported, never faked. */
export type SandboxLayer = SandboxLayerInfo;

/** `--permission` from Node 22 (stable), `--experimental-permission` on Node 20–21. */
function permissionFlag(version = process.versions.node): string {
  const major = Number(version.split('.')[0]);
  return major >= 22 ? '--permission' : '--experimental-permission';
}

interface LaunchSpec {
  command: string;
  args: string[];
  layers: SandboxLayer[];
  /**
   * Why the tier must not start on this machine with these options — a wall that is required is missing and
   * the risk was not accepted (fail closed). Null when it may start.
   */
  refusal: string | null;
  /** Bytes the launcher writes to the child's stdin (the container tier's seccomp program for bwrap). */
  stdin?: Buffer;
  /**
   * The wrappers only — every wall outside Node itself — as a command line that a program is appended to.
   * Tests run a stand-in for an escaped guest (plain `node -e`, no permission model) inside them.
   */
  wrapper: { command: string; args: string[] } | null;
  /** The Node binary to append to `wrapper` (inside the container: its real path, the one bound there). */
  node: string;
}

interface LaunchOptions {
  nodePath: string;
  maxMemoryMb: number;
  childHeapMb: number;
  childCpuSeconds: number;
  recycleGrowthMb: number;
  allowSharedNetwork: boolean;
  allowRootChildren: boolean;
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

/**
 * The command line of one child, outermost first:
 * process tier `prlimit … -- unshare -n -- setpriv --reuid 65534 … -- node <flags> child-host.mjs …`;
 * container tier `prlimit … -- bwrap <namespaces, binds, seccomp> -- node <flags> child-host.mjs …`.
 * `facts` is injectable so the fail-closed decisions can be replayed for any machine.
 */
export function launchSpec(o: LaunchOptions, facts: HostFacts = hostFacts()): LaunchSpec {
  const pkgs = enginePackages();
  const refusals: string[] = [];
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
    // Memory of an idle child (1.5–4 MB; docs/sandbox.md): the young generation may not grow past 1 MB
    // semi-spaces (the child's own JS allocates little per run). Not --single-threaded (≈ 1 MB more): it
    // moves V8's optimising compiles onto the thread that serves runs.
    '--max-semi-space-size=1',
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

  // Inside the container the child runs the Node binary bound at its real path.
  let container: ReturnType<typeof probeBwrap> | null = null;
  let files: ReturnType<typeof containerFiles> | null = null;
  if (o.container)
    try {
      container = probeBwrap(facts.bwrap, o.nodePath, pkgs.readPaths);
      files = containerFiles(o.nodePath, pkgs.readPaths);
    } catch (err) {
      // A Node binary that cannot be resolved: the tier is unavailable, not a crash of its creator.
      container = {
        ok: false,
        detail: `cannot prepare the container: ${(err as Error).message}`,
        seccomp: null,
      };
      files = { node: o.nodePath, binds: [], libsFrom: 'static' };
    }
  const node = files?.node ?? o.nodePath;
  const childArgs = [
    ...nodeArgs,
    realpathSync(CHILD_SCRIPT),
    pkgs.coreUrl,
    pkgs.variantUrl,
    String(o.recycleGrowthMb),
    JSON.stringify(o.sdkMethods),
    o.engineMemoryWall ? '1' : '0',
  ];
  // Built inside out: each wall wraps the command line of the walls within it.
  let wrapper: string[] = [];

  if (!o.container) {
    // Children of a root host would be root: a guest that got out of the engine and Node's permission model
    // could then do anything root can. They run as nobody, with no capabilities and no_new_privs.
    const drop = facts.isRoot && facts.setpriv !== null;
    const unreadable = drop
      ? [o.nodePath, ...pkgs.readPaths]
          .map((p) => unreadableBy(p, UNPRIVILEGED_ID, UNPRIVILEGED_ID))
          .find(Boolean)
      : undefined;
    if (drop && !unreadable && facts.setpriv) {
      wrapper = [
        facts.setpriv,
        `--reuid=${UNPRIVILEGED_ID}`,
        `--regid=${UNPRIVILEGED_ID}`,
        '--clear-groups',
        '--no-new-privs',
        '--inh-caps=-all',
        '--bounding-set=-all',
        '--',
      ];
    }
    const rootProblem = !facts.isRoot
      ? null
      : !facts.setpriv
        ? 'setpriv (util-linux) is not installed, so children of this root process would run as root'
        : unreadable
          ? `children run as uid ${UNPRIVILEGED_ID}, which cannot read their own files: ${unreadable} (install Ironcliw and Node where others may read them)`
          : null;
    if (rootProblem && !o.allowRootChildren)
      refusals.push(
        `${rootProblem}. Fix that, or accept the risk with config sandbox.allowRootChildren: true (library option allowRootChildren)`,
      );
    layers.push({
      name: 'unprivileged-user',
      active: !facts.isRoot || (drop && !unreadable),
      detail: !facts.isRoot
        ? `the host runs as uid ${process.getuid?.() ?? '?'} (not root): children inherit it`
        : rootProblem
          ? `inactive: ${rootProblem}${o.allowRootChildren ? ' — accepted by allowRootChildren' : ''}`
          : `setpriv: uid/gid ${UNPRIVILEGED_ID}, no supplementary groups, no capabilities (bounding set empty), no_new_privs`,
    });

    const netns = facts.netns.ok && facts.unshare !== null;
    if (netns && facts.unshare) wrapper = [facts.unshare, ...facts.netns.flags, '--', ...wrapper];
    else if (!o.allowSharedNetwork)
      refusals.push(
        `network isolation is unavailable here (${facts.netns.detail}), so sandbox children would share the host's network. Fix that (util-linux unshare, run as root or allow unprivileged user namespaces), or accept the risk with config sandbox.allowSharedNetwork: true (library option allowSharedNetwork)`,
      );
    layers.push({
      name: 'network-namespace',
      active: netns,
      detail: netns
        ? `unshare ${facts.netns.flags.join(' ')}: the child has only an unconfigured loopback of its own`
        : `inactive: ${facts.netns.detail} — the child shares the host network (accepted by allowSharedNetwork)`,
    });
  }

  let stdin: Buffer | undefined;
  if (o.container && container && files) {
    if (container.ok) {
      wrapper = [facts.bwrap as string, ...bwrapArgs(files, container.seccomp !== null), '--', ...wrapper];
      if (container.seccomp) stdin = container.seccomp;
    }
    layers.push({
      name: 'bubblewrap',
      active: container.ok,
      detail: container.ok
        ? `bwrap: new user/pid/net/ipc/uts namespaces, an empty read-only root holding only ${files.binds.length} read-only paths (the Node binary, its libraries found by ${files.libsFrom}, the child's scripts and the QuickJS packages), tmpfs /tmp, private /proc, minimal /dev, all capabilities dropped, uid/gid ${CONTAINER_ID}, dies with parent`
        : `unavailable: ${container.detail}`,
    });
    layers.push({
      name: 'seccomp',
      active: container.ok && container.seccomp !== null,
      detail: !container.ok
        ? 'unavailable: bubblewrap is unavailable'
        : container.seccomp
          ? `bwrap --seccomp: ${DENIED_SYSCALLS.length} system calls refused (EPERM: mounts, namespaces, ptrace, modules, keyrings, bpf, perf…), io_uring and clone3 ENOSYS, clone with namespace flags and sockets other than AF_UNIX refused, foreign syscall ABIs killed`
          : `unavailable: no system-call table for ${process.arch} (x64 and arm64 only)`,
    });
    if (!container.ok) refusals.push(container.detail);
  }

  const asBytes = (AS_BASELINE_MB + o.maxMemoryMb + o.childHeapMb) * 1024 * 1024;
  // CPU: soft limit SIGXCPU, hard +5 s SIGKILL. Over the child's whole life: the pool retires children early.
  const cpu = `${o.childCpuSeconds}:${o.childCpuSeconds + 5}`;
  // RLIMIT_NPROC counts every process of the real uid and root is exempt; under bwrap or setpriv the uid is
  // shared with everything else of that user. Node's permission model already blocks child processes, so
  // nproc is only set where it is meaningful and cannot starve Node's own threads: a non-root user's own
  // children outside bwrap.
  const nproc = !facts.isRoot && !o.container;
  if (facts.prlimit) {
    const limits = [
      `--as=${asBytes}`,
      `--cpu=${cpu}`,
      '--fsize=0',
      '--core=0',
      ...(nproc ? ['--nproc=256'] : []),
    ];
    wrapper = [facts.prlimit, ...limits, '--', ...wrapper];
    layers.push({
      name: 'rlimits',
      active: true,
      detail: `prlimit: address space ${Math.round(asBytes / 1048576)} MiB, CPU ${o.childCpuSeconds} s per child life, file size 0, no core dumps${nproc ? ', nproc 256' : ' (nproc not set: root is exempt / shared uid)'}`,
    });
  } else {
    const script = `ulimit -v ${Math.floor(asBytes / 1024)} && ulimit -t ${o.childCpuSeconds} && ulimit -f 0 && ulimit -c 0 && exec "$@"`;
    wrapper = ['/bin/sh', '-c', script, 'sandbox-child', ...wrapper];
    layers.push({
      name: 'rlimits',
      active: true,
      detail: `sh ulimit (prlimit not installed): address space ${Math.round(asBytes / 1048576)} MiB, CPU ${o.childCpuSeconds} s, file size 0`,
    });
  }
  layers.push({
    name: 'watchdog',
    active: true,
    detail: 'the parent SIGKILLs a child that has not answered by timeoutMs + killGraceMs',
  });

  const [command, ...args] = [...wrapper, node, ...childArgs] as [string, ...string[]];
  return {
    command,
    args,
    layers,
    refusal: refusals.length ? refusals.join('; ') : null,
    ...(stdin ? { stdin } : {}),
    wrapper: wrapper.length ? { command: wrapper[0] as string, args: wrapper.slice(1) } : null,
    node,
  };
}

/** Whether the container tier can run here (bubblewrap installed and able to build its walls). */
export function bwrapUsable(nodePath: string = process.execPath): { ok: boolean; detail: string } {
  const r = probeBwrap(hostFacts().bwrap, nodePath, enginePackages().readPaths);
  return { ok: r.ok, detail: r.detail };
}
