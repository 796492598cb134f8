import { describe, expect, it } from 'vitest';
import { poolBenchmarks } from './production-benchmark.js';

const run = (id: string, samplesMs: number[], errors = 0) => ({
  id,
  samplesMs,
  requests: samplesMs.length,
  errors,
  errorRate: errors / samplesMs.length,
  latency: { p50: samplesMs[0]!, p99: samplesMs[0]!, count: samplesMs.length },
  leak: { suspected: false },
});

describe('poolBenchmarks', () => {
  it('pools samples, requests and errors and recomputes p50, p99 and the error rate from them', () => {
    const fast = run(
      'a',
      Array.from({ length: 100 }, () => 1),
    );
    const slow = run(
      'b',
      Array.from({ length: 100 }, () => 9),
      10,
    );
    const pooled = poolBenchmarks([fast, slow]) as ReturnType<typeof run>;
    expect(pooled.id).toBe('a+b');
    expect(pooled.samplesMs).toHaveLength(200);
    expect(pooled.requests).toBe(200);
    expect(pooled.errors).toBe(10);
    expect(pooled.errorRate).toBe(0.05);
    expect(pooled.latency.p50).toBe(1);
    expect(pooled.latency.p99).toBe(9);
    expect(pooled.latency.count).toBe(200);
  });

  it('refuses figures without samples (nothing to pool)', () => {
    expect(
      poolBenchmarks([{ latency: { p99: 1 }, errorRate: 0, leak: { suspected: false } }]),
    ).toBeUndefined();
    expect(poolBenchmarks([])).toBeUndefined();
  });
});
