import type {
  Action,
  BenchmarkReport,
  Capability,
  Pattern,
  SandboxResult,
  SynthesisReport,
  VerificationLevel,
  VerificationReport,
} from '../domain/index.js';
import { IroncliwError } from '../domain/index.js';
import type { PerformedAction, VisionImage, VisionPort } from '../capabilities/index.js';
import {
  createHostSdk,
  RecordingActuator,
  schemaProblem,
  seededRandom,
  validateManifest,
} from '../capabilities/index.js';
import type { CandidateVerifier } from '../pipeline/index.js';
import type { SandboxTier } from '../sandbox/index.js';
import type { SynthesisAnalysis } from '../synthesis/index.js';
import { analyze } from '../synthesis/index.js';
import { blankScreen, fuzzInputs, fuzzScreens, sceneTarget } from './fuzz.js';
import type { VerificationOptions, VerificationOptionsInput } from './options.js';
import { resolveVerificationOptions } from './options.js';
import { findSecrets, outputProblems } from './output-checks.js';
import type { RiskFactor, VerificationCheck } from './risk.js';
import { CONDITIONS, decide, levelIndex, permissionRisk, provenanceRisk, riskScore } from './risk.js';
import type { CapabilityTestCase, TaughtExample, TestScenePort } from './test-case-types.js';
import { buildTestCases } from './test-cases.js';

/** The part of a BenchmarkReport the production level judges (benchmark/ produces the full report). */
export interface BenchmarkFigures {
  latency: Pick<BenchmarkReport['latency'], 'p99'> & Partial<BenchmarkReport['latency']>;
  errorRate: number;
  leak: { suspected: boolean; slopeKbPerIter?: number };
}

/** Runs a real benchmark of a capability (benchmark/ stage); injected so verification does not own one. */
export type BenchmarkRunner = (capability: Capability) => Promise<BenchmarkFigures>;

export interface VerifierDeps {
  sandbox: SandboxTier;
  vision: VisionPort;
  scenes: TestScenePort;
  /** Inputs seen in the failures, by pattern id (so the tests include what users actually asked). */
  seenInputs?: (pattern: Pattern) => Promise<Array<Record<string, unknown>>>;
  /** Expectations users taught (`ironcliw teach`) for a pattern's commands: each becomes a test case. */
  taught?: (pattern: Pattern) => Promise<TaughtExample[]>;
  /** Production level: benchmarks the candidate. */
  benchmark?: BenchmarkRunner;
  /**
   * Production level: a statistical comparison of the candidate's benchmark with the live version's (the
   * benchmark stage's Mann–Whitney / bootstrap verdict). Without it, p99 and error rate are compared with
   * `regressionTolerance` — fine for large differences, noisy for small samples on a busy machine.
   */
  compare?: (
    candidate: BenchmarkFigures,
    baseline: BenchmarkFigures,
  ) => { verdict: 'improved' | 'unchanged' | 'regressed'; detail: string };
  /** Production level: the live version's figures for the same pattern (undefined when there is none). */
  baseline?: (capability: Capability) => Promise<BenchmarkFigures | undefined>;
  /** Thresholds and weights over {@link VERIFICATION_DEFAULTS} (config key `verification`). */
  options?: VerificationOptionsInput;
  /** Level the pipeline's candidate verifier runs (default `comprehensive`). */
  level?: VerificationLevel;
}

export interface VerifyRequest {
  level: VerificationLevel;
  /** The pattern the candidate was generated for (its seen inputs become test cases). */
  pattern?: Pattern;
  /** Inputs to test besides those built from the pattern (e.g. from teach expectations). */
  inputs?: Array<Record<string, unknown>>;
  /**
   * Also run the sandbox levels when the static gate rejects, to record what the code actually does. Safe (the
   * sandbox is the boundary for hostile code) but costs time for a decision that stays `reject`.
   */
  evidenceWhenUnsafe?: boolean;
}

