import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderScene } from '../../src/vision/index.js';
import type { CliProcess } from './processes.js';
import { descendants, startCli, stillAlive } from './processes.js';

/**
 * `serve` reads text in a child process that exits when idle (issue 20, config memory.ocrIdleMs): the real
 * `ironcliw serve`, seen from outside (its process tree). Bounds are ceilings against hanging on a shared
 * machine, never speed targets.
 */
let dir = '';
let config = '';
let png = '';
const started: CliProcess[] = [];
const IDLE_MS = 2000;
const KEY = 'text-process-client-key-0123456789';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ironcliw-text-'));
  config = join(dir, 'text.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      server: { clients: [{ name: 'ana', key: KEY, groups: [] }] },
      memory: { ocrIdleMs: IDLE_MS },
    }),
  );
  png = (
    await renderScene({
      width: 800,
      height: 500,
      titlebar: { title: 'Invoice Editor' },
      statusbar: { text: 'Ready to send' },
      elements: [],
    })
  ).png.toString('base64');
});
afterEach(() => {
  for (const p of started.splice(0)) p.killAll();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The text-reading children under `serve` now. */
function readers(p: CliProcess): number[] {
  return [...descendants(p.proc.pid!).keys()].filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('vision-child');
    } catch {
      return false;
    }
  });
}

describe('serve reading text in a child process', () => {
  it('starts it for a read, lets it go when idle, starts another, and leaves nothing after SIGTERM', async () => {
    const p = startCli(['serve', '--port', '0', '--db', join(dir, 'store.db'), '--config', config], {
      cwd: dir,
    });
    started.push(p);
    await p.waitFor(/serving on http:\/\/\S+ /, 120_000);
    const url = /serving on (http:\/\/\S+) /.exec(p.out())![1]!;
    const describeScreen = async () => {
      const res = await fetch(`${url}/v1/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': KEY },
        body: JSON.stringify({
          command: 'describe the screen',
          context: { user: 'ana' },
          screen: { pngBase64: png },
        }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { ok: boolean; result?: { answer: string } };
      expect(body.ok).toBe(true);
      return body.result!.answer;
    };

    // Nothing read yet: no reader.
    expect(readers(p)).toEqual([]);
    expect(await describeScreen()).toMatch(/Invoice Editor[\s\S]*Ready to send/);
    const [first] = readers(p);
    expect(first).toBeDefined();

    // Idle for memory.ocrIdleMs: it exits, serve keeps serving, and the next read starts another.
    await expect.poll(() => readers(p), { timeout: 60_000, interval: 100 }).toEqual([]);
    expect(await describeScreen()).toMatch(/Invoice Editor/);
    const [second] = readers(p);
    expect(second).toBeDefined();
    expect(second).not.toBe(first);

    // The first SIGTERM stops serve and its reader (running now): exit 0, nothing left.
    p.proc.kill('SIGTERM');
    const exit = await p.exit(120_000);
    expect(exit, `${p.out()}\n${p.err()}`).toBeDefined();
    expect(exit!.code).toBe(0);
    await expect.poll(() => stillAlive(p.seen), { timeout: 30_000, interval: 200 }).toEqual([]);
  }, 300_000);
});
