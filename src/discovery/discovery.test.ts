import { describe, expect, it } from 'vitest';
import type { CapabilityManifest, Failure, FailureCategory } from '../domain/index.js';
import { createMemoryStore } from '../store/index.js';
import { frameSignature, parseCommand } from '../understanding/index.js';
import {
  assessSafety,
  expectationOf,
  observeFailure,
  shouldEvolve,
  taughtFailure,
  taughtSignature,
  TEXT_SIGNATURE_PREFIX,
  textSimilarity,
} from './index.js';

const thresholds = { minOccurrences: 3, minDistinctUsers: 2, windowMs: 3_600_000 };
let n = 0;
function failure(command: string, userId: string, category: FailureCategory = 'missing_handler'): Failure {
  const { frame } = parseCommand(command);
  n++;
  return {
    id: `f${n}`,
    at: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(),
    userId,
    command,
    frame,
    category,
    message: 'test',
    signature: frameSignature(frame),
  };
}

async function feed(store: ReturnType<typeof createMemoryStore>, fs: Failure[]) {
  let last;
  for (const f of fs) {
    await store.failures.record(f);
    last = await observeFailure(store, f, thresholds, new Date(Date.parse(f.at) + 1));
  }
  return last;
}

describe('safety concerns of the request', () => {
  it.each([
    ['click the Delete button', 'block', 'destructive'],
    ['find the Delete button', 'lower', 'destructive'],
    ['click all the red circles', 'block', 'bulk'],
    ['count all the red circles', 'ok', undefined],
    ['type "my password is hunter2"', 'block', 'credential'],
    ['read the password field', 'block', 'credential'],
    ['is there a password field', 'lower', 'credential'],
    ['press ctrl+alt+delete', 'block', 'system'],
    ['click the Terminal icon', 'block', 'system'],
    ['where is the terminal button', 'lower', 'system'],
    ['click the "Save" button', 'ok', undefined],
    ['if there is a red circle, click it', 'ok', undefined],
    ['read the title and then click Uninstall', 'block', 'destructive'],
  ])('%s → %s', (command, verdict, kind) => {
    const a = assessSafety(parseCommand(command).frame);
    expect(a.verdict).toBe(verdict);
    if (kind) expect(a.concerns.map((c) => c.kind)).toContain(kind);
    else expect(a.concerns).toEqual([]);
    for (const c of a.concerns) expect(c.reason.length).toBeGreaterThan(10);
  });

  it('blocks a dangerous pattern with its reason and never makes it ready', async () => {
    const store = createMemoryStore();
    const obs = await feed(store, [
      failure('click the Delete button', 'a'),
      failure('click the Delete button', 'b'),
      failure('click the Delete button', 'c'),
    ]);
    expect(obs?.ready).toBe(false);
    expect(obs?.pattern.status).toBe('blocked');
    const stored = await store.patterns.getBySignature(obs!.pattern.signature);
    expect(stored?.status).toBe('blocked');
    expect(stored?.statusReason).toMatch(/destructive action: it would click "delete"/);
  });

  it('lowers the priority of a request that only looks at a risky control', async () => {
    const store = createMemoryStore();
    const three = await feed(store, [
      failure('find the Delete button', 'a'),
      failure('find the Delete button', 'b'),
      failure('find the Delete button', 'a'),
    ]);
    // The default thresholds (3 failures, 2 users) would be met; lowered priority needs 6 from 3 users.
    expect(three?.ready).toBe(false);
    expect(three?.pattern.status).toBe('collecting');
    expect(three?.pattern.statusReason).toMatch(
      /lower priority: .*needs 6 failures from 3 users \(has 3 from 2\)/,
    );
    const six = await feed(store, [
      failure('find the Delete button', 'c'),
      failure('find the Delete button', 'b'),
      failure('find the Delete button', 'c'),
    ]);
    expect(six?.ready).toBe(true);
  });
});

describe('safety concerns are about values, patterns about structure', () => {
  it('keeps a blocked request out of the parameterised pattern of the same signature', async () => {
    const store = createMemoryStore();
    const obs = await feed(store, [
      failure('click the "Export" button', 'a'),
      failure('click the "Delete" button', 'b'),
      failure('click the "Open" button', 'b'),
      failure('click the "Delete" button', 'c'),
    ]);
    expect(obs?.pattern.signature).toBe('blocked:click:button[label]');
    expect(obs?.pattern).toMatchObject({ status: 'blocked', count: 2, distinctUsers: 2 });
    const plain = await store.patterns.getBySignature('click:button[label]');
    expect(plain).toMatchObject({ status: 'collecting', count: 2, distinctUsers: 2 });
    const next = await feed(store, [failure('click the "Save" button', 'c')]);
    expect(next?.ready).toBe(true);
    expect(next?.pattern).toMatchObject({ signature: 'click:button[label]', count: 3, distinctUsers: 3 });
  });

  it('lowers a pattern only while every request in it raised a concern', async () => {
    const store = createMemoryStore();
    const lowered = await feed(store, [
      failure('find the "Uninstall" button', 'a'),
      failure('find the "Format" button', 'b'),
      failure('find the "Uninstall" button', 'b'),
    ]);
    expect(lowered?.ready).toBe(false);
    expect(lowered?.pattern.statusReason).toMatch(/^lower priority/);
    const mixed = await feed(store, [failure('find the "Save" button', 'c')]);
    expect(mixed?.ready).toBe(true);
  });
});

