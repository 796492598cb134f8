import { describe, expect, it } from 'vitest';
import { Launcher } from './launcher.js';
import type { RemoteChild } from './launcher.js';

// The launcher starts any command; these tests use tiny trusted Node scripts (host code, not guest code)
// that speak on the IPC channel the launcher gives them, as the sandbox child does.
const script = (body: string) => [process.execPath, ['-e', body]] as const;

function exitOf(child: RemoteChild): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  let stderr = '';
  child.on('stderr', (s: string) => (stderr += s));
  return new Promise((resolve) =>
    child.once('exit', (code: number | null, signal: string | null) => resolve({ code, signal, stderr })),
  );
}

describe('Launcher', () => {
  it('hands over a child that talks to us directly over its IPC channel', async () => {
    const launcher = new Launcher();
    try {
      const [cmd, args] = script(
        `process.on('message', (m) => { process.send({ echo: m, env: Object.keys(process.env) }); if (m.bye) process.disconnect(); });`,
      );
      const child = launcher.spawn(cmd, [...args]);
      const done = exitOf(child);
      const replies: any[] = [];
      child.on('message', (m: unknown) => replies.push(m));
      await new Promise((r) => setTimeout(r, 50));
      // Messages sent before the channel arrived are refused, not queued: the pool waits for 'ready'.
      await waitFor(() => child.connected);
      expect(child.send({ n: 1 })).toBe(true);
      await waitFor(() => replies.length === 1);
      child.send({ bye: true });
      const exit = await done;
      expect(exit.code).toBe(0);
      expect(replies[0]).toEqual({ echo: { n: 1 }, env: [] });
      expect(replies[1]).toEqual({ echo: { bye: true }, env: [] });
    } finally {
      await launcher.close();
    }
  });

  it('kills a child whose unfinished message outgrows the cap, and reports why', async () => {
    const launcher = new Launcher(1000);
    try {
      const [cmd, args] = script(
        `require('node:fs').writeSync(3, 'x'.repeat(5000)); setInterval(() => {}, 1000);`,
      );
      const child = launcher.spawn(cmd, [...args]);
      const exit = await exitOf(child);
      expect(exit.signal).toBe('SIGKILL');
      expect(exit.stderr).toMatch(/larger than 1000 bytes/);
    } finally {
      await launcher.close();
    }
  });

  it('reports a command that cannot start as an exit with the reason', async () => {
    const launcher = new Launcher();
    try {
      const exit = await exitOf(launcher.spawn('/nonexistent/node', []));
      expect(exit.code).toBeNull();
      expect(exit.stderr).toMatch(/ENOENT/);
    } finally {
      await launcher.close();
    }
  });

  it('close() kills what it started', async () => {
    const launcher = new Launcher();
    const [cmd, args] = script(`setInterval(() => {}, 1000);`);
    const child = launcher.spawn(cmd, [...args]);
    await waitFor(() => child.pid !== undefined);
    const exited = exitOf(child);
    await launcher.close();
    const exit = await exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(() => process.kill(child.pid!, 0)).toThrow();
  });
});

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
