import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CliProcess } from './processes.js';
import { expectRefusedForBusyPort, startCli, stillAlive, withTakenPort } from './processes.js';

/**
 * `ironcliw demo --serve` serves and stops as `serve` does (cli/serving.ts): a taken port is one line and
 * exit 2 before the demo runs, the first SIGTERM stops it (exit 0) with no process left. Bounds are
 * ceilings against hanging on a shared machine, never speed targets.
 */
const dir = mkdtempSync(join(tmpdir(), 'ironcliw-demo-serve-'));
const started: CliProcess[] = [];
const cli = (...args: string[]) => {
  const p = startCli(args, { cwd: dir });
  started.push(p);
  return p;
};
const LONG = { timeout: 600_000 };

afterEach(() => {
  for (const p of started.splice(0)) p.killAll();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('demo --serve', () => {
  it('on a port in use prints one line, exits 2 and leaves no process behind', LONG, async () => {
    await withTakenPort(async (port) => {
      const p = cli('demo', '--serve', '--port', String(port));
      // Refused before the demo ran: nothing printed, nothing started.
      await expectRefusedForBusyPort(p, port);
    });
  });

  it(
    'serves the dashboard on the demo store, then stops on the first SIGTERM: exit 0, no process left',
    LONG,
    async () => {
      const p = cli('demo', '--serve', '--port', '0');
      await p.waitFor(/dashboard: http:\/\/\S+\/ {2}\(Ctrl-C to stop\)/, 540_000);
      const url = /dashboard: (http:\/\/\S+)\//.exec(p.out())![1]!;
      const res = await fetch(`${url}/v1/status`);
      expect(res.status).toBe(200);
      expect(
        ((await res.json()) as { generationStats: { totalGenerated: number } }).generationStats
          .totalGenerated,
      ).toBeGreaterThan(0);
      p.proc.kill('SIGTERM');
      const exit = await p.exit(120_000);
      expect(exit, `still running 120 s after SIGTERM\n${p.out()}\n${p.err()}`).toBeDefined();
      expect(exit!.code).toBe(0);
      expect(p.out()).toMatch(/SIGTERM: shutting down within \d+ ms/);
      expect(p.out()).toMatch(/stopped in \d+ ms/);
      expect(p.err()).not.toMatch(/still kept the process alive/);
      expect(stillAlive(p.seen)).toEqual([]);
    },
  );
});