describe('text-similarity fallback for partly understood commands', () => {
  it('scores paraphrases high and different requests low', () => {
    expect(
      textSimilarity('count the widgets on the frobnicator', 'count widgets on the frobnicator please'),
    ).toBe(1);
    expect(
      textSimilarity('count the widgets on the frobnicator', 'count the widget on the frobnicater'),
    ).toBeGreaterThan(0.6);
    expect(textSimilarity('count the widgets on the frobnicator', 'open the mail client')).toBeLessThan(0.2);
  });

  it('clusters low-confidence failures by text, not by their (unreliable) frame signature', async () => {
    const store = createMemoryStore();
    const a = failure('count the widgets near the frobnicator gizmo', 'ana', 'low_confidence');
    const b = failure('make me a sandwich with pickles', 'ben', 'low_confidence');
    // Same partial frame as each other? The point: the signatures are not what clusters them.
    await feed(store, [a, b]);
    const c = failure('count widgets near the frobnicator gizmo', 'ben', 'low_confidence');
    const d = failure('please count the widgets near the frobnicator gizmos', 'cy', 'low_confidence');
    const obs = await feed(store, [c, d]);
    const patterns = (await store.patterns.list()).filter((p) =>
      p.signature.startsWith(TEXT_SIGNATURE_PREFIX),
    );
    expect(patterns).toHaveLength(2);
    const widgets = patterns.find((p) => p.signature.includes('widget'))!;
    expect(widgets.count).toBe(3);
    expect(widgets.distinctUsers).toBe(3);
    // Reported with a reason, never sent to a template generator.
    expect(obs?.ready).toBe(false);
    expect(widgets.status).toBe('rejected');
    expect(widgets.statusReason).toMatch(/partly understood: 3 similar commands from 3 users/);
    const sandwich = patterns.find((p) => p.signature.includes('sandwich'))!;
    expect(sandwich.count).toBe(1);
    expect(sandwich.status).toBe('collecting');
  });
});

describe('capability evolution', () => {
  const manifest: Pick<CapabilityManifest, 'id' | 'version' | 'intents'> = {
    id: 'count-shape-by-color-shape',
    version: 2,
    intents: [{ action: 'count', targetKind: 'shape', slots: ['color', 'shape'], examples: [] }],
  };
  const own = (category: FailureCategory) => ({
    ...failure('count the red circles', 'u'),
    category,
    capabilityId: manifest.id,
  });

  it('holds a version that works', () => {
    const d = shouldEvolve({
      manifest,
      executions: 100,
      failures: [own('timeout'), own('error')],
      feedback: { positive: 30, negative: 2 },
    });
    expect(d.evolve).toBe(false);
    expect(d.reason).toMatch(/v2 holds/);
  });

  it('asks for v3 when runs time out or throw too often', () => {
    const d = shouldEvolve({
      manifest,
      executions: 20,
      failures: [own('timeout'), own('timeout'), own('error'), own('invalid_output'), own('permission')],
      feedback: { positive: 0, negative: 0 },
    });
    expect(d.evolve).toBe(true);
    expect(d.nextVersion).toBe(3);
    expect(d.numbers).toMatchObject({
      failures: 4,
      timeouts: 2,
      errors: 1,
      invalidOutputs: 1,
      failureShare: 0.2,
    });
    expect(d.reason).toMatch(/generate v3: 4 of 20 runs failed/);
  });

  it('does not judge failures on too few runs, but does judge wrong answers', () => {
    const few = shouldEvolve({
      manifest,
      executions: 4,
      failures: [own('timeout'), own('timeout'), own('timeout')],
      feedback: { positive: 0, negative: 0 },
    });
    expect(few.evolve).toBe(false);
    const wrong = shouldEvolve({
      manifest,
      executions: 4,
      failures: [],
      feedback: { positive: 2, negative: 3 },
    });
    expect(wrong.evolve).toBe(true);
    expect(wrong.reason).toMatch(/3 of 5 answers were reported wrong/);
  });

  it('counts partly understood requests its intent matches, not unrelated ones', () => {
    const near = (cmd: string) => failure(cmd, 'u', 'low_confidence');
    const d = shouldEvolve({
      manifest,
      executions: 0,
      failures: [
        near('count the red circles'),
        near('count the blue squares'),
        near('count the green triangles'),
        near('read the title bar'),
      ],
      feedback: { positive: 0, negative: 0 },
    });
    expect(d.numbers.nearMisses).toBe(3);
    expect(d.evolve).toBe(true);
  });
});

describe('taught failures', () => {
  it('carry the expectation in its own field, leave the frame as parsed, and old rows still read', async () => {
    const { frame } = parseCommand('count the red circles');
    const f = taughtFailure({
      command: 'count the red circles',
      frame,
      userId: 'teacher',
      screenRef: '/tmp/s.png',
      expect: { count: 2 },
      category: 'missing_handler',
      message: 'taught: no capability',
      at: new Date(Date.UTC(2026, 0, 1)),
    });
    expect(f.expectation).toEqual({ data: { count: 2 } });
    expect(f.frame).toEqual(frame);
    expect(f.signature).toBe(taughtSignature(frameSignature(frame)));
    expect(expectationOf(f)).toEqual({ count: 2 });
    // Through a store and back (the expectation column), then as a row taught before the column existed.
    const store = createMemoryStore();
    await store.failures.record(f);
    expect(expectationOf((await store.failures.get(f.id))!)).toEqual({ count: 2 });
    const { expectation: _, ...old } = f;
    const legacy = { ...old, frame: { ...frame, expect: { present: true } } } as Failure;
    expect(expectationOf(legacy)).toEqual({ present: true });
    expect(expectationOf({ ...old, frame: { ...frame, expect: [1] } } as Failure)).toBeUndefined();
    expect(expectationOf(old as Failure)).toBeUndefined();
  });
});
