import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchmarkHttp } from './index.js';

/** A local server whose answers take a known time; /fail answers 500, /slow 40 ms. */
const server = createServer((req, res) => {
  const delay = req.url?.startsWith('/slow') ? 40 : 0;
  setTimeout(() => {
    res.statusCode = req.url?.startsWith('/fail') ? 500 : 200;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: res.statusCode === 200, method: req.method }));
  }, delay);
});
let base = '';
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('HTTP load with autocannon', () => {
  it('measures a 40 ms endpoint: p50 near 40 ms, throughput ≈ connections / latency', async () => {
    const r = await benchmarkHttp({ url: `${base}/slow`, connections: 4, durationMs: 1500, warmupMs: 200 });
    expect(r.target).toBe('http');
    expect(r.errorRate).toBe(0);
    expect(r.latency.p50).toBeGreaterThanOrEqual(39);
    expect(r.latency.p50).toBeLessThan(60);
    // 4 connections × 1 request per ~41 ms ≈ 97 req/s.
    expect(r.throughput).toBeGreaterThan(60);
    expect(r.throughput).toBeLessThan(105);
    expect(r.samplesMs.length).toBe(r.requests);
    expect(r.loadCurve.reduce((s, p) => s + p.completed, 0)).toBe(r.requests);
  });

  it('counts non-2xx answers as errors and posts JSON bodies', async () => {
    const r = await benchmarkHttp({
      url: `${base}/fail`,
      body: { command: 'x' },
      connections: 2,
      amount: 50,
      warmupMs: 0,
    });
    expect(r.requests).toBe(50);
    expect(r.errorRate).toBe(1);
    expect(r.errorKinds[0]).toEqual({ message: 'HTTP 500', count: 50 });
  });

  it('rejects what is not an http URL', async () => {
    await expect(benchmarkHttp({ url: 'file:///etc/passwd' })).rejects.toMatchObject({
      code: 'E_INPUT_INVALID',
    });
    await expect(benchmarkHttp({ url: 'not a url' })).rejects.toMatchObject({ code: 'E_INPUT_INVALID' });
  });
});
