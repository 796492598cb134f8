// The process tier's outer walls (issue 16 item 9): a missing network namespace or a root child is refused
// (fail closed) unless the operator accepts the risk by its config key, and on a root host the children really
// run as nobody, without capabilities, in a network namespace of their own.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHealth } from '../runtime/index.js';
import { createMemoryStore } from '../store/index.js';
import { createProcessTier, createSandboxTier, resolveOptions } from './index.js';
import type { ProcessPoolTier } from './process-tier.js';
import { findOnPath, hostFacts, UNPRIVILEGED_ID, unreadableBy } from './host-facts.js';
import type { HostFacts } from './host-facts.js';
import { launchSpec } from './os-layers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'bin/ironcliw.js');
const facts = hostFacts();
const spec = (o: Parameters<typeof resolveOptions>[0], f: HostFacts) =>
  launchSpec({ ...resolveOptions(o), container: false, sdkMethods: [] }, f);

function status(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

describe('fail closed: the decisions, for any machine', () => {
  const noNetns: HostFacts = {
    ...facts,
    unshare: null,
    netns: { ok: false, detail: 'unshare (util-linux) is not installed', flags: [] },
  };

  it('refuses a process tier without a network namespace, naming the key that accepts the risk', () => {
    const s = spec({}, noNetns);
    expect(s.refusal).toMatch(/network isolation is unavailable/);
    expect(s.refusal).toContain('sandbox.allowSharedNetwork');
    const accepted = spec({ allowSharedNetwork: true }, noNetns);
    expect(accepted.refusal).toBeNull();
    const layer = accepted.layers.find((l) => l.name === 'network-namespace');
    expect(layer).toMatchObject({ active: false });
    expect(layer?.detail).toContain('allowSharedNetwork');
    expect([accepted.command, ...accepted.args]).not.toContain('unshare');
  });

  it('refuses root children where they cannot be dropped, naming the key that accepts the risk', () => {
    const root: HostFacts = { ...facts, isRoot: true, setpriv: null };
    const s = spec({}, root);
    expect(s.refusal).toContain('setpriv');
    expect(s.refusal).toContain('sandbox.allowRootChildren');
    const accepted = spec({ allowRootChildren: true }, root);
    expect(accepted.refusal).toBeNull();
    expect(accepted.layers.find((l) => l.name === 'unprivileged-user')).toMatchObject({ active: false });
  });

  it('drops only on a root host, and keeps the walls in order: rlimits, network, identity, node', () => {
    const setpriv = facts.setpriv ?? '/usr/bin/setpriv';
    const netns = { ok: true, detail: 'ok', flags: ['-n'] };
    const root = spec({}, { ...facts, isRoot: true, setpriv, unshare: '/usr/bin/unshare', netns });
    const line = [root.command, ...root.args];
    const at = (p: string) => line.findIndex((a) => a === p || a.endsWith(`/${p}`));
    expect(root.refusal).toBeNull();
    expect(at('unshare')).toBeGreaterThan(at('prlimit'));
    expect(at('setpriv')).toBeGreaterThan(at('unshare'));
    expect(line).toContain(`--reuid=${UNPRIVILEGED_ID}`);
    expect(line).toContain('--no-new-privs');
    const user = spec({}, { ...facts, isRoot: false, setpriv, unshare: '/usr/bin/unshare', netns });
    expect(user.refusal).toBeNull();
    expect([user.command, ...user.args].some((a) => a.endsWith('setpriv'))).toBe(false);
    expect(user.layers.find((l) => l.name === 'unprivileged-user')?.active).toBe(true);
  });
});

describe('the child can read its files once dropped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'walls-private-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names a folder nobody may not enter, and passes a readable install', () => {
    const file = join(dir, 'child.mjs');
    writeFileSync(file, '');
    chmodSync(dir, 0o700);
    expect(unreadableBy(file, UNPRIVILEGED_ID, UNPRIVILEGED_ID)).toContain(`${dir} is not searchable`);
    chmodSync(dir, 0o755);
    chmodSync(file, 0o600);
    expect(unreadableBy(file, UNPRIVILEGED_ID, UNPRIVILEGED_ID)).toContain('is not readable');
    chmodSync(file, 0o644);
    expect(unreadableBy(file, UNPRIVILEGED_ID, UNPRIVILEGED_ID)).toBeNull();
  });

  it.skipIf(!facts.isRoot || !facts.setpriv)(
    'refuses to start a root host’s tier whose Node binary sits where nobody cannot reach it',
    async () => {
      const hidden = join(dir, 'hidden');
      mkdirSync(hidden, { mode: 0o700 });
      chmodSync(hidden, 0o700);
      symlinkSync(process.execPath, join(hidden, 'node'));
      const tier = createProcessTier({ poolSize: 1, nodePath: join(hidden, 'node') });
      const a = await tier.availability();
      await tier.close();
      expect(a.available).toBe(false);
      expect(a.reason).toContain(`${hidden} is not searchable by uid ${UNPRIVILEGED_ID}`);
      expect(a.reason).toContain('sandbox.allowRootChildren');
    },
  );
});

