import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxTier } from '../sandbox/index.js';
import { createSandboxTier } from '../sandbox/index.js';
import { openStore } from '../store/index.js';
import { createTestScenes, createVisionPort } from '../vision-port.js';
import {
  benchmarkCapability,
  compareReports,
  isBenchmarkRun,
  toStoredReport,
  withHostLatency,
} from './index.js';
import type { BenchmarkRun } from './index.js';
import { WAITS_ON_HOST, capability, hashing } from '../../test/support/benchmark-capabilities.js';

let tier: SandboxTier;
beforeAll(async () => {
  tier = await createSandboxTier('process', { poolSize: 2 });
});
afterAll(async () => {
  await tier?.close();
});

describe('benchmarkCapability through the process sandbox', () => {
  // 200 ms: on this shared 2-core machine a loaded scheduler adds up to ~10 ms to a wake-up, which must stay
  // inside the 10% the test allows; an idle machine measures ~201 ms (docs/benchmark.md).
  it('a capability waiting 200 ms on a host-timed call has p50 within 10% of 200 ms', async () => {
    const r = await benchmarkCapability({
      capability: capability('waits-200', WAITS_ON_HOST),
      tier,
      warmup: 2,
      iterations: 15,
      host: (sdk) => withHostLatency(sdk, { 'clock.now': 200 }),
    });
    expect(r.requests).toBe(15);
    expect(r.errorRate).toBe(0);
    expect(Math.abs(r.latency.p50 - 200) / 200).toBeLessThan(0.1);
    expect(r.latency.min).toBeGreaterThanOrEqual(199);
    // The sandbox's own wall time of the run holds the wait too (measured in the parent around the child).
    expect(r.service!.p50).toBeGreaterThanOrEqual(199);
    expect(r.latency.count).toBe(15);
    expect(r.throughput).toBeGreaterThan(3);
    expect(r.throughput).toBeLessThan(5.1);
  });

  it('reports a deliberately slowed version as regressed and an identical one as unchanged', async () => {
    // The host wait (30 ms) dominates the identical versions, so scheduler noise of a shared machine stays well
    // inside the 10% practical threshold; the slowed version adds 60k loop iterations of CPU work.
    const opts = {
      tier,
      warmup: 3,
      iterations: 30,
      host: (sdk: Parameters<typeof withHostLatency>[0]) => withHostLatency(sdk, { 'clock.now': 30 }),
    };
    const base = await benchmarkCapability({ ...opts, capability: capability('hash', hashing(0), 1) });
    const identical = await benchmarkCapability({
      ...opts,
      capability: capability('hash', hashing(0), 2),
      baseline: base,
    });
    const slowed = await benchmarkCapability({
      ...opts,
      capability: capability('hash', hashing(60_000), 3),
      baseline: base,
    });
    expect(identical.regression?.verdict).toBe('unchanged');
    expect(slowed.regression?.verdict).toBe('regressed');
    const p50 = slowed.regression!.metrics.find((m) => m.metric === 'p50')!;
    expect(p50.ratio).toBeGreaterThan(1.1);
    expect(p50.pValue).toBeLessThan(0.01);
    expect(slowed.regression!.baselineId).toBe(base.id);
    expect(slowed.cpu).toBeGreaterThan(base.cpu);
    const table = compareReports([base, identical, slowed]);
    expect(table.metrics.find((m) => m.metric === 'cpu')!.best).not.toContain('hash@v3');
  });

  it('counts failing runs and outputs that break the schema as errors', async () => {
    const throws = await benchmarkCapability({
      capability: capability('throws', `export default async function run() { throw new Error('nope'); }`),
      tier,
      warmup: 1,
      iterations: 10,
    });
    expect(throws.errorRate).toBe(1);
    expect(throws.errorKinds[0]!.message).toMatch(/^error: .*nope/);
    const badOutput = await benchmarkCapability({
      capability: capability('bad-output', `export default async function run() { return { answer: 'x' }; }`),
      tier,
      warmup: 1,
      iterations: 10,
    });
    expect(badOutput.errors).toBe(10);
    expect(badOutput.errorKinds[0]!.message).toMatch(/invalid output/);
    const timesOut = await benchmarkCapability({
      capability: {
        ...capability('spins', `export default async function run() { for (;;) {} }`),
        manifest: { ...capability('spins', '').manifest, limits: { timeoutMs: 50, memoryMb: 64 } },
      },
      tier,
      warmup: 0,
      iterations: 2,
    });
    expect(timesOut.timeouts).toBe(2);
  });

  it('runs a vision capability on a scene screen and keeps the report in the store', async () => {
    const screen = await createTestScenes().countScene({
      count: 3,
      shape: 'circle',
      color: 'green',
      seed: 4,
    });
    const cap = capability(
      'count-green-circles',
      `export default async function run(input, sdk) {
        const img = await sdk.screen.capture();
        const items = await sdk.vision.findShapes(img, { shape: 'circle', color: 'green' });
        return { answer: String(items.length), data: { count: items.length, items } };
      }`,
      1,
      ['screen.capture', 'vision.analyze'],
    );
    const r = await benchmarkCapability({
      capability: cap,
      tier,
      vision: createVisionPort(),
      screen,
      warmup: 2,
      iterations: 8,
      concurrency: 2,
    });
    expect(r.errorKinds).toEqual([]);
    expect(r.errorRate).toBe(0);
    expect(r.latency.p50).toBeGreaterThan(0);
    expect(r.model).toEqual({ kind: 'closed', concurrency: 2 });

    const store = await openStore('memory:');
    try {
      await store.reports.add(toStoredReport(r));
      const rows = await store.reports.list('count-green-circles', 1, 'benchmark');
      expect(rows).toHaveLength(1);
      expect(isBenchmarkRun(rows[0]!.report)).toBe(true);
      const back = rows[0]!.report as BenchmarkRun;
      expect(back.samplesMs).toEqual(r.samplesMs);
      expect(back.latency.p99).toBe(r.latency.p99);
    } finally {
      await store.close();
    }
  });

  it('open model: a rate well under capacity is served on schedule', async () => {
    const r = await benchmarkCapability({
      capability: capability('waits-5', WAITS_ON_HOST),
      tier,
      warmup: 2,
      durationMs: 1000,
      ratePerSec: 50,
      host: (sdk) => withHostLatency(sdk, { 'clock.now': 5 }),
    });
    expect(r.model).toEqual({ kind: 'open', ratePerSec: 50 });
    expect(r.requests).toBe(50);
    expect(r.latency.min).toBeGreaterThanOrEqual(4.5);
    expect(r.throughput).toBeGreaterThan(40);
    expect(r.throughput).toBeLessThan(55);
  });
});
