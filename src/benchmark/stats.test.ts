import { describe, expect, it } from 'vitest';
import { compareReports } from './compare.js';
import { detectLeak } from './leak.js';
import { runLoad } from './load.js';
import { latencyCdfSvg, latencyHistogramSvg, loadCurveSvg, renderBenchmarkSvg } from './plots.js';
import { compareToBaseline } from './regression.js';
import {
  LatencyRecorder,
  bootstrapQuantileRatio,
  linearFit,
  mannWhitneyU,
  normalCdf,
  normalQuantile,
  seededRng,
  tQuantile,
} from './stats.js';
import type { BenchmarkRun } from './types.js';

// Reference values from SciPy 1.17 (stats.mannwhitneyu asymptotic+continuity, stats.t.ppf, stats.linregress).
const A = [12.1, 14.3, 11.8, 13.5, 15.2, 12.9, 14.8, 13.1, 12.4, 16.0, 13.9, 12.7];
const B = [10.2, 11.5, 10.9, 12.3, 11.1, 10.4, 12.8, 11.9, 10.7, 11.3, 13.0, 10.1, 11.6];

describe('statistics against SciPy', () => {
  it('Mann–Whitney U matches scipy (no ties)', () => {
    const r = mannWhitneyU(A, B);
    expect(r.u).toBe(144);
    expect(r.pTwoSided).toBeCloseTo(0.000367017660039, 6);
    expect(r.pGreater).toBeCloseTo(0.00018350883, 7);
    expect(r.pLess).toBeCloseTo(0.9998510522, 6);
  });

  it('Mann–Whitney U matches scipy with ties', () => {
    const r = mannWhitneyU([1, 2, 2, 3, 3, 3, 4, 5], [2, 3, 4, 4, 5, 5, 6, 7]);
    expect(r.u).toBe(13.5);
    expect(r.pTwoSided).toBeCloseTo(0.05464095473, 5);
  });

  it('normal and t quantiles are within the documented accuracy', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 7);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 7);
    expect(normalCdf(1.5)).toBeCloseTo(0.9331927987311419, 6);
    const exact: Array<[number, number, number]> = [
      [0.995, 5, 4.032142983555228],
      [0.975, 10, 2.228138851986274],
      [0.995, 30, 2.7499956535672254],
      [0.9995, 100, 3.390491311164263],
      [0.9995, 30, 3.6459586350420627],
    ];
    for (const [p, df, t] of exact) expect(Math.abs(tQuantile(p, df) - t) / t).toBeLessThan(0.005);
  });

  it('least-squares slope and its t interval match scipy linregress', () => {
    const y = [
      3.1, 4.0, 5.2, 5.8, 7.1, 8.0, 8.7, 10.2, 11.1, 11.8, 13.2, 13.9, 15.1, 16.0, 17.2, 17.9, 19.1, 20.2,
      21.0, 21.8,
    ];
    const fit = linearFit(
      y.map((_, i) => i),
      y,
      0.95,
    );
    expect(fit.slope).toBeCloseTo(0.9993984962406016, 9);
    expect(fit.intercept).toBeCloseTo(3.025714285714285, 9);
    expect(fit.stderr).toBeCloseTo(0.006277882823042515, 9);
    expect(fit.ci[0]).toBeCloseTo(0.986209153851621, 3);
    expect(fit.ci[1]).toBeCloseTo(1.0125878386295823, 3);
  });

  it('bootstrap interval of a quantile ratio covers the true ratio and excludes 1 for a real shift', () => {
    const rng = seededRng(7);
    const base = Array.from({ length: 400 }, () => 10 + rng() * 2);
    const slow = Array.from({ length: 400 }, () => 13 + rng() * 2);
    const same = Array.from({ length: 400 }, () => 10 + rng() * 2);
    const shifted = bootstrapQuantileRatio(slow, base, 0.5);
    expect(shifted.ci[0]).toBeGreaterThan(1.2);
    expect(shifted.ci[0]).toBeLessThan(shifted.ratio);
    expect(shifted.ci[1]).toBeGreaterThan(shifted.ratio);
    const null_ = bootstrapQuantileRatio(same, base, 0.5);
    expect(null_.ci[0]).toBeLessThan(1);
    expect(null_.ci[1]).toBeGreaterThan(1);
  });

  it('HdrHistogram recorder reports percentiles in ms at 3 significant digits', () => {
    const r = new LatencyRecorder();
    for (let i = 1; i <= 1000; i++) r.recordMs(i / 10); // 0.1 .. 100 ms
    const s = r.stats();
    r.destroy();
    expect(s.count).toBe(1000);
    expect(s.p50).toBeCloseTo(50, 0);
    expect(s.p99).toBeCloseTo(99, 0);
    expect(s.p99_9).toBeCloseTo(99.9, 0);
    expect(s.max).toBeCloseTo(100, 0);
    expect(s.mean).toBeCloseTo(50.05, 1);
  });
});

