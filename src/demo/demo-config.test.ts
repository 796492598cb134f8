import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { judge, resolveThresholds, windowStats } from '../rollout/index.js';
import { DEMO_CONFIG } from './demo.js';

// The demo's walk (canary → production for a good capability) must not depend on the machine's speed:
// issue 20 saw `paused` instead of `production` when the suite ran on a busy 2-core machine.
describe('the demo judges what users do, not how fast the machine is', () => {
  const config = loadConfig({ overrides: DEMO_CONFIG, env: {} });
  const t = resolveThresholds(config.rollout.decision);
  const window = (latencyBucket: string, extra: Record<string, number> = {}) =>
    windowStats({ requests: 12, ok: 12, [latencyBucket]: 12, ...extra }, t);
  const input = (stats: ReturnType<typeof windowStats>) => ({
    stage: 'canary' as const,
    stats,
    openForMs: 60_000,
    next: 'beta' as const,
    cap: 'production' as const,
    capReason: '',
  });

  it('promotes a healthy canary whose requests took seconds on a loaded machine', () => {
    expect(judge(input(window('latency_le:2000')), t).action).toBe('promote');
    expect(judge(input(window('latency_le:10000')), t).action).toBe('promote');
  });

  it('still rolls back on errors and pauses on bad feedback (the production rules)', () => {
    expect(
      judge(input(windowStats({ requests: 12, ok: 6, 'fail:error': 6, 'latency_le:5': 12 }, t)), t).action,
    ).toBe('rollback');
    expect(
      judge(input(window('latency_le:5', { 'feedback:positive': 2, 'feedback:negative': 8 })), t).action,
    ).toBe('pause');
  });

  it('does not let a slow benchmark condition the demo capability’s verification', () => {
    expect((config.verification as { p99BudgetMs?: number }).p99BudgetMs).toBeGreaterThanOrEqual(
      config.sandbox.timeoutMs,
    );
  });
});
