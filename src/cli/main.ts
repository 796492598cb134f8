import { Command, CommanderError } from 'commander';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { IroncliwError, isIroncliwError } from '../domain/index.js';
import { COMMANDS } from './commands/index.js';
import type { LearningObservations, LearningReport } from './learning-report.js';
import {
  defaultIo,
  EXIT,
  positiveInt,
  table,
  withCommon,
  withIroncliw,
  type CommonOpts,
  type Io,
} from './kit.js';

export { EXIT } from './kit.js';

/** How long `run --wait` waits for the learning its failure triggered. */
const WAIT_MS = 120_000;

export function buildProgram(io: Io = defaultIo, setExit: (code: number) => void = () => {}): Command {
  const program = new Command('ironcliw')
    .description(
      'Ironcliw: a runtime for screen-aware assistants that learns new capabilities from its own failures.',
    )
    .version('0.1.0')
    .showHelpAfterError(false)
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();

  withCommon(
    program
      .command('run')
      .description(
        'process one command, e.g. ironcliw run "count the green circles on the toolbar" --screen s.png',
      )
      .argument('<command>', 'the command text')
      .option('--user <id>', 'who is asking (for rollouts and failure stats)', 'cli')
      .option('--groups <list>', 'comma-separated groups, e.g. internal,beta', '')
      .option('--screen <file>', 'PNG/JPEG screenshot the command is about')
      .option('--wait', 'wait until the learning this run triggered has finished'),
  ).action(
    async (
      text: string,
      opts: CommonOpts & { user: string; groups: string; screen?: string; wait?: boolean },
    ) => {
      // What this process sees learning do while it waits (the store has the rest).
      const seen: LearningObservations = { candidates: [], stageMs: {} };
      await withIroncliw(
        opts,
        async (ironcliw) => {
          const groups = opts.groups
            .split(',')
            .map((g) => g.trim())
            .filter(Boolean);
          ironcliw.on('stage', (s) => (seen.stageMs[s.stage] = s.ms));
          const response = await ironcliw.processCommand(
            text,
            { user: opts.user, groups },
            opts.screen ? { screen: { path: opts.screen } } : {},
          );
          let learning: LearningReport | undefined;
          let learningText = '';
          if (opts.wait) {
            const report = await import('./learning-report.js');
            let unfinished: string | undefined;
            try {
              await ironcliw.waitForLearning(WAIT_MS);
            } catch {
              unfinished = `learning did not finish within ${WAIT_MS / 1000} s; it goes on in the background (ironcliw failures --patterns)`;
            }
            if (!response.ok) {
              learning = await report.learningReport(
                ironcliw,
                response.failure.id,
                { user: opts.user, groups },
                seen,
              );
              if (unfinished) learning.steps.push({ stage: 'not-learned', ok: false, text: unfinished });
              learningText = `\n${report.formatLearning(learning)}`;
            }
          }
          if (opts.json) io.out(JSON.stringify(learning ? { ...response, learning } : response));
          else if (response.ok)
            io.out(
              `${response.result.answer}\n  (${response.capability.id} v${response.capability.version}, ${response.capability.origin}, ${response.latencyMs.toFixed(1)} ms)`,
            );
          else
            io.out(
              `✗ ${response.failure.category}: ${response.failure.message}\n  (recorded as ${response.failure.id}; Ironcliw learns from repeated failures${opts.wait ? '' : '; --wait shows what it learned'})` +
                learningText,
            );
          setExit(response.ok ? EXIT.ok : EXIT.no);
        },
        {},
        { hooks: { onCandidate: (c) => seen.candidates.push(c) } },
      );
    },
  );

  withCommon(program.command('status').description('generation, rollout and failure statistics')).action(
    async (opts: CommonOpts) => {
      await withIroncliw(opts, async (ironcliw) => {
        const s = await ironcliw.getAutonomousCapabilitiesStatus();
        if (opts.json) return io.out(JSON.stringify(s));
        io.out(
          [
            `learned capabilities: ${s.generationStats.totalGenerated} (built-in: ${s.capabilities.builtin})`,
            `patterns: ${s.generationStats.patterns} ${JSON.stringify(s.generationStats.patternsByStatus)}`,
            `active rollouts: ${s.rolloutStatus.active} ${JSON.stringify(s.rolloutStatus.byStage)}`,
            `failures recorded: ${s.failureStats.total}`,
            ...(s.sandbox
              ? [
                  `sandbox (${s.sandbox.tier}): ${s.sandbox.layers.map((l) => `${l.active ? '+' : '-'}${l.name}`).join(' ')}`,
                  ...s.sandbox.layers.filter((l) => !l.active).map((l) => `  ${l.name} is off: ${l.detail}`),
                ]
              : []),
          ].join('\n'),
        );
      });
    },
  );

  withCommon(
    program
      .command('failures')
      .description('recorded failures (newest first), or their patterns with --patterns')
      .option('--patterns', 'show failure clusters with counts and status')
      .option('--limit <n>', 'how many', positiveInt('--limit'), 50),
  ).action(async (opts: CommonOpts & { patterns?: boolean; limit: number }) => {
    await withIroncliw(opts, async (ironcliw) => {
      if (opts.patterns) {
        const patterns = (await ironcliw.patterns()).slice(0, opts.limit);
        if (opts.json) return io.out(JSON.stringify({ patterns }));
        return io.out(
          table(
            patterns.map((p) => ({ ...p, users: p.distinctUsers, reason: p.statusReason ?? '' })),
            ['id', 'signature', 'count', 'users', 'status', 'reason'],
          ),
        );
      }
      const failures = await ironcliw.store.failures.list({ limit: opts.limit });
      if (opts.json) return io.out(JSON.stringify({ failures }));
      io.out(
        table(
          failures.map((f) => ({ ...f, user: f.userId })),
          ['at', 'user', 'category', 'command'],
        ),
      );
    });
  });

  const caps = program.command('capabilities').description('learned and built-in capabilities');
  withCommon(caps.command('list').description('list learned capabilities with their rollout stage')).action(
    async (opts: CommonOpts) => {
      await withIroncliw(opts, async (ironcliw) => {
        const [list, rollouts] = await Promise.all([ironcliw.capabilities.list(), ironcliw.rollouts.list()]);
        const stage = new Map(rollouts.map((r) => [r.capabilityId, r.stage]));
        const rows = list.map((c) => ({
          id: c.manifest.id,
          version: c.manifest.version,
          stage: stage.get(c.manifest.id) ?? 'unreleased',
          origin: c.manifest.origin.kind,
          generator: c.manifest.origin.generator,
        }));
        if (opts.json)
          return io.out(
            JSON.stringify({
              capabilities: list.map((c) => ({ ...c.manifest, stage: stage.get(c.manifest.id) ?? null })),
            }),
          );
        io.out(table(rows, ['id', 'version', 'stage', 'origin', 'generator']));
      });
    },
  );
  withCommon(
    caps.command('show').description('one capability: manifest, code, rollout').argument('<id>'),
  ).action(async (id: string, opts: CommonOpts) => {
    await withIroncliw(opts, async (ironcliw) => {
      const cap = await ironcliw.capabilities.get(id);
      if (!cap) throw new IroncliwError('E_NOT_FOUND', `no capability "${id}"`);
      const rollout = await ironcliw.rollouts.get(id);
      const events = await ironcliw.store.events.list({ capabilityId: id });
      const { readDecisionEvent } = await import('../rollout/index.js');
      if (opts.json)
        return io.out(
          JSON.stringify({
            manifest: cap.manifest,
            code: cap.code,
            rollout: rollout ?? null,
            events: events.map(readDecisionEvent),
          }),
        );
      io.out(
        `${cap.manifest.id} v${cap.manifest.version} — ${cap.manifest.description}\nstage: ${rollout?.stage ?? 'unreleased'}\n\n${cap.code}`,
      );
      for (const e of events) io.out(`${e.at}  ${e.kind.padEnd(8)} ${e.reason}`);
    });
  });

  program
    .command('scene')
    .description(
      'render a synthetic desktop screen from a JSON spec and print its ground truth (every element drawn, with its box)',
    )
    .argument('<spec>', 'scene spec JSON file (docs/scenes.md)')
    .requiredOption('--out <file>', 'PNG to write')
    .option('--json', 'print the ground truth as JSON (with the output path)')
    .action(async (specPath: string, opts: { out: string; json?: boolean }) => {
      let spec: unknown;
      try {
        spec = JSON.parse(readFileSync(specPath, 'utf8'));
      } catch (cause) {
        throw new IroncliwError(
          'E_INPUT_INVALID',
          `cannot read scene spec ${specPath}: ${(cause as Error).message}`,
          { cause },
        );
      }
      const { renderSceneFile } = await import('../vision-port.js');
      const { png, truth } = await renderSceneFile(spec);
      const dir = dirname(opts.out);
      if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
      writeFileSync(opts.out, png);
      if (opts.json) return io.out(JSON.stringify({ out: opts.out, truth }));
      const elements = truth as Array<{
        kind: string;
        shape?: string;
        color?: string;
        text?: string;
        region?: string;
        bbox: { x: number; y: number; width: number; height: number };
      }>;
      io.out(`wrote ${opts.out}; its ground truth (${elements.length} elements, screen pixels):`);
      io.out(
        table(
          elements.map((e) => ({
            kind: e.kind,
            what:
              e.text !== undefined ? JSON.stringify(e.text) : [e.color, e.shape].filter(Boolean).join(' '),
            region: e.region ?? '',
            bbox: `${e.bbox.x},${e.bbox.y} ${e.bbox.width}×${e.bbox.height}`,
          })),
          ['kind', 'what', 'region', 'bbox'],
        ),
      );
    });

  for (const register of COMMANDS) register(program, { io, setExit });
  return program;
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it in-process. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      )
        return EXIT.ok;
      const e = new IroncliwError('E_USAGE', err.message.replace(/^error: /, ''));
      if (json) io.out(JSON.stringify({ ok: false, error: e.toJSON() }));
      return EXIT.usage;
    }
    const e = isIroncliwError(err) ? err : undefined;
    if (!e) {
      io.err(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return EXIT.no;
    }
    if (json) io.out(JSON.stringify({ ok: false, error: e.toJSON() }));
    // One line, code first: what scripts grep for and what a person reads.
    else io.err(`${e.code}: ${e.message} — ${e.hint}`);
    return e.code === 'E_INTERNAL' ? EXIT.no : EXIT.usage;
  }
}
