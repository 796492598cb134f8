import type { Capability, DecisionEvent, SynthesisReport, VerificationReport } from '../domain/index.js';
import { newId } from '../domain/index.js';
import type { ReportKind, Store } from '../store/index.js';
import type { StoreTx } from './jobs.js';

/** A verified capability version and the evidence and decisions stored with it. */
export interface Registration {
  capability: Capability;
  /** ISO-8601 time of every row written. */
  at: string;
  synthesis: SynthesisReport;
  verification: VerificationReport;
  /** The standard level's sandbox results, one `sandbox` report each. */
  sandboxReports?: readonly unknown[];
  /** Benchmark runs made while verifying (production level), one `benchmark` report each. */
  benchmarkReports?: readonly unknown[];
  /** Why it is approved (the `approve` decision). */
  approveReason: string;
  /** Why it enters development (the `register` decision). */
  registerReason: string;
  /** The numbers both decisions carry. */
  numbers: Record<string, number>;
  /** In the transaction, before anything is written (the pipeline's lease fence: a throw writes nothing). */
  first?: (tx: StoreTx) => Promise<void>;
  /** In the transaction, right after the capability row (the pipeline's crash point). */
  afterCapability?: () => Promise<void>;
  /** In the transaction, last (the pipeline marks the pattern generated). */
  last?: (tx: StoreTx) => Promise<void>;
}

/**
 * Registers a verified capability version — learned by the pipeline or imported from a bundle — in one
 * transaction, so a crash never leaves it half-registered: the capability, its synthesis, sandbox, benchmark
 * and verification reports, the `approve` and `register` decisions, and its rollout in `development` (the
 * internal group only; the rollout engine takes it from there). Returns the `register` decision.
 */
export async function registerCapability(store: Store, r: Registration): Promise<DecisionEvent> {
  const { id, version } = r.capability.manifest;
  const { at, numbers } = r;
  const event: DecisionEvent = {
    id: newId('evt'),
    at,
    capabilityId: id,
    version,
    kind: 'register',
    toStage: 'development',
    reason: r.registerReason,
    numbers,
    actor: 'system',
  };
  const report = (kind: ReportKind, body: unknown) => ({
    id: newId('rep'),
    capabilityId: id,
    version,
    kind,
    at,
    report: body,
  });
  await store.transaction(async (tx) => {
    await r.first?.(tx);
    await tx.capabilities.put(r.capability);
    await r.afterCapability?.();
    await tx.reports.add(report('synthesis', r.synthesis));
    for (const s of r.sandboxReports ?? []) await tx.reports.add(report('sandbox', s));
    for (const b of r.benchmarkReports ?? []) await tx.reports.add(report('benchmark', b));
    await tx.reports.add(report('verification', r.verification));
    await tx.events.append({
      id: newId('evt'),
      at,
      capabilityId: id,
      version,
      kind: 'approve',
      reason: r.approveReason,
      numbers,
      actor: 'system',
    });
    await tx.events.append(event);
    await tx.rollouts.save({
      id: newId('rol'),
      capabilityId: id,
      version,
      stage: 'development',
      percentage: 0,
      rolloutKey: `${id}:v${version}`,
      stageEnteredAt: at,
      updatedAt: at,
    });
    await r.last?.(tx);
  });
  return event;
}

/** A candidate refused by the static gate or by verification, with what refused it. */
export interface Rejection {
  capability: Capability;
  at: string;
  synthesis: SynthesisReport;
  /** Absent when the static gate refused it before verification ran. */
  verification?: VerificationReport;
  reason: string;
  numbers: Record<string, number>;
  /** In the transaction, before anything is written (the pipeline's lease fence). */
  first?: (tx: StoreTx) => Promise<void>;
}

/**
 * Stores a refused candidate's reports and the `reject` decision in one transaction; nothing is registered.
 * A candidate generated for a pattern marks the pattern rejected with the reason (imports name no pattern).
 */
export async function rejectCandidate(store: Store, r: Rejection): Promise<void> {
  const m = r.capability.manifest;
  const { at } = r;
  await store.transaction(async (tx) => {
    await r.first?.(tx);
    const base = { capabilityId: m.id, version: m.version, at };
    await tx.reports.add({ id: newId('rep'), ...base, kind: 'synthesis', report: r.synthesis });
    if (r.verification)
      await tx.reports.add({ id: newId('rep'), ...base, kind: 'verification', report: r.verification });
    await tx.events.append({
      id: newId('evt'),
      ...base,
      kind: 'reject',
      reason: r.reason,
      numbers: r.numbers,
      actor: 'system',
    });
    if (m.origin.patternId)
      await tx.patterns.setStatus(m.origin.patternId, 'rejected', r.reason.slice(0, 500));
  });
}

/**
 * Issue 15 item 4: when the version a registration replaces stands rolled back by a person, the new one
 * waits for a person (the rollout gate derives the same from the events); this is the line that says so.
 */
export async function replacesHumanRollback(store: Store, capabilityId: string): Promise<string | undefined> {
  const current = await store.rollouts.get(capabilityId);
  if (current?.stage !== 'rolled_back') return undefined;
  const rollback = (await store.events.list({ capabilityId }))
    .filter((e) => e.version === current.version && e.kind === 'rollback')
    .at(-1);
  if (rollback?.actor !== 'user') return undefined;
  return (
    `v${current.version} was rolled back by ${rollback.by ?? 'a person'}: this version is served to the ` +
    `internal group only and waits for a person's promotion`
  );
}
