import type { SandboxResult } from '../domain/index.js';
import type { QuickJsEngine, QuickJsEngineModule } from './engine-types.js';
import { RunAudit, SDK_METHOD_NAMES } from './host-bridge.js';
import { effectiveLimits, resolveOptions } from './options.js';
import type { ResolvedSandboxOptions, SandboxOptions } from './options.js';
import type { SandboxLayer } from './os-layers.js';
import { failed } from './process-tier.js';
import { validateRequest } from './request.js';
import type { SandboxRequest, SandboxTier, TierAvailability } from './types.js';

/**
 * Trusted built-ins only: QuickJS in this process, with the same SDK bridge and engine limits but none of the
 * process walls (no rlimits, no watchdog kill, shares the host's memory). Anything whose origin is not
 * 'builtin' is refused — generated or imported code must go through the process or container tier.
 */
export class InlineTier implements SandboxTier {
  readonly name = 'inline' as const;
  private readonly options: ResolvedSandboxOptions;
  private engine: Promise<QuickJsEngine> | null = null;
  /** One run at a time per engine; others wait their turn. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: SandboxOptions = {}) {
    this.options = resolveOptions(options);
  }

  private load(): Promise<QuickJsEngine> {
    this.engine ??= (import('./quickjs-engine.mjs') as Promise<QuickJsEngineModule>).then((m) =>
      m.loadEngine(),
    );
    return this.engine;
  }

  async availability(): Promise<TierAvailability> {
    if (this.closed) return { available: false, reason: 'the tier is closed' };
    try {
      await this.load();
      return { available: true };
    } catch (err) {
      return { available: false, reason: `QuickJS failed to load: ${String(err)}` };
    }
  }

  async capabilities(): Promise<{ tier: string; layers: SandboxLayer[] }> {
    return {
      tier: this.name,
      layers: [
        { name: 'engine', active: true, detail: 'QuickJS in-process (trusted built-ins only)' },
        { name: 'origin-gate', active: true, detail: "refuses any request whose origin is not 'builtin'" },
        {
          name: 'process-isolation',
          active: false,
          detail: 'none: the inline tier runs in the host process',
        },
      ],
    };
  }

  run(request: SandboxRequest): Promise<SandboxResult> {
    const next = this.queue.then(() => this.runNow(request));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(request: SandboxRequest): Promise<SandboxResult> {
    if (request?.origin !== 'builtin') {
      const r = failed(
        'violation',
        `the inline tier runs trusted built-ins only, not origin '${String(request?.origin)}'`,
      );
      r.violations.push(`origin:${String(request?.origin)}`);
      return r;
    }
    const invalid = validateRequest(request, this.options);
    if (invalid) return failed('error', invalid);
    if (this.closed) return failed('error', 'the sandbox tier is closed');
    const limits = effectiveLimits(request.limits, this.options);
    let inputJson: string;
    try {
      inputJson = JSON.stringify(request.input ?? null);
    } catch (err) {
      return failed('error', `input is not JSON-serialisable: ${String(err)}`);
    }
    const engine = await this.load();
    const audit = new RunAudit(request, this.options, () => engine.abort());
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const outcome = await engine.run(
      {
        code: request.code,
        kind: request.kind ?? 'module',
        inputJson,
        ...limits,
        maxArgBytes: this.options.maxArgBytes,
        methods: SDK_METHOD_NAMES,
      },
      { call: (method, argsJson) => audit.call(method, argsJson) },
    );
    const cpu = process.cpuUsage(cpu0);
    audit.close();
    // A poisoned engine is never reused; the next run loads a fresh one.
    if (outcome.poisoned) this.engine = null;
    const result: SandboxResult = {
      status: outcome.status,
      violations: audit.violations,
      hostCalls: audit.hostCalls,
      resources: {
        wallMs: performance.now() - t0,
        cpuMs: (cpu.user + cpu.system) / 1000,
        peakMemoryMb: outcome.peakMemoryMb,
      },
      ...(outcome.error !== undefined ? { error: outcome.error } : {}),
    };
    if (outcome.status === 'ok' && outcome.outputJson !== undefined)
      result.output = JSON.parse(outcome.outputJson);
    if (audit.violations.length > 0) result.status = 'violation';
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.engine = null;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

export function createInlineTier(options: SandboxOptions = {}): InlineTier {
  return new InlineTier(options);
}
