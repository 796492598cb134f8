import type { Failure } from '../src/domain/index.js';
import { observeFailure } from '../src/discovery/index.js';
import { familyFor } from '../src/generation/index.js';
import { createMemoryStore } from '../src/store/index.js';
import { analyze } from '../src/synthesis/index.js';
import { frameSignature, parseCommand } from '../src/understanding/index.js';
import type { Figure } from './harness.js';
import { measureAsync } from './harness.js';

/** One command per family and combination, as users phrase them. */
const COMMANDS = [
  'count the green circles on the toolbar',
  'where is the yellow square',
  'is there a red circle in the toolbar',
  'read the title bar',
  'describe the sidebar',
  'click the "Save" button',
  'type "hello world"',
  'press ctrl+s',
  'list the circles from left to right',
  'how wide is the blue rectangle in centimetres',
  'are there more red circles than blue squares',
  'count the red and the green circles',
  'read the title and then click Save',
  'if there is a red circle, click it',
];

/**
 * failure → candidate with the template generator: parse the command, record the failure, fold it into its
 * pattern (store round trips included), plan and emit the capability. A fresh in-memory store per iteration so
 * every iteration really generates. The static gate on the candidate is reported separately.
 */
/**
 * What the template generator makes of `command`'s failure: record it on a fresh in-memory store, fold it
 * into its pattern (thresholds of 1), emit the family's capability. Throws when no family takes it.
 */
export async function generateCandidate(command: string, failureId: string) {
  const store = createMemoryStore();
  try {
    const { frame } = parseCommand(command);
    const failure: Failure = {
      id: failureId,
      at: new Date().toISOString(),
      userId: 'bench',
      command,
      frame,
      category: 'missing_handler',
      message: 'no capability',
      signature: frameSignature(frame),
    };
    await store.failures.record(failure);
    const obs = await observeFailure(store, failure, THRESHOLDS, new Date());
    if (!obs?.ready) throw new Error(`bench: "${command}" did not become a pattern`);
    const family = familyFor(obs.pattern);
    if (!family) throw new Error(`bench: no family for "${command}"`);
    return family.emit(obs.pattern, 1, [failure.id]);
  } finally {
    await store.close();
  }
}

const THRESHOLDS = { minOccurrences: 1, minDistinctUsers: 1, windowMs: 3_600_000 };

export async function generationFigures(): Promise<Figure[]> {
  let i = 0;
  let last = '';
  const toCandidate = async () => {
    last = (await generateCandidate(COMMANDS[i++ % COMMANDS.length]!, `fail_${i}`)).code;
  };
  const gen = await measureAsync(toCandidate, 700, 70);
  const gate = await measureAsync(
    async () => {
      await toCandidate();
      analyze(last);
    },
    280,
    28,
  );
  return [
    {
      name: 'failure → candidate (template generator) p95',
      value: Math.round((gen.p95 / 1000) * 1000) / 1000,
      unit: 'ms',
      budget: { max: 50, unit: 'ms' },
      note: `p50 ${(gen.p50 / 1000).toFixed(3)} ms over ${COMMANDS.length} command shapes`,
    },
    {
      name: 'failure → candidate + static gate p95',
      value: Math.round((gate.p95 / 1000) * 1000) / 1000,
      unit: 'ms',
      note: `p50 ${(gate.p50 / 1000).toFixed(3)} ms`,
    },
  ];
}