describe('a live process tier on this machine', () => {
  let tier: ProcessPoolTier;
  beforeAll(async () => {
    tier = createProcessTier({ poolSize: 1 });
    expect(await tier.availability()).toEqual({ available: true });
  });
  afterAll(async () => {
    await tier.close();
  });

  it.skipIf(!facts.isRoot)('runs a root host’s children as nobody, without capabilities', async () => {
    const [pid] = tier.childPids();
    const s = status(pid as number);
    // Node 20 names its main thread 'node' in /proc; Node 24 names it 'MainThread'.
    expect(s['Name']).toMatch(/^(node|MainThread)$/);
    expect(s['Uid']?.split(/\s+/)).toEqual(Array(4).fill(String(UNPRIVILEGED_ID)));
    expect(s['Gid']?.split(/\s+/)).toEqual(Array(4).fill(String(UNPRIVILEGED_ID)));
    expect(s['Groups']).toBe('');
    expect(s['CapEff']).toMatch(/^0+$/);
    expect(s['CapBnd']).toMatch(/^0+$/);
    expect(s['NoNewPrivs']).toBe('1');
    // …and it still reads its runtime files: it serves.
    const r = await tier.run({
      code: 'export default async () => 42',
      input: {},
      permissions: [],
      limits: { timeoutMs: 2000, memoryMb: 32 },
    });
    expect(r).toMatchObject({ status: 'ok', output: 42 });
  });

  it.skipIf(!facts.netns.ok)('puts the child in a network namespace of its own', () => {
    const [pid] = tier.childPids();
    expect(readlinkSync(`/proc/${pid}/ns/net`)).not.toBe(readlinkSync('/proc/self/ns/net'));
  });

  it('reports every layer, active or not, in /healthz', async () => {
    const store = createMemoryStore();
    const h = await checkHealth({ store, sandbox: tier, closed: false });
    const names = h.checks.sandbox.layers.map((l) => l.name);
    expect(names).toEqual(
      expect.arrayContaining(['engine', 'rlimits', 'network-namespace', 'unprivileged-user', 'watchdog']),
    );
    expect(h.checks.sandbox.layers.find((l) => l.name === 'network-namespace')?.active).toBe(facts.netns.ok);
    await store.close();
  });
});

// End to end with a machine that really has no `unshare`: the CLI runs with a PATH that lacks it.
describe('the CLI on a machine without unshare', () => {
  const dir = mkdtempSync(join(tmpdir(), 'walls-nounshare-'));
  const bin = join(dir, 'bin');
  const module = join(dir, 'ok.js');
  beforeAll(() => {
    mkdirSync(bin);
    for (const tool of ['prlimit', 'setpriv']) {
      const p = findOnPath(tool);
      if (p) symlinkSync(p, join(bin, tool));
    }
    writeFileSync(module, 'export default async function run() { return 1; }');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: bin, HOME: dir },
    });

  it('refuses the process tier (exit 1) and names sandbox.allowSharedNetwork; accepting it runs', () => {
    const refused = cli(['sandbox', module]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('E_SANDBOX_UNAVAILABLE');
    expect(refused.stderr).toContain('sandbox.allowSharedNetwork');
    writeFileSync(
      join(dir, 'ironcliw.config.json'),
      JSON.stringify({ sandbox: { allowSharedNetwork: true } }),
    );
    const accepted = cli(['sandbox', module, '--json']);
    expect(accepted.stderr).toBe('');
    expect(accepted.status).toBe(0);
    expect(JSON.parse(accepted.stdout)).toMatchObject({ status: 'ok', output: 1 });
  });

  it('status shows the network layer off once the risk is accepted', () => {
    writeFileSync(
      join(dir, 'ironcliw.config.json'),
      JSON.stringify({ sandbox: { allowSharedNetwork: true } }),
    );
    const r = cli(['status', '--db', 'memory:', '--json']);
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout) as { sandbox: { layers: Array<{ name: string; active: boolean }> } };
    expect(s.sandbox.layers.find((l) => l.name === 'network-namespace')).toMatchObject({ active: false });
  });
});

describe('createSandboxTier', () => {
  it('throws E_SANDBOX_UNAVAILABLE with the refusal', async () => {
    // A tier whose Node binary does not exist fails to start: the same path a refused wall takes.
    await expect(
      createSandboxTier('process', { poolSize: 1, nodePath: '/nonexistent/node' }),
    ).rejects.toMatchObject({ code: 'E_SANDBOX_UNAVAILABLE' });
    await expect(
      createSandboxTier('container', { poolSize: 1, nodePath: '/nonexistent/node' }),
    ).rejects.toMatchObject({ code: 'E_SANDBOX_UNAVAILABLE' });
  });
});
