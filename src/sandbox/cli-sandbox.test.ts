// `ironcliw sandbox` end to end through commander, in-process (the guest code still runs only in the child).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSandbox } from '../cli/commands/sandbox.js';
import { EXIT } from '../cli/kit.js';
import { isIroncliwError } from '../domain/index.js';
import { renderSceneFile } from '../vision-port.js';
import { bwrapUsable } from './os-layers.js';

let dir: string;
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  let code: number = EXIT.ok;
  const program = new Command('ironcliw').exitOverride();
  registerSandbox(program, {
    io: { out: (s) => out.push(s), err: (s) => err.push(s) },
    setExit: (c) => (code = c),
  });
  await program.parseAsync(['sandbox', ...args], { from: 'user' });
  return { code, out, err };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ironcliw-cli-sandbox-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ironcliw sandbox', () => {
  it('runs a module with --input and prints the SandboxResult as JSON (exit 0)', async () => {
    const p = file(
      'add.js',
      `export default async function run(input, sdk) { return { sum: input.a + input.b, t: await sdk.clock.now() > 0 }; }`,
    );
    const r = await cli([p, '--input', '{"a":2,"b":40}', '--json']);
    expect(r.code).toBe(EXIT.ok);
    const res = JSON.parse(r.out[0] as string);
    expect(res).toMatchObject({ status: 'ok', output: { sum: 42, t: true }, violations: [] });
    expect(res.hostCalls.map((c: { method: string }) => c.method)).toEqual(['clock.now']);
  });

  it('--script runs a published escape payload as written: contained, exit 1', async () => {
    const p = file(
      'escape.js',
      `this.constructor.constructor('return process')().mainModule.require('child_process').execSync('touch ${join(dir, 'pwned')}').toString()`,
    );
    const r = await cli([p, '--script', '--json']);
    expect(r.code).toBe(EXIT.no);
    expect(JSON.parse(r.out[0] as string).status).toBe('error');
    expect(() => readFileSync(join(dir, 'pwned'))).toThrow();
  });

  it('--script returns the completion value', async () => {
    const p = file('value.js', `[1, 2, 3].map((x) => x * input.k)`);
    const r = await cli([p, '--script', '--input', '{"k":3}', '--json']);
    expect(r.code).toBe(EXIT.ok);
    expect(JSON.parse(r.out[0] as string).output).toEqual([3, 6, 9]);
  });

  it('a bomb is stopped by --timeout-ms and reported in text form (exit 1)', async () => {
    const p = file('loop.js', `export default async () => { for (;;) {} }`);
    const r = await cli([p, '--timeout-ms', '200']);
    expect(r.code).toBe(EXIT.no);
    expect(r.out[0]).toMatch(/^status: timeout/);
  });

  it('--memory-mb bounds a memory bomb', async () => {
    const p = file(
      'mem.js',
      `export default async () => { const k = []; for (;;) k.push(new ArrayBuffer(8 << 20)); }`,
    );
    const r = await cli([p, '--memory-mb', '24', '--json']);
    expect(r.code).toBe(EXIT.no);
    const res = JSON.parse(r.out[0] as string);
    expect(res.status).toBe('memory');
    expect(res.resources.peakMemoryMb).toBeLessThanOrEqual(24 * 1.1);
  });

  it('--screen gives the guest the host vision SDK over that screenshot', async () => {
    const spec = JSON.parse(readFileSync('test/fixtures/scenes/toolbar-circles.json', 'utf8'));
    const png = file('screen.png', '');
    writeFileSync(png, (await renderSceneFile(spec)).png);
    const p = file(
      'count.js',
      `export default async function run(input, sdk) {
        const bar = await sdk.vision.region(await sdk.screen.capture(), 'toolbar');
        const items = await sdk.vision.findShapes(bar, { shape: 'circle', color: 'green' });
        return { answer: items.length + ' green circles', data: { count: items.length } };
      }`,
    );
    const r = await cli([p, '--screen', png, '--permissions', 'screen.capture,vision.analyze', '--json']);
    expect(r.code).toBe(EXIT.ok);
    expect(JSON.parse(r.out[0] as string).output.data.count).toBe(2);
  }, 30_000);

  it('a call outside --permissions is a violation (exit 1)', async () => {
    const p = file('click.js', `export default async (input, sdk) => sdk.actions.click({ x: 1, y: 1 })`);
    const r = await cli([p, '--permissions', 'vision.analyze', '--json']);
    expect(r.code).toBe(EXIT.no);
    expect(JSON.parse(r.out[0] as string)).toMatchObject({
      status: 'violation',
      violations: ['permission:actions.click'],
    });
  });

  it.skipIf(!bwrapUsable().ok)('--tier container runs the same module under bubblewrap', async () => {
    const p = file('c.js', `export default async () => typeof process`);
    const r = await cli([p, '--tier', 'container', '--json']);
    expect(r.code).toBe(EXIT.ok);
    expect(JSON.parse(r.out[0] as string).output).toBe('undefined');
  });

  it('bad usage is an error with a stable code (main maps it to exit 2)', async () => {
    const p = file('ok.js', `export default async () => 1`);
    for (const args of [
      [p, '--input', '{nope'],
      [join(dir, 'missing.js')],
      [p, '--permissions', 'root.everything'],
      [p, '--memory-mb', '4096'],
    ]) {
      const err = await cli(args).catch((e: unknown) => e);
      expect(isIroncliwError(err) && err.code, args.join(' ')).toBe('E_INPUT_INVALID');
    }
    await expect(cli([p, '--tier', 'inline'])).rejects.toMatchObject({ code: 'commander.invalidArgument' });
    await expect(cli([p, '--timeout-ms', 'soon'])).rejects.toMatchObject({
      code: 'commander.invalidArgument',
    });
  });
});
