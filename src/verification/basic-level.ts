import type { IroncliwError, Permission, SynthesisReport } from '../domain/index.js';
import { validateManifest } from '../capabilities/index.js';
import type { SynthesisAnalysis } from '../synthesis/index.js';
import { analyze } from '../synthesis/index.js';
import { CONDITIONS, permissionRisk, provenanceRisk } from './risk.js';
import type { VerificationState } from './verification-run.js';
import { round } from './verification-run.js';

/**
 * The basic level: the manifest against its schema, the static safety gate, least privilege, and the risk
 * factors known without running anything (static score, permissions, provenance). Nothing runs here.
 */
export function basicLevel(
  state: VerificationState,
  declared: Permission[],
): { manifestOk: boolean; staticReport: SynthesisReport } {
  const { capability, check, factors, numbers, options } = state;
  const manifest = capability.manifest;
  const w = options.weights;
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
  return { manifestOk, staticReport };
}
