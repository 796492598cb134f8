/** The stage reports stored with a capability version: synthesis, sandbox, verification, benchmark. */
import type { Permission } from './capability.js';

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface Violation {
  rule: string;
  severity: Severity;
  message: string;
  line: number;
  column: number;
}

export interface SynthesisReport {
  safe: boolean;
  score: number;
  violations: Violation[];
  /** The transformed module, when transforms ran. */
  transformed?: string;
}

export type SandboxStatus = 'ok' | 'error' | 'timeout' | 'memory' | 'violation';

export interface HostCall {
  method: string;
  permission: Permission | null;
  allowed: boolean;
  args: unknown[];
  ms: number;
}

export interface SandboxResult {
  status: SandboxStatus;
  output?: unknown;
  error?: string;
  violations: string[];
  resources: { wallMs: number; cpuMs: number; peakMemoryMb: number };
  hostCalls: HostCall[];
}

export type VerificationLevel = 'basic' | 'standard' | 'comprehensive' | 'production';
export type VerificationDecision = 'approve' | 'conditional' | 'reject';

export interface Check {
  name: string;
  passed: boolean;
  detail: string;
}

export interface VerificationReport {
  level: VerificationLevel;
  passed: boolean;
  decision: VerificationDecision;
  riskScore: number;
  checks: Check[];
  conditions?: string[];
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface BenchmarkReport {
  latency: LatencySummary;
  throughput: number;
  errorRate: number;
  cpu: number;
  memory: number;
  leak: { suspected: boolean; slopeKbPerIter: number };
  regression?: { verdict: 'improved' | 'unchanged' | 'regressed'; detail: string };
}
