import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ocrStore } from './ocr-store.js';
import type { CliProcess } from './processes.js';
import { startCli, stillAlive } from './processes.js';

/**
 * The `ironcliw` process as a script or a supervisor sees it: it exits by itself, on time, with a documented
 * code, and leaves no process behind. Bounds here are generous ceilings against hanging (the machine is
 * shared), never speed targets; those are in `npm run bench`.
 */
let dir = '';
let db = '';
let screen = '';
const started: CliProcess[] = [];
const cli = (...args: string[]) => {
  const p = startCli(args, { cwd: dir });
  started.push(p);
  return p;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ironcliw-proc-'));
  ({ db, screen } = await ocrStore(dir));
});
afterEach(() => {
  for (const p of started.splice(0)) p.killAll();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a CLI command', () => {
  it(
    'that read text with OCR exits by itself after its answer and leaves no process behind',
    { timeout: 180_000 },
    async () => {
      const p = cli('run', 'read the title', '--screen', screen, '--db', db, '--user', 'ana');
      await p.waitFor(/Invoice Editor/, 90_000);
      const exit = await p.exit(30_000);
      expect(exit, `still running 30 s after answering\n${p.out()}\n${p.err()}`).toBeDefined();
      expect(exit!.code).toBe(0);
      // The sandbox pool's launcher and children ran under it; none outlives it.
      expect(p.seen.size).toBeGreaterThan(0);
      expect(stillAlive(p.seen)).toEqual([]);
    },
  );
});
