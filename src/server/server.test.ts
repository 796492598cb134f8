import type { FastifyInstance } from 'fastify';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ironcliw } from '../ironcliw.js';
import { createIroncliw } from '../ironcliw.js';
import { countScene, renderScene } from '../vision/index.js';
import { buildServer } from './server.js';

async function open(
  extra: Record<string, unknown> = {},
): Promise<{ ironcliw: Ironcliw; app: FastifyInstance }> {
  const ironcliw = await createIroncliw({ db: 'memory:', ...extra }, { startWorkers: false });
  const app = await buildServer(ironcliw);
  return { ironcliw, app };
}

describe('HTTP API', () => {
  let ironcliw: Ironcliw;
  let app: FastifyInstance;
  beforeAll(async () => ({ ironcliw, app } = await open()));
  afterAll(async () => {
    await app.close();
    await ironcliw.close();
  });

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/v1/commands', payload: payload as object, headers });

  it('answers a built-in command with exactly the documented fields', async () => {
    const res = await post({ command: 'what can you do', context: { user: 'ana' } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ ok: true, capability: { id: 'help', origin: 'builtin' } });
    expect(Object.keys(body).sort()).toEqual(['capability', 'latencyMs', 'ok', 'requestId', 'result']);
    expect(body.result.answer.length).toBeGreaterThan(0);
  });

  it('records an unhandled command as a failure and says so', async () => {
    const before = await ironcliw.store.failures.count();
    const res = await post({ command: 'count the green circles on the toolbar', context: { user: 'bo' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: false, failure: { category: 'missing_handler' } });
    expect(await ironcliw.store.failures.count()).toBe(before + 1);
  });

  it('refuses bad requests with codes and stores nothing', async () => {
    const before = await ironcliw.store.failures.count();
    const cases: Array<[unknown, number, string]> = [
      [{ command: 'help', extra: 1 }, 400, 'E_INPUT_INVALID'],
      [{ command: 42 }, 400, 'E_INPUT_INVALID'],
      [{}, 400, 'E_INPUT_INVALID'],
      [{ command: '   ' }, 400, 'E_COMMAND_EMPTY'],
      [{ command: 'x'.repeat(100_000) }, 413, 'E_COMMAND_TOO_LONG'],
      [{ command: 'count circles', screen: { pngBase64: 'bm90IGFuIGltYWdl' } }, 400, 'E_IMAGE_INVALID'],
      [{ command: 'count circles', context: { user: '' } }, 400, 'E_INPUT_INVALID'],
      // An empty screen is refused, not taken for no screen.
      [{ command: 'count circles', screen: { pngBase64: '' } }, 400, 'E_INPUT_INVALID'],
    ];
    for (const [payload, status, code] of cases) {
      const res = await post(payload);
      expect({ payload, status: res.statusCode, code: res.json().error?.code }).toEqual({
        payload,
        status,
        code,
      });
      expect(res.json().error.hint.length).toBeGreaterThan(0);
    }
    const malformed = await app.inject({
      method: 'POST',
      url: '/v1/commands',
      payload: '{"command": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('E_INPUT_INVALID');
    expect(await ironcliw.store.failures.count()).toBe(before);
  });

  it('answers unknown routes and capabilities with 404 E_NOT_FOUND', async () => {
    for (const url of ['/v1/nope', '/v1/capabilities/does-not-exist']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('E_NOT_FOUND');
    }
  });

  it('answers a health probe cheaply, and 503 once the node cannot serve', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('ok');
    expect(body.checks.store).toMatchObject({ ok: true, dialect: 'memory' });
    expect(body.checks.sandbox).toMatchObject({ ok: true, tier: 'process' });
    expect(Object.keys(body)).toEqual(['status', 'checks']);

    const other = await open();
    try {
      await other.ironcliw.close();
      const down = await other.app.inject({ method: 'GET', url: '/healthz' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toMatchObject({
        status: 'failing',
        checks: { sandbox: { ok: false, error: 'the runtime is closed' } },
      });
    } finally {
      await other.app.close();
    }
  });

  it('publishes an OpenAPI document generated from the route schemas', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.0.3');
    const post = doc.paths['/v1/commands'].post;
    expect(post.requestBody.content['application/json'].schema.required).toEqual(['command']);
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['200', '4XX']));
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/healthz',
        '/v1/status',
        '/v1/capabilities',
        '/v1/capabilities/{id}',
        '/v1/rollouts',
      ]),
    );
    expect(doc.paths['/metrics']).toBeUndefined();
  });

  it('exposes Prometheus metrics that count what happened', async () => {
    const text = async () => (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const count = (body: string, series: string) => {
      const line = body.split('\n').find((l) => l.startsWith(series + ' '));
      return line ? Number(line.split(' ')[1]) : 0;
    };
    const before = await text();
    await post({ command: 'what can you do' });
    await post({ command: 'count the purple triangles in the sidebar' });
    const after = await text();
    expect(count(after, 'ironcliw_commands_total{outcome="answered"}')).toBe(
      count(before, 'ironcliw_commands_total{outcome="answered"}') + 1,
    );
    expect(count(after, 'ironcliw_failures_total{category="missing_handler"}')).toBe(
      count(before, 'ironcliw_failures_total{category="missing_handler"}') + 1,
    );
    expect(after).toContain(
      'ironcliw_http_request_duration_seconds_count{method="POST",route="/v1/commands",status="200"}',
    );
    expect(
      count(after, 'ironcliw_capability_execution_seconds_count{capability="help",version="1",ok="true"}'),
    ).toBe(
      count(before, 'ironcliw_capability_execution_seconds_count{capability="help",version="1",ok="true"}') +
        1,
    );
    expect(after).toContain('ironcliw_process_cpu_seconds_total');
  });
});

