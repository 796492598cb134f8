import type { FastifyInstance } from 'fastify';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RolloutStage } from '../domain/index.js';
import type { Ironcliw } from '../ironcliw.js';
import { createIroncliw } from '../ironcliw.js';
import { generatedCount } from '../../test/support/verification-capabilities.js';
import { countScene, decodeImage, findShapes, renderScene } from '../vision/index.js';
import { buildServer } from './server.js';

/**
 * The walls of the HTTP surface (docs/security.md), each finding of issue 16 (items 3, 6, 7, 8) and issue 15
 * item 5 pinned by a request that got through on the old main.
 */

const STAFF_KEY = 'staff-key-0123456789abcdef';
const APP_KEY = 'app-key-0123456789abcdefgh';
const ADMIN_KEY = 'admin-key-0123456789abcdef';
const CLIENTS = [
  { name: 'staff', key: STAFF_KEY, groups: ['internal'] },
  { name: 'app', key: APP_KEY, groups: ['beta'] },
  { name: 'ops', key: ADMIN_KEY, admin: true },
];

const cap = generatedCount(['color', 'shape']);
const COMMAND = 'count the red circles';
let pngBase64: string;
let png: Buffer;
/** Ground truth of the scene: what the renderer drew, not what the code under test finds. */
let redCircles: number;

async function open(extra: Record<string, unknown> = {}) {
  const ironcliw = await createIroncliw(
    {
      db: 'memory:',
      server: { clients: CLIENTS, ...((extra['server'] as object) ?? {}) },
      ...omit(extra, 'server'),
    },
    { startWorkers: false },
  );
  const app = await buildServer(ironcliw);
  return { ironcliw, app };
}

function omit(o: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _drop, ...rest } = o;
  return rest;
}

/** A learned capability at `stage` (no earlier stable version), as the pipeline would leave it. */
async function install(ironcliw: Ironcliw, stage: RolloutStage, percentage: number) {
  const at = new Date().toISOString();
  await ironcliw.store.capabilities.put(cap);
  await ironcliw.store.rollouts.save({
    id: 'rol_sec',
    capabilityId: cap.manifest.id,
    version: 1,
    stage,
    percentage,
    rolloutKey: `${cap.manifest.id}:v1`,
    stageEnteredAt: at,
    updatedAt: at,
  });
  await ironcliw.refresh();
}

beforeAll(async () => {
  const scene = await renderScene(
    countScene({ color: 'red', shape: 'circle', region: 'content', count: 3, seed: 5 }),
  );
  png = scene.png;
  redCircles = scene.truth.filter((t) => t.shape === 'circle' && t.color === 'red').length;
  pngBase64 = png.toString('base64');
  // OpenCV's first load takes seconds on a busy machine; a capability's run must not pay for it.
  await findShapes(await decodeImage(png));
});

const command = (
  app: FastifyInstance,
  context: Record<string, unknown> | undefined,
  headers: Record<string, string> = {},
  extra: Record<string, unknown> = {},
) =>
  app.inject({
    method: 'POST',
    url: '/v1/commands',
    payload: { command: COMMAND, ...(context ? { context } : {}), screen: { pngBase64 } },
    headers,
    ...extra,
  });

