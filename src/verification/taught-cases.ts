import type { Capability } from '../domain/index.js';
import { matchCapability } from '../understanding/index.js';
import { norm } from './expected-data.js';
import type { CapabilityTestCase, TaughtExample } from './case-types.js';

const key = (o: unknown) => JSON.stringify(o);

/** Compares the fields a user stated with the output's data (numbers within 1%, strings case-insensitively). */
export function expectationProblem(
  expect: Record<string, unknown>,
  data: unknown,
  path = 'data',
): string | null {
  const d = (data ?? {}) as Record<string, unknown>;
  for (const [k, want] of Object.entries(expect)) {
    const got = d[k];
    const at = `${path}.${k}`;
    if (typeof want === 'number') {
      if (typeof got !== 'number' || Math.abs(got - want) > Math.max(0.01 * Math.abs(want), 1e-9))
        return `${at}: expected ${want}, got ${key(got)}`;
    } else if (typeof want === 'string') {
      if (typeof got !== 'string' || norm(got) !== norm(want))
        return `${at}: expected ${key(want)}, got ${key(got)}`;
    } else if (Array.isArray(want)) {
      if (!Array.isArray(got) || got.length !== want.length)
        return `${at}: expected ${want.length} elements, got ${Array.isArray(got) ? got.length : key(got)}`;
      for (let i = 0; i < want.length; i++) {
        const w = want[i];
        const p =
          w !== null && typeof w === 'object'
            ? expectationProblem(w as Record<string, unknown>, got[i], `${at}[${i}]`)
            : expectationProblem({ v: w }, { v: got[i] }, `${at}[${i}]`);
        if (p) return p;
      }
    } else if (want !== null && typeof want === 'object') {
      const p = expectationProblem(want as Record<string, unknown>, got, at);
      if (p) return p;
    } else if (got !== want) return `${at}: expected ${key(want)}, got ${key(got)}`;
  }
  return null;
}

/**
 * Test cases from what users taught (`ironcliw teach`): their screens and stated data, with the input routing
 * gives the capability for each taught frame. A taught frame the capability does not serve is left out.
 */
export function taughtCases(capability: Capability, taught: TaughtExample[]): CapabilityTestCase[] {
  const cases: CapabilityTestCase[] = [];
  for (const [i, t] of taught.entries()) {
    const m = matchCapability(t.frame, capability.manifest);
    if (!m) continue;
    cases.push({
      name: `taught: ${t.name ?? `#${i + 1}`} ${key(t.expect)}`,
      input: m.input,
      screen: t.screen,
      check:
        t.check ??
        ((output) => expectationProblem(t.expect, (output as { data?: unknown } | undefined)?.data)),
    });
  }
  return cases;
}