describe('screens named by path over HTTP', () => {
  it('are refused unless server.screenRoot is set, and never resolve outside it', async () => {
    const closed = await open();
    try {
      const res = await closed.app.inject({
        method: 'POST',
        url: '/v1/commands',
        payload: { command: 'count the red circles', screen: { path: '/etc/passwd' } },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toContain('not accepted over HTTP');
    } finally {
      await closed.app.close();
      await closed.ironcliw.close();
    }
    const root = mkdtempSync(join(tmpdir(), 'screens-'));
    const rooted = await open({ server: { screenRoot: root } });
    try {
      for (const path of ['../etc/passwd', '/etc/passwd', '.', '']) {
        const res = await rooted.app.inject({
          method: 'POST',
          url: '/v1/commands',
          payload: { command: 'count the red circles', screen: { path } },
        });
        expect({ path, status: res.statusCode, code: res.json().error?.code }).toEqual({
          path,
          status: 400,
          code: 'E_INPUT_INVALID',
        });
      }
      const missing = await rooted.app.inject({
        method: 'POST',
        url: '/v1/commands',
        payload: { command: 'count the red circles', screen: { path: 'nope.png' } },
      });
      expect(missing.json().error.code).toBe('E_SCREEN_UNREADABLE');
    } finally {
      await rooted.app.close();
      await rooted.ironcliw.close();
    }
  });
});

describe('HTTP limits', () => {
  it('limits the body size and the request rate, with codes', async () => {
    const { ironcliw, app } = await open({ maxBodyBytes: 2048, server: { rateLimitPerMinute: 5 } });
    try {
      const big = await app.inject({
        method: 'POST',
        url: '/v1/commands',
        payload: { command: 'x'.repeat(4096) },
      });
      expect(big.statusCode).toBe(413);
      expect(big.json().error.code).toBe('E_BODY_TOO_LARGE');
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++)
        statuses.push((await app.inject({ method: 'GET', url: '/v1/status' })).statusCode);
      expect(statuses.slice(0, 4)).toEqual([200, 200, 200, 200]);
      const limited = await app.inject({ method: 'GET', url: '/v1/status' });
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe('E_RATE_LIMITED');
    } finally {
      await app.close();
      await ironcliw.close();
    }
  });
});

describe('the uploaded screen of a command nothing handles', () => {
  it("is kept under its failure's screenRef; an unreadable one is neither recorded nor kept", async () => {
    const { ironcliw, app } = await open();
    try {
      const { png } = await renderScene(
        countScene({ color: 'red', shape: 'circle', region: 'content', count: 2, seed: 3 }),
      );
      const send = (bytes: Buffer) =>
        app.inject({
          method: 'POST',
          url: '/v1/commands',
          payload: { command: 'close the settings dialog', screen: { pngBase64: bytes.toString('base64') } },
        });
      const res = await send(png);
      expect(res.json()).toMatchObject({ ok: false, failure: { category: 'missing_handler' } });
      const [failure] = await ironcliw.store.failures.list({ limit: 10 });
      expect(failure?.screenRef).toMatch(/^screen:scr_/);
      const kept = await ironcliw.store.screens.get(failure!.screenRef!.slice('screen:'.length));
      expect(Buffer.from(kept!.bytes).equals(png)).toBe(true);

      // A sound PNG header over cut pixel data: only the decode refuses it, after the command was routed to
      // no capability and its screen was being kept meanwhile.
      const cut = await send(png.subarray(0, 200));
      expect(cut.statusCode).toBe(400);
      expect(cut.json().error.code).toBe('E_IMAGE_INVALID');
      expect(await ironcliw.store.failures.count()).toBe(1);
      // A purge at the end of time deletes (and counts) every screen kept for a while: only the first one.
      expect(await ironcliw.store.screens.purge('9999-12-31T00:00:00.000Z')).toBe(1);
    } finally {
      await app.close();
      await ironcliw.close();
    }
  });
});
