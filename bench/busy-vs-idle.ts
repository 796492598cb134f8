import type { LearnerPriority } from '../src/cli/index.js';
import { spawnLearner } from '../src/cli/index.js';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Ironcliw } from '../src/ironcliw.js';
import { createIroncliw } from '../src/ironcliw.js';
import type { PipelineStage } from '../src/pipeline/index.js';
import { buildServer } from '../src/server/index.js';
import { LOAD_CLIENT_KEY, runLoad } from './load-generator.js';
import type { LoadOptions, LoadOutcome } from './load-generator.js';
import { mixedLoad, smallScreen } from './load-mix.js';
import type { HandledCommand } from './load-mix.js';

export interface StageSpan {
  stage: PipelineStage;
  outcome: 'ok' | 'rejected' | 'error';
  start: number;
  end: number;
}

export interface Service {
  ironcliw: Ironcliw;
  app: FastifyInstance;
  url: string;
  /** Pipeline stages finished in this process (none when learning runs in the learner process). */
  stages: StageSpan[];
  close(): Promise<void>;
}

/**
 * A real server on loopback (port 0) over a fresh SQLite store in a temp folder, rate limit off (one
 * load-generator IP would hit it at once). `workers` false: failures are still recorded and patterns still
 * queue jobs, but neither pipeline workers nor rollout timers run.
 */