describe('identity: groups come from credentials, never from an anonymous body (issue 16.3)', () => {
  let ironcliw: Ironcliw;
  let app: FastifyInstance;
  beforeAll(async () => {
    ({ ironcliw, app } = await open({
      server: { trustProxy: ['10.0.0.5'], proxyIdentity: {} },
    }));
    await install(ironcliw, 'development', 0);
  });
  afterAll(async () => {
    await app.close();
    await ironcliw.close();
  });

  it('refuses 50 of 50 anonymous callers who claim the internal group, and serves none of them', async () => {
    const statuses = new Map<number, number>();
    for (let i = 0; i < 50; i++) {
      const res = await command(app, { user: `u${i}`, groups: ['internal'] });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      expect(res.json().error?.code).toBe('E_FORBIDDEN');
      expect(res.json().ok).toBeUndefined();
    }
    expect([...statuses]).toEqual([[403, 50]]);
    // Without the claim they are simply not in the rollout.
    const plain = await command(app, { user: 'u1' });
    expect(plain.json()).toMatchObject({ ok: false, failure: { category: 'missing_handler' } });
  });

  it('lets a client assert only the groups its key allows', async () => {
    const wrong = await command(app, { user: 'ana', groups: ['internal'] }, { 'x-api-key': APP_KEY });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.message).toContain('client "app" may not assert group "internal"');
    const staff = await command(app, { user: 'ana', groups: ['internal'] }, { 'x-api-key': STAFF_KEY });
    expect(staff.json()).toMatchObject({ ok: true, capability: { id: cap.manifest.id, version: 1 } });
    expect(staff.json().result.data.count).toBe(redCircles);
    const bad = await command(app, { user: 'ana' }, { 'x-api-key': STAFF_KEY.slice(0, -1) });
    expect(bad.statusCode).toBe(401);
    expect((await command(app, { user: 'ana' }, { 'x-api-key': STAFF_KEY + 'x' })).statusCode).toBe(401);
  });

  it('believes identity headers only from a trusted proxy address', async () => {
    const headers = { 'x-ironcliw-user': 'dana', 'x-ironcliw-groups': 'internal, other' };
    const viaProxy = await command(app, undefined, headers, { remoteAddress: '10.0.0.5' });
    expect(viaProxy.json()).toMatchObject({ ok: true, capability: { id: cap.manifest.id } });
    const direct = await command(app, undefined, headers, { remoteAddress: '10.0.0.9' });
    expect(direct.json()).toMatchObject({ ok: false, failure: { category: 'missing_handler' } });
    const contradicts = await command(app, { user: 'eve' }, headers, { remoteAddress: '10.0.0.5' });
    expect(contradicts.json().error.code).toBe('E_FORBIDDEN');
  });

  it('never counts anonymous or invented user ids as distinct users for learning', async () => {
    const before = (await ironcliw.store.failures.count()) as number;
    const flood = 'count the purple triangles in the sidebar';
    for (let i = 0; i < 12; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/commands',
        payload: { command: flood, ...(i % 3 ? { context: { user: `bot${i}` } } : {}) },
      });
      expect(res.json()).toMatchObject({ ok: false });
    }
    expect(await ironcliw.store.failures.count()).toBe(before + 12);
    const [last] = await ironcliw.store.failures.list({ limit: 1 });
    const signature = last!.signature;
    // Failures are folded into their pattern after the answer, in the background.
    await expect
      .poll(() => ironcliw.store.patterns.getBySignature(signature!), { timeout: 10_000, interval: 10 })
      .toMatchObject({ count: 12, distinctUsers: 0, status: 'collecting' });
    // Users a client vouches for do count.
    for (const user of ['ana', 'ben']) {
      await app.inject({
        method: 'POST',
        url: '/v1/commands',
        payload: { command: flood, context: { user } },
        headers: { 'x-api-key': APP_KEY },
      });
    }
    await expect
      .poll(async () => (await ironcliw.store.patterns.getBySignature(signature!))?.distinctUsers, {
        timeout: 10_000,
        interval: 10,
      })
      .toBe(2);
  });
});

describe('a request without context.user (issue 15.5)', () => {
  it('is served what a 100% production stage serves, and is told the truth before that', async () => {
    const { ironcliw, app } = await open();
    try {
      await install(ironcliw, 'canary', 100);
      const early = await command(app, undefined);
      expect(early.json().ok).toBe(false);
      expect(early.json().failure.message).toContain(
        'requests without context.user get it when it reaches production',
      );
      await ironcliw.store.rollouts.save({
        ...(await ironcliw.store.rollouts.get(cap.manifest.id))!,
        stage: 'production',
        percentage: 10_000,
        updatedAt: new Date(Date.now() + 1000).toISOString(),
      });
      await ironcliw.refresh();
      const res = await command(app, undefined);
      expect(res.json(), res.body).toMatchObject({
        ok: true,
        capability: { id: cap.manifest.id, version: 1 },
      });
    } finally {
      await app.close();
      await ironcliw.close();
    }
  });
});

