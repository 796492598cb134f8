import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { countScene, renderScene } from '../../src/vision/index.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; json: any }> {
  let out = '';
  const code = await main(argv, { out: (s) => (out += s + '\n'), err: (s) => (out += s + '\n') });
  let json: any;
  try {
    json = JSON.parse(out.trim().split('\n').pop() ?? '');
  } catch {
    json = undefined;
  }
  return { code, out, json };
}

describe('ironcliw demo', () => {
  it('shows the whole loop: one capability reaches production, one is paused by feedback and rolled back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-test-'));
    const db = join(dir, 'demo.db');
    const r = await cli('demo', '--db', db, '--json');
    expect(r.code, r.out).toBe(0);
    const byId = Object.fromEntries(r.json.capabilities.map((c: { id: string }) => [c.id, c]));
    expect(byId['count-shapes-by-color-shape-in-region']).toMatchObject({
      stage: 'production',
      successRate: 1,
    });
    expect(byId['count-shapes-by-shape']).toMatchObject({ stage: 'rolled_back' });
    const kinds = r.json.decisions.map(
      (d: { kind: string; toStage?: string }) => `${d.kind}:${d.toStage ?? ''}`,
    );
    for (const k of [
      'register:development',
      'promote:canary',
      'promote:beta',
      'promote:production',
      'pause:paused',
      'rollback:rolled_back',
    ])
      expect(kinds).toContain(k);
    // The dashboard's data source sees the same store.
    const status = await cli('status', '--db', db, '--json');
    expect(status.json.generationStats.totalGenerated).toBe(2);
    expect(status.json.rolloutStatus.rolledBack).toBe(1);

    // Issue 15 #6: a second run on the same store used to judge the first run's rollouts with the demo's
    // thresholds (pausing the production capability) and print -100% / -1.0 ms. It refuses before touching it.
    const before = await cli('rollout', 'list', '--db', db, '--json');
    const eventsBefore = await cli(
      'capabilities',
      'show',
      'count-shapes-by-color-shape-in-region',
      '--db',
      db,
      '--json',
    );
    const again = await cli('demo', '--db', db);
    expect(again.code, again.out).toBe(2);
    expect(again.out).toContain('E_DEMO_STORE_NOT_EMPTY');
    expect(again.out).toContain('2 capabilities');
    expect(again.out).not.toMatch(/-1(00%|\.0 ms)/);
    const after = await cli('rollout', 'list', '--db', db, '--json');
    expect(after.json.rollouts).toEqual(before.json.rollouts);
    expect(
      after.json.rollouts.find(
        (r: { capabilityId: string }) => r.capabilityId === 'count-shapes-by-color-shape-in-region',
      ),
    ).toMatchObject({ stage: 'production', percentage: 10000 });
    const eventsAfter = await cli(
      'capabilities',
      'show',
      'count-shapes-by-color-shape-in-region',
      '--db',
      db,
      '--json',
    );
    expect(eventsAfter.json.events).toEqual(eventsBefore.json.events);
    // Stored "no data" (-1) is read back as null: development → canary is judged on 0 requests.
    const toCanary = eventsAfter.json.events.find((e: { toStage?: string }) => e.toStage === 'canary');
    expect(toCanary.numbers).toMatchObject({
      requests: 0,
      successRate: null,
      p99Ms: null,
      positiveShare: null,
    });
  }, 120_000);
});

describe('ironcliw replay', () => {
  it('replays a trace: failures teach a capability, later lines meet it, expectations are checked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-test-'));
    writeFileSync(
      join(dir, 'toolbar.png'),
      (
        await renderScene(
          countScene({ color: 'green', shape: 'circle', region: 'toolbar', count: 2, seed: 8 }),
        )
      ).png,
    );
    const line = (o: object) => JSON.stringify(o);
    const ask = 'count the green circles on the toolbar';
    writeFileSync(
      join(dir, 'trace.jsonl'),
      [
        '// three users fail, then an internal user gets the learned answer',
        line({
          user: 'ana',
          command: ask,
          screen: 'toolbar.png',
          expect: { ok: false, category: 'missing_handler' },
        }),
        line({ user: 'ben', command: ask, screen: 'toolbar.png' }),
        line({ user: 'cleo', command: ask, screen: 'toolbar.png' }),
        line({
          user: 'dana',
          groups: ['internal'],
          command: ask,
          screen: 'toolbar.png',
          feedback: 'positive',
          expect: { data: { count: 2 }, answer: '2 green circles' },
        }),
        line({
          user: 'dana',
          groups: ['internal'],
          command: ask,
          screen: 'toolbar.png',
          expect: { data: { count: 3 } },
        }),
      ].join('\n'),
    );
    const db = join(dir, 'replay.db');
    const r = await cli('replay', join(dir, 'trace.jsonl'), '--db', db, '--wait', '--json');
    expect(r.json.summary).toMatchObject({
      lines: 5,
      answered: 2,
      failed: 3,
      capabilitiesLearned: 1,
      expectations: { checked: 3, met: 2 },
    });
    expect(r.json.results[3]).toMatchObject({ ok: true, expectationMet: true });
    expect(r.json.results[4]).toMatchObject({ ok: true, expectationMet: false });
    expect(r.json.results[4].expectationProblem).toContain('data.count is 2, expected 3');
    expect(r.code).toBe(1); // one expectation unmet

    // A bad line refuses the whole trace before anything runs, naming the line.
    writeFileSync(
      join(dir, 'bad.jsonl'),
      [line({ user: 'x', command: 'help' }), '{"user": "y", "comand": "typo"}'].join('\n'),
    );
    const before = await cli('failures', '--db', db, '--json');
    const bad = await cli('replay', join(dir, 'bad.jsonl'), '--db', db, '--json');
    expect(bad.code).toBe(2);
    expect(bad.json.error).toMatchObject({ code: 'E_INPUT_INVALID' });
    expect(bad.json.error.message).toContain('line 2');
    const after = await cli('failures', '--db', db, '--json');
    expect(after.json.failures.length).toBe(before.json.failures.length);
  }, 120_000);
});
