import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveOptions } from './options.js';
import { bwrapUsable, launchSpec } from './os-layers.js';
import { createContainerTier } from './process-tier.js';
import type { ProcessPoolTier } from './process-tier.js';

// Node 20 names its main thread 'node' in /proc; Node 24 names it 'MainThread'.
const NODE_COMM = /^(node|MainThread)$/;

// Reported as skipped (never passed) where bubblewrap is missing or cannot create namespaces.
const usable = bwrapUsable();

describe('container tier availability', () => {
  it('reports availability honestly', async () => {
    const tier = createContainerTier({ poolSize: 1 });
    const a = await tier.availability();
    expect(a.available).toBe(usable.ok);
    if (!usable.ok) expect(a.reason).toContain('bwrap');
    await tier.close();
  });
});

describe.skipIf(!usable.ok)('container tier (bubblewrap)', () => {
  const SECRET = `container-secret-${process.pid}`;
  const MARKER = join(tmpdir(), `ironcliw-container-marker-${process.pid}`);
  let tier: ProcessPoolTier;
  beforeAll(async () => {
    process.env['IRONCLIW_CONTAINER_TEST_SECRET'] = SECRET;
    tier = createContainerTier({ poolSize: 1 });
    expect(await tier.availability()).toEqual({ available: true });
  });
  afterAll(async () => {
    await tier.close();
    delete process.env['IRONCLIW_CONTAINER_TEST_SECRET'];
    rmSync(MARKER, { force: true });
  });

  it('runs a module with the host SDK', async () => {
    const r = await tier.run({
      code: `export default async function run(input, sdk) { return { n: input.n * 2, t: await sdk.clock.now() }; }`,
      input: { n: 21 },
      permissions: [],
      limits: { timeoutMs: 2000, memoryMb: 32 },
      host: { call: async () => 7 },
    });
    expect(r).toMatchObject({ status: 'ok', output: { n: 42, t: 7 } });
  });

  it('contains an infinite loop and a memory bomb, then still serves', async () => {
    const loop = await tier.run({
      code: `export default async () => { for (;;) {} }`,
      input: {},
      permissions: [],
      limits: { timeoutMs: 300, memoryMb: 32 },
    });
    expect(loop.status).toBe('timeout');
    const bomb = await tier.run({
      code: `export default async () => 'x'.repeat(2 ** 29).length`,
      input: {},
      permissions: [],
      limits: { timeoutMs: 2000, memoryMb: 32 },
    });
    expect(bomb.status).toBe('memory');
    const ok = await tier.run({
      code: `export default async () => 1`,
      input: {},
      permissions: [],
      limits: { timeoutMs: 2000, memoryMb: 32 },
    });
    expect(ok.status).toBe('ok');
  });

  it('puts the child in its own namespaces and leaks no environment', async () => {
    const r = await tier.run({
      code: `export default async function run() { return [typeof process, typeof std, typeof os]; }`,
      input: {},
      permissions: [],
      limits: { timeoutMs: 2000, memoryMb: 32 },
    });
    expect(JSON.stringify(r)).not.toContain(SECRET);
    expect(r.output).toEqual(['undefined', 'undefined', 'undefined']);
    expect(existsSync(MARKER)).toBe(false);
    // bwrap's pid is the child we spawned; its descendants live in new namespaces.
    for (const pid of tier.childPids()) expect(readlinkSync(`/proc/${pid}/ns/net`)).toBeTruthy();
    const layers = (await tier.capabilities()).layers;
    expect(layers.find((l) => l.name === 'bubblewrap')?.active).toBe(true);
  });

  it('close() leaves no child', async () => {
    const t = createContainerTier({ poolSize: 1 });
    await t.availability();
    const pids = t.childPids();
    await t.close();
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});

/**
 * A stand-in for a guest that got out of QuickJS *and* Node's permission model: plain `node -e`, run inside
 * exactly the walls the container tier wraps around its children (same bwrap command line, same seccomp
 * program on fd 0), with none of the inner layers. What it can still see and do is what the walls allow.
 */
const ESCAPED = String.raw`
const fs = require('node:fs'), net = require('node:net');
const probe = (f) => { try { const v = f(); return v === undefined ? 'ok' : v; } catch (e) { return e.code || String(e); } };
const [store, repoFile] = JSON.parse(process.argv[1]);
const listen = () => new Promise((res) => {
  const s = net.createServer();
  s.once('error', (e) => res(e.code));
  s.listen(0, '127.0.0.1', () => s.close(() => res('listening')));
});
listen().then((inet) => process.stdout.write(JSON.stringify({
  uid: process.getuid(),
  root: fs.readdirSync('/').sort(),
  passwd: probe(() => fs.readFileSync('/etc/passwd', 'utf8').length),
  shadow: probe(() => fs.readFileSync('/etc/shadow', 'utf8').length),
  store: probe(() => fs.readFileSync(store, 'utf8').length),
  repoFile: probe(() => fs.readFileSync(repoFile, 'utf8').length),
  rootWrite: probe(() => fs.writeFileSync('/planted', 'x')),
  inet,
})));
`;

describe.skipIf(!usable.ok)('container walls against an escaped guest', () => {
  const REPO = fileURLToPath(new URL('../..', import.meta.url));
  const storeDir = join(REPO, '.ironcliw');
  const store = join(storeDir, `walls-test-${process.pid}.db`);
  const repoFile = join(REPO, 'package.json');
  const spec = launchSpec({ ...resolveOptions({}), container: true, sdkMethods: [] });
  beforeAll(() => {
    mkdirSync(storeDir, { recursive: true });
    writeFileSync(store, 'SQLite format 3 — a stand-in for the project store');
  });
  afterAll(() => rmSync(store, { force: true }));

  const escaped = (withFilter: boolean) => {
    const w = spec.wrapper!;
    const args = withFilter
      ? w.args
      : w.args.filter((a, i, all) => a !== '--seccomp' && all[i - 1] !== '--seccomp');
    const r = spawnSync(w.command, [...args, spec.node, '-e', ESCAPED, JSON.stringify([store, repoFile])], {
      encoding: 'utf8',
      timeout: 30_000,
      env: {},
      ...(withFilter && spec.stdin ? { input: spec.stdin } : {}),
    });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };

  it('sees only its own files: no /etc, no project store, no checkout beyond the runtime files', () => {
    // The host can read all of these…
    expect(readFileSync('/etc/passwd', 'utf8').length).toBeGreaterThan(0);
    expect(readFileSync(store, 'utf8').length).toBeGreaterThan(0);
    const seen = escaped(true);
    // …the walled program cannot: they do not exist in there.
    expect(seen).toMatchObject({
      uid: 65534,
      passwd: 'ENOENT',
      shadow: 'ENOENT',
      store: 'ENOENT',
      repoFile: 'ENOENT',
      rootWrite: 'EROFS',
    });
    expect(seen['root']).not.toContain('etc');
    expect(seen['root']).not.toContain('home');
    expect(seen['root']).not.toContain('root');
    expect(readdirSync('/')).toContain('etc');
  });

  it('a system call the seccomp filter denies fails (and succeeds without the filter)', () => {
    expect(spec.layers.find((l) => l.name === 'seccomp')?.active).toBe(true);
    // An AF_INET socket: inside the empty network namespace listening on loopback works — unless filtered.
    expect(escaped(false)['inet']).toBe('listening');
    expect(escaped(true)['inet']).toBe('EPERM');
  });

  it('the live tier’s child runs under the filter', async () => {
    const tier = createContainerTier({ poolSize: 1 });
    try {
      expect(await tier.availability()).toEqual({ available: true });
      const [bwrapPid] = tier.childPids();
      // bwrap → (bwrap as pid 1 of the new namespace) → node: find the node process below it.
      const children = (pid: number): number[] =>
        readdirSync('/proc')
          .filter((d) => /^\d+$/.test(d))
          .map(Number)
          .filter((p) => {
            try {
              return Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]) === pid;
            } catch {
              return false;
            }
          });
      let node: number | undefined;
      const queue = [bwrapPid as number];
      while (queue.length && node === undefined) {
        const p = queue.shift() as number;
        for (const c of children(p)) {
          if (NODE_COMM.test(readFileSync(`/proc/${c}/comm`, 'utf8').trim())) node = c;
          queue.push(c);
        }
      }
      expect(node).toBeDefined();
      const st = readFileSync(`/proc/${node}/status`, 'utf8');
      expect(st).toMatch(/^Seccomp:\s+2$/m);
      expect(st).toMatch(/^NoNewPrivs:\s+1$/m);
    } finally {
      await tier.close();
    }
  });
});
