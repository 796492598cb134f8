import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ironcliw } from '../../src/ironcliw.js';
import { createIroncliw } from '../../src/ironcliw.js';
import { buildServer } from '../../src/server/index.js';

/**
 * Bad input against the HTTP API: ≥ 10,000 generated requests (seeded, so a failure replays) of malformed
 * JSON, wrong types, unknown fields, huge and odd strings, injection payloads in commands, wrong methods and
 * routes. The promise: only 2xx/4xx, every 4xx with a documented code and hint, never a 5xx or a crash, and
 * rejected requests change nothing in the store.
 */
const INJECTIONS = [
  "'; drop table failures; --",
  '" OR 1=1 --',
  '${process.exit(1)}',
  '`rm -rf /`',
  '*/ process.exit() /*',
  '\u0000\u0001\u0002',
  '\\u0070rocess',
  '<script>alert(1)</script>',
  '{{constructor.constructor("return process")()}}',
  '__proto__',
  'constructor',
  '\ud800',
  '🙂'.repeat(300),
  'count the red circles\n\n\r\t',
];

const jsonValue = fc.jsonValue({ maxDepth: 3 });
const text = fc.oneof(
  fc.string({ maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(...INJECTIONS),
  fc.string({ maxLength: 3000 }),
);
const context = fc.oneof(
  fc.record({ user: text, groups: fc.array(text, { maxLength: 5 }) }, { requiredKeys: [] }),
  jsonValue,
);
const screen = fc.oneof(
  fc.record({ pngBase64: fc.base64String({ maxLength: 400 }) }),
  fc.record({ path: text }),
  fc.record({ path: fc.constantFrom('/etc/passwd', '/dev/zero', '/proc/self/environ', '.', '') }),
  jsonValue,
);
const realistic = fc
  .tuple(
    fc.constantFrom(
      'count the',
      'find the',
      'read the text in the',
      'click the',
      'is there a',
      'please describe',
    ),
    fc.constantFrom('red', 'green', 'blue', 'mauve', ''),
    fc.constantFrom('circles', 'squares', 'Save button', 'toolbar', 'screen'),
    fc.constantFrom(...INJECTIONS, '', 'on the toolbar', 'in the sidebar'),
  )
  .map((parts) => parts.join(' '));
const commandBody = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      command: fc.oneof(realistic, fc.constantFrom(...INJECTIONS)),
      context: fc.record({ user: fc.stringMatching(/^[a-z]{1,12}$/) }),
    }),
  },
  fc.record({ command: text, context, screen }, { requiredKeys: ['command'] }),
  fc.record({ command: jsonValue, extra: jsonValue }, { requiredKeys: [] }),
  fc.dictionary(fc.string({ maxLength: 10 }), jsonValue, { maxKeys: 5 }),
  jsonValue,
);
const rawPayload = fc.oneof(
  commandBody.map((b) => JSON.stringify(b)),
  fc.string({ maxLength: 300 }), // mostly not JSON at all
  fc.constantFrom('{', '{"command":', 'null', '[]', '""', '{"command": "a", }', '\u0000'),
  commandBody.map((b) => JSON.stringify(b).slice(0, -1)), // truncated
);
const request = fc.oneof(
  {
    weight: 6,
    arbitrary: rawPayload.map((payload) => ({ method: 'POST' as const, url: '/v1/commands', payload })),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH') as fc.Arbitrary<
        'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH'
      >,
      url: fc.oneof(
        fc.constantFrom('/v1/status', '/v1/capabilities', '/v1/rollouts', '/v1/failures', '/openapi.json'),
        fc.string({ maxLength: 40 }).map((s) => '/v1/capabilities/' + encodeURIComponent(s || 'x')),
        fc.string({ maxLength: 40 }).map((s) => '/v1/failures?limit=' + encodeURIComponent(s)),
        fc.webPath().map((p) => '/v1' + p),
      ),
      payload: fc.option(rawPayload, { nil: undefined }),
    }),
  },
);
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  fc.constantFrom(
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
  ),
);

describe('HTTP API under fuzzed input', () => {
  let ironcliw: Ironcliw;
  let app: FastifyInstance;
  beforeAll(async () => {
    ironcliw = await createIroncliw(
      { db: ':memory:', server: { rateLimitPerMinute: 0 }, maxCommandLength: 2000 },
      { startWorkers: false },
    );
    app = await buildServer(ironcliw);
  });
  afterAll(async () => {
    await app.close();
    await ironcliw.close();
  });

  it('answers 10,000 generated requests with 2xx or coded 4xx only, and rejected ones store nothing', async () => {
    const statuses: Record<number, number> = {};
    const codes: Record<string, number> = {};
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(request, contentType, async (req, type) => {
        runs++;
        const failuresBefore = await ironcliw.store.failures.count();
        const res = await app.inject({
          method: req.method,
          url: req.url,
          ...(req.payload !== undefined && req.method !== 'GET'
            ? { payload: req.payload, headers: { 'content-type': type } }
            : {}),
        });
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        expect(res.statusCode, `${req.method} ${req.url} ${String(req.payload).slice(0, 200)}`).toBeLessThan(
          500,
        );
        if (res.statusCode >= 400) {
          const body = res.json();
          expect(body.error.code).toMatch(/^E_[A-Z_]+$/);
          expect(body.error.hint.length).toBeGreaterThan(0);
          codes[body.error.code] = (codes[body.error.code] ?? 0) + 1;
          expect(await ironcliw.store.failures.count()).toBe(failuresBefore);
        }
      }),
      { numRuns: 10_000, seed: 20261125, endOnFailure: true },
    );
    expect(runs).toBe(10_000);
    console.info('fuzz statuses', statuses, 'codes', codes);
    // The generator really reaches the paths it means to: rejections of several kinds and real answers.
    expect(statuses[200] ?? 0).toBeGreaterThan(500);
    expect(Object.keys(codes).length).toBeGreaterThanOrEqual(3);
    const health = await app.inject({ method: 'POST', url: '/v1/commands', payload: { command: 'help' } });
    expect(health.json().ok).toBe(true);
  }, 300_000);
});
