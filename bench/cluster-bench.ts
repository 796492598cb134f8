import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { newId } from '../src/domain/index.js';
import { openStore } from '../src/store/index.js';
import type { Figure } from './harness.js';
import type { LoadOutcome } from './load-generator.js';
import { runLoad } from './load-generator.js';
import { mixedLoad, smallScreen } from './load-mix.js';

/**
 * Throughput of 1 and of 3 `ironcliw serve` processes on one PostgreSQL (issue 11), measured from the
 * outside with the http suite's load generator: the same mix (9 built-in commands for each unhandled one,
 * whose failure every node writes to the shared database) and the same number of connections in total,
 * spread over the nodes as a round-robin load balancer would. Learning is off in these nodes, so the
 * figures are the serving path's.
 *
 * On a machine with fewer cores than nodes + PostgreSQL + the load generator, three nodes share the cores
 * one node had: the ratio says what the deployment costs or gains *here*, not on a machine per node. What
 * must hold anywhere: every failure a node answered is in the database (nothing lost between nodes).
 *
 * Database: `IRONCLIW_BENCH_PG` (default `postgres://postgres@127.0.0.1:5432/test`), in a fresh schema that
 * is dropped afterwards. Without a reachable PostgreSQL the suite reports that and measures nothing.
 */

const ENTRY = fileURLToPath(new URL('../dist/cli/entry.js', import.meta.url));
const CONNECTIONS = 30;
const DURATION_MS = 8000;

interface BenchNode {
  url: string;
  stop(): Promise<void>;
}

async function startNode(db: string, dir: string, i: number): Promise<BenchNode> {
  const config = join(dir, `node-${i}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      server: { rateLimitPerMinute: 0, logLevel: 'silent' },
      pipeline: { enabled: false },
      sharing: { keysDir: join(dir, 'keys') },
    }),
  );
  const proc: ChildProcess = spawn(
    process.execPath,
    [ENTRY, 'serve', '--port', '0', '--db', db, '--config', config],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node ${i} did not start in 30 s:\n${out}`)), 30_000);
    const check = () => {
      const m = /serving on (http:\/\/[^\s]+) /.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node ${i} exited (${code}) before serving:\n${out}`));
    });
  });
  return {
    url,
    async stop() {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Whether PostgreSQL answers at `url` (a bench on a machine without one reports that instead). */
async function reachable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await client.end().catch(() => {});
  }
}

interface ClusterRun {
  throughput: number;
  p99Ms: number;
  /** Unhandled commands answered 2xx with a failure (each must be a row in the database). */
  failuresAnswered: number;
  failuresStored: number;
  errors: number;
}

async function measureCluster(baseUrl: string, nodes: number, png: string): Promise<ClusterRun> {
  const schema = `ironcliw_bench_${newId('s').slice(2, 14).toLowerCase()}`;
  const db = `${baseUrl}${baseUrl.includes('?') ? '&' : '?'}schema=${schema}`;
  const dir = mkdtempSync(join(tmpdir(), 'ironcliw-cluster-bench-'));
  const started: BenchNode[] = [];
  try {
    // One node first: it runs the migrations; the others find them done (they would wait on the lock).
    started.push(await startNode(db, dir, 0));
    started.push(
      ...(await Promise.all(Array.from({ length: nodes - 1 }, (_, i) => startNode(db, dir, i + 1)))),
    );
    const requests = mixedLoad(png, { handled: 'what can you do', failing: 'one-user' });
    const share = (i: number) => Math.floor(CONNECTIONS / nodes) + (i < CONNECTIONS % nodes ? 1 : 0);
    const loads: LoadOutcome[] = await Promise.all(
      started.map((n, i) =>
        runLoad({ url: n.url, connections: share(i), durationMs: DURATION_MS, requests }),
      ),
    );
    // Weighted by requests: the p99 of the combined distribution is not available, the worst node's is.
    const failuresAnswered = loads.reduce((s, l) => s + (l.answers.failing?.notOk ?? 0), 0);
    const store = await openStore(db);
    let failuresStored: number;
    try {
      failuresStored = await store.failures.count();
    } finally {
      await store.close();
    }
    return {
      throughput: loads.reduce((s, l) => s + l.throughput, 0),
      p99Ms: Math.max(...loads.map((l) => Math.max(...Object.values(l.byKind).map((k) => k.p99Ms)))),
      failuresAnswered,
      failuresStored,
      errors: loads.reduce(
        (s, l) =>
          s +
          l.connectionErrors +
          l.timeouts +
          Object.entries(l.statuses)
            .filter(([status]) => !status.startsWith('2'))
            .reduce((t, [, n]) => t + n, 0),
        0,
      ),
    };
  } finally {
    await Promise.all(started.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  }
}

export async function clusterFigures(): Promise<Figure[]> {
  const baseUrl = process.env.IRONCLIW_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
  const away = await reachable(baseUrl);
  if (away) {
    process.stdout.write(`cluster: PostgreSQL at ${baseUrl} is not reachable (${away}); nothing measured\n`);
    return [];
  }
  const png = await smallScreen();
  const one = await measureCluster(baseUrl, 1, png);
  const three = await measureCluster(baseUrl, 3, png);
  const mix = `${CONNECTIONS} connections in all, 10% unhandled (a failure row each)`;
  return [
    {
      name: 'cluster: throughput, 1 node on PostgreSQL',
      value: one.throughput,
      unit: 'req/s',
      note: `${mix}; p99 ${one.p99Ms.toFixed(1)} ms; ${one.errors} non-2xx/errors`,
    },
    {
      name: 'cluster: throughput, 3 nodes on one PostgreSQL',
      value: three.throughput,
      unit: 'req/s',
      peer: { name: '1 node', value: one.throughput },
      note: `${mix}, split over the nodes; worst node p99 ${three.p99Ms.toFixed(1)} ms; ${three.errors} non-2xx/errors; the nodes share this machine's cores`,
    },
    {
      name: 'cluster: failures answered by 3 nodes and stored',
      value: three.failuresAnswered ? three.failuresStored / three.failuresAnswered : 0,
      unit: 'ratio',
      budget: { min: 1, unit: 'ratio' },
      note: `${three.failuresStored} rows for ${three.failuresAnswered} failure answers (1 node: ${one.failuresStored}/${one.failuresAnswered})`,
    },
  ];
}
