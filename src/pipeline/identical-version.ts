import type { Capability } from '../domain/index.js';
import { newId } from '../domain/index.js';
import type { Job, Store } from '../store/index.js';
import type { Outcome } from './jobs.js';
import { completeUnderLease } from './jobs.js';

/** What would help a pattern whose generator can only write what it already wrote. */
export const WHAT_HELPS =
  'a demonstration of what should happen (`ironcliw teach "<command>" --screen s.png --demo …` or --expect) ' +
  'or an LLM generator (config llm.enabled) could write a different version';

/** The parts of a capability that change what it does: its code and what its manifest routes and allows. */
function behaviourOf(c: Capability): string {
  const m = c.manifest;
  return JSON.stringify([
    c.code,
    m.intents,
    m.permissions,
    m.inputSchema,
    m.outputSchema,
    m.limits,
    m.combines ?? null,
  ]);
}

/**
 * A candidate that would change nothing: the stored version of the same capability whose code and
 * manifest behaviour (intents, permissions, schemas, limits) are identical, with what became of it.
 */
export async function identicalVersion(
  store: Store,
  capability: Capability,
): Promise<{ version: number; stage: string } | undefined> {
  const id = capability.manifest.id;
  const versions = await store.capabilities.versions(id);
  if (!versions.length) return undefined;
  const rollout = await store.rollouts.get(id);
  const events = await store.events.list({ capabilityId: id });
  const target = behaviourOf(capability);
  for (const m of [...versions].sort((a, b) => b.version - a.version)) {
    if (m.version === capability.manifest.version) continue;
    const stored = await store.capabilities.get(id, m.version);
    if (!stored || behaviourOf({ manifest: stored.manifest, code: stored.code }) !== target) continue;
    const rolledBack = events.some((e) => e.version === m.version && e.kind === 'rollback');
    const stage = rollout?.version === m.version ? rollout.stage : rolledBack ? 'rolled_back' : 'superseded';
    return { version: m.version, stage };
  }
  return undefined;
}

/**
 * Stores that an evolution produced nothing new: the job is done with that result, a `reject` decision
 * names the identical version, and the pattern says why and what would help. Nothing is registered.
 */
export async function recordUnchanged(
  o: {
    store: Store;
    workerId: string;
    at: string;
    log?: (msg: string, data?: Record<string, unknown>) => void;
  },
  job: Job,
  patternId: string,
  capability: Capability,
  same: { version: number; stage: string },
  generator: string,
): Promise<Outcome> {
  const m = capability.manifest;
  const reason =
    `v${m.version} not registered: ${generator} wrote the same module and manifest as v${same.version} ` +
    `(${same.stage}); a version that changes nothing is not a version — ${WHAT_HELPS}`;
  const result = { rejected: 'identical', identicalTo: same.version };
  await o.store.transaction(async (tx) => {
    await completeUnderLease(tx, job, o.workerId, result);
    await tx.events.append({
      id: newId('evt'),
      at: o.at,
      capabilityId: m.id,
      version: m.version,
      kind: 'reject',
      reason,
      numbers: { identicalTo: same.version },
      actor: 'system',
    });
    await tx.patterns.setStatus(patternId, 'generated', reason.slice(0, 500), m.id);
  });
  o.log?.('evolution produced an identical candidate', {
    capabilityId: m.id,
    version: m.version,
    identicalTo: same.version,
  });
  return { result, completed: true };
}
