import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { isIroncliwError } from '../../domain/index.js';
import { EXIT } from '../kit.js';
import { registerCheck } from './check.js';

/** Runs `ironcliw check …` through commander as main.ts does (IroncliwError → exit 2). */
async function check(...argv: string[]): Promise<{ code: number; out: string; json: any; error?: string }> {
  let out = '';
  let code: number = EXIT.ok;
  const program = new Command('ironcliw').exitOverride();
  registerCheck(program, {
    io: { out: (s) => (out += s + '\n'), err: () => undefined },
    setExit: (c) => (code = c),
  });
  try {
    await program.parseAsync(['check', ...argv], { from: 'user' });
  } catch (err) {
    if (!isIroncliwError(err)) throw err;
    return { code: EXIT.usage, out, json: undefined, error: err.code };
  }
  let json: any;
  try {
    json = JSON.parse(out);
  } catch {
    json = undefined;
  }
  return { code, out, json };
}

const dir = mkdtempSync(join(tmpdir(), 'ironcliw-check-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const COUNT = `export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const items = await sdk.vision.findShapes(screen, { color: input.color });
  return { answer: 'There are ' + items.length + ' shapes.', data: { count: items.length, items } };
}
`;

describe('ironcliw check', () => {
  it('exit 0 and a SynthesisReport for a safe module', async () => {
    const r = await check(
      file('count.js', COUNT),
      '--permissions',
      'screen.capture,vision.analyze',
      '--json',
    );
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({
      safe: true,
      score: 1,
      violations: [],
      source: { safe: true, violations: [] },
    });
    expect(typeof r.json.transformed).toBe('string');
    expect(r.json.requiredPermissions).toEqual(['screen.capture', 'vision.analyze']);
  });

  it('exit 1 with the rule and its position for an unsafe module; human output names file:line:col', async () => {
    const path = file(
      'evil.js',
      `export default async function run(input, sdk) {\n  return input.constructor.constructor('return process')();\n}\n`,
    );
    const r = await check(path, '--json');
    expect(r.code).toBe(1);
    expect(r.json.safe).toBe(false);
    expect(r.json.source.violations[0]).toMatchObject({ rule: 'no-function-constructor', line: 2 });
    const human = await check(path);
    expect(human.code).toBe(1);
    expect(human.out).toContain(`${path}:2:`);
    expect(human.out).toContain('✗ unsafe');
  });

  it('permission check via --permissions or --manifest (flag wins)', async () => {
    const path = file('count2.js', COUNT);
    expect((await check(path, '--permissions', 'screen.capture', '--json')).json.violations[0].rule).toBe(
      'permission-mismatch',
    );
    const manifest = file(
      'm.json',
      JSON.stringify({
        permissions: ['screen.capture', 'vision.analyze'],
        inputSchema: { type: 'object', properties: { color: { type: 'string', enum: ['red'] } } },
      }),
    );
    const viaManifest = await check(path, '--manifest', manifest, '--json');
    expect(viaManifest.code).toBe(0);
    expect(viaManifest.json.transformed).toContain('must be one of');
    expect((await check(path, '--manifest', manifest, '--permissions', 'screen.capture')).code).toBe(1);
  });

  it('TypeScript files are stripped first', async () => {
    const ts = file('count.ts', COUNT.replace('run(input, sdk)', 'run(input: { color?: string }, sdk: any)'));
    expect((await check(ts, '--json')).code).toBe(0);
  });

  it('exit 2 on bad input: missing file, unparsable module, bad manifest, unknown permission', async () => {
    expect(await check(join(dir, 'nope.js'))).toMatchObject({ code: 2, error: 'E_INPUT_INVALID' });
    expect(await check(file('broken.js', 'export default async function run( {'))).toMatchObject({
      code: 2,
      error: 'E_CODE_UNPARSABLE',
    });
    expect(await check(file('c.js', COUNT), '--manifest', file('bad.json', '{ nope'))).toMatchObject({
      code: 2,
      error: 'E_INPUT_INVALID',
    });
    expect(await check(file('d.js', COUNT), '--permissions', 'screen.capture,root')).toMatchObject({
      code: 2,
      error: 'E_INPUT_INVALID',
    });
  });
});
