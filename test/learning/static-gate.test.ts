import { describe, expect, it } from 'vitest';
import { validateManifest } from '../../src/capabilities/index.js';
import type { Action, Pattern, TargetKind } from '../../src/domain/index.js';
import { FAMILIES, familyFor, planPattern, PlanError } from '../../src/generation/index.js';
import type { Plan } from '../../src/generation/index.js';
import { analyze } from '../../src/synthesis/index.js';
import type { DataOpName, ExtendedFrameShape, PartFrame } from '../../src/understanding/index.js';

const ACTIONS: Action[] = [
  'count',
  'find',
  'locate',
  'read',
  'click',
  'type',
  'press',
  'describe',
  'check',
  'list',
  'compare',
  'double-click',
];
const KINDS: TargetKind[] = ['shape', 'text', 'button', 'element', 'screen'];
const SLOTS = ['color', 'shape', 'region', 'text', 'label'] as const;
const OPS: DataOpName[][] = [
  [],
  ['sort'],
  ['filter'],
  ['aggregate'],
  ['aggregate', 'convert'],
  ['filter', 'sort'],
  ['filter', 'aggregate', 'convert'],
  ['exclude'],
  ['relative'],
  ['pick'],
  ['exclude', 'pick'],
  ['relative', 'pick'],
  ['pick', 'repeat'],
  ['attribute'],
  ['pick', 'attribute'],
  ['group'],
];

function subsets<T>(xs: readonly T[]): T[][] {
  return xs.reduce<T[][]>((acc, x) => acc.concat(acc.map((s) => [...s, x])), [[]]);
}

function pattern(frame: ExtendedFrameShape, parameters: string[]): Pattern {
  return {
    id: 'pat_gate',
    signature: 'x',
    frame,
    parameters,
    count: 3,
    distinctUsers: 2,
    firstSeen: '2025-01-01T00:00:00Z',
    lastSeen: '2025-01-01T00:00:00Z',
    status: 'collecting',
  };
}

/** Every single-step frame shape the planner accepts. */
function singles(): Array<{ frame: PartFrame; slots: string[] }> {
  const out: Array<{ frame: PartFrame; slots: string[] }> = [];
  for (const action of ACTIONS)
    for (const kind of KINDS)
      for (const slots of subsets(SLOTS))
        for (const ops of OPS) {
          const frame: PartFrame = {
            action,
            target: { kind },
            ...(ops.length ? { ops: ops.map((op) => ({ op })) } : {}),
          };
          const params = [...slots, ...(ops.length ? ['ops'] : [])];
          try {
            planPattern(pattern(frame, params));
            out.push({ frame, slots: params });
          } catch (err) {
            if (!(err instanceof PlanError)) throw err;
          }
        }
  return out;
}

/** Extension keys not yet in the manifest schema (see docs/generation.md, "Contract changes"). */
function withoutExtensions(m: object): object {
  const copy = JSON.parse(JSON.stringify(m)) as { intents: Array<Record<string, unknown>> };
  for (const i of copy.intents) {
    delete i.ops;
    delete i.parts;
  }
  return copy;
}

describe('every capability the template families can emit passes the static gate', () => {
  const all = singles();

  it('covers every family', () => {
    expect(all.length).toBeGreaterThan(100);
  });

  it('single steps: zero violations, permissions exactly cover the SDK calls, valid manifest', () => {
    const byFamily = new Map<string, number>();
    for (const { frame, slots } of all) {
      const p = pattern(frame, slots);
      const family = familyFor(p);
      expect(family, JSON.stringify(frame)).toBeDefined();
      byFamily.set(family!.id, (byFamily.get(family!.id) ?? 0) + 1);
      const cap = family!.emit(p, 1, ['f1']);
      const report = analyze(cap.code, { permissions: cap.manifest.permissions });
      expect(report.violations, `${JSON.stringify(frame)} ${slots}\n${cap.code}`).toEqual([]);
      expect(report.safe).toBe(true);
      // Least privilege: nothing declared that the code does not use.
      const unused = analyze(cap.code);
      expect([...((unused as { requiredPermissions?: string[] }).requiredPermissions ?? [])].sort()).toEqual(
        [...cap.manifest.permissions].sort(),
      );
      validateManifest(withoutExtensions(cap.manifest));
    }
    expect([...byFamily.keys()].sort()).toEqual(
      FAMILIES.map((f) => f.id)
        .filter((id) => id !== 'template/compose')
        .sort(),
    );
  });

  it('combinations: sequence, parallel, conditional and compare', () => {
    const sample = all.filter((_, i) => i % 7 === 0);
    const checks = all.filter((s) => s.frame.action === 'check');
    const counts = all.filter((s) => s.frame.action === 'count' && !s.frame.ops);
    let n = 0;
    const tryEmit = (frame: ExtendedFrameShape, params: string[]) => {
      let plan: Plan;
      try {
        plan = planPattern(pattern(frame, params));
      } catch (err) {
        if (err instanceof PlanError) return;
        throw err;
      }
      const p = pattern(frame, params);
      const family = familyFor(p)!;
      expect(family.id).toBe(plan.mode === 'single' ? family.id : 'template/compose');
      const cap = family.emit(p, 1, []);
      const report = analyze(cap.code, { permissions: cap.manifest.permissions });
      expect(report.violations, cap.code).toEqual([]);
      expect(cap.manifest.combines?.length).toBe(plan.steps.length);
      validateManifest(withoutExtensions(cap.manifest));
      n++;
    };
    const prefixed = (i: number, s: string[]) => s.map((x) => `${i}.${x}`);
    for (let i = 0; i < sample.length; i++) {
      const a = sample[i]!;
      const b = sample[(i * 5 + 3) % sample.length]!;
      for (const mode of ['sequence', 'parallel'] as const)
        tryEmit({ ...a.frame, parts: { mode, frames: [a.frame, b.frame] } }, [
          ...prefixed(0, a.slots),
          ...prefixed(1, b.slots),
        ]);
      const c = checks[i % checks.length]!;
      tryEmit({ ...a.frame, condition: { frame: c.frame } }, [
        ...prefixed(0, c.slots),
        ...prefixed(1, a.slots),
      ]);
    }
    for (let i = 0; i < counts.length; i++) {
      const a = counts[i]!;
      const b = counts[(i + 1) % counts.length]!;
      tryEmit(
        {
          action: 'compare',
          target: { kind: 'shape' },
          parts: { mode: 'parallel', frames: [a.frame, b.frame] },
          ops: [{ op: 'compare' }],
        },
        [...prefixed(0, a.slots), ...prefixed(1, b.slots), 'ops'],
      );
    }
    expect(n).toBeGreaterThan(50);
  });
});