export async function startService(workers: boolean, learnerPriority?: LearnerPriority): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), 'ironcliw-load-'));
  const ironcliw = await createIroncliw(
    {
      db: join(dir, 'store.db'),
      // The load comes from one authenticated client: only authenticated identities count as distinct
      // users for learning (docs/security.md), which the busy run needs.
      server: {
        rateLimitPerMinute: 0,
        logLevel: 'silent',
        clients: [{ name: 'load', key: LOAD_CLIENT_KEY, groups: [], admin: false }],
      },
      sharing: { keysDir: join(dir, 'keys') },
    },
    // As `ironcliw serve` runs: the serving process keeps the rollout timers, learning runs in a
    // low-priority learner process on the same store, screen scans run on the vision worker thread.
    { startWorkers: false, serving: true, offloadVision: true },
  );
  const learner = workers
    ? spawnLearner({ db: join(dir, 'store.db'), ...(learnerPriority ? { priority: learnerPriority } : {}) })
    : undefined;
  const stages: StageSpan[] = [];
  ironcliw.on('stage', ({ stage, ms, outcome }) => {
    const end = performance.now();
    stages.push({ stage, outcome, start: end - ms, end });
  });
  let app: FastifyInstance | undefined;
  try {
    app = await buildServer(ironcliw);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const a = app;
    return {
      ironcliw,
      app: a,
      url,
      stages,
      close: async () => {
        await a.close();
        await learner?.stop();
        await ironcliw.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await app?.close();
    await learner?.stop();
    await ironcliw.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** What the learning pipeline did while a load was measured. */
export interface PipelineActivity {
  /** Share of samples (every 250 ms) in the measured window at which a learning job was running. */
  /** Share of samples in the measured window with learning due (a job queued or running). */
  busyShare: number;
  /** Share of samples with a job claimed by the learner (it runs at nice 19: under saturation it waits). */
  claimedShare: number;
  /**
   * Learning phases: ms after the load ended until the learner held or had finished a job (0 = it did
   * during the load); absent when it did not within the grace period (default 30 s).
   */
  learnerWorkedAfterMs?: number;
  samples: number;
  /** Pipeline stages (generate, verify, register) that ended inside the window. */
  stagesEnded: number;
  verifications: number;
  /** At the end of the run: failures recorded, jobs by status, capabilities learned. */
  failuresRecorded: number;
  jobs: Record<string, number>;
  /** Patterns the failures were folded into. */
  patterns: number;
  learned: number;
}

export interface PhaseOutcome {
  /** Whether the failing commands came from several users (patterns form, jobs run) or from one. */
  learning: boolean;
  load: LoadOutcome;
  activity: PipelineActivity;
}

/**
 * One load on a fresh service (pipeline workers and rollout timers on, as `ironcliw serve` runs), sampling
 * what the pipeline does. `learning`: whether the failing share comes from several users (so jobs run).
 */
export async function measurePhase(
  learning: boolean,
  load: Omit<LoadOptions, 'url' | 'requests'>,
  o: { png: string; handled: HandledCommand; learnerGraceMs?: number; learnerPriority?: LearnerPriority },
): Promise<PhaseOutcome> {
  const service = await startService(true, o.learnerPriority);
  const requests = mixedLoad(o.png, { handled: o.handled, failing: learning ? 'spread' : 'one-user' });
  const running: Array<{ at: number; n: number; claimed: number }> = [];
  let sampling = Promise.resolve();
  const timer = setInterval(() => {
    sampling = sampling.then(async () => {
      const at = performance.now();
      // Learning that is due: jobs queued for, or running in, the learner process.
      const [queued, runningJobs] = await Promise.all([
        service.ironcliw.store.jobs.list({ status: 'queued', limit: 10 }),
        service.ironcliw.store.jobs.list({ status: 'running', limit: 10 }),
      ]);
      running.push({ at, n: queued.length + runningJobs.length, claimed: runningJobs.length });
    });
  }, 250);
  try {
    const outcome = await runLoad({ ...load, requests, url: service.url, clientKey: LOAD_CLIENT_KEY });
    clearInterval(timer);
    await sampling;
    const { start, end } = outcome.window;
    const inWindow = running.filter((r) => r.at >= start && r.at <= end);
    const ended = service.stages.filter((x) => x.end >= start && x.end <= end);
    // Under a saturating load the learner (nice 19) may get no CPU at all: learning is then deferred,
    // not lost. How long after the load it first held or finished a job (0: it did during the load).
    let learnerWorkedAfterMs: number | undefined;
    if (learning) {
      const loadEnd = performance.now();
      // Held (running) or finished (done, failed): anything but still queued.
      const worked = async () =>
        (await service.ironcliw.store.jobs.list({ limit: 1000 })).some((j) => j.status !== 'queued');
      if (inWindow.some((r) => r.claimed > 0)) learnerWorkedAfterMs = 0;
      else
        while (performance.now() - loadEnd < (o.learnerGraceMs ?? 30_000)) {
          if (await worked()) {
            learnerWorkedAfterMs = performance.now() - loadEnd;
            break;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
    }
    const jobs: Record<string, number> = {};
    for (const j of await service.ironcliw.store.jobs.list({ limit: 1000 }))
      jobs[j.status] = (jobs[j.status] ?? 0) + 1;
    return {
      learning,
      load: outcome,
      activity: {
        busyShare: inWindow.length ? inWindow.filter((r) => r.n > 0).length / inWindow.length : 0,
        claimedShare: inWindow.length ? inWindow.filter((r) => r.claimed > 0).length / inWindow.length : 0,
        ...(learnerWorkedAfterMs !== undefined ? { learnerWorkedAfterMs } : {}),
        samples: inWindow.length,
        stagesEnded: ended.length,
        verifications: ended.filter((x) => x.stage === 'verify').length,
        failuresRecorded: await service.ironcliw.store.failures.count(),
        jobs,
        patterns: (await service.ironcliw.patterns()).length,
        learned: (await service.ironcliw.capabilities.list()).length,
      },
    };
  } finally {
    clearInterval(timer);
    await sampling.catch(() => undefined);
    await service.close();
  }
}

export interface BusyVsIdle {
  /** Idle before and after the busy run (bracketing it against drift of the shared machine). */
  idle: [PhaseOutcome, PhaseOutcome];
  busy: PhaseOutcome;
  idleP99Ms: number;
  busyP99Ms: number;
  /** busy handled p99 / mean of the two idle handled p99s */
  ratio: number;
  /** |idle₁ − idle₂| / mean idle: how far two runs of the same idle load differ on this machine, this run. */
  idleSpread: number;
}

/**
 * The same load on fresh services, 10% of it failing commands (recorded, folded into patterns): idle (they
 * come from one user, so no pattern is ready and no job runs), busy (from several users: patterns are ready
 * within the warm-up and generation + production-level verification jobs run through the measured
 * window), idle again. Everything else — workers, rollout timers, request mix, per-request work — is equal.
 */
export async function busyVsIdle(o: {
  connections: number;
  durationMs: number;
  warmupMs: number;
  handled?: HandledCommand;
  /** The learner's priority (default: the config default, `pipeline.learnerPriority`). */
  learnerPriority?: LearnerPriority;
}): Promise<BusyVsIdle> {
  const png = await smallScreen();
  const load = { connections: o.connections, durationMs: o.durationMs, warmupMs: o.warmupMs };
  const mix = {
    png,
    handled: o.handled ?? 'what can you do',
    ...(o.learnerPriority ? { learnerPriority: o.learnerPriority } : {}),
  } as const;
  const idle1 = await measurePhase(false, load, mix);
  const busy = await measurePhase(true, load, mix);
  const idle2 = await measurePhase(false, load, mix);
  const p99 = (x: PhaseOutcome) => x.load.byKind.handled?.p99Ms ?? NaN;
  const idleP99Ms = (p99(idle1) + p99(idle2)) / 2;
  return {
    idle: [idle1, idle2],
    busy,
    idleP99Ms,
    busyP99Ms: p99(busy),
    ratio: p99(busy) / idleP99Ms,
    idleSpread: Math.abs(p99(idle1) - p99(idle2)) / idleP99Ms,
  };
}
