import type { Capability, Demonstration, Pattern, UiElement } from '../domain/index.js';
import type { VisionImage } from '../capabilities/index.js';
import type { Store } from '../store/index.js';
import { expectationProblem } from '../verification/index.js';
import { compositionOf, frameSignature } from '../understanding/index.js';
import { commandParams, emitDemonstrated, unservable } from './emit.js';
import { centre } from './locate.js';
import type { SynthesisOptions } from './synthesize.js';
import { clickTarget, describeProgram, synthesizeProgram } from './synthesize.js';
import type { SynthesisExample } from './types.js';

export interface DemonstrationLearnerDeps {
  store: Pick<Store, 'demonstrations'>;
  /** Reads a demonstration's screen (a file path, or `screen:<id>` kept in the store). */
  loadScreen(ref: string): Promise<VisionImage>;
  /** The UI element detector, run here in the learner (host code), never in generated code. */
  detect?: (image: VisionImage) => Promise<UiElement[]>;
  synthesis: SynthesisOptions;
  /** Most demonstrations of one pattern learned from (the newest ones). */
  maxPerPattern: number;
  log?: (msg: string, data?: Record<string, unknown>) => void;
}

/** What learning from a pattern's demonstrations gave: a candidate module, or why not (with the numbers). */
export type DemonstrationCandidate =
  | {
      ok: true;
      capability: Capability;
      demonstrations: number;
      synthesisMs: number;
      detectionMs: number;
      description: string;
    }
  | {
      ok: false;
      /** `ambiguous`: ask for another demonstration; `unfit`/`unservable`: demonstrations cannot say it. */
      status: 'ambiguous' | 'unfit' | 'unservable';
      reason: string;
      demonstrations: number;
      /** For `ambiguous`: how many programs fit. */
      programs?: number;
    };

/** A demonstration as a test case of the capability learned from it: its screen and what must happen there. */
export interface DemonstrationCase {
  name: string;
  frame: Demonstration['frame'];
  screen: VisionImage;
  expect: Record<string, unknown>;
  /** A problem with the capability's output on this screen, or null (clicks inside the demonstrated element). */
  check(output: unknown): string | null;
}

/** The signature of each part of a sequence command (synthesis reads runs of alike parts as lists). */
function partsOf(frame: Demonstration['frame']): { parts?: string[] } {
  const comp = compositionOf(frame);
  return comp?.mode === 'sequence' ? { parts: comp.frames.map((f) => frameSignature(f)) } : {};
}

/**
 * The signature under which demonstrations of a sequence command with a list are learned together, whatever
 * the list's length: each run of alike parts starred (`seq(select:element[label]*|click:element[label]*)` for
 * "Select A and B and click Submit" and "Select A, B and C and click Submit"). Undefined for other commands.
 */
export function listSignature(frame: Demonstration['frame']): string | undefined {
  const comp = compositionOf(frame);
  if (comp?.mode !== 'sequence') return undefined;
  const runs: Array<{ sig: string; count: number }> = [];
  for (const f of comp.frames) {
    const sig = frameSignature(f);
    const last = runs.at(-1);
    if (last?.sig === sig) last.count++;
    else runs.push({ sig, count: 1 });
  }
  return `seq(${runs.map((r) => `${r.sig}*`).join('|')})`;
}

/** Whether a sequence command names a list: two or more alike parts in a row. */
export function namesList(frame: Demonstration['frame']): boolean {
  const parts = partsOf(frame).parts ?? [];
  return parts.some((p, i) => i > 0 && parts[i - 1] === p);
}

interface Prepared {
  demo: Demonstration;
  screen: VisionImage;
  example: SynthesisExample;
}

const keyOf = (k: string) => k.toLowerCase().replace(/\s+/g, '');

/**
 * Learning from demonstrations, as the pipeline's job runs it: the pattern's demonstrations are read, their
 * screens decoded and their UI elements detected (host code), the DSL searched (`synthesizeProgram`), and the
 * program emitted as an ordinary module. Each demonstration is also a test case of what is learned.
 */
