import { describe, expect, it, vi } from 'vitest';
import { Launcher } from './launcher.js';
import type { ChildProcess } from 'node:child_process';
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
      // Messages sent before the channel arrived are refused, not queued: the pool waits for 'ready'.
      expect(child.connected).toBe(false);
      expect(child.send({ early: true })).toBe(false);
      await vi.waitUntil(() => child.connected, { timeout: 10_000, interval: 10 });
      expect(child.send({ n: 1 })).toBe(true);
      await vi.waitUntil(() => replies.length === 1, { timeout: 10_000, interval: 10 });
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

  it('says a child is lost as soon as it is known dead, and exits only after its last words arrive', async () => {
    const launcher = new Launcher();
    try {
      const [cmd, args] = script(
        `require('node:fs').writeSync(3, JSON.stringify({ last: 'words' }) + '\\n'); process.exit(3);`,
      );
      const child = launcher.spawn(cmd, [...args]);
      const events: string[] = [];
      child.on('message', (m: { last?: string }) => events.push(`message:${m.last}`));
      child.on('lost', () => events.push('lost'));
      const exit = await exitOf(child);
      events.push('exit');
      expect(exit.code).toBe(3);
      expect(events.indexOf('lost')).toBeGreaterThanOrEqual(0);
      expect(events.indexOf('lost')).toBeLessThan(events.indexOf('exit'));
      expect(events.indexOf('message:words')).toBeGreaterThanOrEqual(0);
      expect(events.at(-1)).toBe('exit');
    } finally {
      await launcher.close();
    }
  });

  it('a launcher replaced before it exits takes only its own children with it', async () => {
    const launcher = new Launcher();
    try {
      const [cmd, args] = script(
        `process.on('message', (m) => process.send({ echo: m })); setInterval(() => {}, 1000);`,
      );
      const first = launcher.spawn(cmd, [...args]);
      await vi.waitUntil(() => first.connected, { timeout: 10_000, interval: 10 });
      const firstExit = exitOf(first);
      const old = (launcher as unknown as { proc: ChildProcess }).proc;
      // A launcher that dies loses its channel and exits as two events, in either order; a spawn between
      // them starts a new launcher at once. Spawning when the channel goes makes that window certain.
      let second: RemoteChild | undefined;
      old.once('disconnect', () => (second = launcher.spawn(cmd, [...args])));
      process.kill(old.pid!, 'SIGKILL');
      expect(await firstExit).toMatchObject({
        code: null,
        signal: null,
        stderr: expect.stringMatching(/sandbox launcher exited/),
      });
      expect(second, 'a spawn was made when the channel went').toBeDefined();
      expect(launcher.pid).not.toBe(old.pid);
      let secondExited = false;
      second!.once('exit', () => (secondExited = true));
      await vi.waitUntil(() => second!.connected, { timeout: 10_000, interval: 10 });
      const replies: unknown[] = [];
      second!.on('message', (m: unknown) => replies.push(m));
      second!.send({ n: 2 });
      await vi.waitUntil(() => replies.length === 1, { timeout: 10_000, interval: 10 });
      expect(replies).toEqual([{ echo: { n: 2 } }]);
      expect(secondExited).toBe(false);
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
    await vi.waitUntil(() => child.pid !== undefined, { timeout: 10_000, interval: 10 });
    const exited = exitOf(child);
    await launcher.close();
    const exit = await exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(() => process.kill(child.pid!, 0)).toThrow();
  });
});
