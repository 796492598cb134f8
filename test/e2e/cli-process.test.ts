import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { processStore } from './process-store.js';
import type { CliProcess } from './processes.js';
import { expectRefusedForBusyPort, startCli, stillAlive, withTakenPort } from './processes.js';

/**
 * The `ironcliw` process as a script or a supervisor sees it: it exits by itself with a documented code and
 * leaves no process behind. Bounds here are generous ceilings against hanging (the machine is shared),
 * never speed targets; those are in `npm run bench`.
 */
let dir = '';
let db = '';
let screen = '';
let config = '';
/** The fixture's config with the learner kept from the start (memory.learnerIdleMs 0), for the tests about it. */
let withLearner = '';
const started: CliProcess[] = [];
const aborts: AbortController[] = [];
const cli = (...args: string[]) => {
  const p = startCli(args, { cwd: dir });
  started.push(p);
  return p;
};
const LONG = { timeout: 240_000 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ironcliw-proc-'));
  ({ db, screen, config } = await processStore(dir));
  withLearner = join(dir, 'with-learner.config.json');
  writeFileSync(
    withLearner,
    JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), memory: { learnerIdleMs: 0 } }),
  );
});
afterEach(() => {
  for (const a of aborts.splice(0)) a.abort();
  for (const p of started.splice(0)) p.killAll();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * `serve --port 0` on the fixture store; resolves with its address once it prints it. Its learner runs from
 * the start with `withLearner` (by default it starts when a job is queued: test/e2e/learner-on-demand.test.ts).
 */
async function serve(...extra: string[]): Promise<{ p: CliProcess; url: string; learnerPid?: number }> {
  const p = cli('serve', '--port', '0', '--db', db, '--config', config, ...extra);
  await p.waitFor(/serving on http:\/\/\S+ /, 120_000);
  const m = /serving on (http:\/\/\S+) .*learning (?:in process (\d+))?/.exec(p.out())!;
  return { p, url: m[1]!, ...(m[2] ? { learnerPid: Number(m[2]) } : {}) };
}

function command(url: string, text: string): Promise<Response> {
  const abort = new AbortController();
  aborts.push(abort);
  return fetch(`${url}/v1/commands`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      command: text,
      context: { user: 'ana' },
      screen: { pngBase64: readFileSync(screen).toString('base64') },
    }),
    signal: abort.signal,
  });
}

describe('a CLI command', () => {
  it(
    'that read text with OCR exits by itself after its answer and leaves no process behind',
    LONG,
    async () => {
      const p = cli(
        'run',
        'read the title',
        '--screen',
        screen,
        '--db',
        db,
        '--config',
        config,
        '--user',
        'ana',
      );
      await p.waitFor(/Invoice Editor/, 120_000);
      const exit = await p.exit(60_000);
      expect(exit, `still running 60 s after answering\n${p.out()}\n${p.err()}`).toBeDefined();
      expect(exit!.code).toBe(0);
      // The sandbox pool's launcher and children ran under it; none outlives it.
      expect(p.seen.size).toBeGreaterThan(0);
      expect(stillAlive(p.seen)).toEqual([]);
    },
  );
});

describe('serve', () => {
  it('on a port in use prints one line, exits 2 and leaves no process behind', LONG, async () => {
    await withTakenPort(async (port) => {
      const p = cli('serve', '--port', String(port), '--db', db, '--config', config);
      await expectRefusedForBusyPort(p, port);
    });
  });

  it('stops on the first SIGTERM after serving an OCR command: exit 0, no process left', LONG, async () => {
    const { p, url, learnerPid } = await serve('--config', withLearner);
    expect(learnerPid).toBeDefined();
    const res = await command(url, 'read the title');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { result: { answer: string } }).result.answer).toMatch(/Invoice Editor/);
    p.proc.kill('SIGTERM');
    const exit = await p.exit(120_000);
    expect(exit, `still running 120 s after SIGTERM\n${p.out()}\n${p.err()}`).toBeDefined();
    expect(exit!.code).toBe(0);
    expect(p.out()).toMatch(/stopped in \d+ ms/);
    // Request logs are at info; the default level is warn, so a request leaves no line in the terminal.
    expect(p.out()).not.toMatch(/incoming request|request completed/);
    expect(p.err()).not.toMatch(/still kept the process alive/);
    expect(p.seen.has(learnerPid!)).toBe(true);
    expect(stillAlive(p.seen)).toEqual([]);
  });

  it('exits at once on a second signal while a request is still in flight (exit 1)', LONG, async () => {
    const slow = join(dir, 'slow-stop.config.json');
    writeFileSync(
      slow,
      JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), server: { shutdownTimeoutMs: 600_000 } }),
    );
    const { p, url } = await serve('--config', slow, '--log-level', 'info');
    const inFlight = command(url, 'count the red circles').catch(() => undefined);
    // Fastify logs each request as it arrives (at info): then it is in flight, spinning in the sandbox.
    await p.waitFor(/"url":"\/v1\/commands"/, 60_000);
    p.proc.kill('SIGTERM');
    await p.waitFor(/shutting down/, 60_000);
    p.proc.kill('SIGTERM');
    const exit = await p.exit(60_000);
    expect(exit, p.out() + p.err()).toBeDefined();
    expect(exit!.code).toBe(1);
    expect(p.err()).toMatch(/second SIGTERM — exiting now/);
    await inFlight;
    // The sandbox children and the learner notice their parent is gone.
    await expect.poll(() => stillAlive(p.seen), { timeout: 60_000, interval: 200 }).toEqual([]);
  });

  it(
    'exits at the shutdown deadline when a request does not finish (exit 1), leaving no process',
    LONG,
    async () => {
      const quick = join(dir, 'quick-stop.config.json');
      writeFileSync(
        quick,
        JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), server: { shutdownTimeoutMs: 1000 } }),
      );
      const { p, url } = await serve('--config', quick, '--log-level', 'info');
      const inFlight = command(url, 'count the red circles').catch(() => undefined);
      await p.waitFor(/"url":"\/v1\/commands"/, 60_000);
      p.proc.kill('SIGTERM');
      // The spinning request would hold a graceful stop for 60 s (its sandbox limit); the deadline is 1 s.
      const exit = await p.exit(45_000);
      expect(exit, p.out() + p.err()).toBeDefined();
      expect(exit!.code).toBe(1);
      expect(p.err()).toMatch(/shutdown did not finish within 1000 ms \(config server\.shutdownTimeoutMs\)/);
      await inFlight;
      await expect.poll(() => stillAlive(p.seen), { timeout: 60_000, interval: 200 }).toEqual([]);
    },
  );

  it('killed with SIGKILL leaves no learner (or any other process) running', LONG, async () => {
    const { p, learnerPid } = await serve('--config', withLearner);
    expect(learnerPid).toBeDefined();
    // The learner is up (it says so on the server's stderr, which it shares) before the server dies.
    await expect.poll(() => p.err(), { timeout: 120_000, interval: 200 }).toMatch(/learner \d+ working on/);
    p.proc.kill('SIGKILL');
    await p.exit(30_000);
    expect(p.seen.has(learnerPid!)).toBe(true);
    await expect.poll(() => stillAlive(p.seen), { timeout: 60_000, interval: 200 }).toEqual([]);
  });
});