export function createDemonstrationLearner(deps: DemonstrationLearnerDeps) {
  const prepare = async (
    pattern: Pick<Pattern, 'id'>,
  ): Promise<{ prepared: Prepared[]; detectionMs: number }> => {
    const all = await deps.store.demonstrations.list({ patternId: pattern.id, limit: 1000 });
    const demos = all.slice(-deps.maxPerPattern);
    const prepared: Prepared[] = [];
    const t0 = performance.now();
    for (const demo of demos) {
      let screen: VisionImage;
      try {
        screen = await deps.loadScreen(demo.screenRef);
      } catch (err) {
        deps.log?.('demonstration screen unreadable; left out', { id: demo.id, error: String(err) });
        continue;
      }
      const elements = deps.detect ? await deps.detect(screen) : [];
      prepared.push({
        demo,
        screen,
        example: {
          id: demo.id,
          params: commandParams(demo.frame),
          elements,
          actions: demo.actions,
          ...(demo.expect ? { expect: demo.expect } : {}),
          screen: { width: screen.width, height: screen.height },
          ...partsOf(demo.frame),
        },
      });
    }
    return { prepared, detectionMs: performance.now() - t0 };
  };

  return {
    /** Whether the pattern has demonstrations (then it is learned from them, not from a template). */
    async has(patternId: string): Promise<boolean> {
      return (await deps.store.demonstrations.count({ patternId })) > 0;
    },

    async candidate(
      pattern: Pattern,
      o: { id: string; version: number; failureIds: string[] },
    ): Promise<DemonstrationCandidate> {
      const why = unservable(pattern);
      const count = await deps.store.demonstrations.count({ patternId: pattern.id });
      if (why) return { ok: false, status: 'unservable', reason: why, demonstrations: count };
      if (!deps.detect)
        return {
          ok: false,
          status: 'unservable',
          reason: 'no UI element detector in this runtime (sdk.vision.elements)',
          demonstrations: count,
        };
      const { prepared, detectionMs } = await prepare(pattern);
      const outcome = synthesizeProgram(
        prepared.map((p) => p.example),
        deps.synthesis,
      );
      if (outcome.status === 'unfit')
        return { ok: false, status: 'unfit', reason: outcome.reason, demonstrations: prepared.length };
      if (outcome.status === 'ambiguous')
        return {
          ok: false,
          status: 'ambiguous',
          reason: `${outcome.candidates.length} programs fit (${outcome.disagreement})`,
          programs: outcome.candidates.length,
          demonstrations: prepared.length,
        };
      const capability = emitDemonstrated(outcome.program, {
        id: o.id,
        version: o.version,
        pattern,
        examples: [...new Set(prepared.map((p) => p.demo.command))],
        failureIds: o.failureIds,
      });
      return {
        ok: true,
        capability,
        demonstrations: prepared.length,
        synthesisMs: outcome.ms,
        detectionMs,
        description: describeProgram(outcome.program),
      };
    },

    /** The pattern's demonstrations as test cases (the verifier runs them in the sandbox on their screens). */
    async cases(pattern: Pick<Pattern, 'id'>): Promise<DemonstrationCase[]> {
      const { prepared } = await prepare(pattern);
      return prepared.map((p) => ({
        name: `demonstration ${p.demo.id}`,
        frame: p.demo.frame,
        screen: p.screen,
        expect: p.demo.expect ?? {},
        check: (output) => demonstrationProblem(p.example, output),
      }));
    },
  };
}

export type DemonstrationLearner = ReturnType<typeof createDemonstrationLearner>;

/**
 * Whether an output does what the demonstration showed: the same actions in order — each click inside the
 * element clicked in the demonstration (or within a few pixels of the point when no element was seen there),
 * the same text typed, the same keys — and the expected answer fields.
 */
export function demonstrationProblem(example: SynthesisExample, output: unknown): string | null {
  const data = (output as { data?: Record<string, unknown> } | undefined)?.data ?? {};
  if (example.actions.length) {
    const got = Array.isArray(data.actions) ? (data.actions as Array<Record<string, unknown>>) : [];
    // A run that stopped (done: false) just before a click on an element the detector could not read on this
    // screen (its text '') did not contradict the demonstration: it refused to guess what it could not read.
    const next = example.actions[got.length];
    const stoppedAtUnread =
      data.done === false &&
      got.length < example.actions.length &&
      next?.type === 'click' &&
      clickTarget(example.elements, next)?.text === '';
    if (got.length !== example.actions.length && !stoppedAtUnread)
      return `expected ${example.actions.length} actions (${example.actions.map((a) => a.type).join(', ')}), got ${got.length}`;
    for (const [i, want] of example.actions.slice(0, got.length).entries()) {
      const a = got[i]!;
      if (a.type !== want.type) return `action ${i + 1}: expected ${want.type}, got ${String(a.type)}`;
      if (want.type === 'click') {
        const x = Number(a.x);
        const y = Number(a.y);
        const target = clickTarget(example.elements, want);
        const ok = target
          ? x >= target.bbox.x &&
            y >= target.bbox.y &&
            x <= target.bbox.x + target.bbox.width &&
            y <= target.bbox.y + target.bbox.height
          : Math.abs(x - want.x) <= 3 && Math.abs(y - want.y) <= 3;
        if (!ok)
          return `action ${i + 1}: clicked at (${x}, ${y}), not on the ${target ? `${target.kind} "${target.text}" around (${centre(target).x}, ${centre(target).y})` : `point (${want.x}, ${want.y})`}`;
      } else if (want.type === 'type' && a.text !== want.text)
        return `action ${i + 1}: typed ${JSON.stringify(a.text)}, expected ${JSON.stringify(want.text)}`;
      else if (want.type === 'press' && keyOf(String(a.keys)) !== keyOf(want.key))
        return `action ${i + 1}: pressed ${String(a.keys)}, expected ${want.key}`;
    }
  }
  return example.expect ? expectationProblem(example.expect, data) : null;
}
