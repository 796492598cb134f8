import { Option } from 'commander';
import { userInfo } from 'node:os';
import type { IroncliwConfig } from '../../config/index.js';
import type { Rollout } from '../../domain/index.js';
import type { RolloutEngine, ThresholdOverrides } from '../../rollout/index.js';
import type { CommonOpts, RegisterCommand } from '../kit.js';
import { configFrom, table, withCommon } from '../kit.js';

/**
 * Runs fn with a rollout engine over the configured store, without starting the runtime (no sandbox, no
 * workers): rollout commands only read and move rollout rows. Decision thresholds come from
 * `rollout.decision` when the config has it.
 */
export async function withRolloutEngine<T>(
  opts: CommonOpts,
  fn: (engine: RolloutEngine, config: IroncliwConfig) => Promise<T>,
): Promise<T> {
  const config = await configFrom(opts);
  const rollout = config.rollout as IroncliwConfig['rollout'] & { decision?: ThresholdOverrides };
  const [{ createRolloutEngine }, { openStore }] = await Promise.all([
    import('../../rollout/index.js'),
    import('../../store/index.js'),
  ]);
  const store = await openStore(config.db);
  try {
    const engine = await createRolloutEngine({
      store,
      groups: { internalGroup: rollout.internalGroup, betaGroup: rollout.betaGroup },
      ...(rollout.decision ? { thresholds: rollout.decision } : {}),
    });
    try {
      return await fn(engine, config);
    } finally {
      await engine.close();
    }
  } finally {
    await store.close();
  }
}

const pct = (bp: number) => `${bp / 100}%`;
/** "No data" is shown as —, never as a number (NaN, or the -1 stored for it in decision events). */
const rate = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '—');

type ManualOpts = CommonOpts & { reason?: string; force?: boolean; by?: string };

/** Who runs the CLI, for the decision's `by` when `--by` is not given (the OS account; never empty). */
function osUser(): string {
  try {
    return userInfo().username || 'cli';
  } catch {
    return 'cli';
  }
}

export const registerRollout: RegisterCommand = (program, { io }) => {
  const rollout = program
    .command('rollout')
    .description('gradual rollouts: list, inspect, promote, pause, resume, roll back');

  withCommon(rollout.command('list').description('every rollout with its stage and share of users')).action(
    async (opts: CommonOpts) => {
      await withRolloutEngine(opts, async (engine) => {
        const rollouts = [...engine.compiled.values()].map((c) => ({
          ...c.rollout,
          stableVersion: c.stableVersion ?? null,
        }));
        if (opts.json) return io.out(JSON.stringify({ rollouts }));
        io.out(
          table(
            rollouts.map((r) => ({
              capability: r.capabilityId,
              version: r.version,
              stage: r.stage === 'paused' ? `paused (${r.pausedFrom})` : r.stage,
              users: pct(r.percentage),
              stable: r.stableVersion ?? '-',
              since: r.stageEnteredAt,
            })),
            ['capability', 'version', 'stage', 'users', 'stable', 'since'],
          ),
        );
      });
    },
  );

  withCommon(
    rollout
      .command('show')
      .description('one rollout: stage, live window, what the engine would do, and every transition')
      .argument('<id>', 'capability id'),
  ).action(async (id: string, opts: CommonOpts) => {
    await withRolloutEngine(opts, async (engine) => {
      const s = await engine.status(id);
      if (opts.json) {
        const { readRolloutStatus } = await import('../../rollout/index.js');
        return io.out(JSON.stringify(readRolloutStatus(s)));
      }
      const r: Rollout = s.rollout;
      const w = s.window;
      io.out(
        [
          `${r.capabilityId} v${r.version}  ${r.stage}${r.pausedFrom ? ` (from ${r.pausedFrom})` : ''}  ${pct(r.percentage)} of users  rollout ${r.id}`,
          `stable version: ${s.stableVersion ?? 'none (users outside get a clean failure)'}   risk cap: ${s.riskCap.stage} (${s.riskCap.decision})`,
          `window since ${w.windowStart}: ${w.requests} requests, success ${rate(w.successRate)}, errors ${rate(w.errorRate)}, p99 ${Number.isFinite(w.p99Ms) ? `${w.p99Ms.toFixed(1)} ms` : '—'}, feedback +${w.positive}/-${w.negative}`,
          s.verdict
            ? `verdict: ${s.verdict.status} → ${s.verdict.action}: ${s.verdict.reason}`
            : 'verdict: not judged in this stage',
          `gate: ${s.gate.needsPerson ?? 'the engine promotes on its own within the stage cap'}`,
          ...(s.gate.conditions.length
            ? [
                `conditions: ${s.gate.conditions
                  .map((c) => `${c.condition} (${c.source}${c.lifted ? ', lifted by a person' : ''})`)
                  .join(', ')}`,
              ]
            : []),
          '',
        ].join('\n'),
      );
      io.out(
        table(
          s.events.map((e) => ({
            at: e.at,
            kind: e.kind,
            move: e.fromStage || e.toStage ? `${e.fromStage ?? ''} → ${e.toStage ?? ''}` : '',
            by: e.by ? `${e.by} (${e.actor})` : e.actor,
            reason: e.reason,
          })),
          ['at', 'kind', 'move', 'by', 'reason'],
        ),
      );
    });
  });

  const manual = (
    name: 'promote' | 'pause' | 'resume' | 'rollback',
    description: string,
    extra?: (c: ReturnType<typeof rollout.command>) => void,
  ) => {
    const cmd = rollout
      .command(name)
      .description(description)
      .argument('<id>', 'capability id')
      .option('--reason <text>', 'why (kept in the decision event)')
      .option('--by <name>', 'who decides (kept in the decision event; default: your OS user name)');
    extra?.(cmd);
    withCommon(cmd).action(async (id: string, opts: ManualOpts) => {
      await withRolloutEngine(opts, async (engine) => {
        const o = {
          actor: 'user' as const,
          by: opts.by ?? osUser(),
          ...(opts.reason ? { reason: opts.reason } : {}),
          ...(opts.force ? { force: true } : {}),
        };
        const event = await engine[name](id, o);
        const r = engine.get(id);
        if (opts.json) {
          const { readDecisionEvent } = await import('../../rollout/index.js');
          return io.out(JSON.stringify({ ok: true, event: readDecisionEvent(event), rollout: r }));
        }
        io.out(
          `${id}: ${event.fromStage} → ${event.toStage} (${pct(r?.percentage ?? 0)} of users) — ${event.reason}`,
        );
      });
    });
  };
  manual(
    'promote',
    'move a rollout one step up (development → canary → beta → gradual steps → production)',
    (c) => c.addOption(new Option('--force', 'promote past the risk cap of the verification decision')),
  );
  manual('pause', 'freeze a rollout: who has the new version keeps it, nobody new gets it');
  manual('resume', 'continue a paused rollout in the stage it was paused in, with a fresh window');
  manual('rollback', 'route everyone back to the stable version now and record an incident');
};