/** VerificationReport (DESIGN.md) with its evidence: typed checks, the risk factors, conditions and numbers. */
export interface DetailedVerificationReport extends VerificationReport {
  checks: VerificationCheck[];
  conditions: string[];
  /** One line per reason for the decision. */
  reasons: string[];
  factors: RiskFactor[];
  numbers: Record<string, number>;
  capability: { id: string; version: number };
}

/** One sandbox run made during verification, summarised. */
export interface VerificationRun {
  purpose: string;
  status: SandboxResult['status'];
  wallMs: number;
  cpuMs: number;
  peakMemoryMb: number;
  hostCalls: number;
  problem: string | null;
}

export interface VerificationOutcome {
  report: DetailedVerificationReport;
  synthesis: SynthesisReport;
  /** The standard test cases' sandbox results (what the pipeline stores as `sandbox` reports). */
  sandboxReports: Array<{ case: string; result: SandboxResult; problem: string | null }>;
  runs: VerificationRun[];
}

export interface Verifier {
  readonly options: VerificationOptions;
  verify(capability: Capability, request: VerifyRequest): Promise<VerificationOutcome>;
}

/** Intents that only look at the screen; a capability serving only these must never act on it. */
const ANALYSIS_ACTIONS: ReadonlySet<Action> = new Set([
  'count',
  'find',
  'locate',
  'read',
  'describe',
  'check',
  'list',
  'compare',
  'help',
]);
/** A fixed clock for verification runs (2024-01-01T00:00:00Z): runs replay whatever day they are made. */
const FIXED_NOW = Date.UTC(2024, 0, 1);
const DAY_MS = 86_400_000;

interface Observation {
  purpose: string;
  kind: 'test' | 'determinism' | 'fuzz-screen' | 'fuzz-input' | 'probe';
  input: Record<string, unknown>;
  result: SandboxResult;
  actions: PerformedAction[];
  logs: string[];
}

const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;
const pct = (v: number) => `${Math.round(v * 100)}%`;

