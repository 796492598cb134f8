import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VisionImage } from './capabilities/index.js';
import { IroncliwError } from './domain/index.js';
import { removeDeadSpools, visionProcess } from './vision-process.js';
import { createVisionPort, screenLoader } from './vision-port.js';
import { renderScene, resolveRegion } from './vision/index.js';

/** Whether a process with this pid is alive (a child is reaped before its exit event). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const until = async (what: () => boolean, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
};

/** Issue 20: `serve` reads text and scans screens in a child process that exits when idle (its memory goes back whole). */
describe('vision in a child process', () => {
  let screen: VisionImage;
  const local = createVisionPort();
  beforeAll(async () => {
    const scene = await renderScene({
      width: 900,
      height: 560,
      titlebar: { height: 32, title: 'Quarterly Report' },
      toolbar: { height: 48 },
      statusbar: { height: 28, text: 'Saved 2 minutes ago' },
      elements: [
        { type: 'button', label: 'Save', x: 12, y: 10 },
        { type: 'button', label: 'Export', x: 90, y: 10 },
        { type: 'text', text: 'Revenue grew in every region', x: 40, y: 60, size: 20 },
        { type: 'shape', shape: 'circle', color: 'green', x: 300, y: 200, size: 40 },
      ],
    });
    screen = await screenLoader(40_000_000).decode(scene.png);
  });

  describe('answers', () => {
    const text = visionProcess(createVisionPort(), { scans: true });
    afterAll(() => text.close());

    it('as this process would, word for word, without reading here', async () => {
      const title = resolveRegion(screen, 'titlebar');
      const status = resolveRegion(screen, 'statusbar');
      for (const rect of [undefined, title, status, resolveRegion(screen, 'content')]) {
        const there = await text.port.readText!(screen, rect);
        expect(there).toEqual(await local.readText!(screen, rect));
        expect(there.text.length).toBeGreaterThan(0);
      }
      expect((await text.port.readText!(screen, title)).text).toContain('Quarterly Report');
      const found = await text.port.findText!(screen, 'saved 2 minutes');
      expect(found).toHaveLength(1);
      expect(found).toEqual(await local.findText!(screen, 'saved 2 minutes'));
      const elements = await text.port.elements!(screen, {});
      expect(elements).toEqual(await local.elements!(screen, {}));
      expect(elements.some((e) => e.kind === 'button' && e.text === 'Export')).toBe(true);
      expect(await text.port.elements!(screen, { kind: 'button' }, title)).toEqual(
        await local.elements!(screen, { kind: 'button' }, title),
      );
      // Scans and descriptions too, with `scans` (the screen was sent once: named by its digest since).
      for (const opts of [{}, { color: 'green' }, { minArea: 7.25 }])
        expect(await text.port.findShapes(screen, opts)).toEqual(await local.findShapes(screen, opts));
      expect((await text.port.findShapes(screen, { shape: 'circle' })).length).toBe(1);
      expect(await text.port.describe(screen)).toEqual(await local.describe(screen));
      expect(await text.port.describe(screen, title)).toEqual(await local.describe(screen, title));
      // readText is memoised per screen here: the repeat did not go to the child.
      const calls = text.stats.calls;
      await text.port.readText!(screen, title);
      expect(text.stats.calls).toBe(calls);
      expect(text.stats.starts).toBe(1);
    }, 180_000);

    it('rejects bad input as readText does', async () => {
      await expect(
        text.port.readText!(screen, { x: 5000, y: 0, width: 10, height: 10 }),
      ).rejects.toMatchObject({
        code: 'E_INPUT_INVALID',
      });
      await expect(text.port.findText!(screen, '  ')).rejects.toMatchObject({ code: 'E_INPUT_INVALID' });
    });
  });

  it('ends the child after the idle period, and the next read starts another', async () => {
    const text = visionProcess(createVisionPort(), { idleMs: 300 });
    try {
      await text.port.prepare!({ ocr: true });
      const first = text.pid()!;
      expect(alive(first)).toBe(true);
      const title = resolveRegion(screen, 'titlebar');
      expect((await text.port.readText!(screen, title)).text).toContain('Quarterly Report');
      await until(() => text.pid() === undefined);
      await until(() => !alive(first));
      // A new screen (readText memoises per screen object): read by a new child.
      const again = { ...screen, data: screen.data.slice() };
      expect((await text.port.readText!(again, title)).text).toContain('Quarterly Report');
      expect(text.stats.starts).toBe(2);
      expect(text.pid()).not.toBe(first);
    } finally {
      await text.close();
    }
  }, 120_000);

  it('fails the calls of a child that dies with E_VISION_UNAVAILABLE, and replaces it', async () => {
    const text = visionProcess(createVisionPort());
    try {
      const reading = text.port.elements!(screen, {});
      await until(() => text.pid() !== undefined);
      const pid = text.pid()!;
      process.kill(pid, 'SIGKILL');
      const err = await reading.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(IroncliwError);
      expect((err as IroncliwError).code).toBe('E_VISION_UNAVAILABLE');
      expect(text.pid()).toBeUndefined();
      const status = resolveRegion(screen, 'statusbar');
      expect((await text.port.readText!(screen, status)).text).toContain('Saved 2 minutes ago');
      expect(text.pid()).not.toBe(pid);
      expect(text.stats.starts).toBe(2);
    } finally {
      await text.close();
    }
  }, 120_000);

  it('close() ends the child', async () => {
    const text = visionProcess(createVisionPort());
    await text.port.prepare!({ ocr: true });
    const pid = text.pid()!;
    await text.close();
    expect(text.pid()).toBeUndefined();
    await until(() => !alive(pid));
  }, 60_000);
});

describe('spool folders', () => {
  it('removes the folders of processes that are gone, keeping live ones and other names', () => {
    const base = mkdtempSync(join(tmpdir(), 'spools-'));
    try {
      // A pid that was just in use and is gone now.
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
        encoding: 'utf8',
      }).stdout;
      for (const name of [`ironcliw-text-${dead}-abc123`, `ironcliw-text-${process.pid}-def456`, 'other'])
        mkdirSync(join(base, name));
      removeDeadSpools(base);
      expect(readdirSync(base).sort()).toEqual(['ironcliw-text-' + process.pid + '-def456', 'other'].sort());
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
