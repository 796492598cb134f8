import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlmProvider, FAMILIES } from '../generation/index.js';
import type { SandboxTier } from '../sandbox/index.js';
import { createSandboxTier } from '../sandbox/index.js';
import type { Store } from '../store/index.js';
import { createMemoryStore } from '../store/index.js';
import { createCandidateVerifier } from '../verification/index.js';
import { createTestScenes, createVisionPort } from '../vision-port.js';
import type { CandidateVerifier, PipelineDeps } from './index.js';
import { Pipeline } from './index.js';
import { THRESHOLDS, failureOf } from '../../test/support/failures.js';
import type { ChatStub } from '../../test/support/chat-stub.js';
import {
  chatReply as reply,
  RIGHT_COUNT_REPLY as RIGHT,
  startChatStub,
  UNSAFE_REPLY as UNSAFE,
  WRONG_COUNT_REPLY as WRONG,
} from '../../test/support/chat-stub.js';

/**
 * The LLM provider wired into the pipeline, against a local HTTP server that speaks the OpenAI chat
 * protocol and replays recorded replies; candidates go through the real static gate, synthesis, process
 * sandbox and COMPREHENSIVE verification on ground-truth screens.
 */
let chat: ChatStub;
/** The messages of every request the model got, in order. */
const prompts = () => chat.seen.map((r) => r.body.messages);
let sandbox: SandboxTier;
let verifier: CandidateVerifier;

beforeAll(async () => {
  chat = await startChatStub();
  sandbox = await createSandboxTier('process', { poolSize: 1 });
  verifier = createCandidateVerifier({
    sandbox,
    vision: createVisionPort(),
    scenes: createTestScenes(),
    level: 'comprehensive',
  });
}, 30_000);

afterAll(async () => {
  await chat?.close();
  await sandbox?.close();
});

function pipeline(store: Store, extra: Partial<PipelineDeps> = {}): Pipeline {
  return new Pipeline({
    store,
    thresholds: THRESHOLDS,
    families: FAMILIES,
    verifier,
    onRegistered: async () => {},
    workerId: 'w-llm',
    ...extra,
  });
}

/** Records and observes the failures that put the command's pattern over its thresholds. */
async function failThrice(p: Pipeline, store: Store, command: string): Promise<string> {
  let patternId = '';
  for (const user of ['ana', 'ben', 'ana']) {
    const f = failureOf(command, user);
    await store.failures.record(f);
    const job = await p.observeNow(f);
    if (job) patternId = (job.payload as { patternId: string }).patternId;
  }
  expect(patternId).not.toBe('');
  return patternId;
}

const llmOf = (maxAttempts = 3) =>
  createLlmProvider({ baseUrl: chat.baseUrl, model: 'test-model', maxAttempts, env: {} });

