import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectationOf, taughtSignature } from '../../discovery/index.js';
import { isIroncliwError } from '../../domain/index.js';
import { openStore } from '../../store/index.js';
import { frameSignature, parseCommand } from '../../understanding/index.js';
import { groundTruthScene } from '../../verification/index.js';
import { parseSceneSpec, renderScene } from '../../vision/index.js';
import { EXIT } from '../kit.js';
import { registerTeach } from './teach.js';

const dir = mkdtempSync(join(tmpdir(), 'ironcliw-teach-'));
const db = join(dir, 'ironcliw.db');
let screen = '';

beforeAll(async () => {
  const r = await renderScene(parseSceneSpec(groundTruthScene(3)));
  screen = join(dir, 'screen.png');
  writeFileSync(screen, r.png);
}, 30_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function teach(...argv: string[]): Promise<{ code: number; out: string; error?: string }> {
  let out = '';
  let code: number = EXIT.ok;
  const program = new Command('ironcliw').exitOverride();
  registerTeach(program, {
    io: { out: (s) => (out += s + '\n'), err: () => undefined },
    setExit: (c) => (code = c),
  });
  try {
    await program.parseAsync(['teach', ...argv, '--db', db], { from: 'user' });
  } catch (err) {
    if (!isIroncliwError(err)) throw err;
    return { code: EXIT.usage, out, error: err.code };
  }
  return { code, out };
}

describe('ironcliw teach', () => {
  it('records a failure carrying the expectation, apart from the pattern counts', async () => {
    const r = await teach('count the red circles', '--screen', screen, '--expect', '{"count": 2}', '--json');
    expect(r.code).toBe(EXIT.ok);
    const out = JSON.parse(r.out) as {
      recorded: boolean;
      failureId: string;
      commandFailure: { category: string };
    };
    expect(out.recorded).toBe(true);
    expect(out.commandFailure.category).toBe('missing_handler');
    const store = await openStore(db);
    try {
      const signature = frameSignature(parseCommand('count the red circles').frame);
      const taught = await store.failures.list({ signature: taughtSignature(signature) });
      expect(taught).toHaveLength(1);
      expect(taught[0]!.id).toBe(out.failureId);
      expect(expectationOf(taught[0]!)).toEqual({ count: 2 });
      // Stored in the failure's own expectation column; the frame is the parsed one, untouched.
      expect(taught[0]!.expectation).toEqual({ data: { count: 2 } });
      expect(taught[0]!.frame).not.toHaveProperty('expect');
      expect(taught[0]!.screenRef).toBe(screen);
      // The command's own failure is recorded by the runtime under the plain signature, once.
      expect(await store.failures.count({ signature })).toBe(1);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('refuses an expectation that is not a JSON object (exit 2, E_INPUT_INVALID)', async () => {
    for (const bad of ['{count: 2}', '[1]', '{}', '"x"']) {
      const r = await teach('count the red circles', '--screen', screen, '--expect', bad);
      expect(r.code, bad).toBe(EXIT.usage);
      expect(r.error).toBe('E_INPUT_INVALID');
    }
  });

  it('records a demonstration with --demo and says what learning did (JSON), the demonstration stored', async () => {
    const r = await teach(
      'count the red circles',
      '--screen',
      screen,
      '--demo',
      '{"expect": {"count": 2}}',
      '--user',
      'dora',
      '--json',
    );
    expect([EXIT.ok, EXIT.no]).toContain(r.code);
    const out = JSON.parse(r.out) as {
      recorded: boolean;
      patternId: string;
      demonstrations: number;
      status: string;
    };
    expect(out).toMatchObject({ recorded: true, demonstrations: 1 });
    expect(out.status).toMatch(
      /^(learned: |needs another demonstration: |cannot learn|rejected: |already right: )/,
    );
    const store = await openStore(db);
    try {
      const demos = await store.demonstrations.list({ patternId: out.patternId });
      expect(demos).toHaveLength(1);
      expect(demos[0]).toMatchObject({
        userId: 'dora',
        command: 'count the red circles',
        expect: { count: 2 },
        actions: [],
      });
      expect(demos[0]!.screenRef).toBe(screen);
    } finally {
      await store.close();
    }
  }, 240_000);

  it('refuses --demo that is not a demonstration (exit 2, E_INPUT_INVALID) and teach without --expect or --demo (E_USAGE)', async () => {
    for (const bad of ['{actions: 1}', '[1]', '{"actions": [{"type": "drag"}]}', '{"steps": []}', '{}']) {
      const r = await teach('click the Save button', '--screen', screen, '--demo', bad);
      expect(r.code, bad).toBe(EXIT.usage);
      expect(r.error, bad).toBe('E_INPUT_INVALID');
    }
    const none = await teach('click the Save button', '--screen', screen);
    expect(none).toMatchObject({ code: EXIT.usage, error: 'E_USAGE' });
  }, 120_000);
});
