import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Job, Store } from '../../src/store/index.js';
import { openStore } from '../../src/store/index.js';
import { processStore } from './process-store.js';
import type { CliProcess } from './processes.js';
import { descendants, startCli, stillAlive } from './processes.js';

/**
 * `serve`'s learner runs only while there is learning to do (issue 20, config memory.learnerIdleMs): the real
 * `ironcliw serve` and its real learner process, seen from outside (the process tree and the store).
 * Bounds are generous ceilings against hanging on a shared machine, never speed targets.
 */
let dir = '';
let db = '';
let screen = '';
let config = '';
let store: Store | undefined;
const started: CliProcess[] = [];
const LONG = { timeout: 300_000 };
const IDLE_MS = 3000;
const KEY = 'learner-on-demand-client-key-0123';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ironcliw-learner-'));
  ({ db, screen } = await processStore(dir));
  config = join(dir, 'on-demand.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      sandbox: { timeoutMs: 60_000 },
      sharing: { keysDir: join(dir, 'keys') },
      // One failure is a pattern: a command queues a learning job at once, learned in seconds.
      discovery: { minOccurrences: 1, minDistinctUsers: 1 },
      pipeline: { verificationLevel: 'standard' },
      // Failures count towards a pattern from users a client vouches for only.
      server: { clients: [{ name: 'ana', key: KEY, groups: [] }] },
      memory: { learnerIdleMs: IDLE_MS, learnerPollMs: 500 },
    }),
  );
});
afterEach(async () => {
  for (const p of started.splice(0)) p.killAll();
  await store?.close();
  store = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The learner processes under `serve` now (`… entry.ts learn …`): serve's own children only. A process the
 * learner is forking (a sandbox child, say) shows the learner's command line until it execs, and a CI run
 * once counted such a one as a second learner.
 */
function learners(p: CliProcess): number[] {
  return [...descendants(p.proc.pid!).keys()].filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name in parentheses: state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return (
        ppid === p.proc.pid &&
        / learn /.test(` ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')} `)
      );
    } catch {
      return false;
    }
  });
}

/** The pid of the `n`th learner started under `serve` (0 = the first), once it says it works. */
async function learnerStarted(p: CliProcess, n: number): Promise<number> {
  const pids = () => [...p.err().matchAll(/learner (\d+) working on/g)].map((m) => Number(m[1]));
  await expect.poll(() => pids().length, { timeout: 60_000, interval: 100 }).toBeGreaterThan(n);
  return pids()[n]!;
}

async function jobs(): Promise<Job[]> {
  store ??= await openStore(db);
  return store.jobs.list();
}

describe('serve with its learner on demand', () => {
  it(
    'starts no learner while nothing is queued, one for a queued job (which completes), and lets it go when idle',
    LONG,
    async () => {
      const p = startCli(['serve', '--port', '0', '--db', db, '--config', config], { cwd: dir });
      started.push(p);
      await p.waitFor(/serving on http:\/\/\S+ /, 120_000);
      expect(p.out()).toMatch(/learning in a process started when a job is queued/);
      const url = /serving on (http:\/\/\S+) /.exec(p.out())![1]!;

      // Nothing queued: no learner, even after a few of its poll periods.
      await sleep(2000);
      expect(learners(p)).toEqual([]);
      expect(await jobs()).toEqual([]);

      // A command nothing handles yet is a failure; with these thresholds its pattern is queued for learning
      // by this server, which starts a learner for it.
      const res = await fetch(`${url}/v1/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': KEY },
        body: JSON.stringify({
          command: 'where is the yellow square',
          context: { user: 'ana' },
          screen: { pngBase64: readFileSync(screen).toString('base64') },
        }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { ok: boolean }).ok).toBe(false);
      const first = await learnerStarted(p, 0);
      expect(learners(p)).toEqual([first]);
      const [job] = await jobs();
      expect(job).toBeDefined();
      // The learner ran it to the end: a capability was generated, verified and registered.
      await expect
        .poll(async () => (await store!.jobs.get(job!.id))?.status, { timeout: 120_000, interval: 250 })
        .toBe('done');
      expect((await store!.jobs.get(job!.id))?.result).toMatchObject({ capabilityId: expect.any(String) });

      // Idle for memory.learnerIdleMs: it exits by itself, and serve keeps serving without it.
      await expect.poll(() => learners(p), { timeout: 60_000, interval: 100 }).toEqual([]);
      expect(p.err()).toMatch(new RegExp(`learner ${first} stopping: idle for ${IDLE_MS} ms`));
      expect((await fetch(`${url}/healthz`)).status).toBe(200);

      // A job another node queued (written to the store, not seen by this server's pipeline) is found by
      // the poll (memory.learnerPollMs) and run by a new learner.
      const pattern = (await store!.patterns.list())[0]!;
      const { job: other } = await store!.jobs.enqueue({
        id: 'job_other_node',
        kind: 'generate',
        key: `generate:${pattern.id}:v2`,
        payload: { patternId: pattern.id, version: 2 },
      });
      const second = await learnerStarted(p, 1);
      expect(second).not.toBe(first);
      expect(learners(p)).toEqual([second]);
      await expect
        .poll(async () => (await store!.jobs.get(other.id))?.status, { timeout: 120_000, interval: 250 })
        .toBe('done');

      // The first SIGTERM stops serve and its learner: exit 0, nothing left.
      p.proc.kill('SIGTERM');
      const exit = await p.exit(120_000);
      expect(exit, `${p.out()}\n${p.err()}`).toBeDefined();
      expect(exit!.code).toBe(0);
      await expect.poll(() => stillAlive(p.seen), { timeout: 30_000, interval: 200 }).toEqual([]);
    },
  );
});