describe('pipeline with the LLM provider', () => {
  it('asks the model when no template family accepts the pattern, repairing from the verifier', async () => {
    const store = createMemoryStore();
    // A deployment without template families: every pattern is the model's.
    const p = pipeline(store, { families: [], llm: llmOf() });
    const patternId = await failThrice(p, store, 'count the red circles');
    chat.queue = [reply(WRONG), reply(RIGHT)];
    chat.seen.length = 0;
    expect(await p.runOnce()).toBe(true);

    expect(prompts()).toHaveLength(2);
    expect(prompts()[0]![1]!.content).toContain('"signature": "count:shape[color,shape]"');
    expect(prompts()[0]![1]!.content).toContain(JSON.stringify('count the red circles'));
    // The second attempt is told what verification found wrong with the first.
    expect(prompts()[1]!.at(-1)!.content).toMatch(/sandbox tests failed/);
    expect(prompts()[1]!.at(-1)!.content).toMatch(
      /tests: \d+\/\d+ test cases pass — .*count \d+, expected \d+/,
    );

    const pattern = await store.patterns.get(patternId);
    expect(pattern).toMatchObject({ status: 'generated', statusReason: 'v1 registered in development' });
    const cap = await store.capabilities.get(pattern!.capabilityId!);
    expect(cap?.manifest).toMatchObject({
      version: 1,
      permissions: ['screen.capture', 'vision.analyze'],
      origin: { kind: 'generated', generator: 'llm', patternId },
    });
    const [verification] = await store.reports.list(cap!.manifest.id, 1, 'verification');
    expect((verification!.report as { decision: string }).decision).not.toBe('reject');
    expect(await store.rollouts.get(cap!.manifest.id)).toMatchObject({ version: 1, stage: 'development' });
  }, 90_000);

  it('rejects the pattern with the attempts when the model never gets it right and no template can', async () => {
    const store = createMemoryStore();
    const p = pipeline(store, { families: [], llm: llmOf(2) });
    const patternId = await failThrice(p, store, 'count the green squares');
    chat.queue = [reply('I cannot help with that.'), reply(UNSAFE)];
    expect(await p.runOnce()).toBe(true);
    const pattern = await store.patterns.get(patternId);
    expect(pattern?.status).toBe('rejected');
    expect(pattern?.statusReason).toBe(
      'no template family handles count:shape[color,shape]; the LLM provider gave up: no acceptable module after 2 attempts: no_code, unsafe',
    );
    const [job] = await store.jobs.list();
    expect(job).toMatchObject({
      status: 'done',
      result: { rejected: 'llm', attempts: ['no_code', 'unsafe'] },
    });
    expect(await store.capabilities.list()).toEqual([]);
  }, 30_000);

  it('writes an evolution with the model, showing it the live version and what went wrong', async () => {
    const store = createMemoryStore();
    // v1 from the template family, without a model.
    const patternId = await failThrice(pipeline(store), store, 'count the blue circles');
    expect(await pipeline(store).runOnce()).toBe(true);
    const v1 = (await store.capabilities.list())[0]!;
    const id = v1.manifest.id;
    const rollout = (await store.rollouts.get(id))!;
    // What the rollout engine counts: 6 runs of v1, 4 of them rated, 3 wrong; one taught wrong answer.
    await store.rolloutMetrics.add([
      {
        capabilityId: id,
        version: 1,
        stage: rollout.stage,
        windowStart: rollout.stageEnteredAt,
        counts: { requests: 6, ok: 6, 'feedback:negative': 3, 'feedback:positive': 1 },
      },
    ]);
    await store.failures.record({
      ...failureOf('count the blue circles', 'teacher'),
      signature: 'taught:count:shape[color,shape]',
      category: 'invalid_output',
      message: 'taught: the answer does not match the expectation — expected count 2, got 3',
      capabilityId: id,
      expectation: { data: { count: 2 } },
    });

    const p = pipeline(store, { llm: llmOf() });
    const decided = await p.considerEvolution(id);
    expect(decided).toMatchObject({ version: 1, created: true, decision: { evolve: true, nextVersion: 2 } });
    chat.queue = [reply(RIGHT)];
    chat.seen.length = 0;
    expect(await p.runOnce()).toBe(true);

    expect(prompts()).toHaveLength(1);
    const task = prompts()[0]![1]!.content;
    expect(task).toMatch(/It replaces version 1/);
    expect(task).toContain('"why": "generate v2: 3 of 4 answers were reported wrong"');
    expect(task).toContain(JSON.stringify(v1.code).slice(1, 60));
    expect(task).toContain('expected count 2, got 3');
    const v2 = await store.capabilities.get(id, 2);
    expect(v2?.manifest).toMatchObject({ id, version: 2, origin: { generator: 'llm', patternId } });
    expect(await store.rollouts.get(id)).toMatchObject({ version: 2, stage: 'development' });
    expect(await store.patterns.get(patternId)).toMatchObject({ status: 'generated', capabilityId: id });
  }, 90_000);
});
