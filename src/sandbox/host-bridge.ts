import { isIroncliwError, isSdkMethod, SDK_METHODS } from '../domain/index.js';
import type { HostCall, Permission } from '../domain/index.js';
import type { SandboxRequest } from './types.js';

/** What the engine gets back for one sdk call: JSON text for the guest, or an error the guest sees as a rejection. */
export type BridgeReply = { ok: true; json: string } | { ok: false; error: string };

/** All method names, handed to the engine so it can build the guest's `sdk` object. */
export const SDK_METHOD_NAMES: readonly string[] = Object.freeze(Object.keys(SDK_METHODS));

const MAX_RECORDED_STRING = 200;
const MAX_RECORDED_ITEMS = 20;
const MAX_RECORDED_DEPTH = 4;
const MAX_VIOLATION_CHARS = 120;
/** Key names whose values never go into the audit log (the audit is stored and shown on the dashboard). */
const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|auth|cookie|credential|private/i;

/**
 * A copy of sdk arguments fit for the audit log: bounded in size (a guest must not be able to grow the host's
 * log without limit), secrets and typed text redacted (what a user types can be a password).
 */
export function redactArgs(method: string, args: unknown[]): unknown[] {
  if (method === 'actions.type')
    return args.map((a) => (typeof a === 'string' ? `[redacted ${a.length} chars]` : redactValue(a, 0)));
  return args.slice(0, MAX_RECORDED_ITEMS).map((a) => redactValue(a, 0));
}

function redactValue(v: unknown, depth: number): unknown {
  if (typeof v === 'string')
    return v.length > MAX_RECORDED_STRING ? `${v.slice(0, MAX_RECORDED_STRING)}…(${v.length} chars)` : v;
  if (v === null || typeof v !== 'object') return v;
  if (depth >= MAX_RECORDED_DEPTH) return '[…]';
  if (Array.isArray(v)) {
    const out = v.slice(0, MAX_RECORDED_ITEMS).map((x) => redactValue(x, depth + 1));
    if (v.length > MAX_RECORDED_ITEMS) out.push(`…(${v.length} items)`);
    return out;
  }
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const [k, x] of Object.entries(v)) {
    if (n++ >= MAX_RECORDED_ITEMS) {
      out['…'] = 'truncated';
      break;
    }
    out[k.slice(0, MAX_RECORDED_STRING)] = SECRET_KEY.test(k) ? '[redacted]' : redactValue(x, depth + 1);
  }
  return out;
}

/**
 * The parent side of one run's SDK bridge: checks each call's permission against the request (the
 * authoritative check — the child may be compromised, so nothing it says about permissions is trusted),
 * audits it, enforces the per-run call budget, and forwards allowed calls to `request.host`.
 */
export class RunAudit {
  readonly hostCalls: HostCall[] = [];
  readonly violations: string[] = [];
  private calls = 0;
  private closed = false;

  constructor(
    private readonly request: SandboxRequest,
    private readonly limits: { maxHostCalls: number; maxArgBytes: number },
    /** Called once when the run must stop (budget spent); the tier aborts the guest. */
    private readonly onAbort: () => void,
  ) {}

  /** After the run: late replies are dropped and no more calls are recorded. */
  close(): void {
    this.closed = true;
  }

  private violate(v: string): void {
    const s = v.slice(0, MAX_VIOLATION_CHARS);
    if (!this.violations.includes(s)) this.violations.push(s);
  }

  async call(method: unknown, argsJson: unknown): Promise<BridgeReply> {
    if (this.closed) return { ok: false, error: 'run finished' };
    if (typeof method !== 'string' || typeof argsJson !== 'string')
      return this.refuse('protocol:malformed-call', 'malformed sdk call');
    if (++this.calls > this.limits.maxHostCalls) {
      if (this.calls === this.limits.maxHostCalls + 1) {
        this.violate(`host-calls:more than ${this.limits.maxHostCalls}`);
        this.onAbort();
      }
      return { ok: false, error: `sdk call budget of ${this.limits.maxHostCalls} calls exhausted` };
    }
    if (!isSdkMethod(method)) return this.refuse(`unknown-method:${method}`, `sdk has no method ${method}`);
    if (argsJson.length > this.limits.maxArgBytes)
      return this.refuse(`args-too-large:${method}`, `sdk arguments exceed ${this.limits.maxArgBytes} bytes`);
    let args: unknown;
    try {
      args = JSON.parse(argsJson);
    } catch {
      args = undefined;
    }
    if (!Array.isArray(args))
      return this.refuse(`protocol:bad-args:${method}`, 'sdk arguments must be a JSON array');

    const permission: Permission | null = SDK_METHODS[method];
    const allowed = permission === null || this.request.permissions.includes(permission);
    const record: HostCall = { method, permission, allowed, args: redactArgs(method, args), ms: 0 };
    this.hostCalls.push(record);
    if (!allowed) {
      this.violate(`permission:${permission}`);
      return { ok: false, error: `permission denied: ${method} needs permission ${permission}` };
    }
    const host = this.request.host;
    if (!host) {
      record.allowed = false;
      this.violate(`host:unavailable:${method}`);
      return { ok: false, error: `no host SDK is attached to this run (${method})` };
    }
    const t0 = performance.now();
    try {
      const value = await host.call(method, args);
      record.ms = performance.now() - t0;
      if (this.closed) return { ok: false, error: 'run finished' };
      return { ok: true, json: JSON.stringify(value ?? null) };
    } catch (err) {
      record.ms = performance.now() - t0;
      // The host SDK re-checks permissions (defence in depth); its refusal is a violation like ours.
      if (isIroncliwError(err) && err.code === 'E_PERMISSION_DENIED') {
        record.allowed = false;
        this.violate(`permission:${permission ?? method}`);
      }
      // The host's own work budget (calls, host time) is spent: stop the guest now rather than let it
      // keep asking (each refusal is cheap, but the run has nothing left to do).
      if (isIroncliwError(err) && err.code === 'E_HOST_BUDGET_EXCEEDED') {
        const first = !this.violations.some((v) => v.startsWith('host-budget:'));
        this.violate(`host-budget:${err.message}`);
        if (first) this.onAbort();
      }
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  private refuse(violation: string, error: string): BridgeReply {
    this.violate(violation);
    return { ok: false, error };
  }
}
