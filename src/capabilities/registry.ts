import type { CapabilityManifest, IntentFrame, RequestContext, Rollout } from '../domain/index.js';
import type { AssignReason, RoutingGroups, ServeReason } from '../rollout/index.js';
import { servesUser } from '../rollout/index.js';
import type { IntentMatch } from '../understanding/index.js';
import { frameFields, matchIntent, routingAction } from '../understanding/index.js';
import type { BuiltinCapability } from './builtins.js';

export interface RegisteredCapability {
  manifest: CapabilityManifest;
  /** Generated or imported module (runs only in the sandbox). */
  code?: string;
  /** Trusted built-in implementation (runs in-process). */
  builtin?: BuiltinCapability;
  /** Absent for built-ins, which are always served. */
  rollout?: Rollout;
  /**
   * The version users outside the rollout get (the last one that reached production and was not rolled
   * back), when it differs from the rollout's version.
   */
  stable?: { manifest: CapabilityManifest; code: string };
}

/**
 * Which version of a capability a request gets (the rollout engine's `assign`): undefined when the engine
 * does not know the capability; `version` undefined when the request gets the stable version and there is
 * none (the capability is withheld: a clean failure).
 */
type VersionAssigner = (
  capabilityId: string,
  context: RequestContext,
) => { version: number | undefined; reason: AssignReason } | undefined;

export type RouteDecision =
  | {
      kind: 'matched';
      capability: RegisteredCapability;
      match: IntentMatch;
      serveReason: ServeReason | AssignReason | 'builtin';
    }
  | { kind: 'unmatched'; reason: 'no_capability' | 'not_in_rollout'; withheld: string[] };

/**
 * Manifests stored before intents declared `required` still say it in their input schema: a capability is
 * only chosen when the frame fills every input it requires (the composed `steps`/`ops` are checked by
 * matchIntent), so a request that cannot give it what it needs never counts against its rollout.
 */
function fillsRequired(manifest: CapabilityManifest, input: Record<string, unknown>): boolean {
  const required = manifest.inputSchema.required ?? [];
  return required.every((k) => input[k] !== undefined || k === 'steps' || k === 'ops');
}

function intentKey(action: string, kind: string, fixed: Array<[string, string | number]>): string {
  let key = `${action}:${kind}`;
  for (const [k, v] of fixed) key += `|${k}=${v}`;
  return key;
}

/**
 * The in-memory routing table. Intents are indexed by action, target kind *and* their fixed field values;
 * a frame looks up every subset of its own fields (at most a few dozen keys), so routing cost does not grow
 * with the number of capabilities. Rebuilt from the store on refresh.
 */
export class CapabilityRegistry {
  private byKey = new Map<string, RegisteredCapability[]>();
  private all: RegisteredCapability[] = [];

  constructor(
    private readonly groups: RoutingGroups,
    private builtins: readonly BuiltinCapability[] = [],
    /** The rollout engine's routing; without it the stage rules alone decide (servesUser). */
    private readonly assign?: VersionAssigner,
  ) {
    this.replace([]);
  }

  /** The version of `capability` this request gets, or undefined when it is withheld from this user. */
  private serve(
    capability: RegisteredCapability,
    context: RequestContext,
  ): { capability: RegisteredCapability; reason: ServeReason | AssignReason | 'builtin' } | undefined {
    const rollout = capability.rollout;
    if (!rollout) return { capability, reason: 'builtin' };
    const a = this.assign?.(capability.manifest.id, context);
    if (!a) {
      const s = servesUser(rollout, context, this.groups);
      return s.served ? { capability, reason: s.reason } : undefined;
    }
    if (a.version === undefined) return undefined;
    if (a.version === rollout.version) return { capability, reason: a.reason };
    if (capability.stable && a.version === capability.stable.manifest.version)
      return { capability: { ...capability.stable, rollout }, reason: a.reason };
    return undefined; // a version this node has not loaded yet: never serve something else by mistake
  }

  /** Replaces the generated/imported set (built-ins stay). */
  replace(entries: readonly RegisteredCapability[]): void {
    const next = [...this.builtins.map((b) => ({ manifest: b.manifest, builtin: b })), ...entries];
    const byKey = new Map<string, RegisteredCapability[]>();
    for (const cap of next) {
      for (const intent of cap.manifest.intents) {
        const fixed = Object.entries(intent.fixed ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
        const key = intentKey(routingAction(intent.action), intent.targetKind, fixed);
        const list = byKey.get(key) ?? [];
        if (!list.includes(cap)) list.push(cap);
        byKey.set(key, list);
      }
    }
    this.all = next;
    this.byKey = byKey;
  }

  list(): readonly RegisteredCapability[] {
    return this.all;
  }

  get(id: string): RegisteredCapability | undefined {
    return this.all.find((c) => c.manifest.id === id);
  }

  /** Capabilities this user may be served now (for help and listings). */
  servedTo(context: RequestContext): RegisteredCapability[] {
    return this.all.flatMap((c) => {
      const s = this.serve(c, context);
      return s ? [s.capability] : [];
    });
  }

  route(frame: Omit<IntentFrame, 'raw'>, context: RequestContext): RouteDecision {
    const fields = frameFields(frame);
    const entries = Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1));
    const candidates: RegisteredCapability[] = [];
    for (let mask = 0; mask < 1 << entries.length; mask++) {
      const list = this.byKey.get(
        intentKey(
          routingAction(frame.action),
          frame.target.kind,
          entries.filter((_, i) => mask & (1 << i)),
        ),
      );
      if (list) for (const c of list) if (!candidates.includes(c)) candidates.push(c);
    }
    let best:
      | {
          capability: RegisteredCapability;
          match: IntentMatch;
          serveReason: ServeReason | AssignReason | 'builtin';
        }
      | undefined;
    const withheld: string[] = [];
    for (const capability of candidates) {
      let match: IntentMatch | undefined;
      for (const intent of capability.manifest.intents) {
        const m = matchIntent(frame, intent, fields);
        if (m && (!match || m.score > match.score)) match = m;
      }
      if (!match || !fillsRequired(capability.manifest, match.input)) continue;
      const served = this.serve(capability, context);
      if (!served) {
        withheld.push(capability.manifest.id);
        continue;
      }
      if (!best || match.score > best.match.score)
        best = { capability: served.capability, match, serveReason: served.reason };
    }
    if (best) return { kind: 'matched', ...best };
    return { kind: 'unmatched', reason: withheld.length ? 'not_in_rollout' : 'no_capability', withheld };
  }
}
