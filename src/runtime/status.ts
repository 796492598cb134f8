import type { RolloutStage } from '../domain/index.js';
import { BUILTIN_CAPABILITIES } from '../capabilities/index.js';
import type { SandboxLayerInfo, SandboxTier } from '../sandbox/index.js';
import type { Store } from '../store/index.js';
import { sandboxLayers } from './health.js';

export interface AutonomousCapabilitiesStatus {
  generationStats: {
    /** Capability versions generated from failures (not built-in, not imported). */
    totalGenerated: number;
    byGenerator: Record<string, number>;
    patterns: number;
    patternsByStatus: Record<string, number>;
    /** Of the patterns that went through generation, the share that produced a registered capability. */
    successShare: number | null;
    /** Median time from a pattern's generation job being queued to its candidate being decided. */
    medianPatternToDecisionMs: number | null;
  };
  verificationStats: {
    byDecision: Record<string, number>;
    topViolations: Array<{ rule: string; count: number }>;
  };
  rolloutStatus: {
    active: number;
    byStage: Partial<Record<RolloutStage, number>>;
    rolledBack: number;
    promotions: number;
  };
  failureStats: { total: number; recentByCategory: Record<string, number> };
  capabilities: { builtin: number; learned: number };
  /** This node's sandbox tier and its isolation layers, active or not and why (docs/sandbox.md). */
  sandbox?: { tier: string; layers: SandboxLayerInfo[] };
}

const tally = <T>(items: T[], key: (t: T) => string | undefined): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) out[k] = (out[k] ?? 0) + 1;
  }
  return out;
};

const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};

/** The numbers behind `status`, `GET /v1/status` and the dashboard — all read from the store. */
async function computeStatus(store: Store): Promise<AutonomousCapabilitiesStatus> {
  const [caps, rollouts, patterns, failures, recentFailures, events, jobs] = await Promise.all([
    store.capabilities.list(),
    store.rollouts.list(),
    store.patterns.list(),
    store.failures.count(),
    store.failures.list({ limit: 1000 }),
    store.events.list({ limit: 5000 }),
    store.jobs.list({ status: 'done', limit: 1000 }),
  ]);
  const decided = patterns.filter((p) => p.status === 'generated' || p.status === 'rejected');
  // Reports of the most recent decisions: which verification outcome, which static rules fired.
  const recentIds = [...new Set(events.map((e) => e.capabilityId))].slice(0, 100);
  const reports = (await Promise.all(recentIds.map((id) => store.reports.list(id)))).flat();
  const verifications = reports
    .filter((r) => r.kind === 'verification')
    .map((r) => r.report as { decision?: string });
  const violations = reports
    .filter((r) => r.kind === 'synthesis')
    .flatMap((r) => (r.report as { violations?: Array<{ rule: string }> }).violations ?? []);
  const inactive: RolloutStage[] = ['rolled_back', 'retired'];
  return {
    generationStats: {
      totalGenerated: caps.filter((c) => c.manifest.origin.kind === 'generated').length,
      byGenerator: tally(caps, (c) => c.manifest.origin.generator),
      patterns: patterns.length,
      patternsByStatus: tally(patterns, (p) => p.status),
      successShare: decided.length
        ? decided.filter((p) => p.status === 'generated').length / decided.length
        : null,
      medianPatternToDecisionMs: median(
        jobs.map((j) => Date.parse(j.updatedAt) - Date.parse(j.createdAt)).filter((x) => x >= 0),
      ),
    },
    verificationStats: {
      byDecision: tally(verifications, (v) => v.decision),
      topViolations: Object.entries(tally(violations, (v) => v.rule))
        .map(([rule, count]) => ({ rule, count }))
        .sort((a, b) => b.count - a.count)
        .slice(0, 5),
    },
    rolloutStatus: {
      active: rollouts.filter((r) => !inactive.includes(r.stage)).length,
      byStage: tally(rollouts, (r) => r.stage) as Partial<Record<RolloutStage, number>>,
      rolledBack: events.filter((e) => e.kind === 'rollback').length,
      promotions: events.filter((e) => e.kind === 'promote').length,
    },
    failureStats: { total: failures, recentByCategory: tally(recentFailures, (f) => f.category) },
    capabilities: { builtin: BUILTIN_CAPABILITIES.length, learned: caps.length },
  };
}

/** The status of this node: the store's numbers plus its sandbox tier and isolation layers. */
export async function capabilitiesStatus(
  store: Store,
  sandbox: SandboxTier,
): Promise<AutonomousCapabilitiesStatus> {
  const [status, layers] = await Promise.all([computeStatus(store), sandboxLayers(sandbox)]);
  return { ...status, sandbox: { tier: sandbox.name, layers } };
}
