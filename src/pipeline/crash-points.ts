import { readFileSync, writeSync } from 'node:fs';

/**
 * Named points of the pipeline where a crash matters, in the order a failure passes them:
 * - `observe:start` — the failure is recorded; its pattern is not updated yet;
 * - `observe:enqueue` — the pattern is updated and over its thresholds; no job yet;
 * - `observe:queued` — the job exists; the pattern is not marked `queued` yet;
 * - `job:claimed` — a worker holds the job; nothing done yet;
 * - `job:generating` — the pattern is marked `generating`; the candidate is not verified yet;
 * - `job:verified` — verification decided; nothing registered yet;
 * - `job:registering` — inside the registration transaction, the code stored, nothing committed;
 * - `job:registered` — registration committed; routes not reloaded, the rollout not judged yet.
 */
export const CRASH_POINTS = [
  'observe:start',
  'observe:enqueue',
  'observe:queued',
  'job:claimed',
  'job:generating',
  'job:verified',
  'job:registering',
  'job:registered',
] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

/**
 * The crash-recovery tests' hook, inert unless the environment variable `IRONCLIW_TEST_CRASH_FILE` names a
 * file when the process starts. Then, at every crash point, the file is read; when it holds that point's
 * name, the process prints `IRONCLIW_CRASH_POINT <name> <pid>` on stderr and parks that task for good, so the
 * test can `kill -9` the process exactly there (everything else — HTTP, timers — keeps running, as in a
 * real crash). Never set it in production: a parked job holds its lease until the process dies.
 */
const CRASH_FILE = process.env.IRONCLIW_TEST_CRASH_FILE;

export const crashPointsArmed = CRASH_FILE !== undefined && CRASH_FILE !== '';

export async function crashPoint(point: CrashPoint): Promise<void> {
  if (!crashPointsArmed) return;
  let armed: string;
  try {
    armed = readFileSync(CRASH_FILE!, 'utf8').trim();
  } catch {
    return; // no file: nothing armed
  }
  if (armed !== point) return;
  writeSync(2, `IRONCLIW_CRASH_POINT ${point} ${process.pid}\n`);
  await new Promise<never>(() => {});
}
