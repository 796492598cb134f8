import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderScene } from '../vision/index.js';
import { main } from './main.js';

/** `run --wait` when learning cannot happen: it says why, in the answer's own output. */
let dir = '';
let db = '';
let screen = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ironcliw-wait-'));
  db = join(dir, 'store.db');
  screen = join(dir, 'screen.png');
  writeFileSync(
    screen,
    (
      await renderScene({
        width: 640,
        height: 400,
        elements: [{ type: 'button', label: 'Save', region: 'toolbar', x: 8, y: 8 }],
      })
    ).png,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main(['run', ...argv, '--screen', screen, '--db', db, '--wait'], {
    out: (s) => (out += s + '\n'),
    err: () => {},
  });
  return { code, out };
}

describe('run --wait', () => {
  it('reports the pattern while it collects, then why no capability can be generated', async () => {
    const first = await run('drag the Save button to the sidebar', '--user', 'ana');
    expect(first.code).toBe(1);
    expect(first.out).toContain(
      'learning:\n  ✓ pattern  drag:button[label]: 1 failure from 1 user; learning starts at 3 from 2\n',
    );
    await run('drag the Save button to the sidebar', '--user', 'ben');
    const third = await run('drag the Save button to the sidebar', '--user', 'cleo', '--json');
    const { learning } = JSON.parse(third.out) as {
      learning: { status: string; steps: Array<{ stage: string; ok: boolean; text: string }> };
    };
    expect(learning.status).toBe('rejected');
    expect(learning.steps).toEqual([
      { stage: 'pattern', ok: true, text: 'drag:button[label]: 3 failures from 3 users' },
      { stage: 'not-learned', ok: false, text: 'no generator family handles drag:button[label] yet' },
    ]);
  });

  it('says a partly understood command cannot be generated from, and why', async () => {
    let last = '';
    for (const user of ['ana', 'ben', 'cleo'])
      last = (await run('frobnicate the wibble widgets quickly', '--user', user)).out;
    expect(last).toMatch(/✓ pattern +text:frobnicate wibble widget quickly: 3 failures from 3 users\n/);
    expect(last).toMatch(/✗ not-learned +partly understood: .*(parser rule|LLM provider).*\n/);
  });
});
