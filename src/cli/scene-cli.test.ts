import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './main.js';

const dir = mkdtempSync(join(tmpdir(), 'ironcliw-scene-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SPEC = new URL('../../test/fixtures/scenes/toolbar-circles.json', import.meta.url).pathname;

async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main(argv, { out: (s) => (out += s + '\n'), err: (s) => (out += s + '\n') });
  return { code, out };
}

describe('ironcliw scene', () => {
  it('prints the ground truth its help promises, with or without --json', async () => {
    const help = await cli('scene', '--help');
    expect(help.out).toMatch(/print its ground truth/);
    const spec = JSON.parse(readFileSync(SPEC, 'utf8')) as { elements: unknown[] };
    const json = await cli('scene', SPEC, '--out', join(dir, 'a.png'), '--json');
    const { truth } = JSON.parse(json.out) as {
      truth: Array<{ kind: string; text?: string; color?: string; shape?: string }>;
    };
    // The spec's elements plus the title and status bar texts.
    expect(truth).toHaveLength(spec.elements.length + 2);
    const text = await cli('scene', SPEC, '--out', join(dir, 'b.png'));
    expect(text.code).toBe(0);
    const rows = text.out.trim().split('\n').slice(3);
    expect(rows).toHaveLength(truth.length);
    truth.forEach((t, i) => {
      expect(rows[i]!.startsWith(t.kind)).toBe(true);
      expect(rows[i]).toContain(t.text !== undefined ? `"${t.text}"` : `${t.color} ${t.shape}`);
    });
  });
});