describe('cross-site requests and DNS rebinding (issue 16.6)', () => {
  let ironcliw: Ironcliw;
  let app: FastifyInstance;
  beforeAll(async () => {
    ({ ironcliw, app } = await open({
      server: { clients: [], allowedOrigins: ['https://ops.example'], allowedHosts: ['ironcliw.internal'] },
    }));
    await install(ironcliw, 'canary', 100);
  });
  afterAll(async () => {
    await app.close();
    await ironcliw.close();
  });
  const pause = (headers: Record<string, string>, payload?: string) =>
    app.inject({
      method: 'POST',
      url: `/v1/rollouts/${cap.manifest.id}/pause`,
      headers,
      ...(payload === undefined ? {} : { payload }),
    });

  it('refuses a body-less cross-site POST and leaves the rollout as it was', async () => {
    const res = await pause({ origin: 'http://evil.example' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('E_FORBIDDEN');
    const json = await pause({ origin: 'http://evil.example', 'content-type': 'application/json' }, '{}');
    expect(json.statusCode).toBe(403);
    const fetchMeta = await pause(
      { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
      '{}',
    );
    expect(fetchMeta.statusCode).toBe(403);
    expect((await ironcliw.rollouts.get(cap.manifest.id))?.stage).toBe('canary');
  });

  it('requires application/json on every mutating route', async () => {
    for (const type of [undefined, 'text/plain', 'application/x-www-form-urlencoded']) {
      const res = await pause(type ? { 'content-type': type } : {}, type ? 'reason=x' : undefined);
      expect({ type, status: res.statusCode, code: res.json().error?.code }).toEqual({
        type,
        status: 415,
        code: 'E_UNSUPPORTED_MEDIA_TYPE',
      });
    }
    const cmd = await app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: { 'content-type': 'text/plain' },
      payload: '{"command":"help"}',
    });
    expect(cmd.statusCode).toBe(415);
    expect((await ironcliw.rollouts.get(cap.manifest.id))?.stage).toBe('canary');
  });

  it('accepts same-origin and allow-listed origins', async () => {
    const same = await pause(
      { origin: 'http://localhost:80', host: 'localhost:80', 'content-type': 'application/json' },
      '{"reason":"from the dashboard"}',
    );
    expect(same.statusCode).toBe(200);
    const listed = await app.inject({
      method: 'POST',
      url: `/v1/rollouts/${cap.manifest.id}/resume`,
      headers: { origin: 'https://ops.example', 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(listed.statusCode).toBe(200);
  });

  it('answers GET routes only to its own host names (DNS rebinding)', async () => {
    const get = (host: string) => app.inject({ method: 'GET', url: '/v1/status', headers: { host } });
    expect((await get('evil.example:7878')).statusCode).toBe(403);
    expect((await get('evil.example:7878')).json().error.code).toBe('E_FORBIDDEN');
    for (const host of ['127.0.0.1:7878', 'localhost:7878', '[::1]:7878', 'ironcliw.internal', '10.1.2.3'])
      expect({ host, status: (await get(host)).statusCode }).toEqual({ host, status: 200 });
    // Load balancers probe by whatever name they use.
    const probe = await app.inject({ method: 'GET', url: '/healthz', headers: { host: 'lb.example' } });
    expect(probe.statusCode).toBe(200);
  });
});

describe('screen.path inside server.screenRoot (issue 16.7)', () => {
  it('follows no symlink out of the root, and never shows a server path or whether a file outside exists', async () => {
    const root = mkdtempSync(join(tmpdir(), 'screens-'));
    const outside = mkdtempSync(join(tmpdir(), 'outside-'));
    writeFileSync(join(outside, 'secret.png'), png);
    writeFileSync(join(root, 'ok.png'), png);
    mkdirSync(join(root, 'sub'));
    symlinkSync(join(outside, 'secret.png'), join(root, 'exists.png'));
    symlinkSync(join(outside, 'missing.png'), join(root, 'dangling.png'));
    symlinkSync('/etc/passwd', join(root, 'passwd.png'));
    symlinkSync(outside, join(root, 'sub', 'dir'));
    const { ironcliw, app } = await open({ server: { screenRoot: root, clients: [] } });
    try {
      const ask = (path: string) =>
        app.inject({
          method: 'POST',
          url: '/v1/commands',
          payload: { command: 'describe the screen', screen: { path } },
        });
      const ok = await ask('ok.png');
      expect(ok.statusCode).toBe(200);
      const answers = new Map<string, { status: number; code: string; message: string }>();
      for (const path of ['exists.png', 'dangling.png', 'passwd.png', 'sub/dir/secret.png', 'nope.png']) {
        const res = await ask(path);
        const e = res.json().error;
        answers.set(path, {
          status: res.statusCode,
          code: e?.code,
          message: String(e?.message).replace(path, '<p>'),
        });
        expect(JSON.stringify(res.json())).not.toContain(tmpdir());
        expect(JSON.stringify(res.json())).not.toContain('/etc');
      }
      // One answer for all: the outside file that exists is indistinguishable from one that does not.
      expect(new Set([...answers.values()].map((a) => JSON.stringify(a))).size).toBe(1);
      expect(answers.get('exists.png')).toMatchObject({ status: 400, code: 'E_SCREEN_UNREADABLE' });
      const escape = await ask('../x.png');
      expect(escape.json().error.code).toBe('E_INPUT_INVALID');
      expect(JSON.stringify(escape.json())).not.toContain(root);
    } finally {
      await app.close();
      await ironcliw.close();
    }
  });
});

describe('authentication before the body, rate limits, proxies (issue 16.8)', () => {
  it('refuses a wrong key before reading the body', async () => {
    const { ironcliw, app } = await open({ maxBodyBytes: 2048, server: { clients: CLIENTS } });
    try {
      const res = await app.inject({
        method: 'POST',
        url: `/v1/rollouts/x/pause`,
        headers: { 'x-api-key': 'wrong-key-0000000000', 'content-type': 'application/json' },
        payload: JSON.stringify({ reason: 'x'.repeat(8192) }),
      });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('E_UNAUTHORIZED');
      const noKey = await app.inject({
        method: 'POST',
        url: `/v1/rollouts/x/pause`,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ reason: 'x'.repeat(8192) }),
      });
      expect(noKey.statusCode).toBe(401);
      const notAdmin = await app.inject({
        method: 'POST',
        url: `/v1/rollouts/x/pause`,
        headers: { 'x-api-key': APP_KEY, 'content-type': 'application/json' },
        payload: '{}',
      });
      expect(notAdmin.statusCode).toBe(403);
      const admin = await app.inject({
        method: 'POST',
        url: `/v1/rollouts/x/pause`,
        headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' },
        payload: '{}',
      });
      expect(admin.json().error.code).toBe('E_NOT_FOUND');
    } finally {
      await app.close();
      await ironcliw.close();
    }
  });

  it('keeps /healthz answering through a flood, and buckets clients behind a trusted proxy apart', async () => {
    const { ironcliw, app } = await open({ server: { rateLimitPerMinute: 3, trustProxy: ['10.0.0.5'] } });
    try {
      for (let i = 0; i < 5; i++) await app.inject({ method: 'GET', url: '/v1/status' });
      expect((await app.inject({ method: 'GET', url: '/v1/status' })).statusCode).toBe(429);
      for (let i = 0; i < 10; i++)
        expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const behind = (client: string) =>
        app.inject({
          method: 'GET',
          url: '/v1/status',
          remoteAddress: '10.0.0.5',
          headers: { 'x-forwarded-for': client },
        });
      for (let i = 0; i < 3; i++) expect((await behind('203.0.113.1')).statusCode).toBe(200);
      expect((await behind('203.0.113.1')).statusCode).toBe(429);
      expect((await behind('203.0.113.2')).statusCode).toBe(200);
      // From an untrusted address X-Forwarded-For is ignored: one bucket, whatever it says.
      const direct = (client: string) =>
        app.inject({
          method: 'GET',
          url: '/v1/status',
          remoteAddress: '10.0.0.9',
          headers: { 'x-forwarded-for': client },
        });
      for (let i = 0; i < 3; i++) await direct(`198.51.100.${i}`);
      expect((await direct('198.51.100.99')).statusCode).toBe(429);
    } finally {
      await app.close();
      await ironcliw.close();
    }
  });
});
