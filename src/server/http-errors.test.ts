import type { FastifyInstance } from 'fastify';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../domain/index.js';
import type { Ironcliw } from '../ironcliw.js';
import { createIroncliw } from '../ironcliw.js';
import { buildServer } from './server.js';

let ironcliw: Ironcliw;
let app: FastifyInstance;
beforeAll(async () => {
  ironcliw = await createIroncliw({ db: 'memory:', maxBodyBytes: 4096 }, { startWorkers: false });
  app = await buildServer(ironcliw);
});
afterAll(async () => {
  await app.close();
  await ironcliw.close();
});

/** The documented error shape, exactly, with the status docs/errors.md lists for the code. */
function expectError(res: { statusCode: number; body: string }, code: keyof typeof ERROR_CODES) {
  const body = JSON.parse(res.body) as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'hint', 'message']);
  expect(body.error.code).toBe(code);
  expect(res.statusCode).toBe(ERROR_CODES[code].status);
  expect(String(body.error.message).length).toBeGreaterThan(0);
  return body.error;
}

describe('HTTP errors', () => {
  it('answers a known path called with the wrong method with 405 and Allow, not 404', async () => {
    const cases: Array<[string, string, string]> = [
      ['GET', '/v1/commands', 'POST'],
      ['DELETE', '/v1/status', 'GET, HEAD'],
      ['GET', '/v1/rollouts/some-id/promote', 'POST'],
      ['PUT', '/v1/capabilities/some-id', 'GET, HEAD'],
    ];
    for (const [method, url, allow] of cases) {
      const res = await app.inject({ method: method as 'GET', url });
      expect({ url, allow: res.headers.allow }).toEqual({ url, allow });
      expect(expectError(res, 'E_METHOD_NOT_ALLOWED').message).toContain(allow);
    }
    // Unknown paths, and a route that found nothing under its own method, stay 404.
    expectError(await app.inject({ method: 'GET', url: '/v2/nothing' }), 'E_NOT_FOUND');
    expectError(await app.inject({ method: 'GET', url: '/dashboard/missing.js' }), 'E_NOT_FOUND');
  });

  it("gives Fastify's own errors the documented shape and status", async () => {
    const json = { 'content-type': 'application/json' };
    expectError(
      await app.inject({ method: 'GET', url: `/v1/capabilities/${'x'.repeat(2000)}` }),
      'E_URL_TOO_LONG',
    );
    expectError(await app.inject({ method: 'GET', url: '/v1/capabilities/%E0%A4%A' }), 'E_INPUT_INVALID');
    expectError(
      await app.inject({
        method: 'POST',
        url: '/v1/commands',
        payload: '<command/>',
        headers: { 'content-type': 'application/xml' },
      }),
      'E_UNSUPPORTED_MEDIA_TYPE',
    );
    expectError(
      await app.inject({ method: 'POST', url: '/v1/commands', payload: '{"command":', headers: json }),
      'E_INPUT_INVALID',
    );
    expectError(
      await app.inject({ method: 'POST', url: '/v1/commands', payload: '', headers: json }),
      'E_INPUT_INVALID',
    );
    expectError(
      await app.inject({
        method: 'POST',
        url: '/v1/commands',
        payload: JSON.stringify({ command: 'x'.repeat(5000) }),
        headers: json,
      }),
      'E_BODY_TOO_LARGE',
    );
  });

  it('answers what the HTTP parser refuses in the same shape, on a real socket', async () => {
    const server = await buildServer(ironcliw);
    await server.listen({ port: 0, host: '127.0.0.1' });
    const { port } = server.server.address() as AddressInfo;
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        let got = '';
        const socket = connect(port, '127.0.0.1', () => socket.end(request));
        socket.setEncoding('utf8').on('data', (s: string) => (got += s));
        socket.on('close', () => resolve(got));
        socket.on('error', reject);
      });
    try {
      const parse = (response: string) => {
        const [head, body] = response.split('\r\n\r\n');
        return { statusCode: Number(head!.split(' ')[1]), body: body!, head: head! };
      };
      const garbage = parse(await raw('NOT HTTP AT ALL\r\n\r\n'));
      expectError(garbage, 'E_INPUT_INVALID');
      expect(garbage.head).toMatch(/content-type: application\/json/i);
      const huge = parse(
        await raw(`GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      );
      expectError(huge, 'E_HEADERS_TOO_LARGE');
    } finally {
      await server.close();
    }
  });

  it('documents the event stream in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, { get?: { responses: Record<string, { content?: Record<string, unknown> }> } }>;
    };
    expect(Object.keys(doc.paths['/v1/events']?.get?.responses['200']?.content ?? {})).toEqual([
      'text/event-stream',
    ]);
  });
});