describe('leak detection', () => {
  it('flags a sustained rise and reports its slope', () => {
    const rng = seededRng(3);
    const series = Array.from({ length: 40 }, (_, i) => 300 + 20 * i + (rng() - 0.5) * 40);
    const r = detectLeak(series);
    expect(r.suspected).toBe(true);
    expect(r.slopeKbPerIter).toBeGreaterThan(18);
    expect(r.slopeKbPerIter).toBeLessThan(22);
    expect(r.ciKbPerIter[0]).toBeGreaterThan(0);
  });

  it('does not flag flat noise, a single spike, or a step down after warm-up growth', () => {
    const rng = seededRng(11);
    let alarms = 0;
    for (let run = 0; run < 200; run++) {
      const flat = Array.from({ length: 40 }, () => 300 + rng() * 500);
      if (detectLeak(flat).suspected) alarms++;
    }
    expect(alarms).toBeLessThanOrEqual(1);
    const spike = Array.from({ length: 40 }, (_, i) => (i === 39 ? 5000 : 300));
    expect(detectLeak(spike).suspected).toBe(false);
    const stepDown = Array.from({ length: 40 }, (_, i) => (i < 5 ? 2000 : 300));
    expect(detectLeak(stepDown).suspected).toBe(false);
  });

  it('does not flag a rise below the practical threshold, nor too few points', () => {
    const tiny = Array.from({ length: 40 }, (_, i) => 300 + 1 * i); // 39 KB over the run
    const r = detectLeak(tiny);
    expect(r.ciKbPerIter[0]).toBeGreaterThan(0);
    expect(r.suspected).toBe(false);
    expect(detectLeak([1, 100, 1000, 10000]).suspected).toBe(false);
  });
});

describe('regression verdicts on samples', () => {
  const sample = (seed: number, centre: number, n = 200) => {
    const rng = seededRng(seed);
    return Array.from({ length: n }, () => centre * (0.9 + rng() * 0.2));
  };
  const run = (samplesMs: number[], errors = 0) => ({ samplesMs, requests: samplesMs.length, errors });

  it('a 50% slower run regresses, the same distribution is unchanged, a faster one improves', () => {
    const base = run(sample(1, 10));
    expect(compareToBaseline(run(sample(2, 15)), base).verdict).toBe('regressed');
    const same = compareToBaseline(run(sample(3, 10)), base);
    expect(same.verdict).toBe('unchanged');
    expect(compareToBaseline(run(sample(4, 6)), base).verdict).toBe('improved');
  });

  it('a significant but small shift stays unchanged (practical threshold)', () => {
    const r = compareToBaseline(run(sample(5, 10.5, 5000)), run(sample(6, 10, 5000)));
    const p50 = r.metrics.find((m) => m.metric === 'p50')!;
    expect(p50.pValue).toBeLessThan(0.01);
    expect(r.verdict).toBe('unchanged');
  });

  it('p99 is judged only with enough tail samples, and then catches a slower tail', () => {
    const few = compareToBaseline(run(sample(7, 10, 100)), run(sample(8, 10, 100)));
    expect(few.metrics.find((m) => m.metric === 'p99')!.reason).toMatch(/not judged/);
    const base = sample(9, 10, 3000);
    const tail = sample(10, 10, 3000).map((v, i) => (i % 50 === 0 ? v * 3 : v)); // 2% of requests 3× slower
    const r = compareToBaseline(run(tail), run(base));
    expect(r.metrics.find((m) => m.metric === 'p99')!.verdict).toBe('regressed');
    expect(r.metrics.find((m) => m.metric === 'p50')!.verdict).toBe('unchanged');
    expect(r.verdict).toBe('regressed');
  });

  it('a higher error rate regresses', () => {
    const s = sample(11, 10, 500);
    expect(compareToBaseline(run(s, 50), run(s, 0)).verdict).toBe('regressed');
    expect(compareToBaseline(run(s, 1), run(s, 0)).verdict).toBe('unchanged');
  });
});

