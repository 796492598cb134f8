import { ACTING_ACTIONS } from '../domain/index.js';
import { findSecrets, outputProblems } from './output-checks.js';
import type { RiskFactor } from './risk.js';
import type { VerificationOptions } from './options.js';
import type { VerificationState } from './verification-run.js';
import { advisoryCheck, median, pct, round } from './verification-run.js';

/**
 * The comprehensive level's checks on the runs already made: side effects against the manifest and the
 * intent, outputs against the schema, secrets in outputs and logs, resources against the limits, and CPU
 * against its budget; then the behaviour risk factor. Returns the median CPU time of a typical run.
 */
export function observationChecks(state: VerificationState): number {
  const { capability, check, checks, factors, numbers, observations, options } = state;
  const manifest = capability.manifest;
  const w = options.weights;
  // Side effects: audited host calls against the manifest and the intent.
  // Intents that only look at the screen: a capability serving only these must never act on it.
  const analysisOnly = manifest.intents.every((i) => !ACTING_ACTIONS.has(i.action));
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
      const reported = (o.result.output as { data?: { actions?: unknown } } | undefined)?.data?.actions;
      const n = Array.isArray(reported) ? reported.length : 0;
      if (n < o.actions.length)
        effects.push(`${o.purpose}: performed ${o.actions.length} actions but reported ${n} in data.actions`);
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
    over.push(`peak memory ${maxMem.toFixed(1)} MB is ${pct(memShare)} of ${manifest.limits.memoryMb} MB`);
  if (cpuShare > options.maxTimeShare)
    over.push(
      `CPU time ${maxCpu.toFixed(0)} ms is ${pct(cpuShare)} of the ${manifest.limits.timeoutMs} ms timeout`,
    );
  check(
    advisoryCheck({
      name: 'resources',
      level: 'comprehensive',
      passed: over.length === 0,
      detail: over.length
        ? `over the ${pct(options.maxMemoryShare)} memory / ${pct(options.maxTimeShare)} time headroom: ${over.join('; ')}`
        : `worst run: ${maxMem.toFixed(2)} MB of ${manifest.limits.memoryMb} MB, ${maxCpu.toFixed(0)} ms CPU (${maxWall.toFixed(0)} ms wall) of ${manifest.limits.timeoutMs} ms`,
    }),
  );
  factors.push({
    name: 'resources',
    value: Math.max(memShare, cpuShare),
    weight: w.resources,
    detail: `highest share of a limit: ${pct(Math.max(memShare, cpuShare))}`,
  });

  // Performance: the typical run's own CPU (huge screens excluded: they are a robustness probe).
  const typical = observations.filter((o) => o.purpose !== 'fuzz screen: huge' && o.result.status === 'ok');
  const medCpu = median(typical.map((o) => o.result.resources.cpuMs));
  const medWall = median(typical.map((o) => o.result.resources.wallMs));
  numbers.medianCpuMs = round(medCpu, 2);
  numbers.medianWallMs = round(medWall, 2);
  check(
    advisoryCheck({
      name: 'performance',
      level: 'comprehensive',
      passed: medCpu <= options.cpuBudgetMs,
      detail: `median CPU ${medCpu.toFixed(1)} ms (budget ${options.cpuBudgetMs} ms), median wall ${medWall.toFixed(1)} ms, over ${typical.length} runs`,
    }),
  );

  const behaviour = checks.filter((c) =>
    ['determinism', 'robustness', 'side-effects', 'output-validation', 'secrets'].includes(c.name),
  );
  factors.push({
    name: 'behaviour',
    value: behaviour.filter((c) => !c.passed).length / behaviour.length,
    weight: w.behaviour,
    detail: `${behaviour.filter((c) => !c.passed).length} of ${behaviour.length} behaviour checks failed`,
  });
  return medCpu;
}

/** Without a benchmark (below production), performance risk is the typical run's CPU against its budget. */
export function cpuPerformanceFactor(medCpu: number, options: VerificationOptions): RiskFactor {
  return {
    name: 'performance',
    value: medCpu / options.cpuBudgetMs,
    weight: options.weights.performance,
    detail: `median CPU / budget = ${(medCpu / options.cpuBudgetMs).toFixed(2)}`,
  };
}