function median(values: number[]): number {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function statusProblem(r: SandboxResult): string | null {
  if (r.status === 'ok') return null;
  return `sandbox status ${r.status}: ${(r.error ?? r.violations.join('; ')).slice(0, 200)}`;
}

/**
 * The verifier: levels `basic` → `standard` → `comprehensive` → `production`, each including the previous.
 * Every check carries its evidence and the decision is derived from the checks and the risk score, never assumed.
 * All code runs in `deps.sandbox` (never in this process) with `sdk.random`/`sdk.clock` injected from a fixed
 * seed and clock, so a report replays exactly.
 *
 * @example
 * const verifier = createVerifier({ sandbox, vision: createVisionPort(), scenes: createTestScenes() });
 * const { report } = await verifier.verify(capability, { level: 'comprehensive' });
 * if (report.decision === 'reject') console.log(report.reasons);
 */
export function createVerifier(deps: VerifierDeps): Verifier {
  const options = resolveVerificationOptions(deps.options);
  const screenCache = new Map<string, Promise<VisionImage>>();
  let visionWarm: Promise<void> | undefined;

  // OpenCV loads on the first vision call (≈ 0.3–1 s per process); that is the host's cost, not the
  // candidate's, so it is paid before any run is timed.
  const warmVision = () =>
    (visionWarm ??= (async () => {
      try {
        await deps.vision.findShapes(blankScreen(64, 64, [255, 255, 255]), {});
      } catch {
        // A vision failure shows up in the runs themselves, with the capability's context.
      }
    })());

  return {
    options,
    async verify(capability, request) {
      const t0 = performance.now();
      const level = request.level;
      if (levelIndex(level) < 0)
        throw new IroncliwError('E_INPUT_INVALID', `unknown verification level "${String(level)}"`);
      if (level === 'production' && !deps.benchmark)
        throw new IroncliwError(
          'E_INPUT_INVALID',
          'the production level needs a benchmark runner (VerifierDeps.benchmark)',
        );
      const manifest = capability.manifest;
      // An invalid manifest still gets a report: read its fields defensively until validated.
      const declared = Array.isArray(manifest?.permissions) ? manifest.permissions : [];
      const checks: VerificationCheck[] = [];
      const factors: RiskFactor[] = [];
      const numbers: Record<string, number> = {};
      const observations: Observation[] = [];
      const sandboxReports: VerificationOutcome['sandboxReports'] = [];
      const check = (c: Omit<VerificationCheck, 'severity'> & { severity?: VerificationCheck['severity'] }) =>
        checks.push({ severity: 'blocking', ...c });
      const w = options.weights;

      // ── basic: manifest, parse, static gate ─────────────────────────────────────────────────────────
      let manifestOk = true;
      try {
        validateManifest(manifest);
        check({
          name: 'manifest-valid',
          level: 'basic',
          passed: true,
          detail: 'manifest matches the schema',
        });
      } catch (err) {
        manifestOk = false;
        check({ name: 'manifest-valid', level: 'basic', passed: false, detail: (err as Error).message });
      }
      let synthesis: SynthesisAnalysis | undefined;
      let staticReport: SynthesisReport;
      try {
        synthesis = analyze(String(capability.code), { permissions: declared });
        staticReport = { safe: synthesis.safe, score: synthesis.score, violations: synthesis.violations };
      } catch (err) {
        const e = err as IroncliwError;
        const line = Number(e.details?.line ?? 0);
        const column = Number(e.details?.column ?? 0);
        staticReport = {
          safe: false,
          score: 0,
          violations: [{ rule: 'unparsable', severity: 'critical', message: e.message, line, column }],
        };
      }
      check({
        name: 'static-safety',
        level: 'basic',
        passed: staticReport.safe,
        detail:
          `score ${staticReport.score.toFixed(3)}, ${staticReport.violations.length} violations` +
          (staticReport.violations.length
            ? ': ' +
              staticReport.violations
                .slice(0, 10)
                .map((v) => `${v.rule}@${v.line}:${v.column}`)
                .join(', ')
            : ''),
      });
      numbers.safetyScore = round(staticReport.score);
      numbers.staticViolations = staticReport.violations.length;
      if (synthesis && manifestOk) {
        const unused = manifest.permissions.filter((p) => !synthesis.requiredPermissions.includes(p));
        check({
          name: 'least-privilege',
          level: 'basic',
          severity: 'advisory',
          conditions: [CONDITIONS.manual],
          passed: unused.length === 0,
          detail: unused.length
            ? `declares ${unused.join(', ')} but no code path uses ${unused.length > 1 ? 'them' : 'it'}`
            : `every declared permission is used (${manifest.permissions.join(', ') || 'none'})`,
        });
      }
      factors.push({
        name: 'static',
        value: 1 - staticReport.score,
        weight: w.static,
        detail: `1 − safety score ${staticReport.score.toFixed(3)}`,
      });
      if (manifestOk) {
        const perm = permissionRisk(manifest);
        factors.push({
          name: 'permissions',
          value: perm,
          weight: w.permissions,
          detail: `riskiest permission of ${manifest.permissions.join(', ') || 'none'}`,
        });
        const prov = provenanceRisk(manifest.origin);
        factors.push({
          name: 'provenance',
          value: prov.value,
          weight: w.provenance,
          detail: `${prov.key} (${manifest.origin.generator})`,
        });
      }

      const mayRun = manifestOk && (staticReport.safe || request.evidenceWhenUnsafe === true);
      if (mayRun && levelIndex(level) >= levelIndex('standard')) {
        await warmVision();
        const permissions = manifest.permissions;
        const runOnce = async (
          purpose: string,
          kind: Observation['kind'],
          input: Record<string, unknown>,
          screen: VisionImage,
          seed = options.seed,
          now = FIXED_NOW,
        ): Promise<Observation> => {
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

        // ── standard: the capability's test cases on ground-truth screens ───────────────────────────────
        const seen = request.pattern ? ((await deps.seenInputs?.(request.pattern)) ?? []) : [];
        const cases: CapabilityTestCase[] = await buildTestCases(
          capability,
          request.pattern ?? { count: 0 },
          deps.scenes,
          [...(request.inputs ?? []), ...seen],
          request.pattern ? ((await deps.taught?.(request.pattern)) ?? []) : [],
        );
        let passed = 0;
        const failedCases: string[] = [];
        for (const tc of cases) {
          const o = await runOnce(`test: ${tc.name}`, 'test', tc.input, tc.screen);
          const problem =
            statusProblem(o.result) ??
            schemaProblem(manifest.outputSchema, o.result.output) ??
            tc.check(o.result.output);
          if (problem) failedCases.push(`${tc.name}: ${problem}`);
          else passed++;
          sandboxReports.push({ case: tc.name, result: o.result, problem });
        }
        const passRate = cases.length ? passed / cases.length : 0;
        numbers.testCases = cases.length;
        numbers.testsPassed = passed;
        numbers.testPassRate = round(passRate);
        if (cases.length === 0)
          check({
            name: 'tests',
            level: 'standard',
            severity: 'advisory',
            conditions: [CONDITIONS.development, CONDITIONS.manual],
            passed: false,
            detail: `no ground-truth test cases exist for intent ${manifest.intents[0]?.action ?? '?'}/${manifest.intents[0]?.targetKind ?? '?'}: correctness is unproven`,
          });
        else
          check({
            name: 'tests',
            level: 'standard',
            passed: passRate >= options.minTestPassRate,
            detail:
              `${passed}/${cases.length} test cases pass` +
              (failedCases.length ? ` — ${failedCases.slice(0, 5).join('; ')}` : ''),
          });
        factors.push({
          name: 'tests',
          value: 1 - passRate,
          weight: w.tests,
          detail: cases.length
            ? `1 − pass rate ${passRate.toFixed(3)}`
            : 'no test cases: correctness unproven',
        });

        // ── comprehensive: behaviour analysis ──────────────────────────────────────────────────────────
        if (levelIndex(level) >= levelIndex('comprehensive')) {
          const inputs = fuzzInputs(manifest.inputSchema, options.fuzzInputs, options.seed);
          const baseCase = cases[0];
          const baseInput = baseCase?.input ?? inputs[0] ?? {};
          const baseScreen =
            baseCase?.screen ??
            (await memoScene(screenCache, { ...sceneTarget(baseInput), count: 2, seed: options.seed }, deps));

          // Determinism: the same input and screen, with the same injected seed and clock, N times.
          const det: Observation[] = [];
          for (let i = 0; i < options.determinismRuns; i++)
            det.push(await runOnce(`determinism #${i + 1}`, 'determinism', baseInput, baseScreen));
          const fingerprint = (o: Observation) =>
            JSON.stringify([o.result.status, o.result.output ?? o.result.error ?? null, o.actions]);
          const distinct = new Set(det.map(fingerprint));
          // One more run with another seed and day tells whether the output depends on the injected sources.
          const probe = await runOnce(
            'determinism probe (other seed and clock)',
            'probe',
            baseInput,
            baseScreen,
            options.seed + 1,
            FIXED_NOW + DAY_MS,
          );
          const usesInjected = fingerprint(probe) !== fingerprint(det[0]!);
          check({
            name: 'determinism',
            level: 'comprehensive',
            passed: distinct.size === 1,
            detail:
              distinct.size === 1
                ? `${det.length} runs with seed ${options.seed} gave identical output` +
                  (usesInjected ? ' (it depends on the injected sdk.random/sdk.clock, so it replays)' : '')
                : `${det.length} runs with the same input, screen, seed and clock gave ${distinct.size} different outputs, e.g. ${JSON.stringify(det.map((o) => (o.result.output as { answer?: unknown } | undefined)?.answer ?? o.result.status).slice(0, 3)).slice(0, 240)} — randomness or time not taken from sdk.random/sdk.clock`,
          });

          // Robustness: hostile-but-legitimate screens, and inputs drawn from the input schema.
          const crashes: string[] = [];
          const fuzzObs: Observation[] = [];
          // The test cases already ran the empty and no-match screens for the base input: their runs count
          // as that evidence instead of being repeated.
          const testObs = observations.filter((o) => o.kind === 'test');
          const ranAs = (name: string) => {
            const i = cases.findIndex((c) => c.name.startsWith(name) && c.input === baseInput);
            return i >= 0 ? { screen: cases[i]!.screen, obs: testObs[i] } : undefined;
          };
          const empty = cases.length ? ranAs('empty screen') : undefined;
          const none = cases.length ? ranAs('no matches') : undefined;
          const screens = await fuzzScreens(deps.scenes, baseInput, options, screenCache, {
            ...(baseCase ? { light: baseCase.screen } : {}),
            ...(empty ? { empty: empty.screen } : {}),
            ...(none ? { none: none.screen } : {}),
          });
          for (const f of screens) {
            const reused = f.kind === 'empty' ? empty?.obs : f.kind === 'no-matches' ? none?.obs : undefined;
            fuzzObs.push(
              reused
                ? { ...reused, purpose: `fuzz screen: ${f.kind} (test run)` }
                : await runOnce(`fuzz screen: ${f.kind}`, 'fuzz-screen', baseInput, f.screen),
            );
          }
          // Schema-drawn inputs on the base screen: what matters is that no legitimate input breaks the code.
          for (const input of inputs)
            fuzzObs.push(
              await runOnce(`fuzz input: ${JSON.stringify(input)}`, 'fuzz-input', input, baseScreen),
            );
          for (const o of fuzzObs) {
            const s = o.result.status;
            if (s === 'error' || s === 'timeout' || s === 'memory')
              crashes.push(`${o.purpose.replace(/^fuzz /, '')}: ${statusProblem(o.result)}`);
            else if (s === 'ok') {
              const bad = schemaProblem(manifest.outputSchema, o.result.output);
              if (bad) crashes.push(`${o.purpose.replace(/^fuzz /, '')}: outputSchema ${bad}`);
            }
          }
          check({
            name: 'robustness',
            level: 'comprehensive',
            passed: crashes.length === 0,
            detail: crashes.length
              ? `${crashes.length} of ${fuzzObs.length} fuzzed runs crashed, hung or broke the schema — ${crashes.slice(0, 4).join('; ')}`
              : `${fuzzObs.length} fuzzed runs (screens: empty, no-matches, dark, noisy, huge, blank; ${inputs.length} schema-drawn inputs) all completed within the schema`,
          });

          // Side effects: audited host calls against the manifest and the intent.
          const analysisOnly = manifest.intents.every((i) => ANALYSIS_ACTIONS.has(i.action));
          const effects: string[] = [];
          for (const o of observations) {
            for (const v of o.result.violations) effects.push(`${o.purpose}: sandbox violation ${v}`);
            for (const c of o.result.hostCalls)
              if (c.permission !== null && !manifest.permissions.includes(c.permission))
                effects.push(`${o.purpose}: called sdk.${c.method}, which needs undeclared ${c.permission}`);
            if (analysisOnly) {
              const acted = o.result.hostCalls.filter((c) => c.method.startsWith('actions.'));
              if (acted.length || o.actions.length)
                effects.push(
                  `${o.purpose}: an analysis capability (${manifest.intents.map((i) => i.action).join(', ')}) performed ${acted.map((c) => c.method).join(', ') || o.actions.map((a) => a.type).join(', ')}`,
                );
            } else if (o.result.status === 'ok' && o.actions.length) {
              const reported = (o.result.output as { data?: { actions?: unknown } } | undefined)?.data
                ?.actions;
              const n = Array.isArray(reported) ? reported.length : 0;
              if (n < o.actions.length)
                effects.push(
                  `${o.purpose}: performed ${o.actions.length} actions but reported ${n} in data.actions`,
                );
            }
          }
          const uniqueEffects = [...new Set(effects.map((e) => e.replace(/^[^:]+: /, '')))];
          numbers.safetyViolations = effects.length;
          check({
            name: 'side-effects',
            level: 'comprehensive',
            passed: effects.length === 0,
            detail: effects.length
              ? `${effects.length} findings in ${observations.length} runs: ${uniqueEffects.slice(0, 4).join('; ')}`
              : `${observations.length} runs: every host call within ${manifest.permissions.join(', ') || 'no permissions'}` +
                (analysisOnly ? ', no actions performed' : ', every action reported'),
          });

          // Output validation: every output of every successful run.
          const outputIssues: string[] = [];
          let validated = 0;
          for (const o of observations) {
            if (o.result.status !== 'ok') continue;
            validated++;
            for (const p of outputProblems(manifest.outputSchema, o.result.output))
              outputIssues.push(`${o.purpose}: ${p}`);
          }
          check({
            name: 'output-validation',
            level: 'comprehensive',
            passed: outputIssues.length === 0 && validated > 0,
            detail: outputIssues.length
              ? `${outputIssues.length} problems — ${outputIssues.slice(0, 4).join('; ')}`
              : validated
                ? `${validated} outputs match outputSchema, answers non-empty and consistent with data`
                : 'no run produced an output to validate',
          });

          // Secrets: anything secret-shaped in outputs or log lines.
          const secrets = findSecrets(
            observations.flatMap((o) => [
              { where: `${o.purpose} output`, value: o.result.output },
              { where: `${o.purpose} log`, value: o.logs },
            ]),
          );
          numbers.secretFindings = secrets.length;
          numbers.safetyViolations += secrets.length;
          check({
            name: 'secrets',
            level: 'comprehensive',
            passed: secrets.length === 0,
            detail: secrets.length
              ? `secret-shaped strings in ${secrets.length} places: ${[...new Set(secrets.map((s) => `${s.kind} in ${s.where}`))].slice(0, 4).join('; ')}`
              : `no secret-shaped string in ${observations.length} outputs and their logs`,
          });

          // Resources: the worst run against the manifest limits, with headroom.
          const all = observations.map((o) => o.result.resources);
          const maxMem = Math.max(0, ...all.map((r) => r.peakMemoryMb));
          const maxWall = Math.max(0, ...all.map((r) => r.wallMs));
          const maxCpu = Math.max(0, ...all.map((r) => r.cpuMs));
          const memShare = maxMem / manifest.limits.memoryMb;
          const wallShare = maxWall / manifest.limits.timeoutMs;
          const cpuShare = maxCpu / manifest.limits.timeoutMs;
          Object.assign(numbers, {
            runs: observations.length,
            maxPeakMemoryMb: round(maxMem, 2),
            maxWallMs: round(maxWall, 1),
            maxCpuMs: round(maxCpu, 1),
            memoryShare: round(memShare),
            wallShare: round(wallShare),
            cpuShare: round(cpuShare),
          });
          const over: string[] = [];
          if (memShare > options.maxMemoryShare)
            over.push(
              `peak memory ${maxMem.toFixed(1)} MB is ${pct(memShare)} of ${manifest.limits.memoryMb} MB`,
            );
          if (cpuShare > options.maxTimeShare)
            over.push(
              `CPU time ${maxCpu.toFixed(0)} ms is ${pct(cpuShare)} of the ${manifest.limits.timeoutMs} ms timeout`,
            );
          check({
            name: 'resources',
            level: 'comprehensive',
            severity: 'advisory',
            conditions: [CONDITIONS.canary, CONDITIONS.manual],
            passed: over.length === 0,
            detail: over.length
              ? `over the ${pct(options.maxMemoryShare)} memory / ${pct(options.maxTimeShare)} time headroom: ${over.join('; ')}`
              : `worst run: ${maxMem.toFixed(2)} MB of ${manifest.limits.memoryMb} MB, ${maxCpu.toFixed(0)} ms CPU (${maxWall.toFixed(0)} ms wall) of ${manifest.limits.timeoutMs} ms`,
          });
          factors.push({
            name: 'resources',
            value: Math.max(memShare, cpuShare),
            weight: w.resources,
            detail: `highest share of a limit: ${pct(Math.max(memShare, cpuShare))}`,
          });

          // Performance: the typical run's own CPU (huge screens excluded: they are a robustness probe).
          const typical = observations.filter(
            (o) => o.purpose !== 'fuzz screen: huge' && o.result.status === 'ok',
          );
          const medCpu = median(typical.map((o) => o.result.resources.cpuMs));
          const medWall = median(typical.map((o) => o.result.resources.wallMs));
          numbers.medianCpuMs = round(medCpu, 2);
          numbers.medianWallMs = round(medWall, 2);
          check({
            name: 'performance',
            level: 'comprehensive',
            severity: 'advisory',
            conditions: [CONDITIONS.canary, CONDITIONS.manual],
            passed: medCpu <= options.cpuBudgetMs,
            detail: `median CPU ${medCpu.toFixed(1)} ms (budget ${options.cpuBudgetMs} ms), median wall ${medWall.toFixed(1)} ms, over ${typical.length} runs`,
          });

          const behaviour = checks.filter((c) =>
            ['determinism', 'robustness', 'side-effects', 'output-validation', 'secrets'].includes(c.name),
          );
          factors.push({
            name: 'behaviour',
            value: behaviour.filter((c) => !c.passed).length / behaviour.length,
            weight: w.behaviour,
            detail: `${behaviour.filter((c) => !c.passed).length} of ${behaviour.length} behaviour checks failed`,
          });

          // ── production: benchmark against budgets and against the live version ─────────────────────
          if (level === 'production' && deps.benchmark) {
            const bench = await deps.benchmark(capability);
            const base = await deps.baseline?.(capability);
            const p99 = bench.latency.p99;
            Object.assign(numbers, {
              benchmarkP99Ms: round(p99, 3),
              benchmarkErrorRate: round(bench.errorRate, 4),
              ...(bench.leak.slopeKbPerIter !== undefined
                ? { leakSlopeKbPerIter: round(bench.leak.slopeKbPerIter, 3) }
                : {}),
            });
            check({
              name: 'benchmark-latency',
              level: 'production',
              severity: 'advisory',
              conditions: [CONDITIONS.canary, CONDITIONS.manual],
              passed: p99 <= options.p99BudgetMs,
              detail: `p99 ${p99.toFixed(2)} ms (budget ${options.p99BudgetMs} ms)`,
            });
            check({
              name: 'benchmark-errors',
              level: 'production',
              passed: bench.errorRate <= options.maxErrorRate,
              detail: `error rate ${pct(bench.errorRate)} (budget ${pct(options.maxErrorRate)})`,
            });
            check({
              name: 'benchmark-leak',
              level: 'production',
              severity: 'advisory',
              conditions: [CONDITIONS.canary, CONDITIONS.manual],
              passed: !bench.leak.suspected,
              detail: bench.leak.suspected
                ? `memory grows across iterations (${bench.leak.slopeKbPerIter?.toFixed(1) ?? '?'} KB/iteration)`
                : 'no memory growth across iterations',
            });
            if (base && deps.compare) {
              let r = deps.compare(bench, base);
              let detail = `${r.verdict} against the live version: ${r.detail}`;
              // The two runs were measured one after the other: on a machine whose load changes (a learner
              // shares it with serving) the later one can look slower for that alone. A 'regressed' verdict
              // is confirmed by measuring both again in the opposite order, so drift favours the candidate
              // this time; only a slowdown seen both ways counts.
              if (r.verdict === 'regressed' && deps.baseline) {
                const base2 = await deps.baseline(capability);
                const bench2 = base2 ? await deps.benchmark(capability) : undefined;
                if (base2 && bench2) {
                  const again = deps.compare(bench2, base2);
                  detail =
                    again.verdict === 'regressed'
                      ? `regressed against the live version, confirmed with the order reversed: ${r.detail}; then ${again.detail}`
                      : `not confirmed: measured first, it looked slower (${r.detail}); measured second, ${again.verdict} (${again.detail})`;
                  r = again.verdict === 'regressed' ? r : again;
                }
              }
              numbers.baselineP99Ms = round(base.latency.p99, 3);
              check({
                name: 'regression',
                level: 'production',
                severity: 'advisory',
                conditions: [CONDITIONS.canary, CONDITIONS.manual],
                passed: r.verdict !== 'regressed',
                detail,
              });
            } else if (base) {
              const tol = options.regressionTolerance;
              // A sub-millisecond p99 jitters by more than any share of itself: 1 ms of slack.
              const p99Limit = base.latency.p99 * (1 + tol) + 1;
              const errLimit = base.errorRate * (1 + tol) + options.maxErrorRate / 10;
              const worse: string[] = [];
              if (p99 > p99Limit)
                worse.push(`p99 ${p99.toFixed(2)} ms vs live ${base.latency.p99.toFixed(2)} ms`);
              if (bench.errorRate > errLimit)
                worse.push(`error rate ${pct(bench.errorRate)} vs live ${pct(base.errorRate)}`);
              numbers.baselineP99Ms = round(base.latency.p99, 3);
              check({
                name: 'regression',
                level: 'production',
                severity: 'advisory',
                conditions: [CONDITIONS.canary, CONDITIONS.manual],
                passed: worse.length === 0,
                detail: worse.length
                  ? `regressed against the live version (tolerance ${pct(tol)}): ${worse.join('; ')}`
                  : `within ${pct(tol)} of the live version (p99 ${base.latency.p99.toFixed(2)} ms)`,
              });
            } else
              check({
                name: 'regression',
                level: 'production',
                passed: true,
                detail: 'no live version of this pattern to compare with',
              });
            factors.push({
              name: 'performance',
              value: p99 / options.p99BudgetMs,
              weight: w.performance,
              detail: `benchmark p99 / budget = ${(p99 / options.p99BudgetMs).toFixed(2)}`,
            });
          } else
            factors.push({
              name: 'performance',
              value: medCpu / options.cpuBudgetMs,
              weight: w.performance,
              detail: `median CPU / budget = ${(medCpu / options.cpuBudgetMs).toFixed(2)}`,
            });
        }
      }

      const score = riskScore(factors);
      const { decision, conditions, reasons } = decide({
        level,
        checks,
        riskScore: score,
        manifest: {
          permissions: declared,
          origin: manifest?.origin ?? { kind: 'imported', generator: 'unknown', failureIds: [] },
        },
        options,
      });
      numbers.durationMs = round(performance.now() - t0, 1);
      const report: DetailedVerificationReport = {
        level,
        passed: checks.every((c) => c.passed),
        decision,
        riskScore: score,
        checks,
        conditions,
        reasons,
        factors: factors.map((f) => ({ ...f, value: round(Math.min(1, Math.max(0, f.value))) })),
        numbers,
        capability: { id: String(manifest?.id), version: Number(manifest?.version) },
      };
      return {
        report,
        synthesis: staticReport,
        sandboxReports,
        runs: observations.map((o) => ({
          purpose: o.purpose,
          status: o.result.status,
          wallMs: round(o.result.resources.wallMs, 2),
          cpuMs: round(o.result.resources.cpuMs, 2),
          peakMemoryMb: o.result.resources.peakMemoryMb,
          hostCalls: o.result.hostCalls.length,
          problem: statusProblem(o.result),
        })),
      };
    },
  };
}

function memoScene(
  cache: Map<string, Promise<VisionImage>>,
  spec: Parameters<TestScenePort['countScene']>[0],
  deps: Pick<VerifierDeps, 'scenes'>,
): Promise<VisionImage> {
  const key = JSON.stringify({ count: spec });
  let p = cache.get(key);
  if (!p) {
    p = deps.scenes.countScene(spec);
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

/**
 * The pipeline's verifier (pipeline/ CandidateVerifier): runs `deps.level` (default `comprehensive`) for a
 * generated candidate and its pattern. Drop-in for the previous basic+standard verifier.
 */
export function createCandidateVerifier(deps: VerifierDeps): CandidateVerifier {
  const verifier = createVerifier(deps);
  const level = deps.level ?? 'comprehensive';
  return {
    async verify(capability: Capability, pattern: Pattern) {
      const out = await verifier.verify(capability, { level, pattern });
      return { synthesis: out.synthesis, verification: out.report, sandboxReports: out.sandboxReports };
    },
  };
}
