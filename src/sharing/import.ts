import type { Capability, RolloutStage, VerificationLevel } from '../domain/index.js';
import { IroncliwError } from '../domain/index.js';
import type { BenchmarkRun } from '../benchmark/index.js';
import { BUILTIN_CAPABILITIES } from '../capabilities/index.js';
import { registerCapability, rejectCandidate } from '../pipeline/index.js';
import type { Store } from '../store/index.js';
import { synthesize } from '../synthesis/index.js';
import type { DetailedVerificationReport, VerificationService } from '../verification/index.js';
import { loadOrCreateSigningKey, loadTrustedKeys, openBundle } from './bundle.js';

export interface ImportOutcome {
  capabilityId: string;
  version: number;
  keyId: string;
  decision: 'approve' | 'conditional' | 'reject';
  reasons: string[];
  stage: RolloutStage | null;
  /**
   * When the id was already learned here: the version the import follows and where its rollout stood. The
   * import is a new version of it (never a replacement in place); the previous version stays the stable one
   * if it reached production, and the rollout gate decides who gets the new one.
   */
  previous: { version: number; stage: RolloutStage | null } | null;
  /** Conditions verification attached (e.g. `manual-promotion` for imported code): see `rollout show`. */
  conditions: string[];
}

export interface BundleImportDeps {
  store: Store;
  /** Where the trusted public keys (and this deployment's own signing key) are (config sharing.keysDir). */
  keysDir: string;
  verify: VerificationService['verify'];
  /** The level an import is verified at (config pipeline.verificationLevel, as for learned capabilities). */
  level: VerificationLevel;
  /** Called after a capability was registered so routing tables reload. */
  onRegistered(): Promise<void>;
}

/**
 * Imports a signed capability bundle: checks its hash and signature against the trusted keys, then puts it
 * through this deployment's own static gate and verification, and registers it with the same transaction
 * as a learned capability. Whatever its origin claims, an accepted capability starts in `development` as
 * `imported`, as the next version of its id.
 */
export async function importBundle(deps: BundleImportDeps, value: unknown): Promise<ImportOutcome> {
  const { store } = deps;
  const keys = { dir: deps.keysDir };
  const opened = openBundle(value, loadTrustedKeys(keys, loadOrCreateSigningKey(keys)));
  const sent = opened.capability.manifest;
  // Built-in ids are reserved: an import under one would shadow the built-in's routing (issue 16).
  if (BUILTIN_CAPABILITIES.some((b) => b.manifest.id === sent.id))
    throw new IroncliwError(
      'E_ID_RESERVED',
      `bundle from key ${opened.keyId} names "${sent.id.slice(0, 80)}", the id of a built-in capability`,
    );
  // An existing learned id: the import is the next version of it, beside the versions already stored.
  const existing = await store.capabilities.versions(sent.id);
  const latest = existing.reduce((n, m) => Math.max(n, m.version), 0);
  const version = latest + 1;
  const previousRollout = latest ? await store.rollouts.get(sent.id) : undefined;
  const previous = latest
    ? {
        version: previousRollout?.version ?? latest,
        stage: previousRollout ? previousRollout.stage : null,
      }
    : null;
  // A version still rolling out would lose its users to the import without anyone deciding it: refuse.
  const rolling: RolloutStage[] = ['development', 'canary', 'beta', 'gradual', 'paused'];
  if (previousRollout && rolling.includes(previousRollout.stage))
    throw new IroncliwError(
      'E_STATE_CONFLICT',
      `${sent.id.slice(0, 80)} v${previousRollout.version} is still rolling out (${previousRollout.stage}); an import would replace it`,
      {
        hint: `Finish its rollout (ironcliw rollout promote) or roll it back (ironcliw rollout rollback ${sent.id.slice(0, 80)}) first; the import then becomes v${version}.`,
      },
    );
  // The sender's claims (origin, version, reports) are not evidence here: this deployment checks again.
  const manifest = {
    ...sent,
    version,
    origin: {
      kind: 'imported' as const,
      generator: `bundle:${opened.keyId}:${sent.origin.generator}`.slice(0, 200),
      failureIds: [],
    },
  };
  const synthesized = synthesize(opened.capability.code, {
    permissions: manifest.permissions,
    inputSchema: manifest.inputSchema,
    outputSchema: manifest.outputSchema,
  });
  const capability: Capability = { manifest, code: synthesized.code };
  const at = new Date().toISOString();
  const base = { capabilityId: manifest.id, version, keyId: opened.keyId };
  let report: DetailedVerificationReport | undefined;
  let benchmarks: BenchmarkRun[] = [];
  if (synthesized.report.safe) ({ report, benchmarks } = await deps.verify(capability, deps.level));
  const decision = report ? report.decision : 'reject';
  const reasons = report
    ? report.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`)
    : synthesized.report.violations.map((v) => `${v.rule}: ${v.message}`);
  const numbers = {
    safetyScore: synthesized.report.score,
    violations: synthesized.report.violations.length,
    ...(report ? { riskScore: report.riskScore } : {}),
    senderReports: opened.reports.length,
    ...(previous ? { previousVersion: previous.version } : {}),
  };
  const follows = !previous
    ? ''
    : previous.stage === 'production'
      ? `; a new version of the learned ${manifest.id}: v${previous.version} (production) stays the stable version for everyone the rollout gate does not admit to v${version}`
      : `; a new version of the learned ${manifest.id} (v${previous.version} is ${previous.stage ?? 'not rolled out'})`;
  if (!report || decision === 'reject') {
    await rejectCandidate(store, {
      capability,
      at,
      synthesis: synthesized.report,
      ...(report ? { verification: report } : {}),
      reason: `import from key ${opened.keyId} rejected: ${reasons.join('; ').slice(0, 1000)}`,
      numbers,
    });
  } else {
    await registerCapability(store, {
      capability,
      at,
      synthesis: synthesized.report,
      verification: report,
      benchmarkReports: benchmarks,
      numbers,
      approveReason: `imported from key ${opened.keyId}; verification ${decision} at level ${report.level}${follows}`,
      registerReason: `imported capabilities start in development (internal group only), whatever their origin claims${report.conditions.length ? `; conditions ${report.conditions.join(', ')}` : ''}${follows}`,
    });
    await deps.onRegistered();
  }
  return {
    ...base,
    decision,
    reasons,
    stage: decision === 'reject' ? null : 'development',
    previous,
    conditions: report?.conditions ?? [],
  };
}
