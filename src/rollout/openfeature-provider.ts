import type { EvaluationContext, JsonValue, Provider, ResolutionDetails } from '@openfeature/server-sdk';
import {
  ErrorCode,
  OpenFeatureEventEmitter,
  ProviderEvents,
  StandardResolutionReasons,
  TypeMismatchError,
} from '@openfeature/server-sdk';
import type { DecisionEvent, RequestContext, RolloutStage } from '../domain/index.js';
import { stageLabel } from './ladder.js';
import type { RolloutAssignment, RolloutEngine } from './rollout-engine.js';

/** Reasons the engine gives that are rules matching the user (the rest are a split or a default). */
const TARGETING = new Set(['internal_group', 'target_user', 'target_group', 'beta_group', 'excluded']);

/** `gradual 25% → gradual 50%`: the stages of a decision, with the share of users where a stage has steps. */
function moveOf(e: DecisionEvent): string {
  const at = (stage: RolloutStage | undefined, bp: number | undefined) =>
    stage ? stageLabel(stage, bp) : String(stage);
  return `${at(e.fromStage, e.numbers.fromPercentage)} → ${at(e.toStage, e.numbers.toPercentage)}`;
}

function toRequestContext(context: EvaluationContext): RequestContext | undefined {
  const user = context.targetingKey ?? (typeof context.user === 'string' ? context.user : undefined);
  if (!user) return undefined;
  const groups = Array.isArray(context.groups)
    ? context.groups.filter((g): g is string => typeof g === 'string')
    : undefined;
  return groups ? { user, groups } : { user };
}

/**
 * Ironcliw's rollouts as OpenFeature flags, so teams can read them from their existing flag tooling. Each
 * capability id is a flag key; the evaluation context's `targetingKey` is the user and `groups` their
 * groups. Variants: `canary` (the rollout's version), `control` (the A/B experiment's other version) and
 * `stable`. Booleans answer "does this user get the new version"; numbers answer the version to run
 * (the default when there is none); strings answer the variant; objects the whole assignment.
 * Reasons: `TARGETING_MATCH` for group/user rules, `SPLIT` for the percentage bucket or the experiment,
 * `STATIC` for production, `DISABLED` when the flag is off, `DEFAULT` otherwise. `flagMetadata` carries the
 * stage, rollout id and version. Every rollout transition emits `PROVIDER_CONFIGURATION_CHANGED`.
 *
 * @example
 * await OpenFeature.setProviderAndWait(new IroncliwFlagProvider(engine));
 * const on = await OpenFeature.getClient().getBooleanValue('count-red-circles', false, { targetingKey: 'ana' });
 */
export class IroncliwFlagProvider implements Provider {
  readonly metadata = { name: 'ironcliw-rollouts' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly #unsubscribe: () => void;

  constructor(private readonly engine: RolloutEngine) {
    this.#unsubscribe = engine.onChange((change) => {
      this.events.emit(ProviderEvents.ConfigurationChanged, {
        flagsChanged: [change.capabilityId],
        message: change.event
          ? `${change.event.kind}: ${moveOf(change.event)} (${change.event.reason})`
          : `rollout ${change.rollout ? `now ${change.rollout.stage}` : 'removed'}`,
        metadata: {
          ...(change.rollout
            ? {
                stage: change.rollout.stage,
                rolloutId: change.rollout.id,
                version: change.rollout.version,
              }
            : {}),
        },
      });
    });
  }

  async onClose(): Promise<void> {
    this.#unsubscribe();
  }

  #resolve<T>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
    value: (a: RolloutAssignment) => T | undefined,
  ): ResolutionDetails<T> {
    const a = this.engine.assign(flagKey, toRequestContext(context));
    if (!a) {
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.FLAG_NOT_FOUND,
        errorMessage: `no rollout for capability ${flagKey}`,
      };
    }
    const rollout = this.engine.get(flagKey)!;
    const reason =
      a.reason === 'flag_off'
        ? StandardResolutionReasons.DISABLED
        : TARGETING.has(a.reason)
          ? StandardResolutionReasons.TARGETING_MATCH
          : a.reason === 'bucket' || a.variant === 'control'
            ? StandardResolutionReasons.SPLIT
            : a.reason === 'production'
              ? StandardResolutionReasons.STATIC
              : StandardResolutionReasons.DEFAULT;
    const resolved = value(a);
    return {
      value: resolved === undefined ? defaultValue : resolved,
      variant: a.variant,
      reason,
      flagMetadata: {
        stage: rollout.stage,
        rolloutId: rollout.id,
        version: rollout.version,
        percentage: rollout.percentage,
        rule: a.reason,
        ...(a.version === undefined ? {} : { servedVersion: a.version }),
      },
    };
  }

  async resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    return this.#resolve(flagKey, defaultValue, context, (a) => a.variant !== 'stable');
  }

  async resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<string>> {
    return this.#resolve(flagKey, defaultValue, context, (a) => a.variant);
  }

  async resolveNumberEvaluation(
    flagKey: string,
    defaultValue: number,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<number>> {
    return this.#resolve(flagKey, defaultValue, context, (a) => a.version);
  }

  async resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    if (typeof defaultValue !== 'object' || defaultValue === null || Array.isArray(defaultValue))
      throw new TypeMismatchError(`flag ${flagKey} resolves to an object`);
    return this.#resolve(
      flagKey,
      defaultValue,
      context,
      (a) =>
        ({
          variant: a.variant,
          version: a.version ?? null,
          rule: a.reason,
          stage: a.stage,
          rolloutId: a.rolloutId,
        }) as unknown as T,
    );
  }
}
