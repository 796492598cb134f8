import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Capability, Failure } from '../../src/domain/index.js';
import { createHostSdk, schemaProblem, seededRandom } from '../../src/capabilities/index.js';
import { parseConfig } from '../../src/config/index.js';
import { observeFailure } from '../../src/discovery/index.js';
import { familyFor } from '../../src/generation/index.js';
import type { SandboxTier } from '../../src/sandbox/index.js';
import { createSandboxTier } from '../../src/sandbox/index.js';
import { createMemoryStore } from '../../src/store/index.js';
import { analyze } from '../../src/synthesis/index.js';
import type { ExtendedFrameShape } from '../../src/understanding/index.js';
import { frameSignature, matchCapability, parseCommand } from '../../src/understanding/index.js';
import { closeOcr } from '../../src/vision/index.js';
import { createVisionPort } from '../../src/vision-port.js';
import { CORPUS } from './corpus.js';
import { checkData, targetPresent } from './oracle.js';
import type { LearningScreen } from './scenes.js';
import { renderLearningScreen } from './scenes.js';

const SCREENS = 24;
let screens: LearningScreen[] = [];
let sandbox: SandboxTier;

beforeAll(async () => {
  screens = await Promise.all(Array.from({ length: SCREENS }, (_, i) => renderLearningScreen(i + 1)));
  sandbox = await createSandboxTier('process', { poolSize: 2 });
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
  await closeOcr();
});

describe('learning corpus: failures → capability → right data on another screen', () => {
  it(`learns at least 90% of ${CORPUS.length} phrasings over ${SCREENS} screens`, async () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(80);
    const config = parseConfig({});
    const thresholds = config.discovery;
    const store = createMemoryStore();
    const vision = createVisionPort();
    const learned: Capability[] = [];
    const outcomes: Array<{ text: string; ok: boolean; why: string; capability?: string }> = [];
    let clock = Date.parse('2025-01-01T00:00:00Z');

    for (const [i, entry] of CORPUS.entries()) {
      const { frame } = parseCommand(entry.text);
      const signature = frameSignature(frame);
      const fail = (why: string) => outcomes.push({ text: entry.text, ok: false, why });
      if (signature !== entry.signature) {
        fail(`parsed as ${signature}`);
        continue;
      }
      const route = () => {
        for (const c of learned) {
          const m = matchCapability(frame, c.manifest);
          if (m) return { capability: c, input: m.input };
        }
        return undefined;
      };
      const failureScreen = screens[i % SCREENS]!;
      let routed = route();
      // Not served yet: the configured number of failures, from more than one user, makes it a pattern.
      for (let k = 0; !routed && k < thresholds.minOccurrences + 1; k++) {
        clock += 60_000;
        const failure: Failure = {
          id: `fail_${i}_${k}`,
          at: new Date(clock).toISOString(),
          userId: `user${k % Math.max(2, thresholds.minDistinctUsers)}`,
          command: entry.text,
          frame,
          category: 'missing_handler',
          message: 'no capability',
          signature,
          screenRef: `screen-${failureScreen.seed}`,
        };
        await store.failures.record(failure);
        const obs = await observeFailure(store, failure, thresholds, new Date(clock));
        if (!obs?.ready) continue;
        const family = familyFor(obs.pattern);
        if (!family) {
          await store.patterns.setStatus(obs.pattern.id, 'rejected', 'no family');
          break;
        }
        const failures = await store.failures.list({ signature, limit: 50 });
        const capability = family.emit(
          obs.pattern,
          1,
          failures.map((f) => f.id),
        );
        const report = analyze(capability.code, { permissions: capability.manifest.permissions });
        expect(report.violations, `${entry.text}\n${capability.code}`).toEqual([]);
        learned.push(capability);
        await store.patterns.setStatus(obs.pattern.id, 'generated', 'v1', capability.manifest.id);
        routed = route();
      }
      if (!routed) {
        const p = await store.patterns.getBySignature(signature);
        fail(`not learned (pattern ${p?.status ?? 'none'}: ${p?.statusReason ?? ''})`);
        continue;
      }
      // A different screen from the failures', preferably one where the target is present.
      let screen = screens[(i + 7) % SCREENS]!;
      for (let j = 0; j < SCREENS; j++) {
        const s = screens[(i + 7 + j) % SCREENS]!;
        if (s !== failureScreen && targetPresent(frame as ExtendedFrameShape, s.truth)) {
          screen = s;
          break;
        }
      }
      const m = routed.capability.manifest;
      const host = createHostSdk({
        vision,
        screen: screen.image,
        permissions: m.permissions,
        random: seededRandom(1),
        now: () => 0,
      });
      const result = await sandbox.run({
        code: routed.capability.code,
        input: routed.input,
        permissions: m.permissions,
        limits: m.limits,
        host,
        origin: 'generated',
      });
      if (result.status !== 'ok') {
        fail(`sandbox ${result.status}: ${result.error ?? result.violations.join('; ')}`);
        continue;
      }
      const problem =
        schemaProblem(m.inputSchema, routed.input) ??
        schemaProblem(m.outputSchema, result.output) ??
        checkData(
          frame as ExtendedFrameShape,
          (result.output as { data: Record<string, unknown> }).data,
          screen.truth,
        );
      outcomes.push({
        text: entry.text,
        ok: problem === null,
        why: problem ?? `screen ${screen.seed}`,
        capability: m.id,
      });
    }

    const ok = outcomes.filter((o) => o.ok).length;
    const share = ok / CORPUS.length;
    const signatures = new Set(CORPUS.map((e) => e.signature)).size;
    console.log(
      `learning corpus: ${ok}/${CORPUS.length} phrasings learned (${(share * 100).toFixed(1)}%), ` +
        `${signatures} patterns, ${learned.length} capabilities, ${SCREENS} screens`,
    );
    for (const o of outcomes.filter((x) => !x.ok)) console.log(`  not learned: "${o.text}" — ${o.why}`);
    expect(share).toBeGreaterThanOrEqual(0.9);
  }, 300_000);
});
