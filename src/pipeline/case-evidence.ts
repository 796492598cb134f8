import type { VisionImage } from '../capabilities/index.js';
import type { Pattern } from '../domain/index.js';
import { expectationOf, taughtSignature } from '../discovery/index.js';
import type { Store } from '../store/index.js';
import { frameFields } from '../understanding/index.js';
import type { TaughtExample } from '../verification/index.js';

export interface TestEvidenceDeps {
  store: Store;
  /** Reads a failure's or demonstration's screen (a path, or a screen kept in the store). */
  loadScreen(ref: string): Promise<VisionImage>;
  /** The demonstrations of a pattern as test cases. */
  demonstrationCases(pattern: Pattern): Promise<TaughtExample[]>;
  log?: (msg: string, data?: Record<string, unknown>) => void;
}

/**
 * What users did, as verification's test material: the inputs they asked with (`seenInputs`), and what they
 * taught (`ironcliw teach … --expect`, on the screen they taught it on) and demonstrated (`taught`).
 */
export function createTestEvidence(deps: TestEvidenceDeps): {
  seenInputs(pattern: Pattern): Promise<Array<Record<string, unknown>>>;
  taught(pattern: Pattern): Promise<TaughtExample[]>;
} {
  const { store } = deps;
  return {
    // What users actually asked becomes part of the test cases.
    seenInputs: async (pattern) => {
      const failures = await store.failures.list({ signature: pattern.signature, limit: 20 });
      return failures.map((f) => {
        const fields = frameFields(f.frame) as Record<string, unknown>;
        const input = Object.fromEntries(
          Object.entries(fields).filter(([k]) => pattern.parameters.includes(k)),
        );
        return pattern.parameters.includes('ops') && f.frame.ops ? { ...input, ops: f.frame.ops } : input;
      });
    },
    // What users taught (`ironcliw teach … --expect`) becomes a test case on the screen they taught it on.
    taught: async (pattern) => {
      const failures = await store.failures.list({
        signature: taughtSignature(pattern.signature),
        limit: 20,
      });
      const examples: TaughtExample[] = [];
      for (const f of failures) {
        const expect = expectationOf(f);
        if (!expect || !f.screenRef) continue;
        try {
          examples.push({ frame: f.frame, screen: await deps.loadScreen(f.screenRef), expect, name: f.id });
        } catch (err) {
          deps.log?.('taught screen unreadable', { failureId: f.id, error: String(err) });
        }
      }
      // Demonstrations are test cases of what is learned for their pattern (and of later versions).
      for (const c of await deps.demonstrationCases(pattern)) examples.push(c);
      return examples;
    },
  };
}
