import type { SandboxStatus } from '../domain/index.js';
import type { BridgeReply } from './host-bridge.js';

/** The local view of quickjs-engine.mjs (plain JS so the child can run it without a build step). */
interface EngineJob {
  code: string;
  kind: 'module' | 'script';
  inputJson: string;
  timeoutMs: number;
  memoryMb: number;
  maxOutputBytes: number;
  maxArgBytes: number;
  methods: readonly string[];
}

interface EngineOutcome {
  status: Exclude<SandboxStatus, 'violation'>;
  outputJson?: string;
  error?: string;
  peakMemoryMb: number;
  poisoned: boolean;
}

export interface QuickJsEngine {
  readonly poisoned: boolean;
  heapBytes(): number;
  abort(): void;
  run(
    job: EngineJob,
    bridge: { call(method: string, argsJson: string): Promise<BridgeReply> },
  ): Promise<EngineOutcome>;
}

export interface QuickJsEngineModule {
  loadEngine(where?: { coreUrl?: string; variantUrl?: string }): Promise<QuickJsEngine>;
}
