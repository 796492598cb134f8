import type { Capability, SandboxResult } from '../domain/index.js';
import type { PerformedAction, VisionImage } from '../capabilities/index.js';
import { createHostSdk, readsText, RecordingActuator, seededRandom } from '../capabilities/index.js';
import type { VerificationOptions } from './options.js';
import type { RiskFactor, VerificationCheck } from './risk.js';
import { CONDITIONS } from './risk.js';
import type { VerifierDeps } from './verifier-deps.js';

/** A fixed clock for verification runs (2024-01-01T00:00:00Z): runs replay whatever day they are made. */
export const FIXED_NOW = Date.UTC(2024, 0, 1);
export const DAY_MS = 86_400_000;

/** One sandbox run of the candidate and what it did. */
export interface Observation {
  purpose: string;
  kind: 'test' | 'determinism' | 'fuzz-screen' | 'fuzz-input' | 'probe';
  input: Record<string, unknown>;
  result: SandboxResult;
  actions: PerformedAction[];
  logs: string[];
}

/** A test case's sandbox result (what the pipeline stores as a `sandbox` report). */
export interface SandboxCaseReport {
  case: string;
  result: SandboxResult;
  problem: string | null;
}

export type CheckInput = Omit<VerificationCheck, 'severity'> & { severity?: VerificationCheck['severity'] };

/** The evidence one verification gathers, level by level: checks, risk factors, numbers and the runs made. */
export interface VerificationState {
  readonly capability: Capability;
  readonly options: VerificationOptions;
  readonly checks: VerificationCheck[];
  readonly factors: RiskFactor[];
  readonly numbers: Record<string, number>;
  readonly observations: Observation[];
  readonly sandboxReports: SandboxCaseReport[];
  /** Records a check; blocking unless it says otherwise. */
  check(c: CheckInput): void;
}

export function newVerificationState(
  capability: Capability,
  options: VerificationOptions,
): VerificationState {
  const checks: VerificationCheck[] = [];
  return {
    capability,
    options,
    checks,
    factors: [],
    numbers: {},
    observations: [],
    sandboxReports: [],
    check: (c) => void checks.push({ severity: 'blocking', ...c }),
  };
}

/** A check whose failure does not block: it holds the capability in canary with manual promotion. */
export function advisoryCheck(
  c: Pick<VerificationCheck, 'name' | 'level' | 'passed' | 'detail'>,
): CheckInput {
  return {
    name: c.name,
    level: c.level,
    severity: 'advisory',
    conditions: [CONDITIONS.canary, CONDITIONS.manual],
    passed: c.passed,
    detail: c.detail,
  };
}

/** Runs the candidate once in the sandbox with the injected seed and clock, and records the observation. */
export type RunOnce = (
  purpose: string,
  kind: Observation['kind'],
  input: Record<string, unknown>,
  screen: VisionImage,
  seed?: number,
  now?: number,
) => Promise<Observation>;

export function sandboxRunner(
  state: VerificationState,
  deps: Pick<VerifierDeps, 'sandbox' | 'vision'>,
): RunOnce {
  const { capability, options, observations } = state;
  const manifest = capability.manifest;
  const permissions = manifest.permissions;
  const ocr = readsText(permissions, capability.code);
  return async (purpose, kind, input, screen, seed = options.seed, now = FIXED_NOW) => {
    // The OCR pool's start-up (it ends when idle) is the host's, not the candidate's: never inside its timeout.
    if (ocr) await deps.vision.prepare?.({ ocr });
    const actuator = new RecordingActuator();
    const host = createHostSdk({
      vision: deps.vision,
      screen,
      permissions,
      actuator,
      random: seededRandom(seed),
      now: () => now,
    });
    const result = await deps.sandbox.run({
      code: capability.code,
      input,
      permissions,
      limits: manifest.limits,
      host,
      origin: manifest.origin.kind,
    });
    const o = { purpose, kind, input, result, actions: [...actuator.performed], logs: [...host.logs] };
    observations.push(o);
    return o;
  };
}

export const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;
export const pct = (v: number) => `${Math.round(v * 100)}%`;

export function median(values: number[]): number {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function statusProblem(r: SandboxResult): string | null {
  if (r.status === 'ok') return null;
  return `sandbox status ${r.status}: ${(r.error ?? r.violations.join('; ')).slice(0, 200)}`;
}
