/* global setTimeout, Buffer */
// The sandbox launcher: a small process whose only job is to start sandbox children for the pool.
//
// Why it exists: starting a process from Node forks the caller, and fork copies the caller's page tables —
// measured 7–15 ms of a blocked event loop for a 350 MB server (Node 20 and 24 alike), on every respawn.
// Forked from this ~40 MB process instead, the server's side of a spawn is one IPC message (≈0.3 ms).
//
// Each child gets its Node IPC channel on fd 3 as a plain socket pair (NODE_CHANNEL_FD=3, json framing),
// and both that socket and the child's stderr are handed to the pool over this process's own IPC channel:
// from then on the pool talks to the child directly, and nothing the child says passes through here. This
// process runs no guest code, holds no secrets (empty environment) and trusts nothing but its parent.
//
// Messages in:  {t:'spawn', id, command, args, stdin?} — stdin (base64) is written to the child's fd 0 and
//               closed (bubblewrap reads the container's seccomp program from there)
// Messages out: {t:'spawned', id, pid, fd:'ipc'|'stderr'} with the socket as handle; {t:'exit', id, code,
//               signal, error?} once per child.

import { spawn } from 'node:child_process';

if (typeof process.send !== 'function') {
  process.stderr.write('launcher-host: no IPC channel\n');
  process.exit(2);
}

/** @type {Map<number, import('node:child_process').ChildProcess>} */
const children = new Map();

const send = (msg, handle) => {
  if (process.connected) process.send(msg, handle);
};

process.on('message', (msg) => {
  if (!msg || typeof msg !== 'object' || msg.t !== 'spawn') return;
  const { id, command, args, stdin } = msg;
  let child;
  try {
    child = spawn(String(command), Array.isArray(args) ? args.map(String) : [], {
      // fd 3 becomes the child's Node IPC channel (see above); stdout is not read by anyone.
      stdio: [typeof stdin === 'string' ? 'pipe' : 'ignore', 'ignore', 'pipe', 'pipe'],
      env: { NODE_CHANNEL_FD: '3', NODE_CHANNEL_SERIALIZATION_MODE: 'json' },
      detached: false,
    });
  } catch (err) {
    send({ t: 'exit', id, code: null, signal: null, error: String(err?.message ?? err) });
    return;
  }
  let reported = false;
  const report = (code, signal, error) => {
    if (reported) return;
    reported = true;
    children.delete(id);
    send({ t: 'exit', id, code, signal, ...(error ? { error } : {}) });
  };
  child.on('error', (err) => report(null, null, String(err?.message ?? err)));
  child.on('exit', (code, signal) => report(code, signal));
  if (child.pid === undefined) return; // spawn failed: 'error' reports it
  if (child.stdin) {
    // A child that dies before reading it closes the pipe: its exit is what gets reported, not EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(Buffer.from(String(stdin), 'base64'));
  }
  children.set(id, child);
  // The handles move to the pool; this process keeps no copy (keepOpen false closes ours once sent).
  send({ t: 'spawned', id, pid: child.pid, fd: 'ipc' }, child.stdio[3]);
  send({ t: 'spawned', id, pid: child.pid, fd: 'stderr' }, child.stdio[2]);
});

// The pool closed us (SIGTERM) or is gone (disconnect): no child may outlive it. Each is killed and reaped
// (its exit reported while the channel is still up) before this process leaves, within a second.
let shuttingDown = false;
const shutdown = () => {
  if (shuttingDown) return;
  shuttingDown = true;
  for (const c of children.values()) c.kill('SIGKILL');
  const leave = () => process.exit(0);
  setTimeout(leave, 1000).unref();
  const check = () => (children.size === 0 ? leave() : setTimeout(check, 5));
  check();
};
process.on('disconnect', shutdown);
process.on('SIGTERM', shutdown);