describe('load models', () => {
  /**
   * A target that answers in ~1 ms, except that request `stallAt` freezes the whole process (a synchronous
   * host stall, like a long GC pause) for `stallMs`: nothing can be sent while it lasts.
   */
  function stallingTarget(stallAt: number, stallMs: number) {
    return async (i: number) => {
      if (i === stallAt) {
        const until = performance.now() + stallMs;
        while (performance.now() < until); // the stall: blocks the event loop, so the load generator too
      }
      await new Promise((r) => setTimeout(r, 1));
      return { ok: true };
    };
  }

  it('open model records from the intended start, so a stall shows in every request it delayed', async () => {
    // 100 req/s for 1 s; request 20 freezes the process for 300 ms → the ~30 requests due meanwhile go late.
    const open = await runLoad({
      task: stallingTarget(20, 300),
      model: { kind: 'open', ratePerSec: 100 },
      durationMs: 1000,
      warmup: 0,
    });
    // Closed model, one user, same target: the stall is one slow sample (coordinated omission).
    const closed = await runLoad({
      task: stallingTarget(20, 300),
      model: { kind: 'closed', concurrency: 1 },
      iterations: 100,
      warmup: 0,
    });
    expect(open.requests).toBe(100);
    expect(closed.requests).toBe(100);
    // ~30% of the open-model requests waited 0..300 ms behind the stall.
    expect(open.latency.p90).toBeGreaterThan(100);
    expect(open.latency.max).toBeGreaterThan(290);
    expect(closed.latency.p90).toBeLessThan(20);
    expect(closed.latency.max).toBeGreaterThan(290);
  });

  it('closed model keeps V requests in flight and counts errors and throws', async () => {
    let inFlight = 0;
    let peak = 0;
    const r = await runLoad({
      task: async (i) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((res) => setTimeout(res, 2));
        inFlight--;
        if (i % 10 === 0) throw new Error('boom');
        return i % 10 === 1 ? { ok: false, timeout: true, error: 'timeout: slow' } : { ok: true };
      },
      model: { kind: 'closed', concurrency: 4 },
      iterations: 100,
      warmup: 0,
    });
    expect(peak).toBe(4);
    expect(r.requests).toBe(100);
    expect(r.errors).toBe(20);
    expect(r.timeouts).toBe(10);
    expect(r.errorKinds.map((e) => e.message).sort()).toEqual(['boom', 'timeout: slow']);
    expect(r.loadCurve.reduce((s, p) => s + p.completed, 0)).toBe(100);
  });

  it('rejects impossible load settings with E_INPUT_INVALID', async () => {
    const task = async () => ({ ok: true });
    await expect(
      runLoad({ task, model: { kind: 'closed', concurrency: 0 }, iterations: 1 }),
    ).rejects.toMatchObject({
      code: 'E_INPUT_INVALID',
    });
    await expect(
      runLoad({ task, model: { kind: 'open', ratePerSec: -1 }, iterations: 1 }),
    ).rejects.toMatchObject({
      code: 'E_INPUT_INVALID',
    });
    await expect(runLoad({ task, model: { kind: 'closed', concurrency: 1 } })).rejects.toMatchObject({
      code: 'E_INPUT_INVALID',
    });
  });
});

function fakeRun(id: string, p50: number, throughput: number, memory: number): BenchmarkRun {
  const samplesMs = Array.from({ length: 100 }, (_, i) => p50 * (0.8 + (i / 100) * 0.4));
  return {
    id,
    capabilityId: 'cap',
    version: Number(id.replace(/\D/g, '')) || 1,
    at: new Date(0).toISOString(),
    tier: 'process',
    target: 'sandbox',
    model: { kind: 'closed', concurrency: 1 },
    latency: {
      count: 100,
      min: p50 * 0.8,
      p50,
      p90: p50 * 1.1,
      p95: p50 * 1.15,
      p99: p50 * 1.2,
      p99_9: p50 * 1.2,
      max: p50 * 1.2,
      mean: p50,
      stdev: 1,
    },
    throughput,
    errorRate: 0,
    cpu: 1,
    memory,
    requests: 100,
    errors: 0,
    timeouts: 0,
    errorKinds: [],
    durationMs: 1000,
    warmup: 0,
    cpuMsPerRun: { mean: 1, p99: 1 },
    memoryMb: { mean: memory, max: memory },
    leak: {
      suspected: false,
      slopeKbPerIter: 0,
      ciKbPerIter: [0, 0],
      level: 0.999,
      points: 100,
      growthKb: 0,
      reason: '',
    },
    loadCurve: [
      { t: 0.5, completed: 50, errors: 0, p50, p99: p50 * 1.2 },
      { t: 1, completed: 50, errors: 1, p50, p99: p50 * 1.2 },
    ],
    samplesMs,
    memorySeriesKb: [],
    histogram: '',
  };
}

describe('comparison and plots', () => {
  it('names the best run per metric', () => {
    const c = compareReports([fakeRun('v1', 10, 100, 2), fakeRun('v2', 8, 90, 3), fakeRun('v3', 12, 120, 2)]);
    const best = Object.fromEntries(c.metrics.map((m) => [m.metric, m.best]));
    expect(best.p50).toEqual(['cap@v2']);
    expect(best.throughput).toEqual(['cap@v3']);
    expect(best.memory).toEqual(['cap@v1', 'cap@v3']);
  });

  it('writes well-formed SVG with the data in it', () => {
    const r = fakeRun('v1', 10, 100, 2);
    for (const svg of [latencyHistogramSvg(r), latencyCdfSvg(r), loadCurveSvg(r)]) {
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg.endsWith('</svg>')).toBe(true);
      expect(svg).not.toMatch(/NaN|undefined|Infinity/);
    }
    expect((latencyHistogramSvg(r).match(/<rect /g) ?? []).length).toBeGreaterThan(10);
    expect(latencyCdfSvg(r)).toContain('p99 12.0 ms');
    expect(loadCurveSvg(r)).toContain('100 req/s, 1 errors');
    const all = renderBenchmarkSvg(r);
    expect((all.match(/<svg /g) ?? []).length).toBe(1);
    expect((all.match(/<g transform/g) ?? []).length).toBe(3);
    // Capability ids are user data: escaped in the SVG.
    expect(latencyCdfSvg({ ...r, capabilityId: '<script>' })).toContain('&#60;script&#62;');
  });
});
