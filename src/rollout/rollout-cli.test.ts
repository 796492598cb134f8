import { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { registerFeedback } from '../cli/commands/feedback.js';
import { registerRollout } from '../cli/commands/rollout.js';
import { openStore } from '../store/index.js';
import { bucketOf, createRolloutEngine } from './index.js';

/** The `rollout` and `feedback` commands end to end over a SQLite file, as a user runs them. */
const dir = mkdtempSync(join(tmpdir(), 'ironcliw-rollout-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(db: string, ...args: string[]): Promise<string[]> {
  const out: string[] = [];
  const program = new Command('ironcliw').exitOverride();
  const ctx = { io: { out: (s: string) => out.push(s), err: (s: string) => out.push(s) }, setExit: () => {} };
  registerRollout(program, ctx);
  registerFeedback(program, ctx);
  await program.parseAsync([...args, '--db', db], { from: 'user' });
  return out;
}

describe('ironcliw rollout / feedback', () => {
  it('lists, shows, moves a rollout by hand and takes feedback for a served request', async () => {
    const db = join(dir, 'cli.db');
    const store = await openStore(db);
    const at = '2026-03-01T00:00:00.000Z';
    await store.reports.add({
      id: 'r',
      capabilityId: 'cap',
      version: 1,
      kind: 'verification',
      at,
      report: { decision: 'approve' },
    });
    await store.rollouts.save({
      id: 'rol1',
      capabilityId: 'cap',
      version: 1,
      stage: 'canary',
      percentage: 100,
      rolloutKey: 'cap:v1',
      stageEnteredAt: at,
      updatedAt: at,
    });
    // A node served a request from the canary (what the runtime records).
    const user = Array.from({ length: 5000 }, (_, i) => `c${i}`).find((u) => bucketOf('cap:v1', u) < 100)!;
    const node = await createRolloutEngine({ store });
    node.recordOutcome({
      capabilityId: 'cap',
      version: 1,
      ok: true,
      latencyMs: 4,
      userId: user,
      requestId: 'req_cli',
    });
    await node.close();
    await store.close();

    expect(JSON.parse((await cli(db, 'rollout', 'list', '--json'))[0]!).rollouts).toMatchObject([
      { capabilityId: 'cap', stage: 'canary', percentage: 100, stableVersion: null },
    ]);
    expect((await cli(db, 'rollout', 'list')).join('\n')).toMatch(/cap\s+1\s+canary\s+1%/);

    expect(JSON.parse((await cli(db, 'feedback', 'req_cli', '--negative', '--json'))[0]!)).toMatchObject({
      ok: true,
      served: { capabilityId: 'cap', version: 1, stage: 'canary', feedback: 'negative' },
    });
    await expect(cli(db, 'feedback', 'req_cli', '--positive')).rejects.toMatchObject({
      code: 'E_STATE_CONFLICT',
    });
    await expect(cli(db, 'feedback', 'req_nope', '--positive')).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
    });
    await expect(cli(db, 'feedback', 'req_cli')).rejects.toMatchObject({ code: 'E_USAGE' });

    const promoted = JSON.parse(
      (await cli(db, 'rollout', 'promote', 'cap', '--reason', 'manual check ok', '--json'))[0]!,
    );
    expect(promoted).toMatchObject({
      ok: true,
      event: {
        kind: 'promote',
        fromStage: 'canary',
        toStage: 'beta',
        reason: 'manual check ok',
        actor: 'user',
      },
      rollout: { stage: 'beta', percentage: 1000 },
    });
    // The numbers of the window it left: one request, one negative answer.
    expect(promoted.event.numbers).toMatchObject({ requests: 1, ok: 1, negative: 1 });
    expect((await cli(db, 'rollout', 'pause', 'cap'))[0]).toMatch(/beta → paused/);
    expect((await cli(db, 'rollout', 'resume', 'cap'))[0]).toMatch(/paused → beta/);
    expect((await cli(db, 'rollout', 'rollback', 'cap', '--reason', 'wrong counts'))[0]).toMatch(
      /beta → rolled_back .*wrong counts/,
    );
    await expect(cli(db, 'rollout', 'resume', 'cap')).rejects.toMatchObject({ code: 'E_STATE_CONFLICT' });
    await expect(cli(db, 'rollout', 'show', 'nope')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });

    const shown = JSON.parse((await cli(db, 'rollout', 'show', 'cap', '--json'))[0]!);
    expect(shown.rollout.stage).toBe('rolled_back');
    expect(shown.events.map((e: { kind: string }) => e.kind)).toEqual([
      'promote',
      'pause',
      'resume',
      'rollback',
    ]);
    expect(shown.events[3]).toMatchObject({
      reason: 'wrong counts',
      numbers: { fromPercentage: 1000, toPercentage: 0 },
    });
    const text = (await cli(db, 'rollout', 'show', 'cap')).join('\n');
    expect(text).toContain('cap v1  rolled_back');
    expect(text).toContain('wrong counts');
  });

  it('shows the gate of a held import, and records who promoted it and why', async () => {
    const db = join(dir, 'gate.db');
    const store = await openStore(db);
    const at = '2026-03-01T00:00:00.000Z';
    await store.reports.add({
      id: 'r',
      capabilityId: 'imp',
      version: 1,
      kind: 'verification',
      at,
      report: { decision: 'conditional', conditions: ['limited-group:internal', 'manual-promotion'] },
    });
    await store.rollouts.save({
      id: 'rol_imp',
      capabilityId: 'imp',
      version: 1,
      stage: 'development',
      percentage: 0,
      rolloutKey: 'imp:v1',
      stageEnteredAt: at,
      updatedAt: at,
    });
    await store.close();

    const held = (await cli(db, 'rollout', 'show', 'imp')).join('\n');
    expect(held).toContain('gate: a person must promote v1');
    expect(held).toContain('limited-group:internal (verification)');
    const json = JSON.parse((await cli(db, 'rollout', 'show', 'imp', '--json'))[0]!);
    expect(json.gate).toMatchObject({ manualPromotion: true, limitedGroup: 'internal' });

    const promoted = JSON.parse(
      (await cli(db, 'rollout', 'promote', 'imp', '--by', 'dana', '--reason', 'read the code', '--json'))[0]!,
    );
    expect(promoted.event).toMatchObject({ kind: 'promote', toStage: 'canary', actor: 'user', by: 'dana' });
    expect(promoted.event.reason).toMatch(/^read the code \[by a person: .*limited-group:internal/);
    const after = (await cli(db, 'rollout', 'show', 'imp')).join('\n');
    expect(after).toContain('limited-group:internal (verification, lifted by a person)');
    expect(after).toContain('dana (user)');
    // Without --by, the OS account is recorded.
    await cli(db, 'rollout', 'pause', 'imp');
    const events = JSON.parse((await cli(db, 'rollout', 'show', 'imp', '--json'))[0]!).events;
    expect(events.at(-1).by).toEqual(expect.any(String));
    expect(events.at(-1).by.length).toBeGreaterThan(0);
  });
});
