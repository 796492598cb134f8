import type { SandboxLayerInfo, SandboxTier } from '../sandbox/index.js';
import type { Store } from '../store/index.js';

/** How long one health check may take before it counts as failed (a probe must answer promptly). */
export const HEALTH_CHECK_TIMEOUT_MS = 2000;

export interface HealthCheck {
  ok: boolean;
  /** How long the check took (up to the timeout). */
  ms: number;
  /** Why it failed: the error's code and message, or the timeout. */
  error?: string;
}

/**
 * What a load balancer or orchestrator needs to know about this node, cheaply (one `select 1`, one look at
 * the sandbox pool: nothing that grows with the data, unlike /v1/status).
 *
 * - `ok`: the database and the sandbox answer.
 * - `degraded`: the shared database does not. The node still answers commands its capabilities handle
 *   (from the in-memory routing table) and refuses the rest with 503 E_DB_UNAVAILABLE; every node sees the
 *   same outage, so taking them all out of rotation would only turn a partial outage into a full one.
 * - `failing`: this node cannot serve — it is closed, or its sandbox cannot run learned capabilities. Its
 *   peers can: route elsewhere (HTTP 503).
 */
export interface HealthReport {
  status: 'ok' | 'degraded' | 'failing';
  checks: {
    store: HealthCheck & { dialect: Store['dialect'] };
    /**
     * `layers`: each isolation layer of the tier on this machine and whether it is active (an operator who
     * accepted a missing wall, e.g. `sandbox.allowSharedNetwork`, sees it here as inactive).
     */
    sandbox: HealthCheck & { tier: SandboxTier['name']; layers: SandboxLayerInfo[] };
  };
}

async function timed(run: () => Promise<string | undefined>, timeoutMs: number): Promise<HealthCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  let error: string | undefined;
  try {
    error = await Promise.race([run(), timeout]);
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    error = typeof e?.code === 'string' ? `${e.code}: ${String(e.message)}` : String(err);
  } finally {
    clearTimeout(timer);
  }
  const ms = Math.round((performance.now() - started) * 100) / 100;
  return error === undefined ? { ok: true, ms } : { ok: false, ms, error: error.slice(0, 500) };
}

export async function checkHealth(deps: {
  store: Store;
  sandbox: SandboxTier;
  closed: boolean;
  timeoutMs?: number;
}): Promise<HealthReport> {
  const timeoutMs = deps.timeoutMs ?? HEALTH_CHECK_TIMEOUT_MS;
  const [store, sandbox, layers] = await Promise.all([
    timed(async () => {
      await deps.store.ping();
      return undefined;
    }, timeoutMs),
    timed(async () => {
      if (deps.closed) return 'the runtime is closed';
      const a = await deps.sandbox.availability();
      return a.available ? undefined : (a.reason ?? 'unavailable');
    }, timeoutMs),
    sandboxLayers(deps.sandbox),
  ]);
  const status = deps.closed || !sandbox.ok ? 'failing' : store.ok ? 'ok' : 'degraded';
  return {
    status,
    checks: {
      store: { ...store, dialect: deps.store.dialect },
      sandbox: { ...sandbox, tier: deps.sandbox.name, layers },
    },
  };
}

/** The tier's isolation layers (name, active, why), as /healthz and `status` report them. */
export async function sandboxLayers(sandbox: SandboxTier): Promise<SandboxLayerInfo[]> {
  try {
    return (await sandbox.capabilities?.())?.layers ?? [];
  } catch {
    return [];
  }
}
