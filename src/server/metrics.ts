import client from 'prom-client';
import type { Ironcliw } from '../ironcliw.js';

/**
 * Prometheus metrics of one server (its own registry, so several servers in one process — tests — never
 * share counters). Fed by the runtime's events, so they count what happened, not what was asked.
 */
interface ServerMetrics {
  readonly registry: client.Registry;
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  close(): void;
}

export function createServerMetrics(ironcliw: Ironcliw): ServerMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'ironcliw_' });

  const http = new client.Histogram({
    name: 'ironcliw_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const commands = new client.Counter({
    name: 'ironcliw_commands_total',
    help: 'Commands handled, by outcome (answered | failed)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const answered = commands.labels({ outcome: 'answered' });
  const failed = commands.labels({ outcome: 'failed' });
  const failures = new client.Counter({
    name: 'ironcliw_failures_total',
    help: 'Failures recorded, by category',
    labelNames: ['category'] as const,
    registers: [registry],
  });
  const executions = new client.Histogram({
    name: 'ironcliw_capability_execution_seconds',
    help: 'Capability run time by capability, version and outcome',
    labelNames: ['capability', 'version', 'ok'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  const stages = new client.Histogram({
    name: 'ironcliw_pipeline_stage_duration_seconds',
    help: 'Learning pipeline stage durations by stage and outcome',
    labelNames: ['stage', 'outcome'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const transitions = new client.Counter({
    name: 'ironcliw_rollout_transitions_total',
    help: 'Rollout decisions by kind (register, promote, pause, resume, rollback…) and target stage',
    labelNames: ['kind', 'stage'] as const,
    registers: [registry],
  });

  const execution = childrenOf(executions); // bounded by the capability versions that exist
  const off = [
    ironcliw.on('command', (r) => (r.ok ? answered : failed).inc()),
    ironcliw.on('failure', (f) => failures.inc({ category: f.category })),
    ironcliw.on('execution', (e) =>
      execution({ capability: e.capabilityId, version: String(e.version), ok: String(e.ok) }).observe(
        e.latencyMs / 1000,
      ),
    ),
    ironcliw.on('stage', (s) => stages.observe({ stage: s.stage, outcome: s.outcome }, s.ms / 1000)),
    ironcliw.on('rollout', (e) => transitions.inc({ kind: e.kind, stage: e.toStage ?? '' })),
  ];

  const request = childrenOf(http); // bounded: route is the route's pattern, never the raw URL
  return {
    registry,
    observeRequest: (method, route, status, seconds) =>
      request({ method, route, status: String(status) }).observe(seconds),
    close: () => off.forEach((f) => f()),
  };
}

/**
 * A histogram's child per label set, made once: prom-client hashes the label set on every `observe`, and
 * these run on every request. Only for label sets drawn from a bounded set of values.
 */
function childrenOf<L extends string>(
  metric: client.Histogram<L>,
): (labels: Record<L, string>) => client.Histogram.Internal<L> {
  const children = new Map<string, client.Histogram.Internal<L>>();
  return (labels) => {
    const key = Object.values(labels).join('\0');
    let child = children.get(key);
    if (!child) {
      child = metric.labels(labels);
      children.set(key, child);
    }
    return child;
  };
}
